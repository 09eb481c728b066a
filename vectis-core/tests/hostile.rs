//! Remote input that used to panic, hang or leak (issue 17 §7–§8), one test
//! per case, against wiremock servers and the injected clock.

use chrono::{DateTime, Utc};
use futures::future::join_all;
use std::sync::Arc;
use std::time::Duration;
use vectis_core::credential::{Basic, Credential, OAuth2Password};
use vectis_core::{
    BaseUrl, EngineSettings, Error, HttpClient, ListOptions, ManualTime, Quota, RetryPolicy,
    SecretString, Vendor,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{KEY, TestRules, api_key, get, settings_on};

fn client_with(base: &str, cred: Arc<dyn Credential>, settings: EngineSettings) -> HttpClient {
    common::client_of(base, TestRules::plain(Vendor::Atera), cred, settings)
}

fn key() -> Arc<dyn Credential> {
    api_key(Vendor::Atera, KEY)
}

async fn answer(server: &MockServer, at: &str, t: ResponseTemplate) {
    Mock::given(path(at)).respond_with(t).mount(server).await;
}

async fn asked(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}

#[tokio::test]
async fn a_retry_after_of_1e20_is_a_rate_limit_error_not_a_panic() {
    let server = MockServer::start().await;
    answer(
        &server,
        "/a",
        ResponseTemplate::new(429).insert_header("retry-after", "1e20"),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(&server.uri(), key(), settings_on(&t));
    let e = get(&c, "/a").await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    let _ = e.to_string();
}

#[tokio::test]
async fn a_retry_after_of_u64_max_seconds_does_not_overflow_the_pause() {
    let server = MockServer::start().await;
    answer(
        &server,
        "/a",
        ResponseTemplate::new(429).insert_header("retry-after", "18446744073709551615"),
    )
    .await;
    let t = ManualTime::new();
    t.advance(Duration::from_secs(10));
    let c = client_with(&server.uri(), key(), settings_on(&t));
    let e = get(&c, "/a").await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
}

#[tokio::test]
async fn a_huge_retry_after_pauses_at_most_the_cap_and_then_fails_the_waiting_requests() {
    let server = MockServer::start().await;
    answer(
        &server,
        "/a",
        ResponseTemplate::new(429).insert_header("retry-after", "1000000000"),
    )
    .await;
    answer(
        &server,
        "/b",
        ResponseTemplate::new(200).set_body_string("{}"),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(&server.uri(), key(), settings_on(&t));
    let e = get(&c, "/a").await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    let cap = RetryPolicy::default().max_retry_after;
    assert!(
        c.limiter().paused_for().is_some_and(|p| p <= cap),
        "the pause is capped: {:?}",
        c.limiter().paused_for()
    );
    // The next request waits at most the cap, then fails with the
    // rate-limit error: the server still refuses for 31 years.
    let e = get(&c, "/b").await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert!(t.total_slept() <= cap, "slept {:?}", t.total_slept());
    assert_eq!(asked(&server, "/b").await, 0, "nothing sent while refused");
}

#[tokio::test]
async fn a_body_over_the_limit_is_an_error_naming_the_endpoint() {
    let server = MockServer::start().await;
    answer(
        &server,
        "/big",
        ResponseTemplate::new(200).set_body_string("x".repeat(4096)),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(&server.uri(), key(), settings_on(&t).max_body_bytes(1024));
    let e = get(&c, "/big").await.unwrap_err();
    let shown = e.to_string();
    assert!(matches!(e, Error::UnexpectedResponse { .. }), "{e:?}");
    assert!(
        shown.contains("/big") && shown.contains("1024 bytes"),
        "{shown}"
    );
    assert_eq!(EngineSettings::default().max_body_bytes, 64 << 20);
}

#[tokio::test]
async fn concurrency_above_the_semaphore_maximum_is_lowered_not_a_panic() {
    let t = ManualTime::new();
    let c = client_with(
        "https://example.com",
        key(),
        settings_on(&t).concurrency(usize::MAX),
    );
    assert_eq!(c.concurrency(), vectis_core::http::MAX_CONCURRENCY);
}

#[test]
fn since_near_the_earliest_date_is_an_error_not_a_panic() {
    let opts = ListOptions::default().since(DateTime::<Utc>::MIN_UTC);
    let e = opts.since_minus(chrono::Duration::hours(14)).unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert_eq!(
        ListOptions::default()
            .since_minus(chrono::Duration::hours(14))
            .unwrap(),
        None
    );
}

// ---- tokens

fn token_url(server: &MockServer) -> url::Url {
    url::Url::parse(&format!("{}/auth/oauth/token", server.uri())).unwrap()
}

fn oauth(server: &MockServer, time: &ManualTime, user: &str, pw: &str) -> Arc<OAuth2Password> {
    Arc::new(
        OAuth2Password::new(
            Vendor::DattoRmm,
            token_url(server),
            "public-client",
            SecretString::from("public"),
            SecretString::from(user.to_string()),
            SecretString::from(pw.to_string()),
        )
        .with_time(time.time()),
    )
}

async fn token_answers(server: &MockServer, t: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/auth/oauth/token"))
        .respond_with(t)
        .mount(server)
        .await;
}

fn token(expires_in: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        format!(r#"{{"access_token":"tok","token_type":"bearer","expires_in":{expires_in}}}"#),
        "application/json",
    )
}

#[tokio::test]
async fn an_expires_in_of_zero_does_not_fetch_a_token_per_request() {
    let server = MockServer::start().await;
    token_answers(&server, token("0")).await;
    answer(
        &server,
        "/r",
        ResponseTemplate::new(200).set_body_string("{}"),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(
        &server.uri(),
        oauth(&server, &t, "api-key-user", "api-secret-pw"),
        settings_on(&t),
    );
    for _ in 0..5 {
        get(&c, "/r").await.unwrap();
    }
    assert_eq!(asked(&server, "/auth/oauth/token").await, 1);
}

#[tokio::test]
async fn huge_or_odd_expires_in_values_do_not_overflow() {
    for v in ["18446744073709551615", "1e30", "-5", "3.5"] {
        let server = MockServer::start().await;
        token_answers(&server, token(v)).await;
        answer(
            &server,
            "/r",
            ResponseTemplate::new(200).set_body_string("{}"),
        )
        .await;
        let t = ManualTime::new();
        t.advance(Duration::from_secs(1));
        let c = client_with(
            &server.uri(),
            oauth(&server, &t, "api-key-user", "api-secret-pw"),
            settings_on(&t),
        );
        get(&c, "/r").await.unwrap();
        get(&c, "/r").await.unwrap();
        assert_eq!(
            asked(&server, "/auth/oauth/token").await,
            1,
            "expires_in {v}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_token_endpoint_is_asked_once_for_many_waiting_requests() {
    let server = MockServer::start().await;
    token_answers(
        &server,
        ResponseTemplate::new(503).set_delay(Duration::from_millis(300)),
    )
    .await;
    answer(
        &server,
        "/r",
        ResponseTemplate::new(200).set_body_string("{}"),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(
        &server.uri(),
        oauth(&server, &t, "api-key-user", "api-secret-pw"),
        settings_on(&t),
    );
    let results = join_all((0..10).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { get(&c, "/r").await })
    }))
    .await;
    assert!(results.into_iter().all(|r| r.unwrap().is_err()));
    assert_eq!(asked(&server, "/auth/oauth/token").await, 1);
    assert_eq!(asked(&server, "/r").await, 0);
}

#[tokio::test]
async fn token_requests_wait_on_the_quota() {
    let server = MockServer::start().await;
    token_answers(&server, token("3600")).await;
    answer(
        &server,
        "/r",
        ResponseTemplate::new(200).set_body_string("{}"),
    )
    .await;
    let t = ManualTime::new();
    let quota = Quota::per_minute(1);
    let c = client_with(
        &server.uri(),
        oauth(&server, &t, "api-key-user", "api-secret-pw"),
        settings_on(&t).quota(quota).limiter(Arc::new(
            vectis_core::rate_limit::GovernorLimit::with_time(quota, t.time()),
        )),
    );
    get(&c, "/r").await.unwrap();
    // The token took the minute's one slot; the read waited for the next.
    assert!(
        t.total_slept() >= Duration::from_secs(60),
        "{:?}",
        t.total_slept()
    );
}

// ---- secrets in error bodies

#[tokio::test]
async fn an_error_body_echoing_the_key_is_redacted() {
    let server = MockServer::start().await;
    let echo = format!(r#"{{"message":"invalid key {KEY}","headers":{{"X-API-KEY":"{KEY}"}}}}"#);
    answer(
        &server,
        "/400",
        ResponseTemplate::new(400).set_body_string(echo.clone()),
    )
    .await;
    answer(
        &server,
        "/500",
        ResponseTemplate::new(500).set_body_string(echo.clone()),
    )
    .await;
    answer(
        &server,
        "/401",
        ResponseTemplate::new(401).set_body_string(echo),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(
        &server.uri(),
        key(),
        settings_on(&t).retry(RetryPolicy::never()),
    );
    for p in ["/400", "/500", "/401"] {
        let e = get(&c, p).await.unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(KEY), "{p}: {shown}");
    }
}

#[tokio::test]
async fn an_error_body_echoing_the_basic_header_is_redacted() {
    let server = MockServer::start().await;
    // base64("company+pubkey:private-key-xyz")
    let encoded = "Y29tcGFueStwdWJrZXk6cHJpdmF0ZS1rZXkteHl6";
    answer(
        &server,
        "/400",
        ResponseTemplate::new(400).set_body_string(format!(
            "bad Authorization: Basic {encoded} (private-key-xyz)"
        )),
    )
    .await;
    let t = ManualTime::new();
    let cred = Arc::new(Basic::new(
        Vendor::ConnectWise,
        "company+pubkey",
        SecretString::from("private-key-xyz"),
    ));
    let c = client_with(&server.uri(), cred, settings_on(&t));
    let shown = get(&c, "/400").await.unwrap_err().to_string();
    assert!(
        !shown.contains(encoded) && !shown.contains("private-key-xyz"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_token_endpoint_echoing_the_form_is_redacted() {
    let server = MockServer::start().await;
    token_answers(
        &server,
        ResponseTemplate::new(500).set_body_string(
            "failed: grant_type=password&username=DATTOKEY123&password=s%2Fecret%2Bpw1",
        ),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(
        &server.uri(),
        oauth(&server, &t, "DATTOKEY123", "s/ecret+pw1"),
        settings_on(&t),
    );
    let shown = get(&c, "/r").await.unwrap_err().to_string();
    assert!(shown.contains("token request failed"), "{shown}");
    for secret in ["DATTOKEY123", "s%2Fecret%2Bpw1", "s/ecret+pw1"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

// ---- network errors read differently by cause

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
async fn a_huge_token_answer_is_an_error_not_read_whole() {
    let server = MockServer::start().await;
    token_answers(
        &server,
        ResponseTemplate::new(200)
            .set_body_string(format!(r#"{{"access_token":"{}"}}"#, "t".repeat(2 << 20))),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(
        &server.uri(),
        oauth(&server, &t, "api-key-user", "api-secret-pw"),
        settings_on(&t),
    );
    let e = get(&c, "/r").await.unwrap_err();
    assert!(matches!(e, Error::UnexpectedResponse { .. }), "{e:?}");
    assert!(e.to_string().contains("larger than"), "{e}");
}

#[tokio::test]
async fn a_200_login_page_echoing_the_key_is_redacted() {
    let server = MockServer::start().await;
    answer(
        &server,
        "/page",
        ResponseTemplate::new(200).set_body_raw(
            format!("<html><body>Sign in again (key {KEY})</body></html>"),
            "text/html",
        ),
    )
    .await;
    let t = ManualTime::new();
    let c = client_with(&server.uri(), key(), settings_on(&t));
    let resp = get(&c, "/page").await.unwrap();
    let e = resp.json::<serde_json::Value>().unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("HTML page"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
}

#[tokio::test]
async fn a_transport_that_cannot_be_built_is_an_error_not_a_default_client() {
    // A root certificate that is not PEM: the transport cannot be built.
    // try_new says so at once; new hands the error to every request (it
    // used to fall back to reqwest::Client::new(), which follows redirects).
    let server = MockServer::start().await;
    answer(
        &server,
        "/x",
        ResponseTemplate::new(200).set_body_string("{}"),
    )
    .await;
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
    let server = MockServer::start().await;
    answer(
        &server,
        "/x",
        ResponseTemplate::new(200).set_body_string("{}"),
    )
    .await;
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
