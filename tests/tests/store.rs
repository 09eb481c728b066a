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
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

/// A fresh, empty store of the backend under test.
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

on_both_backends!(
    a_three_kind_sync_stores_every_record_once_and_a_second_writes_nothing,
    records_gone_from_the_vendor_are_tombstoned_and_revived_when_they_return,
    an_empty_answer_after_a_full_store_is_held_and_nothing_is_lost,
    a_sync_that_fails_after_page_k_resumes_at_page_k_plus_1,
    a_killed_sync_holds_its_lease_until_it_expires_then_resumes,
    a_failed_incremental_run_does_not_move_the_watermark,
    a_keep_separate_decision_survives_resync_and_rematch,
    the_hub_counts_devices_and_open_alerts_per_linked_company,
    a_cancelled_sync_ends_failed_releases_its_lease_and_resumes,
    a_store_from_before_the_hash_change_is_upgraded_without_a_rewrite,
    a_run_begun_before_the_upgrade_keeps_the_ids_it_saw,
);

async fn a_three_kind_sync_stores_every_record_once_and_a_second_writes_nothing(backend: &str) {
    let data = AteraData::generate(23, 41, 37, 5);
    let fake = AteraFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let c = atera(&fake, &t);
    let store = fresh(backend).await;

    let report = Syncer::new(&store, &c)
        .options(opts(&t))
        .run()
        .await
        .unwrap();
    assert!(report.is_ok(), "{report:?}");
    let by_kind = |k: Kind| report.kinds.iter().find(|r| r.kind == k).unwrap();
    assert_eq!(by_kind(Kind::Customers).new, 23);
    assert_eq!(by_kind(Kind::Devices).new, 41);
    assert_eq!(by_kind(Kind::Alerts).new, 37);
    assert_eq!(rows_in(&store, "customers").await, 23);
    assert_eq!(rows_in(&store, "devices").await, 41);
    assert_eq!(rows_in(&store, "alerts").await, 37);
    assert_eq!(
        by_kind(Kind::Customers).to_string(),
        "Atera: 23 customers (23 new, 0 changed, 0 gone)"
    );
    let before = store.records(&RecordFilter::new()).await.unwrap();

    // The same tenant again: nothing new, nothing changed, nothing rewritten.
    t.advance(Duration::from_secs(3600));
    let seen: Calls = Default::default();
    let log = seen.clone();
    let progress: vectis_sync::Progress = std::sync::Arc::new(move |k, n, total| {
        log.lock().unwrap().push((k, n, total));
    });
    let again = Syncer::new(&store, &c)
        .options(opts(&t).full(true).on_progress(progress))
        .run()
        .await
        .unwrap();
    assert!(again.is_ok(), "{again:?}");
    // Progress is told after every committed page: 23 customers at 10 a page
    // is 3 calls, ending at 23 of 23.
    let calls = seen.lock().unwrap().clone();
    let customers: Vec<_> = calls.iter().filter(|c| c.0 == Kind::Customers).collect();
    assert_eq!(customers.len(), 3, "{calls:?}");
    assert_eq!(customers.last().map(|c| (c.1, c.2)), Some((23, Some(23))));
    for k in &again.kinds {
        assert_eq!((k.new, k.changed, k.gone), (0, 0, 0), "{k}");
        assert!(k.records > 0, "{k}");
    }
    let after = store.records(&RecordFilter::new()).await.unwrap();
    assert_eq!(before, after, "an unchanged record must not be rewritten");
    let runs = store.runs(Some("atera")).await.unwrap();
    assert_eq!(runs.len(), 6);
    assert!(runs.iter().all(|r| r.status == RunStatus::Ok));
    // The vendor's clock (the fake's Date header) gave the watermark.
    assert!(
        runs.iter()
            .all(|r| r.watermark_source.as_deref() == Some("vendor"))
    );
}

