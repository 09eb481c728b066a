//! Answers that echo a secret: the key, the Basic header, the token form and
//! a login page are redacted.

use super::*;

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

#[tokio::test]
async fn a_200_login_page_echoing_the_key_is_redacted() {
    let server = answering(
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
