//! Token endpoints that misbehave: odd lifetimes, failures, quotas and huge
//! answers.

use super::*;

/// A server whose token endpoint answers `token` and whose `/r` answers
/// `{}`.
async fn token_server(token: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    token_answers(&server, token).await;
    let ok = ResponseTemplate::new(200).set_body_string("{}");
    answer(&server, "/r", ok).await;
    server
}

/// A client of `server` that gets its token there as `api-key-user`.
fn oauth_client(server: &MockServer, t: &ManualTime, settings: EngineSettings) -> HttpClient {
    let cred = oauth(server, t, "api-key-user", "api-secret-pw");
    client_with(&server.uri(), cred, settings)
}

#[tokio::test]
async fn an_expires_in_of_zero_does_not_fetch_a_token_per_request() {
    let server = token_server(token("0")).await;
    let t = ManualTime::new();
    let c = oauth_client(&server, &t, settings_on(&t));
    for _ in 0..5 {
        get(&c, "/r").await.unwrap();
    }
    assert_eq!(asked(&server, "/auth/oauth/token").await, 1);
}

#[tokio::test]
async fn huge_or_odd_expires_in_values_do_not_overflow() {
    for v in ["18446744073709551615", "1e30", "-5", "3.5"] {
        let server = token_server(token(v)).await;
        let t = ManualTime::new();
        t.advance(Duration::from_secs(1));
        let c = oauth_client(&server, &t, settings_on(&t));
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
    let server =
        token_server(ResponseTemplate::new(503).set_delay(Duration::from_millis(300))).await;
    let t = ManualTime::new();
    let c = oauth_client(&server, &t, settings_on(&t));
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
    let server = token_server(token("3600")).await;
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
    let c = oauth_client(&server, &t, settings_on(&t));
    let e = get(&c, "/r").await.unwrap_err();
    assert!(matches!(e, Error::UnexpectedResponse { .. }), "{e:?}");
    assert!(e.to_string().contains("larger than"), "{e}");
}
