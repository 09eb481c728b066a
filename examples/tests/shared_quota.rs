//! Two `sync` processes on one credential share its quota through Redis, end
//! to end: real processes (the `sync` example binary), one real
//! `redis-server`, and a fake Atera that enforces the quota over a rolling
//! one-second window and answers `429` past it. Zero 429s with the shared
//! quota; Redis down with `fail` is exit 1 naming Redis; with `local:N` a
//! warning and the local quota.
//!
//! These run over real time (a couple of seconds): the point is that two
//! processes share one schedule kept by the Redis server's clock, which a
//! fake clock cannot show. Where `redis-server` is not on `PATH` they are
//! reported as ignored (see `build.rs`); under `CI=true` they never are.

use std::collections::VecDeque;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};
use wiremock::{Mock, Request, ResponseTemplate};

/// Matches (and so answers 429) only the requests past `limit` in the last
/// second; the others fall through to the fake Atera underneath.
struct OverQuota {
    limit: usize,
    window: Mutex<VecDeque<Instant>>,
    throttled: Arc<AtomicU64>,
    admitted: Arc<AtomicU64>,
}

impl wiremock::Match for OverQuota {
    fn matches(&self, _req: &Request) -> bool {
        let now = Instant::now();
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        while w
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            w.pop_front();
        }
        if w.len() >= self.limit {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            return true;
        }
        w.push_back(now);
        self.admitted.fetch_add(1, Ordering::SeqCst);
        false
    }
}

struct Quota {
    throttled: Arc<AtomicU64>,
    admitted: Arc<AtomicU64>,
}

async fn enforce(fake: &AteraFake, per_second: usize) -> Quota {
    let throttled = Arc::new(AtomicU64::new(0));
    let admitted = Arc::new(AtomicU64::new(0));
    Mock::given(OverQuota {
        limit: per_second,
        window: Mutex::new(VecDeque::new()),
        throttled: throttled.clone(),
        admitted: admitted.clone(),
    })
    .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
    .with_priority(1)
    .mount(fake.server())
    .await;
    Quota {
        throttled,
        admitted,
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn start_redis() -> vectis_testkit::redis::RedisServer {
    vectis_testkit::redis::RedisServer::start("redis-server").unwrap_or_else(|e| panic!("{e}"))
}

/// The `sync` example binary `cargo test` built beside this test.
fn sync_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = debug.join("examples").join("sync");
    assert!(
        bin.is_file(),
        "{} is missing: `cargo test -p vectis-examples` builds it",
        bin.display()
    );
    bin
}

struct Out {
    code: i32,
    records: usize,
    err: String,
}

async fn sync_process(args: Vec<String>) -> Out {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(sync_binary())
            .args(&args)
            .env("ATERA_API_KEY", ATERA_API_KEY)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            records: String::from_utf8_lossy(&out.stdout).lines().count(),
            err: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

fn args(fake: &AteraFake, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "atera",
        "--base-url",
        &fake.uri(),
        "--only",
        "customers",
        "--format",
        "jsonl",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_redis,
    ignore = "redis-server is not on PATH (apt-get install redis-server)"
)]
async fn two_sync_processes_sharing_a_quota_through_redis_get_no_429() {
    let redis = start_redis().await;
    // 1,000 customers at 50 a page: 20 requests per process, 40 in all,
    // against 12 a second: without sharing, the two would send 24 a second.
    let fake = AteraFake::with_data(AteraData::generate(1000, 0, 0, 21)).await;
    let quota = enforce(&fake, 12).await;
    let url = redis.url();
    let shared = [
        "--rate-limit",
        "12/s",
        "--concurrency",
        "4",
        "--shared-quota",
        &url,
    ];
    let (a, b) = tokio::join!(
        sync_process(args(&fake, &shared)),
        sync_process(args(&fake, &shared))
    );
    for p in [&a, &b] {
        assert_eq!(p.code, 0, "{}", p.err);
        assert_eq!(p.records, 1000, "{}", p.err);
    }
    assert_eq!(
        quota.throttled.load(Ordering::SeqCst),
        0,
        "the fake answered 429 to {} of {} requests",
        quota.throttled.load(Ordering::SeqCst),
        quota.admitted.load(Ordering::SeqCst)
    );
    assert!(quota.admitted.load(Ordering::SeqCst) >= 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_redis,
    ignore = "redis-server is not on PATH (apt-get install redis-server)"
)]
async fn without_the_shared_quota_the_same_two_processes_are_throttled() {
    // The control for the test above: it shows the fake's quota bites.
    let fake = AteraFake::with_data(AteraData::generate(1000, 0, 0, 21)).await;
    let quota = enforce(&fake, 12).await;
    let local = ["--rate-limit", "12/s", "--concurrency", "4"];
    let (a, b) = tokio::join!(
        sync_process(args(&fake, &local)),
        sync_process(args(&fake, &local))
    );
    for p in [&a, &b] {
        assert_eq!(p.code, 0, "{}", p.err);
        assert_eq!(p.records, 1000, "nothing lost, only retried: {}", p.err);
    }
    assert!(quota.throttled.load(Ordering::SeqCst) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_fails_naming_redis_or_falls_back_to_a_local_quota_with_a_warning() {
    let fake = AteraFake::with_data(AteraData::generate(60, 0, 0, 3)).await;
    let down = format!("redis://:hunter2@127.0.0.1:{}", free_port());
    let p = sync_process(args(&fake, &["--shared-quota", &down])).await;
    assert_eq!(p.code, 1, "{}", p.err);
    assert!(
        p.err.starts_with("error:") && p.err.contains("Redis"),
        "{}",
        p.err
    );
    assert!(!p.err.contains("hunter2"), "{}", p.err);
    assert_eq!(p.records, 0);

    let p = sync_process(args(
        &fake,
        &[
            "--shared-quota",
            &down,
            "--shared-quota-fallback",
            "local:2",
        ],
    ))
    .await;
    assert_eq!(p.code, 0, "{}", p.err);
    assert_eq!(p.records, 60);
    assert!(
        p.err.to_lowercase().contains("redis"),
        "a warning: {}",
        p.err
    );
    assert!(!p.err.contains("hunter2"), "{}", p.err);
}
