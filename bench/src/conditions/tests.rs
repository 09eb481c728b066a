//! The verdicts of `bench conditions`.

use super::*;

fn small(default_secs: f64) -> SmallRow {
    SmallRow {
        vendor: "atera",
        records: 10,
        requests: 5,
        default_secs,
        off_secs: 1.0,
    }
}

fn full(secs: f64) -> FullRow {
    FullRow {
        records: 100,
        requests: 160,
        latency: 0.05,
        concurrency: 8,
        secs,
    }
}

#[test]
fn a_slow_default_quota_or_full_sync_or_any_429_misses() {
    let ran = |throttled| SharedOutcome::Ran {
        requests: 100,
        throttled,
        secs: 2.5,
        quota: 40,
        records: 10,
    };
    let (_, missed) = report(&[small(1.2)], &full(1.0), &[], &ran(0));
    assert!(missed.is_empty(), "{missed:?}");
    let (_, missed) = report(&[small(1.3)], &full(1.0), &[], &ran(0));
    assert_eq!(missed.len(), 1, "{missed:?}");
    // bound = 160 × 0.05 / 8 = 1.0 s
    let (_, missed) = report(
        &[small(1.0)],
        &full(1.06),
        &[("devices only", full(2.0))],
        &ran(0),
    );
    assert_eq!(missed.len(), 1, "{missed:?}");
    let (text, missed) = report(&[small(1.0)], &full(1.0), &[], &ran(1));
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert!(text.contains("MISSED"), "{text}");
}

#[test]
fn no_redis_is_skipped_never_met() {
    let s = SharedOutcome::Skipped("no redis-server".into());
    assert_eq!(s.verdict(), "skipped");
    let (text, missed) = report(&[small(1.0)], &full(1.0), &[], &s);
    assert!(missed.is_empty());
    assert!(text.contains("skipped: no redis-server"), "{text}");
}
