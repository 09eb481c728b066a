//! Unit tests of `credential`.

use super::*;

#[tokio::test]
async fn secrets_stay_out_of_debug_and_headers_are_sensitive() {
    let k = ApiKeyHeader::new(Vendor::Atera, "x-api-key", SecretString::from("sekrit-123"));
    assert!(!format!("{k:?}").contains("sekrit"));
    assert!(!k.id().contains("sekrit"));
    let mut req = reqwest::Request::new(
        reqwest::Method::GET,
        Url::parse("https://example.com/").unwrap(),
    );
    k.apply(&mut req).await.unwrap();
    let v = req.headers().get("x-api-key").unwrap();
    assert!(v.is_sensitive());
    assert!(!format!("{:?}", req.headers()).contains("sekrit"));

    let b = Basic::new(Vendor::Kaseya, "tok-id", SecretString::from("sekrit-456"));
    assert!(
        b.secrets_for_redaction()
            .iter()
            .any(|s| s.expose_secret() == "dG9rLWlkOnNla3JpdC00NTY="),
        "the Basic encoding is redacted too"
    );
    assert!(!format!("{b:?}").contains("sekrit"));
    assert!(!format!("{b:?}").contains("tok-id"));
    assert!(b.id().starts_with("kaseya|basic|") && !b.id().contains("tok-id"));
}

#[tokio::test]
async fn an_upper_case_or_invalid_header_name_is_an_error_not_a_panic() {
    let mut req = reqwest::Request::new(
        reqwest::Method::GET,
        Url::parse("https://example.com/").unwrap(),
    );
    let k = ApiKeyHeader::new(Vendor::Atera, "X-API-KEY", SecretString::from("sekrit-123"));
    k.apply(&mut req).await.unwrap();
    assert!(req.headers().get("x-api-key").is_some());
    let bad = ApiKeyHeader::new(Vendor::Atera, "X API KEY", SecretString::from("sekrit-123"));
    let e = bad.apply(&mut req).await.unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    let b = Basic::new(Vendor::ConnectWise, "u", SecretString::from("s"));
    assert!(b.clone().with_header("ClientId", "abc").is_ok());
    assert!(b.with_header("client id", "abc").is_err());
}
