//! A sync process killed with SIGKILL in the middle of a run — a real child
//! process and a real kill, not a dropped future — on a SQLite file and on
//! PostgreSQL: the next sync resumes after the last page the killed one
//! committed, fetches none of the committed pages again and stores every
//! record once.
//!
//! The child is this test binary run again with `--ignored` on
//! [`killed_sync_child`], which syncs into the store it is given and prints
//! a line after every committed page; the parent kills it after the second,
//! while the fake holds its request for page 3.

use super::*;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

const CUSTOMERS: &str = "/api/v3/customers";
const FAKE_VAR: &str = "VECTIS_KILL_TEST_FAKE";
const STORE_VAR: &str = "VECTIS_KILL_TEST_STORE";
const LEASE: Duration = Duration::from_secs(60);

fn connector(uri: &str, time: &RecordingTime) -> AteraConnector {
    AteraConnector::builder(SecretString::from(ATERA_API_KEY))
        .base_url(uri)
        .settings(vectis_testkit::unthrottled(time, 1))
        .build()
        .unwrap()
}

fn options(time: &RecordingTime) -> SyncOptions {
    SyncOptions::new()
        .time(time.time())
        .page_size(10)
        .kinds([Kind::Customers])
        .lease(LEASE)
}

/// The killed process (started by the scenario below with `--ignored`; not
/// a test of its own, so it is ignored rather than reported as passed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "child process of the SIGKILL scenario, started by it"]
async fn killed_sync_child() {
    let (Ok(uri), Ok(url)) = (std::env::var(FAKE_VAR), std::env::var(STORE_VAR)) else {
        panic!("run only by the SIGKILL scenario, which sets {FAKE_VAR} and {STORE_VAR}");
    };
    let store = Store::open(&url).await.unwrap();
    let t = RecordingTime::new();
    let c = connector(&uri, &t);
    let progress: vectis_sync::Progress = std::sync::Arc::new(|_kind, records, _total| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "COMMITTED {records}");
        let _ = out.flush();
    });
    let r = Syncer::new(&store, &c)
        .options(options(&t).on_progress(progress))
        .run()
        .await;
    panic!("the sync should have been killed while page 3 hangs; it ended: {r:?}");
}

/// Kills the child when dropped (a failing assertion must not leave it
/// waiting on the fake for an hour).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Matches the first request it is asked about, and no other.
#[derive(Default)]
struct FirstOnly(std::sync::atomic::AtomicBool);

impl wiremock::Match for FirstOnly {
    fn matches(&self, _request: &wiremock::Request) -> bool {
        !self.0.swap(true, std::sync::atomic::Ordering::SeqCst)
    }
}

on_both_backends!(a_sync_killed_with_sigkill_resumes_after_its_last_committed_page);

async fn a_sync_killed_with_sigkill_resumes_after_its_last_committed_page(backend: &str) {
    let (store, url) = vectis_testkit::store::fresh_store(backend, "vectis-kill-test").await;
    let data = AteraData::generate(35, 0, 0, 9);
    let fake = AteraFake::with_data(data.clone()).await;
    // Page 3 of 4 is held: the child is killed while it waits. (Only the
    // first request: wiremock's `up_to_n_times` does not count an answer
    // whose client died before it was sent.)
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "3"))
        .and(FirstOnly::default())
        .respond_with(ResponseTemplate::new(500).set_delay(Duration::from_secs(3600)))
        .with_priority(1)
        .mount(fake.server())
        .await;

    let exe = std::env::current_exe().unwrap();
    let child = Command::new(exe)
        .args([
            "--exact",
            "killed::killed_sync_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FAKE_VAR, fake.uri())
        .env(STORE_VAR, &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let out = child.0.stdout.take().unwrap();
    // Read the child's lines until its second page is committed (a blocking
    // read of a pipe: no sleep, no polling).
    let committed = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(out).lines();
        let mut said = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap_or_default();
            if line == "COMMITTED 20" {
                return Ok(said);
            }
            said.push(line);
        }
        Err(said)
    })
    .await
    .unwrap();
    if let Err(said) = committed {
        panic!("the child ended before committing two pages; it said: {said:?}");
    }
    child.0.kill().unwrap(); // SIGKILL
    let status = child.0.wait().unwrap();
    assert!(!status.success(), "killed, not ended: {status}");
    let killed_at = fake.received().await.len();
    assert_eq!(page_requests(&fake.received().await, CUSTOMERS, "3"), 1);

    // What the killed process left: its two pages, its run still running.
    assert_eq!(rows_in(&store, "customers").await, 20);
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].status, runs[0].pages), (RunStatus::Running, 2));

    // After its lease has run out, the next sync resumes at page 3.
    let t = RecordingTime::new();
    t.advance(LEASE + Duration::from_secs(1));
    let c = connector(&fake.uri(), &t);
    let r = Syncer::new(&store, &c)
        .options(options(&t))
        .run()
        .await
        .unwrap();
    assert!(r.is_ok(), "{r:?}");
    let k = &r.kinds[0];
    assert!(k.resumed, "{k}");
    assert_eq!((k.records, k.new), (35, 35), "{k}");
    let reqs = fake.received().await;
    let after = &reqs[killed_at..];
    assert_eq!(
        page_requests(after, CUSTOMERS, "1"),
        0,
        "page 1 fetched again"
    );
    assert_eq!(
        page_requests(after, CUSTOMERS, "2"),
        0,
        "page 2 fetched again"
    );
    assert_eq!(page_requests(after, CUSTOMERS, "3"), 1);
    assert_eq!(rows_in(&store, "customers").await, 35);
    let mut ids = live_ids(&store, "atera", Kind::Customers).await;
    ids.dedup();
    assert_eq!(ids.len(), 35, "every record once");
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs.len(), 1, "one logical run");
    assert_eq!((runs[0].status, runs[0].processes), (RunStatus::Ok, 2));
}
