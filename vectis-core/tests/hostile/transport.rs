//! Transport failures read as what they are (refused, TLS, DNS, closed), and
//! transports that cannot be trusted are refused.

use super::*;

#[tokio::test]
async fn a_refused_connection_says_so_once() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = ManualTime::new();
    let base = format!("http://127.0.0.1:{port}");
    let c = client_with(&base, key(), settings_on(&t).retry(RetryPolicy::never()));
    let e = get(&c, "/x").await.unwrap_err();
    let shown = e.to_string();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    assert!(
        shown.starts_with(&format!(
            "could not reach Atera at {base} (/x): connection refused — check"
        )),
        "{shown}"
    );
    assert_eq!(shown.matches("refused").count(), 1, "{shown}");
    // The cause is kept as a source chain down to the operating system's
    // error, not only as text.
    let mut kinds = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
        }
        cur = c.source();
    }
    assert!(
        kinds.contains(&std::io::ErrorKind::ConnectionRefused),
        "{kinds:?} in {e:?}"
    );
}

#[tokio::test]
async fn a_tls_failure_reads_as_tls() {
    // A plain-HTTP server spoken to over https.
    let server = MockServer::start().await;
    let t = ManualTime::new();
    let base = server.uri().replace("http://", "https://");
    let c = client_with(&base, key(), settings_on(&t).retry(RetryPolicy::never()));
    let shown = get(&c, "/x").await.unwrap_err().to_string();
    assert!(shown.contains("TLS handshake failed"), "{shown}");
}

#[tokio::test]
async fn an_unknown_host_reads_as_dns() {
    let t = ManualTime::new();
    let c = client_with(
        "https://no-such-host.invalid",
        key(),
        settings_on(&t)
            .retry(RetryPolicy::never())
            .timeout(Duration::from_secs(10)),
    );
    let shown = get(&c, "/x").await.unwrap_err().to_string();
    assert!(shown.contains("(DNS)"), "{shown}");
}

#[test]
fn a_base_url_that_fails_to_parse_is_repeated_only_as_scheme_and_host() {
    for raw in [
        "https://user:pa/ss@host.example.com",
        "https://user:p?ss#x@host.example.com/api",
        "https://:hunter2@host.example.com:99999",
    ] {
        let e = BaseUrl::parse(raw, "--base-url")
            .map(|_| ())
            .unwrap_err()
            .to_string();
        for secret in ["pa/ss", "p?ss", "hunter2", "user:"] {
            assert!(!e.contains(secret), "{raw} -> {e}");
        }
        assert!(e.contains("https://host.example.com"), "{raw} -> {e}");
    }
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_reads_as_closed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            drop(sock);
        }
    });
    let t = ManualTime::new();
    let c = client_with(
        &format!("http://127.0.0.1:{port}"),
        key(),
        settings_on(&t).retry(RetryPolicy::never()),
    );
    let shown = get(&c, "/x").await.unwrap_err().to_string();
    assert!(shown.contains("closed by the other side"), "{shown}");
    assert!(!shown.contains("TLS"), "{shown}");
}

#[tokio::test]
async fn a_transport_that_cannot_be_built_is_an_error_not_a_default_client() {
    // A root certificate that is not PEM: the transport cannot be built.
    // try_new says so at once; new hands the error to every request (it
    // used to fall back to reqwest::Client::new(), which follows redirects).
    let server = answering("/x", ResponseTemplate::new(200).set_body_string("{}")).await;
    let t = ManualTime::new();
    let bad = || settings_on(&t).extra_root_certificates(vec![b"-----BEGIN NOTHING-----".to_vec()]);
    let base = BaseUrl::parse(&server.uri(), "base").unwrap();
    let e = HttpClient::try_new(TestRules::plain(Vendor::Atera), base, key(), bad()).unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    assert!(e.to_string().contains("extra_root_certificates[0]"), "{e}");
    let c = client_with(&server.uri(), key(), bad());
    let e = get(&c, "/x").await.unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn a_given_client_that_follows_redirects_is_refused_before_any_request() {
    let server = answering("/x", ResponseTemplate::new(200).set_body_string("{}")).await;
    let t = ManualTime::new();
    assert!(
        vectis_core::http::check_refuses_redirects(&reqwest::Client::new())
            .await
            .is_err()
    );
    let c = client_with(
        &server.uri(),
        key(),
        settings_on(&t).http_client(reqwest::Client::new()),
    );
    let e = get(&c, "/x").await.unwrap_err();
    assert!(e.to_string().contains("follows redirects"), "{e}");
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );

    let none = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let c = client_with(&server.uri(), key(), settings_on(&t).http_client(none));
    assert_eq!(get(&c, "/x").await.unwrap().status.as_u16(), 200);
}
