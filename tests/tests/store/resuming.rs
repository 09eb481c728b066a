//! Runs that stop early: failed, killed, cancelled or cut mid-commit, each
//! resumes where it stopped and never moves the watermark past what it read.

use super::*;

on_both_backends!(
    a_sync_that_fails_after_page_k_resumes_at_page_k_plus_1,
    a_killed_sync_holds_its_lease_until_it_expires_then_resumes,
    a_failed_incremental_run_does_not_move_the_watermark,
    a_cancelled_sync_ends_failed_releases_its_lease_and_resumes,
    the_lease_is_renewed_with_a_page_once_a_quarter_of_it_has_passed,
);

async fn a_sync_that_fails_after_page_k_resumes_at_page_k_plus_1(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let data = AteraData::generate(47, 0, 0, 4);
    let fake = AteraFake::with_data(data).await;
    // Page 3 of 5 (10 a page) fails once with a 401 (never retried).
    fail_customers_page_3_once(&fake, ResponseTemplate::new(401)).await;
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
    // Page 3 never answers in time: the process is "killed" while waiting.
    let fake = fake_hanging_on_page_3(35, 6).await;
    let c = atera(&fake, &t);
    let o = || {
        opts(&t)
            .kinds([Kind::Customers])
            .lease(Duration::from_secs(60))
    };
    // Two pages committed, then dropped (a kill).
    run_until_pages(&store, Syncer::new(&store, &c).options(o()).run(), 2).await;
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

async fn a_cancelled_sync_ends_failed_releases_its_lease_and_resumes(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    // Page 3 hangs; Ctrl-C arrives while the sync waits for it.
    let fake = fake_hanging_on_page_3(35, 7).await;
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
    let r = sync_customers(&store, &c, &t).await;
    assert!(r.kinds[0].resumed);
    assert_eq!(rows_in(&store, "customers").await, 35);
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
    assert_mentions(&msg, &["disk is full", "run again"]);
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

/// A page renews the run's lease only once a quarter of it has passed since
/// it was last taken or renewed (until then no other sync can have taken
/// it: it is taken only once expired); what the store holds after two pages
/// of a run that is then killed tells which pages renewed it.
async fn the_lease_is_renewed_with_a_page_once_a_quarter_of_it_has_passed(backend: &str) {
    // (clock step after each committed page, the lease's end after page 2,
    // in seconds from the start): a 60 s lease, renewed by page 2 when 20 s
    // have passed (page 1 at 0 s is not due), left alone when only 5 s have.
    for (step, expires_after) in [(20u64, 80i64), (5, 60)] {
        let store = fresh(backend).await;
        let t = RecordingTime::new();
        let fake = fake_hanging_on_page_3(35, 6).await;
        let c = atera(&fake, &t);
        let ticking = t.clone();
        let o = opts(&t)
            .kinds([Kind::Customers])
            .lease(Duration::from_secs(60))
            .on_progress(std::sync::Arc::new(move |_, _, _| {
                ticking.advance(Duration::from_secs(step))
            }));
        let start = chrono::DateTime::<chrono::Utc>::from(t.time().wall());
        run_until_pages(&store, Syncer::new(&store, &c).options(o).run(), 2).await;
        let expires: String = sqlx::query("SELECT expires_at FROM leases")
            .fetch_one(store.pool())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        let expires = chrono::DateTime::parse_from_rfc3339(&expires).unwrap();
        // Stored to the microsecond: rounded to the second here.
        let after_ms = (expires.with_timezone(&chrono::Utc) - start).num_milliseconds();
        assert_eq!(
            (after_ms + 500).div_euclid(1000),
            expires_after,
            "clock step {step} s a page: lease ends at {expires}, the run started at {start}"
        );
    }
}