async fn records_gone_from_the_vendor_are_tombstoned_and_revived_when_they_return(backend: &str) {
    let data = AteraData::generate(20, 0, 0, 9);
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let full = || opts(&t).kinds([Kind::Customers]).full(true);
    let fake = AteraFake::with_data(data.clone()).await;
    Syncer::new(&store, &atera(&fake, &t))
        .options(full())
        .run()
        .await
        .unwrap();

    // The vendor drops two customers.
    let mut fewer = data.clone();
    let dropped: Vec<String> = fewer
        .customers
        .drain(3..5)
        .map(|c| c["CustomerID"].to_string())
        .collect();
    let fake2 = AteraFake::with_data(fewer).await;
    let r = Syncer::new(&store, &atera(&fake2, &t))
        .options(full())
        .run()
        .await
        .unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.kinds[0].gone, 2);
    let live = live_ids(&store, "atera", Kind::Customers).await;
    assert_eq!(live.len(), 18);
    let all = store
        .records(&RecordFilter::new().include_deleted(true))
        .await
        .unwrap();
    assert_eq!(all.len(), 20, "a tombstone keeps its row");
    for id in &dropped {
        let rec = all.iter().find(|r| r.record.id() == id).unwrap();
        assert!(rec.deleted_at.is_some(), "{id} should be tombstoned");
    }

    // A partial run (one kind) or an incremental one never tombstones; and
    // when the two come back they are revived.
    let fake3 = AteraFake::with_data(data).await;
    let r = Syncer::new(&store, &atera(&fake3, &t))
        .options(full())
        .run()
        .await
        .unwrap();
    assert_eq!(r.kinds[0].revived, 2, "{}", r.kinds[0]);
    assert_eq!(live_ids(&store, "atera", Kind::Customers).await.len(), 20);
}

async fn an_empty_answer_after_a_full_store_is_held_and_nothing_is_lost(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(12, 30, 0, 2)).await;
    let kinds = [Kind::Customers, Kind::Devices];
    Syncer::new(&store, &atera(&fake, &t))
        .options(opts(&t).kinds(kinds))
        .run()
        .await
        .unwrap();

    // A wrong tenant answers with empty lists: the guard holds every kind.
    let empty = AteraFake::with_data(AteraData::generate(0, 0, 0, 2)).await;
    let r = Syncer::new(&store, &atera(&empty, &t))
        .options(opts(&t).kinds(kinds).full(true))
        .run()
        .await
        .unwrap();
    assert!(!r.is_ok());
    for k in &r.kinds {
        assert_eq!(k.status, RunStatus::Held, "{k}");
        assert_eq!(k.gone, 0);
        assert!(k.to_string().contains("--allow-mass-delete"), "{k}");
    }
    assert_eq!(live_ids(&store, "atera", Kind::Customers).await.len(), 12);
    assert_eq!(live_ids(&store, "atera", Kind::Devices).await.len(), 30);

    // Confirmed: now they go.
    let r = Syncer::new(&store, &atera(&empty, &t))
        .options(opts(&t).kinds(kinds).full(true).allow_mass_delete(true))
        .run()
        .await
        .unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(live_ids(&store, "atera", Kind::Customers).await.len(), 0);
}

async fn a_sync_that_fails_after_page_k_resumes_at_page_k_plus_1(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let data = AteraData::generate(47, 0, 0, 4);
    let fake = AteraFake::with_data(data).await;
    // Page 3 of 5 (10 a page) fails once with a 401 (never retried).
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(fake.server())
        .await;
    let c = atera(&fake, &t);
    let o = || opts(&t).kinds([Kind::Customers]);
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert_eq!(r.kinds[0].status, RunStatus::Failed);
    assert_eq!(live_ids(&store, "atera", Kind::Customers).await.len(), 20);
    let runs = store.runs(None).await.unwrap();
    assert_eq!((runs[0].status, runs[0].pages), (RunStatus::Failed, 2));

    let before = fake.received().await;
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert!(r.kinds[0].resumed);
    let after = fake.received().await;
    let new = &after[before.len()..];
    assert_eq!(
        page_requests(new, "/api/v3/customers", "1"),
        0,
        "page 1 again"
    );
    assert_eq!(
        page_requests(new, "/api/v3/customers", "2"),
        0,
        "page 2 again"
    );
    assert_eq!(page_requests(new, "/api/v3/customers", "3"), 1);
    assert_eq!(rows_in(&store, "customers").await, 47);
    let k = &r.kinds[0];
    assert_eq!(
        (k.records, k.new),
        (47, 47),
        "counts span both processes: {k}"
    );
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs.len(), 1, "one logical run");
    assert_eq!((runs[0].status, runs[0].processes), (RunStatus::Ok, 2));
}

