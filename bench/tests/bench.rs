//! The bench machinery, at tiny sizes: the loopback server speaks each
//! vendor's shape, the connector and the naive baseline agree on every
//! record, and the server's quota answers 429 and counts it. No timing.

use vectis_bench::client::{Target, sync_connector, sync_naive};
use vectis_bench::{BenchVendor, ClientArgs, Mode, measure, server};

fn target(vendor: BenchVendor, port: u16, run: &str, devices: u64, page: Option<u32>) -> Target {
    Target {
        vendor,
        port,
        run: run.to_string(),
        devices,
        latency_ms: 0,
        quota: 0,
        page_size: page,
    }
}

#[tokio::test]
async fn connector_and_naive_agree_on_every_record() {
    let port = server::spawn().await.expect("server");
    for (vendor, page) in [
        (BenchVendor::Atera, None),
        (BenchVendor::Atera, Some(7)),
        (BenchVendor::DattoRmm, None),
        (BenchVendor::DattoRmm, Some(10)),
        (BenchVendor::ConnectWise, Some(25)),
        (BenchVendor::ConnectWise, None),
        (BenchVendor::Kaseya, None),
        (BenchVendor::Kaseya, Some(10)),
    ] {
        let t = target(
            vendor,
            port,
            &format!("agree-{vendor:?}-{page:?}"),
            123,
            page,
        );
        let fast = sync_connector(&t, None, 4).await.expect("connector");
        let slow = sync_naive(&t, None).await.expect("naive");
        assert_eq!(fast.records, 123, "{vendor:?} {page:?}");
        assert_eq!(slow.records, 123, "{vendor:?} {page:?}");
        assert_eq!(fast.pages, t.pages(), "{vendor:?} {page:?}");
        assert_eq!(slow.pages, t.pages(), "{vendor:?} {page:?}");
        assert_eq!(
            fast.digest, slow.digest,
            "{vendor:?} {page:?}: same ids, same order"
        );
        let stats = t.stats().await.expect("stats");
        // Both read Kaseya's `/assets` as well as `/devices`; only the
        // connector asks Datto RMM's `/system/pagination` (once).
        assert_eq!(
            stats.requests,
            2 * t.requests() - vendor.setup_requests(),
            "{vendor:?} {page:?}"
        );
        assert_eq!(stats.throttled, 0);
    }
}

#[tokio::test]
async fn the_server_enforces_its_quota_and_counts_429s() {
    let port = server::spawn().await.expect("server");
    let t = Target {
        quota: 3,
        ..target(BenchVendor::Atera, port, "quota", 50, None)
    };
    let http = reqwest::Client::new();
    let url = format!("{}/api/v3/agents?page=1&itemsInPage=50", t.base());
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(http.get(&url).send().await.expect("send").status().as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    let stats = t.stats().await.expect("stats");
    assert_eq!(stats.requests, 5);
    assert_eq!(stats.throttled, 2);
}

#[tokio::test]
async fn measure_reports_records_and_server_counts() {
    let port = server::spawn().await.expect("server");
    let args = ClientArgs {
        vendor: BenchVendor::ConnectWise,
        mode: Mode::Connector,
        port,
        run: "measure".into(),
        devices: 2_500,
        latency_ms: 1,
        quota: 0,
        concurrency: 4,
    };
    let m = measure(&args).await.expect("measure");
    assert_eq!(m.tally.records, 2_500);
    assert_eq!(m.tally.pages, 3);
    assert_eq!(m.stats.requests, 3);
    assert_eq!(m.stats.throttled, 0);
    assert!(m.peak_kib.is_some_and(|k| k > 0));
}

#[tokio::test]
async fn a_client_quota_at_the_server_quota_gets_no_429() {
    // 12 Datto pages + 1 setup call at 50/s: about a quarter of a second,
    // all of it through the connector's own limiter.
    let port = server::spawn().await.expect("server");
    let args = ClientArgs {
        vendor: BenchVendor::DattoRmm,
        mode: Mode::Connector,
        port,
        run: "quota-ok".into(),
        devices: 3_000,
        latency_ms: 0,
        quota: 50,
        concurrency: 4,
    };
    let m = measure(&args).await.expect("measure");
    assert_eq!(m.tally.records, 3_000);
    assert_eq!(m.stats.requests, 13);
    assert_eq!(m.stats.throttled, 0);
}

/// The kinds of `bench store` measurement agree on the records: the plain
/// listing, the `sync` command to /dev/null (which needs the credentials the
/// command reads), a sync into a SQLite store, and its `store export`.
#[tokio::test]
async fn store_measurements_list_the_same_records() {
    use vectis_bench::store::{StoreChildArgs, measure};
    let port = server::spawn().await.expect("server");
    let dir = std::env::temp_dir().join(format!(
        "vectis-bench-test-{}-{}",
        std::process::id(),
        line!()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}", dir.join("store.db").display());
    for (run, store, export) in [
        ("none", "none", false),
        ("devnull", "devnull", false),
        ("sqlite", &sqlite, false),
        ("export", &sqlite, true),
    ] {
        let args = StoreChildArgs {
            port,
            run: run.into(),
            devices: 600,
            store: store.parse().unwrap(),
            runtime: vectis_bench::store::Runtime::default(),
            export,
        };
        let m = measure(&args)
            .await
            .unwrap_or_else(|e| panic!("{run}: {e}"));
        assert_eq!(m.records, 600, "{run}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The server's latency is a floor for every answer, several at once
/// included (its timer thread wakes each at its own deadline): an answer
/// sent early would make every latency-bound figure look better than the
/// client is.
#[tokio::test]
async fn no_answer_leaves_before_its_latency() {
    let port = server::spawn().await.expect("server");
    let http = reqwest::Client::new();
    let started = std::time::Instant::now();
    let answers = futures::future::join_all((1..=6).map(|page| {
        let http = http.clone();
        async move {
            let sent = std::time::Instant::now();
            let r = http
                .get(format!(
                    "http://127.0.0.1:{port}/b/floor/300/25/0/api/v3/agents?page={page}&itemsInPage=50"
                ))
                .send()
                .await
                .expect("answer");
            (r.status().as_u16(), sent.elapsed())
        }
    }))
    .await;
    for (status, took) in &answers {
        assert_eq!(*status, 200);
        assert!(
            *took >= std::time::Duration::from_millis(25),
            "answered after {took:?}, before its 25 ms"
        );
    }
    assert!(started.elapsed() >= std::time::Duration::from_millis(25));
}
