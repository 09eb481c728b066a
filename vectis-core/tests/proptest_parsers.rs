//! Property tests over every parser of remote input in core: headers
//! (`Retry-After`, `Link`, HTTP dates), timestamps, quota strings, base URLs,
//! next-page URLs and page numbers, token answers, secrets redaction and
//! body snippets. None may panic on any input, and each keeps its contract.
//! (Customer names for matching are vectis-match's `tests/proptest_names.rs`.)
//!
//! `cargo test` runs 64 cases per property, so the suite stays fast. For a
//! long run, set `PROPTEST_CASES`:
//!
//! ```text
//! PROPTEST_CASES=100000 cargo test -p vectis-core --release --test proptest_parsers
//! ```

use proptest::prelude::*;
use secrecy::ExposeSecret;
use std::time::{Duration, SystemTime};
use url::Url;
use vectis_core::error::{redact, snippet};
use vectis_core::http::BaseUrl;
use vectis_core::paginate::{NextUrl, Offset, PageMeta, PageNumber, Paginator, link_values};
use vectis_core::retry::parse_retry_after;
use vectis_core::{Quota, SecretString, timestamp};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text that looks like what a server might send: printable ASCII, some
/// unicode, and the delimiters each parser cares about.
fn header_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        "[<>;,=\" a-zA-Z0-9:/?&.#%\\\\é]{0,80}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn retry_after_never_panics(v in header_text()) {
        let _ = parse_retry_after(&v, SystemTime::now());
    }

    #[test]
    fn retry_after_reads_any_number_of_seconds(secs in any::<u64>(), frac in any::<f64>()) {
        prop_assert_eq!(
            parse_retry_after(&secs.to_string(), SystemTime::now()),
            Some(Duration::from_secs(secs))
        );
        let f = parse_retry_after(&frac.to_string(), SystemTime::now());
        if frac.is_nan() || frac < 0.0 {
            prop_assert_eq!(f, None);
        } else {
            prop_assert!(f.is_some());
        }
    }

    #[test]
    fn retry_after_http_dates_are_never_negative(secs in 0u64..4_000_000_000) {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let d = parse_retry_after(&httpdate::fmt_http_date(at), now).unwrap();
        prop_assert_eq!(d, now.duration_since(at).map(|_| Duration::ZERO)
            .unwrap_or_else(|_| at.duration_since(now).unwrap()));
    }

    #[test]
    fn link_headers_never_panic(v in header_text()) {
        let _ = PageMeta::link_next(&v);
        let _ = link_values(&v);
    }

    #[test]
    fn link_next_finds_the_next_target_whatever_its_commas(
        path in "[a-z]{1,8}",
        fields in proptest::collection::vec("[a-z]{1,6}", 1..4),
        page in any::<u64>(),
        other_rel in prop_oneof![Just("prev"), Just("last"), Just("first")],
        // Delimiters inside a quoted parameter must not split the link.
        title in "[a-zA-Z0-9 ,;=<>]{0,20}",
    ) {
        let target = format!("https://h/{path}?fields={}&page={page}", fields.join(","));
        let header = format!(
            r#"<https://h/{path}?page=1>; rel="{other_rel}"; title="{title}", <{target}>; rel="{other_rel} next""#
        );
        prop_assert_eq!(PageMeta::link_next(&header), Some(target));
    }

    #[test]
    fn timestamps_never_panic(v in header_text(), n in any::<f64>(), i in any::<i64>()) {
        let _ = timestamp::parse_str(&v);
        let _ = timestamp::from_epoch(n);
        let _ = timestamp::parse_value(&serde_json::json!(i));
        let _ = timestamp::parse_value(&serde_json::json!(v));
    }

    #[test]
    fn quota_strings_never_panic_and_round_trip(v in header_text(), n in 1u32.., unit in 0usize..3) {
        let _ = v.parse::<Quota>();
        let unit = ["s", "min", "h"][unit];
        let q: Quota = format!("{n}/{unit}").parse().unwrap();
        prop_assert_eq!(q.to_string().parse::<Quota>().unwrap(), q);
    }

    #[test]
    fn base_urls_never_panic(v in header_text()) {
        let _ = BaseUrl::parse(&v, "base");
    }

    #[test]
    fn a_base_url_error_never_repeats_a_password(
        user in "[a-z]{1,8}",
        password in "[a-zA-Z0-9/?#:@!$]{6,20}",
        host in "[a-z]{1,10}\\.example\\.com",
    ) {
        let raw = format!("https://{user}:{password}@{host}/api");
        if let Err(e) = BaseUrl::parse(&raw, "base") {
            let shown = e.to_string();
            prop_assert!(!shown.contains(&password), "{}", shown);
        }
    }

    #[test]
    fn next_page_urls_never_panic_nor_leave_the_origin(next in header_text(), items in 0usize..200) {
        let p = NextUrl {
            first: PageNumber { page_param: "page", size_param: "size", size: 50, first_page: 1 },
        };
        let sent = Url::parse("https://api.example.com/v3/customers?page=1&size=50").unwrap();
        let meta = PageMeta { items, next_url: Some(next), ..PageMeta::default() };
        if let Ok(Some(u)) = p.next(&sent, &meta) {
            prop_assert_eq!(u.origin(), sent.origin());
        }
    }

    #[test]
    fn page_numbers_and_offsets_never_panic(
        at in any::<u64>(),
        items in 0usize..1000,
        total_items in proptest::option::of(any::<u64>()),
        total_pages in proptest::option::of(any::<u64>()),
        size in 1u32..1000,
    ) {
        let meta = PageMeta { items, total_items, total_pages, ..PageMeta::default() };
        let pn = PageNumber { page_param: "page", size_param: "size", size, first_page: 0 };
        let sent = Url::parse(&format!("https://h/x?page={at}")).unwrap();
        let _ = pn.next(&sent, &meta);
        if let Some(mut rest) = pn.remaining_iter(&sent, &meta) {
            let _ = rest.next();
        }
        let off = Offset { skip_param: "$skip", top_param: "$top", size };
        let sent = Url::parse(&format!("https://h/x?%24skip={at}")).unwrap();
        let _ = off.next(&sent, &meta);
        if let Some(mut rest) = off.remaining_iter(&sent, &meta) {
            let _ = rest.next();
        }
    }

    #[test]
    fn redaction_leaves_no_secret(
        secret in "[ -~]{6,24}",
        before in "[ -~]{0,40}",
        after in "[ -~]{0,40}",
    ) {
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let text = format!("{before}{secret}{after} form={encoded}");
        let clean = redact(&text, &[SecretString::from(secret.clone())]);
        prop_assert!(!clean.contains(SecretString::from(secret.clone()).expose_secret()), "{}", clean);
        prop_assert!(!clean.contains(&encoded), "{}", clean);
    }

    #[test]
    fn snippets_never_panic_and_stay_short(body in proptest::collection::vec(any::<u8>(), 0..4000), max in 0usize..400) {
        let s = snippet(&body, max);
        prop_assert!(s.len() <= max + '…'.len_utf8(), "{} > {}", s.len(), max);
    }
}