async fn a_killed_sync_holds_its_lease_until_it_expires_then_resumes(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(35, 0, 0, 6)).await;
    // Page 3 never answers in time: the process is "killed" while waiting.
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(500).set_delay(Duration::from_secs(3600)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(fake.server())
        .await;
    let c = atera(&fake, &t);
    let o = || {
        opts(&t)
            .kinds([Kind::Customers])
            .lease(Duration::from_secs(60))
    };
    {
        let syncer = Syncer::new(&store, &c).options(o());
        let run = syncer.run();
        tokio::pin!(run);
        // Poll the sync until two pages are committed, then drop it (a kill).
        loop {
            tokio::select! {
                r = &mut run => panic!("the sync should hang on page 3: {r:?}"),
                _ = tokio::task::yield_now() => {}
            }
            let runs = store.runs(None).await.unwrap();
            if runs.first().is_some_and(|r| r.pages == 2) {
                break;
            }
        }
    }
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::Running);

    // A second process right away: refused, with who holds it and until when.
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    let k = &r.kinds[0];
    assert_eq!(k.status, RunStatus::Failed);
    let msg = k.error.as_ref().unwrap().to_string();
    assert!(msg.contains("another sync holds it"), "{msg}");
    assert_eq!(
        rows_in(&store, "customers").await,
        20,
        "nothing interleaved"
    );

    // After the lease expires: resumed after page 2, every record once.
    t.advance(Duration::from_secs(61));
    let before = fake.received().await.len();
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert!(r.kinds[0].resumed);
    let reqs = fake.received().await;
    assert_eq!(page_requests(&reqs[before..], "/api/v3/customers", "1"), 0);
    assert_eq!(page_requests(&reqs[before..], "/api/v3/customers", "2"), 0);
    assert_eq!(rows_in(&store, "customers").await, 35);
}

async fn a_failed_incremental_run_does_not_move_the_watermark(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(15, 0, 0, 8)).await;
    let c = atera(&fake, &t);
    let o = || opts(&t).kinds([Kind::Customers]);
    Syncer::new(&store, &c).options(o()).run().await.unwrap();
    let first = store.runs(None).await.unwrap().remove(0);
    let w1 = first.next_watermark.clone().unwrap();

    // The next run is incremental from w1, and fails.
    t.advance(Duration::from_secs(7200));
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(fake.server())
        .await;
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert_eq!(r.kinds[0].status, RunStatus::Failed);
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs[1].since.as_deref(), Some(w1.as_str()));

    // Its retry still lists from w1 (the failed run is resumed, its
    // watermark never used), and only once it is ok does the next one move.
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    let runs = store.runs(None).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].since.as_deref(), Some(w1.as_str()));
    let w2 = runs[1].next_watermark.clone().unwrap();
    // The vendor's clock (real time in the fake) decides, never ours.
    assert!(w2 >= w1, "{w2} should not be before {w1}");
    assert_eq!(runs[1].watermark_source.as_deref(), Some("vendor"));
    // The vendor was asked for changes only (Atera's customers filter).
    let reqs = fake.received().await;
    let incremental = reqs
        .iter()
        .filter(|r| r.url.query().unwrap_or("").contains("FromLastModifiedDate"))
        .count();
    assert!(incremental >= 1, "no incremental request was sent");
}

async fn a_keep_separate_decision_survives_resync_and_rematch(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let names: Vec<String> = ["Acme Ltd", "Globex Corporation", "Initech"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rmm = AteraFake::with_data(AteraData::generate_for(&names, 0, 0, 1)).await;
    let psa = AteraFake::with_data(AteraData::generate_for(&names, 0, 0, 2)).await;
    let sync = |fake: &AteraFake, conn: &'static str| {
        let c = atera(fake, &t);
        let store = store.clone();
        let o = opts(&t).kinds([Kind::Customers]);
        async move {
            Syncer::new(&store, &c as &dyn Connector)
                .connection(conn)
                .options(o)
                .run()
                .await
                .unwrap()
        }
    };
    sync(&rmm, "rmm").await;
    sync(&psa, "psa").await;
    let matcher = vectis_match::Matcher::default();
    let now = chrono::Utc::now();
    let links = store
        .match_customers(&["rmm"], "psa", &matcher, now)
        .await
        .unwrap();
    assert_eq!(links.iter().filter(|l| l.psa_id.is_some()).count(), 3);
    let acme = links
        .iter()
        .find(|l| l.rmm_name == "Acme Ltd")
        .unwrap()
        .clone();

    store
        .decide("rmm", &acme.rmm_id, "psa", Decision::KeepSeparate, now)
        .await
        .unwrap();
    sync(&rmm, "rmm").await;
    sync(&psa, "psa").await;
    let links = store
        .match_customers(&["rmm"], "psa", &matcher, now)
        .await
        .unwrap();
    let acme2 = links.iter().find(|l| l.rmm_id == acme.rmm_id).unwrap();
    assert_eq!(acme2.psa_id, None);
    assert_eq!(acme2.reason.as_deref(), Some("override"));
    assert_eq!(links.iter().filter(|l| l.psa_id.is_some()).count(), 2);
    // And a reopened store reads the same.
    let stored = store.links("psa").await.unwrap();
    assert_eq!(stored.iter().filter(|l| l.psa_id.is_some()).count(), 2);
}

