//! The engine's contracts, against plain wiremock servers: retries,
//! idempotency, pauses shared by siblings, redirects, token refresh.

use std::sync::Arc;
use std::time::Duration;
use vectis_core::credential::OAuth2Password;
use vectis_core::http::{Method, RequestSpec};
use vectis_core::{
    BaseUrl, EngineSettings, Error, HttpClient, ManualTime, Quota, RetryPolicy, SecretString,
    Vendor,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{KEY, TestRules, api_key, client_of, get, settings_on};

fn client(server: &MockServer, time: &ManualTime, retry: RetryPolicy) -> HttpClient {
    client_of(
        &server.uri(),
        TestRules::named(Vendor::Atera),
        api_key(Vendor::Atera, KEY),
        settings_on(time).retry(retry),
    )
}

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
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(503).set_body_string("down for maintenance"))
        .mount(&server)
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
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
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
async fn a_redirect_is_not_followed_and_the_key_never_reaches_the_other_host() {
    let evil = MockServer::start().await;
    Mock::given(path("/steal"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&evil)
        .await;
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/steal?k=1", evil.uri())),
        )
        .mount(&server)
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
    let server = MockServer::start().await;
    Mock::given(path("/html"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>Please sign in</body></html>"),
        )
        .mount(&server)
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

fn oauth(server: &MockServer, time: &ManualTime) -> Arc<OAuth2Password> {
    let token_url = url::Url::parse(&format!("{}/auth/oauth/token", server.uri())).unwrap();
    Arc::new(
        OAuth2Password::new(
            Vendor::DattoRmm,
            token_url,
            "public-client",
            SecretString::from("public"),
            SecretString::from("api-key-user"),
            SecretString::from("api-secret-pw"),
        )
        .with_time(time.time()),
    )
}

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
            .limiter(Arc::new(
                vectis_core::rate_limit::GovernorLimit::with_pacing(
                    quota,
                    vectis_core::Pacing::Even,
                    t.time(),
                ),
            ))
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
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
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
