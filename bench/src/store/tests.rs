//! The store bench's verdicts and report.

use super::*;

#[test]
fn a_store_or_postgres_password_never_shows_in_debug_or_messages() {
    use clap::Parser;
    let cli = crate::Cli::try_parse_from([
        "bench",
        "store",
        "--postgres-url",
        "postgres://u:hunter2@db.example/x",
    ])
    .unwrap();
    assert!(!format!("{cli:?}").contains("hunter2"), "{cli:?}");
    let child = crate::Cli::try_parse_from([
        "bench",
        "__store",
        "--port",
        "1",
        "--run",
        "r",
        "--devices",
        "1",
        "--store",
        "postgres://u:hunter2@db.example/x",
    ])
    .unwrap();
    assert!(!format!("{child:?}").contains("hunter2"), "{child:?}");
    // A URL that does not parse is shown as its scheme and host only.
    let shown = shown("postgres://u:hunter2@db.example:notaport/x");
    assert!(!shown.contains("hunter2"), "{shown}");
}

fn m(secs: f64, new: u64, changed: u64, peak: u64) -> StoreMeasured {
    StoreMeasured {
        records: 150_000,
        new,
        changed,
        mode: "full".into(),
        secs,
        peak_kib: Some(peak),
    }
}

fn gathered() -> Gathered {
    Gathered {
        devices: 150_000,
        devnull: vec![
            m(2.0, 0, 0, 20_000),
            m(2.2, 0, 0, 20_000),
            m(1.8, 0, 0, 20_000),
        ],
        // Faster than the sync to /dev/null, which the targets are judged
        // against: judged against this, every target would miss.
        listing: vec![m(1.2, 0, 0, 18_000)],
        sqlite_first: vec![m(2.4, 150_000, 0, 30_000)],
        sqlite_second: vec![m(2.1, 0, 0, 30_000)],
        sqlite_small: vec![m(0.2, 10_000, 0, 28_000)],
        postgres_first: vec![m(2.9, 150_000, 0, 30_000)],
        postgres_second: vec![m(2.2, 0, 0, 30_000)],
        export_large: vec![m(0.9, 0, 0, 25_000)],
        export_small: vec![m(0.1, 0, 0, 24_000)],
        ..Gathered::default()
    }
}

fn outcome(g: &Gathered, starts: &str) -> &'static str {
    verdicts(g)
        .into_iter()
        .find(|v| v.target.starts_with(starts))
        .map(|v| v.outcome)
        .unwrap_or("absent")
}

#[test]
fn medians_ignore_order_and_average_the_middle_pair() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    assert_eq!(median(&[]), None);
}

#[test]
fn store_targets_are_judged_on_the_medians_against_the_sync_to_devnull() {
    let g = gathered();
    let vs = verdicts(&g);
    assert!(missed(&vs).is_empty(), "{vs:?}");
    // 2.4 / 2.0 = 1.2 ≤ 1.25; 2.9 / 2.0 = 1.45 ≤ 1.5; 30,000 / 28,000 ≤ 1.2.
    assert!((vs[0].ratio.unwrap() - 1.2).abs() < 1e-9);
    assert!((vs[1].ratio.unwrap() - 1.45).abs() < 1e-9);
    let mut slow = g.clone();
    slow.sqlite_first[0].secs = 2.6;
    slow.postgres_first[0].secs = 3.1;
    slow.sqlite_small[0].peak_kib = Some(24_000);
    let missed = missed(&verdicts(&slow));
    assert_eq!(missed.len(), 3, "{missed:?}");
    assert!(missed[0].contains("1.30"), "{missed:?}");
}

#[test]
fn a_store_export_whose_memory_grows_with_the_store_misses() {
    let g = gathered();
    let export = "peak memory, store export";
    assert_eq!(outcome(&g, export), "met");
    let mut big = g.clone();
    big.export_large[0].peak_kib = Some(240_000);
    assert_eq!(outcome(&big, export), "MISSED");
    let mut none = g;
    none.export_large.clear();
    assert_eq!(outcome(&none, export), "skipped");
}

#[test]
fn a_second_sync_that_writes_a_row_misses_however_fast() {
    let mut g = gathered();
    g.sqlite_second[0].changed = 1;
    assert_eq!(outcome(&g, "second, unchanged sync (SQLite)"), "MISSED");
    let mut g = gathered();
    g.postgres_second[0].new = 3;
    assert_eq!(outcome(&g, "second, unchanged sync (PostgreSQL)"), "MISSED");
    let mut g = gathered();
    g.sqlite_second[0].secs = 2.3; // 1.15 × 2.0
    assert_eq!(outcome(&g, "second, unchanged sync (SQLite)"), "MISSED");
    assert_eq!(
        outcome(&gathered(), "second, unchanged sync (SQLite)"),
        "met"
    );
}

#[test]
fn a_postgres_that_was_not_there_is_skipped_never_met_nor_failed() {
    let mut g = gathered();
    g.postgres_first.clear();
    g.postgres_second.clear();
    g.postgres_skipped = Some("no server given".into());
    let vs = verdicts(&g);
    let pg: Vec<&Verdict> = vs
        .iter()
        .filter(|v| v.target.contains("PostgreSQL"))
        .collect();
    assert_eq!(pg.len(), 2);
    for v in pg {
        assert_eq!(v.outcome, "skipped");
        assert_eq!(v.note, "no server given");
    }
    assert!(missed(&vs).is_empty());
    let text = report(&g, 3);
    assert!(
        text.contains("PostgreSQL not measured: no server given"),
        "{text}"
    );
    assert!(!text.contains("met      1.45"), "{text}");
}

#[test]
fn dlt_is_stated_as_a_ratio_to_the_sqlite_sync() {
    let mut g = gathered();
    g.dlt.push(DltMeasured {
        destination: "duckdb".into(),
        first_secs: 24.0,
        second_secs: Some(21.0),
        rows: 150_000,
        ..DltMeasured::default()
    });
    let r = dlt_ratios(&g);
    assert_eq!(r.len(), 1);
    assert!((r[0].1.unwrap() - 10.0).abs() < 1e-9);
    assert!((r[0].2.unwrap() - 10.0).abs() < 1e-9);
    assert!(report(&g, 1).contains("duckdb"));
    // A second load stopped at the time limit has no ratio.
    g.dlt[0].second_secs = None;
    g.dlt_timeout = 600;
    assert_eq!(dlt_ratios(&g)[0].2, None);
    assert!(report(&g, 1).contains(">600"));
}