async fn the_hub_counts_devices_and_open_alerts_per_linked_company(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let names: Vec<String> = ["Acme Ltd", "Globex Corporation"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let data = AteraData::generate_for(&names, 9, 14, 3);
    let rmm = AteraFake::with_data(data.clone()).await;
    let psa = AteraFake::with_data(AteraData::generate_for(&names, 0, 0, 4)).await;
    let c = atera(&rmm, &t);
    Syncer::new(&store, &c)
        .connection("rmm")
        .options(opts(&t))
        .run()
        .await
        .unwrap();
    let p = atera(&psa, &t);
    Syncer::new(&store, &p)
        .connection("psa")
        .options(opts(&t).kinds([Kind::Customers]))
        .run()
        .await
        .unwrap();
    store
        .match_customers(&["rmm"], "psa", &Default::default(), chrono::Utc::now())
        .await
        .unwrap();
    let hub = store.hub().await.unwrap();
    assert_eq!(hub.companies.len(), 2);
    let devices: u64 = hub
        .companies
        .iter()
        .flat_map(|c| &c.customers)
        .map(|c| c.devices)
        .sum();
    assert_eq!(devices, 9);
    let open: u64 = hub
        .companies
        .iter()
        .flat_map(|c| &c.customers)
        .flat_map(|c| c.open_alerts.values())
        .sum();
    assert_eq!(open as usize, data.open_alerts().len());
    assert!(hub.unlinked.is_empty());
}

#[tokio::test]
async fn a_store_from_a_newer_version_is_refused_and_bad_urls_say_what_to_do() {
    let store = fresh("sqlite").await;
    sqlx::query("UPDATE vectis_meta SET value = '99' WHERE key = 'schema_version'")
        .execute(store.pool())
        .await
        .unwrap();
    let url = store.url().to_string();
    drop(store);
    let e = Store::open(&url).await.unwrap_err().to_string();
    assert!(
        e.contains("schema version 99") && e.contains("upgrade"),
        "{e}"
    );

    let e = Store::open("mysql://u:pw@h/db").await.unwrap_err();
    assert!(e.is_config() && !e.to_string().contains("pw"), "{e}");
    let e = Store::open("sqlite:///nonexistent-dir-vectis/x/y.db")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("sqlite:///nonexistent-dir-vectis/x/y.db"), "{e}");
    assert!(e.contains("folder"), "{e}");
    let e = Store::open("postgres://vectis:hunter2@127.0.0.1:1/db")
        .await
        .unwrap_err()
        .to_string();
    assert!(!e.contains("hunter2") && e.contains("***"), "{e}");
}

#[tokio::test]
async fn a_connection_name_keeps_its_vendor() {
    let store = fresh("sqlite").await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(2, 0, 0, 1)).await;
    let c = atera(&fake, &t);
    sqlx::query(
        "INSERT INTO connections (name, vendor, created_at) VALUES ('x', 'datto-rmm', 'now')",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let e = Syncer::new(&store, &c)
        .connection("x")
        .options(opts(&t))
        .run()
        .await
        .unwrap_err();
    assert!(e.is_config(), "{e}");
    assert!(e.to_string().contains("Datto RMM"), "{e}");
}

