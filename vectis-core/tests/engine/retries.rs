//! Retries and pauses: 5xx retried within the budget, a POST never, a 429's
//! `Retry-After` honoured by every sibling, the default limiter and the send slot.

use super::*;

#[tokio::test]
async fn retries_500_then_502_then_succeeds() {
    let server = MockServer::start().await;
    for status in [500, 502] {
        Mock::given(path("/x"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let c = client(&server, &t, RetryPolicy::default());
    let r = get(&c, "/x").await.unwrap();
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    assert_eq!(t.sleeps().len(), 2, "one backoff before each retry");
}

#[tokio::test]
async fn gives_up_after_the_attempt_budget_with_a_server_error() {
    let server = answering(
        "/x",
        ResponseTemplate::new(503).set_body_string("down for maintenance"),
    )
    .await;
    let t = ManualTime::new();
    let c = client(&server, &t, RetryPolicy::default());
    let e = get(&c, "/x").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Server {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("down for maintenance"));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_post_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let c = client(&server, &t, RetryPolicy::default());
    let url = c.base().join("/tickets").unwrap();
    let e = c
        .execute(RequestSpec::new(Method::POST, url, "/tickets").json(serde_json::json!({"a": 1})))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Server { status: 502, .. }), "{e:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(t.sleeps().is_empty());
}

#[tokio::test]
async fn retry_after_is_honoured_and_pauses_sibling_requests() {
    let server = MockServer::start().await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path("/b"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let t = ManualTime::new();
    // A first client gets the 429 and, with no retries allowed, gives up at once…
    let first = client(&server, &t, RetryPolicy::never());
    let e = get(&first, "/a").await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
    assert!(t.sleeps().is_empty());
    // …but the pause it saw holds back a sibling sharing its limiter.
    let sibling = HttpClient::new(
        TestRules::named(Vendor::Atera),
        first.base().clone(),
        api_key(Vendor::Atera, KEY),
        EngineSettings::default()
            .limiter(first.limiter().clone())
            .time(t.time()),
    );
    get(&sibling, "/b").await.unwrap();
    assert!(
        t.total_slept() >= Duration::from_secs(2),
        "sibling waited {:?}",
        t.sleeps()
    );

    // With retries allowed, the request itself waits ≥ 2 s and then succeeds.
    let server2 = MockServer::start().await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server2)
        .await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .with_priority(2)
        .mount(&server2)
        .await;
    let t2 = ManualTime::new();
    let c = client(&server2, &t2, RetryPolicy::default());
    get(&c, "/a").await.unwrap();
    assert!(
        t2.total_slept() >= Duration::from_secs(2),
        "{:?}",
        t2.sleeps()
    );
}

#[tokio::test]
async fn concurrent_siblings_all_wait_out_a_429() {
    let server = MockServer::start().await;
    let t = ManualTime::new();
    Mock::given(path("/first"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3"))
        .mount(&server)
        .await;
    // Each sibling request records the (manual) time it reached the server.
    let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, clock) = (arrivals.clone(), t.clone());
    Mock::given(path("/p"))
        .respond_with(move |_: &wiremock::Request| {
            seen.lock().unwrap().push(clock.time().now());
            ResponseTemplate::new(200).set_body_string("{}")
        })
        .mount(&server)
        .await;
    let c = client(&server, &t, RetryPolicy::never());
    let e = get(&c, "/first").await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }));
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { get(&c, "/p").await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 5);
    assert!(
        arrivals.iter().all(|at| *at >= Duration::from_secs(3)),
        "every sibling waited for the pause: {arrivals:?}"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_cap_fails_at_once() {
    let server = answering(
        "/x",
        ResponseTemplate::new(429).insert_header("retry-after", "3600"),
    )
    .await;
    let t = ManualTime::new();
    let c = client(&server, &t, RetryPolicy::default());
    let e = get(&c, "/x").await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert!(e.to_string().contains("hint for RateLimited"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_send_slot_is_taken_after_the_token_so_a_token_fetch_cannot_squeeze_two_requests_together()
 {
    let server = MockServer::start().await;
    let t = ManualTime::new();
    let token_time = t.clone();
    Mock::given(method("POST"))
        .and(path("/auth/oauth/token"))
        .respond_with(move |_: &wiremock::Request| {
            // The token round trip takes half a second.
            token_time.advance(Duration::from_millis(500));
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"access_token": "tok", "token_type": "bearer", "expires_in": 3600}),
            )
        })
        .mount(&server)
        .await;
    let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, clock) = (arrivals.clone(), t.clone());
    Mock::given(path("/r"))
        .respond_with(move |_: &wiremock::Request| {
            seen.lock().unwrap().push(clock.time().now());
            ResponseTemplate::new(200).set_body_string("{}")
        })
        .mount(&server)
        .await;
    // Even pacing: with bursts two requests at 10/s may go out together.
    let quota = Quota::per_second(10);
    let c = client_of(
        &server.uri(),
        TestRules::named(Vendor::Atera),
        oauth(&server, &t),
        EngineSettings::default()
            .quota(quota)
            .pacing(vectis_core::Pacing::Even)
            .time(t.time()),
    );
    get(&c, "/r").await.unwrap();
    get(&c, "/r").await.unwrap();
    let a = arrivals.lock().unwrap().clone();
    assert_eq!(a.len(), 2);
    // Granted before the token was fetched, the first request would arrive
    // 500 ms after its slot and the second right behind it.
    assert!(
        a[1] - a[0] >= Duration::from_millis(100),
        "two requests {:?} apart at 10/s",
        a[1] - a[0]
    );
}

/// The default limiter (the process-wide one `HttpClient::new` makes from
/// the quota) bursts while its window has room: a ten-request sync under
/// Kaseya's 3,600/h does not wait a second per request.
#[tokio::test]
async fn ten_requests_under_3600_an_hour_go_out_at_once_through_the_default_limiter() {
    let server = answering("/r", ResponseTemplate::new(200).set_body_string("{}")).await;
    let t = ManualTime::new();
    let c = client_of(
        &server.uri(),
        TestRules::named(Vendor::Atera),
        api_key(Vendor::Kaseya, KEY),
        EngineSettings::default()
            .quota(Quota::per_hour(3600))
            .time(t.time()),
    );
    for _ in 0..10 {
        get(&c, "/r").await.unwrap();
    }
    assert!(t.sleeps().is_empty(), "waited {:?}", t.sleeps());
}