// ---- token answers, through the real token request

fn token_answer() -> impl Strategy<Value = String> {
    let expires = prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("JSON has no NaN or inf", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        "[0-9]{20,40}",
        Just("null".to_string()),
        Just("\"3600\"".to_string()),
    ];
    prop_oneof![
        expires.prop_map(|e| format!(r#"{{"access_token":"tok","expires_in":{e}}}"#)),
        header_text(),
        Just(r#"{"access_token":null}"#.to_string()),
    ]
}

#[test]
fn token_answers_never_panic() {
    use std::sync::{Arc, Mutex};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = Arc::new(Mutex::new(String::new()));
    let server = rt.block_on(async {
        let server = wiremock::MockServer::start().await;
        let b = body.clone();
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(move |_: &wiremock::Request| {
                wiremock::ResponseTemplate::new(200)
                    .set_body_raw(b.lock().unwrap().clone(), "application/json")
            })
            .mount(&server)
            .await;
        server
    });
    let token_url = Url::parse(&format!("{}/auth/oauth/token", server.uri())).unwrap();
    proptest::test_runner::TestRunner::new(config())
        .run(&token_answer(), |answer| {
            *body.lock().unwrap() = answer;
            let time = vectis_core::ManualTime::new();
            time.advance(Duration::from_secs(1));
            let cred = vectis_core::credential::OAuth2Password::new(
                vectis_core::Vendor::DattoRmm,
                token_url.clone(),
                "public-client",
                SecretString::from("public"),
                SecretString::from("api-key-user"),
                SecretString::from("api-secret-pw"),
            )
            .with_time(time.time());
            let mut req = reqwest::Request::new(reqwest::Method::GET, token_url.clone());
            let _ = rt.block_on(vectis_core::Credential::apply(&cred, &mut req));
            Ok(())
        })
        .unwrap();
}