async fn a_cancelled_sync_ends_failed_releases_its_lease_and_resumes(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(35, 0, 0, 7)).await;
    // Page 3 hangs; Ctrl-C arrives while the sync waits for it.
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(500).set_delay(Duration::from_secs(3600)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(fake.server())
        .await;
    let c = atera(&fake, &t);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let o = opts(&t).kinds([Kind::Customers]).cancel_on(stopped);
    let syncer = Syncer::new(&store, &c).options(o);
    let run = syncer.run();
    tokio::pin!(run);
    let report = loop {
        tokio::select! {
            r = &mut run => break r.unwrap(),
            _ = tokio::task::yield_now() => {}
        }
        let runs = store.runs(None).await.unwrap();
        if runs.first().is_some_and(|r| r.pages == 2) {
            let _ = stop.send(true);
        }
    };
    let k = &report.kinds[0];
    assert_eq!(k.status, RunStatus::Failed, "{k}");
    assert!(k.to_string().contains("interrupted"), "{k}");
    let runs = store.runs(None).await.unwrap();
    assert_eq!((runs[0].status, runs[0].pages), (RunStatus::Failed, 2));
    assert_eq!(
        rows_in(&store, "customers").await,
        20,
        "the committed pages are kept"
    );

    // The lease was released: the next sync starts at once and resumes.
    let r = Syncer::new(&store, &c)
        .options(opts(&t).kinds([Kind::Customers]))
        .run()
        .await
        .unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert!(r.kinds[0].resumed);
    assert_eq!(rows_in(&store, "customers").await, 35);
}

#[tokio::test]
async fn a_value_the_build_cannot_read_says_what_to_do() {
    let store = fresh("sqlite").await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(2, 0, 0, 1)).await;
    Syncer::new(&store, &atera(&fake, &t))
        .options(opts(&t).kinds([Kind::Customers]))
        .run()
        .await
        .unwrap();
    sqlx::query("UPDATE customers SET vendor = 'hal-9000'")
        .execute(store.pool())
        .await
        .unwrap();
    let e = store
        .records(&RecordFilter::new())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("hal-9000") && e.contains("sync into a new store"),
        "{e}"
    );
}

#[tokio::test]
async fn a_failed_commit_mid_run_ends_failed_keeps_what_was_committed_and_resumes() {
    let store = fresh("sqlite").await;
    let t = RecordingTime::new();
    let data = AteraData::generate(35, 0, 0, 12);
    let fake = AteraFake::with_data(data.clone()).await;
    let c = atera(&fake, &t);
    // The database refuses page 3's write (as a full disk would).
    let refused = data.customers[25]["CustomerID"].to_string();
    sqlx::query(&format!(
        "CREATE TRIGGER refuse BEFORE INSERT ON customers WHEN NEW.id = '{refused}'
         BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    ))
    .execute(store.pool())
    .await
    .unwrap();
    let o = || opts(&t).kinds([Kind::Customers]);
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    let k = &r.kinds[0];
    assert_eq!(k.status, RunStatus::Failed, "{k}");
    let msg = k.to_string();
    assert!(
        msg.contains("disk is full") && msg.contains("run again"),
        "{msg}"
    );
    assert_eq!(
        rows_in(&store, "customers").await,
        20,
        "pages 1 and 2 stay, page 3 rolled back whole"
    );
    let runs = store.runs(None).await.unwrap();
    assert_eq!((runs[0].status, runs[0].pages), (RunStatus::Failed, 2));

    // Space again: the next run resumes at page 3 and stores each record once.
    sqlx::query("DROP TRIGGER refuse")
        .execute(store.pool())
        .await
        .unwrap();
    let before = fake.received().await.len();
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert!(r.is_ok() && r.kinds[0].resumed, "{r:?}");
    let reqs = fake.received().await;
    assert_eq!(page_requests(&reqs[before..], "/api/v3/customers", "1"), 0);
    assert_eq!(rows_in(&store, "customers").await, 35);
}

