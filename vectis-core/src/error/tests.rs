//! Unit tests of `error`.

use super::*;

#[test]
fn display_is_one_actionable_sentence() {
    let e = Error::Auth {
        vendor: Vendor::Atera,
        status: Some(401),
        hint: "the API key is wrong or revoked — generate a new one in Atera → Admin → API".into(),
    };
    assert_eq!(
        e.to_string(),
        "401: Atera rejected the credentials: the API key is wrong or revoked — generate a new one in Atera → Admin → API"
    );
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(!e.is_retryable());
    let u = Error::Unsupported {
        vendor: Vendor::Kaseya,
        verb: Verb::AcknowledgeAlert,
        reason: None,
    };
    assert_eq!(
        u.to_string(),
        "Kaseya VSA cannot acknowledge an alert (the vendor has no such verb)"
    );
}

#[test]
fn rate_limited_carries_the_wait() {
    let e = Error::RateLimited {
        vendor: Vendor::DattoRmm,
        endpoint: "/api/v2/account/devices".into(),
        retry_after: Some(Duration::from_secs(300)),
        attempts: 1,
        hint: "wait".into(),
    };
    assert_eq!(e.retry_after(), Some(Duration::from_secs(300)));
    assert!(e.to_string().contains("asked to wait 300s"));
    assert_eq!(e.status(), Some(429));
}

#[test]
fn a_config_message_names_the_setting_once() {
    let e = Error::config("ATERA_API_KEY", "ATERA_API_KEY is not set; create a key");
    assert_eq!(
        e.to_string(),
        "configuration: ATERA_API_KEY is not set; create a key"
    );
    let e = Error::config("ATERA_API_KEY", "not set");
    assert_eq!(e.to_string(), "configuration: ATERA_API_KEY: not set");
}

#[test]
fn snippet_truncates_on_char_boundary() {
    let s = snippet("ééééé  \n x".as_bytes(), 5);
    assert_eq!(s, "éé…");
    assert_eq!(snippet(b"short", 100), "short");
}

#[test]
fn snippet_reads_only_the_start_of_a_huge_body() {
    let mut body = vec![b'a'; 10];
    body.extend(std::iter::repeat_n(b' ', 8 << 20));
    body.extend_from_slice(b"TAIL");
    let s = snippet(&body, 300);
    assert_eq!(s, "aaaaaaaaaa…");
}

#[test]
fn redact_hides_secrets_and_their_form_encoding() {
    let secrets = [
        SecretString::from("key/with+plus"),
        SecretString::from("abc"),
    ];
    let r = redact(
        "echo: key/with+plus and username=key%2Fwith%2Bplus, abc",
        &secrets,
    );
    assert_eq!(r, "echo: [redacted] and username=[redacted], abc");
}
