//! OAuth2 tokens: one refresh for many requests, a 401 refreshes once, a
//! refused token request says what to do.

use super::*;

#[tokio::test]
async fn twenty_concurrent_requests_through_an_expired_token_make_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "tok", "token_type": "bearer", "expires_in": 100}))
                .set_delay(Duration::from_millis(50)),
        )
        .mount(&server)
        .await;
    Mock::given(path("/r"))
        .and(header("authorization", "Bearer tok"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let cred = oauth(&server, &t);
    let c = client_of(
        &server.uri(),
        TestRules::named(Vendor::Atera),
        cred.clone(),
        EngineSettings::default()
            .quota(Quota::Off)
            .time(t.time())
            .concurrency(20),
    );
    let run = |c: HttpClient| async move {
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let c = c.clone();
                tokio::spawn(async move { get(&c, "/r").await.map(|_| ()) })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    };
    run(c.clone()).await;
    let token_requests = |reqs: Vec<wiremock::Request>| {
        reqs.iter()
            .filter(|r| r.url.path() == "/auth/oauth/token")
            .count()
    };
    assert_eq!(token_requests(server.received_requests().await.unwrap()), 1);
    // The token expires (100 s, refreshed 10 s early): twenty more, one refresh.
    t.advance(Duration::from_secs(95));
    run(c).await;
    assert_eq!(token_requests(server.received_requests().await.unwrap()), 2);
    // Secrets never show in Debug.
    let dbg = format!("{cred:?}");
    assert!(
        !dbg.contains("api-secret-pw") && !dbg.contains("api-key-user"),
        "{dbg}"
    );
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_then_reports_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "tok", "expires_in": 360000})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let c = client_of(
        &server.uri(),
        TestRules::named(Vendor::Atera),
        oauth(&server, &t),
        EngineSettings::default().quota(Quota::Off).time(t.time()),
    );
    let e = get(&c, "/r").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{e:?}"
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        reqs.iter()
            .filter(|r| r.url.path() == "/auth/oauth/token")
            .count(),
        2
    );
    assert_eq!(reqs.iter().filter(|r| r.url.path() == "/r").count(), 2);
}

#[tokio::test]
async fn a_refused_token_request_is_an_auth_error_with_the_hint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            serde_json::json!({"error": "invalid_grant", "error_description": "Bad credentials"}),
        ))
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let cred = Arc::new(
        Arc::try_unwrap(oauth(&server, &t))
            .unwrap()
            .with_bad_credentials_hint("re-copy the API key and secret"),
    );
    let c = client_of(
        &server.uri(),
        TestRules::named(Vendor::Atera),
        cred,
        EngineSettings::default().quota(Quota::Off).time(t.time()),
    );
    let e = get(&c, "/r").await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("invalid_grant") && msg.contains("re-copy"),
        "{msg}"
    );
    assert!(!msg.contains("api-secret-pw"));
}