/// The content hash's first definition (FNV-1a over the record's JSON, two
/// offsets, 32 hex digits), written here from its description, not from
/// vectis-sync's code.
fn first_hash(rec: &vectis_core::Record) -> String {
    let bytes = serde_json::to_vec(rec).unwrap();
    let fnv = |offset: u64| {
        bytes.iter().fold(offset, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

async fn a_store_from_before_the_hash_change_is_upgraded_without_a_rewrite(backend: &str) {
    use futures::TryStreamExt;
    let data = AteraData::generate(3, 25, 2, 11);
    let fake = AteraFake::with_data(data).await;
    let t = RecordingTime::new();
    let c = atera(&fake, &t);
    let store = fresh(backend).await;
    let only_devices = || opts(&t).kinds([Kind::Devices]).full(true);
    let first = Syncer::new(&store, &c)
        .options(only_devices())
        .run()
        .await
        .unwrap();
    assert_eq!(first.kinds[0].new, 25);

    // Rewind the stored hashes to the first definition, as a store written
    // by an earlier version holds them; one of them stale.
    let mut records = Vec::new();
    let mut pages = c.record_pages(Kind::Devices, &vectis_core::ListOptions::default());
    while let Some(page) = pages.try_next().await.unwrap() {
        records.extend(page.items);
    }
    assert_eq!(records.len(), 25);
    let stale = records[0].id().to_string();
    for rec in &records {
        let h = if rec.id() == stale {
            "0".repeat(32)
        } else {
            first_hash(rec)
        };
        let sql = match backend {
            "postgres" => "UPDATE devices SET hash = $1 WHERE id = $2",
            _ => "UPDATE devices SET hash = ?1 WHERE id = ?2",
        };
        sqlx::query(sql)
            .bind(h)
            .bind(rec.id().to_string())
            .execute(store.pool())
            .await
            .unwrap();
    }
    let before = store.records(&RecordFilter::new()).await.unwrap();

    // The upgraded sync: only the stale one is changed; the others keep
    // their rows and get the new hash.
    t.advance(Duration::from_secs(60));
    let again = Syncer::new(&store, &c)
        .options(only_devices())
        .run()
        .await
        .unwrap();
    let k = &again.kinds[0];
    assert_eq!((k.records, k.new, k.changed), (25, 0, 1), "{k}");
    let hashes: Vec<(String, String)> = sqlx::query("SELECT id, hash FROM devices")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    assert_eq!(hashes.len(), 25);
    assert!(
        hashes.iter().all(|(_, h)| h.starts_with("h2:")),
        "{hashes:?}"
    );
    let after = store.records(&RecordFilter::new()).await.unwrap();
    let unchanged = |list: &[vectis_sync::StoredRecord]| -> Vec<vectis_sync::StoredRecord> {
        list.iter()
            .filter(|r| r.record.id() != stale)
            .cloned()
            .collect()
    };
    assert_eq!(unchanged(&before), unchanged(&after));

    // And from then on the new hashes hold: nothing changed, nothing written.
    t.advance(Duration::from_secs(60));
    let third = Syncer::new(&store, &c)
        .options(only_devices())
        .run()
        .await
        .unwrap();
    assert_eq!((third.kinds[0].new, third.kinds[0].changed), (0, 0));
    let hashes_again: Vec<(String, String)> = sqlx::query("SELECT id, hash FROM devices")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    assert_eq!(hashes, hashes_again);
}

/// A full run interrupted under schema version 1 (ids seen in `run_seen`,
/// one row each) and resumed by this version (one `run_pages` row a page):
/// the ids of both count as seen, so nothing is marked gone.
async fn a_run_begun_before_the_upgrade_keeps_the_ids_it_saw(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(47, 0, 0, 4)).await;
    let c = atera(&fake, &t);
    let o = || opts(&t).kinds([Kind::Customers]).full(true);
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert!(r.is_ok(), "{r:?}");

    // The second full run fails on page 3 of 5, after two committed pages.
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(fake.server())
        .await;
    t.advance(Duration::from_secs(60));
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert_eq!(r.kinds[0].status, RunStatus::Failed);
    // As version 1 would have left it: the 20 ids seen, one row each.
    let to_rows = match backend {
        "postgres" => {
            "INSERT INTO run_seen (run_id, id) SELECT p.run_id, j.id FROM run_pages p CROSS JOIN LATERAL jsonb_array_elements_text(p.ids::jsonb) AS j(id)"
        }
        _ => {
            "INSERT INTO run_seen (run_id, id) SELECT p.run_id, j.value FROM run_pages p, json_each(p.ids) j"
        }
    };
    sqlx::query(to_rows).execute(store.pool()).await.unwrap();
    sqlx::query("DELETE FROM run_pages")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(rows_in(&store, "run_seen").await, 20);

    t.advance(Duration::from_secs(60));
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert!(r.kinds[0].resumed);
    assert_eq!(r.kinds[0].gone, 0, "{}", r.kinds[0]);
    assert_eq!(live_ids(&store, "atera", Kind::Customers).await.len(), 47);
    assert_eq!(rows_in(&store, "run_seen").await, 0, "emptied at the end");
    assert_eq!(rows_in(&store, "run_pages").await, 0, "emptied at the end");
}
