//! Where requests go: no redirect followed, no credential sent to another
//! origin, bodies that are not the API's named, base URLs checked.

use super::*;

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_key_never_reaches_the_other_host() {
    let evil = answering("/steal", ResponseTemplate::new(200).set_body_string("{}")).await;
    let server = answering(
        "/x",
        ResponseTemplate::new(302).insert_header("location", format!("{}/steal?k=1", evil.uri())),
    )
    .await;
    let t = ManualTime::new();
    let c = client(&server, &t, RetryPolicy::default());
    let e = get(&c, "/x").await.unwrap_err();
    assert!(
        matches!(e, Error::UnexpectedResponse { status: 302, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("not followed"), "{e}");
    assert!(
        !e.to_string().contains("k=1"),
        "the query string stays out of errors: {e}"
    );
    assert!(evil.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn credentials_are_never_sent_to_another_origin() {
    let server = MockServer::start().await;
    let evil = MockServer::start().await;
    let t = ManualTime::new();
    let c = client(&server, &t, RetryPolicy::default());
    let url = url::Url::parse(&format!("{}/x", evil.uri())).unwrap();
    let e = c.execute(RequestSpec::get(url, "/x")).await.unwrap_err();
    assert!(matches!(e, Error::Inconsistent { .. }), "{e:?}");
    assert!(evil.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn html_and_truncated_bodies_are_errors_naming_the_endpoint() {
    let server = answering(
        "/html",
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html")
            .set_body_string("<html><body>Please sign in</body></html>"),
    )
    .await;
    Mock::given(path("/cut"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"items":[{"a":1},{"a":"#),
        )
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let c = client(&server, &t, RetryPolicy::default());
    let e = get(&c, "/html")
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap_err();
    assert!(
        e.to_string().contains("/html") && e.to_string().contains("HTML"),
        "{e}"
    );
    let e = get(&c, "/cut")
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap_err();
    assert!(
        e.to_string().contains("/cut") && e.to_string().contains("truncated"),
        "{e}"
    );
}

#[tokio::test]
async fn base_urls_are_validated_and_normalized() {
    assert_eq!(
        BaseUrl::parse("https://h.example.com//api//v3/", "b")
            .unwrap()
            .as_str(),
        "https://h.example.com/api/v3"
    );
    assert_eq!(
        BaseUrl::parse("http://127.0.0.1:8080/", "b")
            .unwrap()
            .as_str(),
        "http://127.0.0.1:8080"
    );
    assert_eq!(
        BaseUrl::parse("http://localhost:8080", "b")
            .unwrap()
            .as_str(),
        "http://localhost:8080"
    );
    assert_eq!(
        BaseUrl::parse("http://[::1]:8080", "b").unwrap().as_str(),
        "http://[::1]:8080"
    );
    for bad in [
        "http://h.example.com",
        "ftp://h",
        "h.example.com",
        "https://h.example.com/?a=1",
        "https://u:p@h.example.com",
    ] {
        let e = BaseUrl::parse(bad, "base URL").unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{bad}: {e:?}");
    }
    // A secret pasted into the URL is never repeated in the error.
    for leaky in [
        "http://ID:SECRET@acme.vsax.net",
        "ftp://ID:SECRET@acme.vsax.net",
        "https://acme.vsax.net/?token=SECRET",
        "http://acme.vsax.net/?token=SECRET",
        "ht tp://ID:SECRET@acme.vsax.net/x",
        "acme.vsax.net?token=SECRET",
    ] {
        let e = BaseUrl::parse(leaky, "base URL").unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "{leaky}: {e:?}");
        assert!(
            !e.to_string().contains("SECRET") && !format!("{e:?}").contains("SECRET"),
            "{e}"
        );
    }
    assert_eq!(
        vectis_core::http::encode_segment("a/b c?d"),
        "a%2Fb%20c%3Fd"
    );
}
