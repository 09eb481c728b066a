//! Numbers out of range: huge `Retry-After`s, bodies over the limit, too much
//! concurrency, dates near the earliest.

use super::*;

#[tokio::test]
async fn a_retry_after_of_1e20_is_a_rate_limit_error_not_a_panic() {
    let server = answering(
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
    let server = answering(
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
    let server = answering(
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
    let server = answering(
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
