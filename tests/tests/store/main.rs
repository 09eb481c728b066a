//! vectis-sync against the Atera fake, on SQLite files and on a real
//! PostgreSQL server (`VECTIS_TEST_POSTGRES_URL`, started by `.ci/postgres.sh`;
//! without it these are reported as ignored, and under `CI=true` they fail).
//!
//! Each scenario runs on both backends: one schema, one set of guarantees.

use sqlx::Row;
use std::time::Duration;
use vectis_atera::AteraConnector;
use vectis_core::{Connector, Kind, SecretString};
use vectis_sync::{Decision, RecordFilter, RunStatus, Store, SyncOptions, Syncer};
use vectis_testkit::RecordingTime;
use vectis_testkit::assert_mentions;
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

mod killed;
mod refusals;
mod resuming;
mod rows;
mod syncing;
mod upgrade;

/// The fake's customers page 3 answers `answer` once, then as usual.
async fn fail_customers_page_3_once(fake: &AteraFake, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "3"))
        .respond_with(answer)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(fake.server())
        .await;
}

/// A fresh, empty store of the backend under test.
/// A fake with `customers` customers (`seed`) whose customers page 3 never
/// answers in time (once): a sync waits there, with pages 1 and 2 committed.
async fn fake_hanging_on_page_3(customers: usize, seed: u64) -> AteraFake {
    let fake = AteraFake::with_data(AteraData::generate(customers, 0, 0, seed)).await;
    fail_customers_page_3_once(
        &fake,
        ResponseTemplate::new(500).set_delay(Duration::from_secs(3600)),
    )
    .await;
    fake
}

/// Polls `run` until the store's first run has committed `pages` pages,
/// then drops it (a kill); a run that ends first is a failure.
async fn run_until_pages<F, T>(store: &Store, run: F, pages: i64)
where
    F: std::future::Future<Output = T>,
    T: std::fmt::Debug,
{
    tokio::pin!(run);
    loop {
        tokio::select! {
            r = &mut run => panic!("the sync should still wait for a page: {r:?}"),
            _ = tokio::task::yield_now() => {}
        }
        let runs = store.runs(None).await.unwrap();
        if runs.first().is_some_and(|r| r.pages == pages) {
            return;
        }
    }
}

/// A customers-only sync of `c` (connection named after the vendor), which
/// must end ok; its report.
async fn sync_customers(
    store: &Store,
    c: &dyn Connector,
    t: &RecordingTime,
) -> vectis_sync::SyncReport {
    let r = Syncer::new(store, c)
        .options(opts(t).kinds([Kind::Customers]))
        .run()
        .await
        .unwrap();
    assert!(r.is_ok(), "{r:?}");
    r
}

async fn fresh(backend: &str) -> Store {
    vectis_testkit::store::fresh_store(backend, "vectis-store-test")
        .await
        .0
}

/// What a progress callback was told: kind, records so far, total.
type Calls = std::sync::Arc<std::sync::Mutex<Vec<(Kind, u64, Option<u64>)>>>;

fn atera(fake: &AteraFake, time: &RecordingTime) -> AteraConnector {
    AteraConnector::builder(SecretString::from(ATERA_API_KEY))
        .base_url(&fake.uri())
        .settings(vectis_testkit::unthrottled(time, 1))
        .build()
        .unwrap()
}

fn opts(time: &RecordingTime) -> SyncOptions {
    SyncOptions::new().time(time.time()).page_size(10)
}

async fn live_ids(store: &Store, conn: &str, kind: Kind) -> Vec<String> {
    let mut ids: Vec<String> = store
        .live(conn, kind)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id().to_string())
        .collect();
    ids.sort();
    ids
}

async fn rows_in(store: &Store, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

fn page_requests(reqs: &[wiremock::Request], p: &str, page: &str) -> usize {
    reqs.iter()
        .filter(|r| r.url.path() == p && r.url.query_pairs().any(|(k, v)| k == "page" && v == page))
        .count()
}

use vectis_testkit::on_both_backends;
