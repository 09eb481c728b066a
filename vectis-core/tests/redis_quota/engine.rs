//! The Redis quota under the engine: clients built from settings share one
//! window, and a Redis that is down fails or falls back as configured.

use super::*;

#[derive(Debug)]
struct Rules;

impl vectis_core::http::VendorRules for Rules {
    fn vendor(&self) -> vectis_core::Vendor {
        vectis_core::Vendor::Atera
    }
    fn default_quota(&self) -> Quota {
        Quota::per_minute(700)
    }
}

fn client_through(server: &wiremock::MockServer, store: RedisQuota) -> vectis_core::HttpClient {
    let cred = vectis_core::credential::ApiKeyHeader::new(
        vectis_core::Vendor::Atera,
        "x-api-key",
        vectis_core::SecretString::from("sekrit-api-key-123"),
    );
    vectis_core::HttpClient::new(
        Arc::new(Rules),
        vectis_core::BaseUrl::parse(&server.uri(), "base").unwrap(),
        Arc::new(cred),
        vectis_core::EngineSettings::default()
            .quota(Quota::per_minute(700))
            .shared_quota(Arc::new(store))
            .retry(vectis_core::RetryPolicy::never()),
    )
}

async fn ok_server() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    server
}

async fn get(c: &vectis_core::HttpClient) -> Result<(), Error> {
    let url = c.base().join("/x").unwrap();
    c.execute(vectis_core::http::RequestSpec::get(url, "/x"))
        .await
        .map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "redis-server not on PATH")]
async fn clients_built_from_engine_settings_share_one_window_in_redis() {
    let redis = start_redis("clients_built_from_engine_settings_share_one_window_in_redis").await;
    let server = ok_server().await;
    // Two clients on two store connections: two processes, one credential.
    let a = client_through(&server, RedisQuota::new(&redis.url()).unwrap());
    let b = client_through(&server, RedisQuota::new(&redis.url()).unwrap());
    get(&a).await.unwrap();
    get(&a).await.unwrap();
    get(&b).await.unwrap();
    let conn_client = redis::Client::open(redis.url()).unwrap();
    let mut conn = conn_client
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("vectis:quota:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "one window for both clients: {keys:?}");
    let grants: u64 = redis::cmd("ZCARD")
        .arg(&keys[0])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        grants, 3,
        "every request of both clients was granted by Redis"
    );
    assert!(!keys[0].contains("sekrit"), "{}", keys[0]);
}

/// Needs no redis-server: nothing listens on port 1.
#[tokio::test]
async fn redis_down_with_the_fail_fallback_fails_the_request_naming_redis() {
    let server = ok_server().await;
    let store = RedisQuota::new("redis://:hunter2@127.0.0.1:1")
        .unwrap()
        .with_op_timeout(Duration::from_millis(500));
    let c = client_through(&server, store);
    let e = get(&c).await.unwrap_err();
    let shown = e.to_string();
    assert!(matches!(e, Error::SharedQuota { .. }), "{e:?}");
    // Redis's own error, when it gave one before the time limit, is kept
    // as the source, not only as text, and never shows the password.
    if let Some(source) = std::error::Error::source(&e) {
        assert!(!format!("{source:?}").contains("hunter2"), "{source:?}");
    }
    assert!(shown.contains("Redis at 127.0.0.1:1"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing is sent without the shared quota's grant"
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Needs no redis-server either.
#[tokio::test(flavor = "current_thread")]
async fn redis_down_with_a_local_fallback_warns_and_limits_locally() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = ok_server().await;
    let store = RedisQuota::new("redis://127.0.0.1:1")
        .unwrap()
        .with_fallback(Fallback::Local { workers: 2 })
        .with_op_timeout(Duration::from_millis(300));
    let c = client_through(&server, store);
    get(&c).await.unwrap();
    assert_eq!(
        c.limiter().quota(),
        Quota::per_minute(700),
        "the configured quota"
    );
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    assert!(
        text.contains("WARN") && text.contains("local fallback"),
        "{text}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn a_bad_redis_url_is_never_repeated_beyond_scheme_and_host() {
    for url in [
        "redis://:pa/ss?w#rd@cache.internal:notaport",
        "redis://user:s3cr3t@cache.internal:99999999",
        "rediss://:s3cr3t",
    ] {
        let e = RedisQuota::new(url).map(|_| ()).unwrap_err().to_string();
        for secret in ["pa/ss", "w#rd", "s3cr3t", "notaport", "99999999"] {
            assert!(!e.contains(secret), "{url} -> {e}");
        }
        assert!(e.contains("redis://HOST:PORT"), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "redis-server not on PATH")]
async fn the_redis_window_bursts_then_holds_the_arrival_margin() {
    let redis = start_redis("the_redis_window_bursts_then_holds_the_arrival_margin").await;
    let quota = RedisQuota::new(&redis.url()).unwrap();
    let l = quota.limiter_for("test|margin", Quota::per_second(10), &Time::real());
    let started = Instant::now();
    let mut grants = Vec::new();
    for _ in 0..11 {
        grants.push(l.acquire_at().await.unwrap().unwrap());
    }
    // The first ten at once (the window has room)...
    assert!(grants[9] - grants[0] < 200_000, "{grants:?}");
    // ...the eleventh a second plus the 50 ms arrival margin after the first.
    assert!(grants[10] - grants[0] >= 1_050_000, "{grants:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}
