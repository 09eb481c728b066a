//! The main bench's plan, bounds and verdicts.

use super::*;

fn job(vendor: BenchVendor, devices: u64, quota: u32) -> Job {
    Job {
        section: Section::Quota,
        label: "",
        vendor,
        mode: Mode::Connector,
        devices,
        latency_ms: LATENCY_MS,
        quota,
        concurrency: CONCURRENCY,
    }
}

#[test]
fn the_lower_bound_is_the_larger_of_quota_and_latency() {
    // Datto: 200 pages + /system/pagination at 10/s = 20.1 s (quota);
    // at 100/s, 200 × 50 ms / 4 = 2.5 s (latency).
    assert!((job(BenchVendor::DattoRmm, 50_000, 10).lower_bound() - 20.1).abs() < 1e-9);
    assert!((job(BenchVendor::DattoRmm, 50_000, 100).lower_bound() - 2.5).abs() < 1e-9);
    // ConnectWise is sequential: 150 × 50 ms = 7.5 s, whatever the setting.
    assert!((job(BenchVendor::ConnectWise, 150_000, 40).lower_bound() - 7.5).abs() < 1e-9);
    // Kaseya reads assets and devices: 400 pages for 20,000 devices.
    let k = job(BenchVendor::Kaseya, 20_000, 40);
    assert_eq!(k.pages(), 400);
    assert!((k.lower_bound() - 10.0).abs() < 1e-9);
}

#[test]
fn a_missed_quota_target_fails_the_run() {
    let j = job(BenchVendor::DattoRmm, 50_000, 100);
    let bound = j.lower_bound();
    let run = |ratio: f64, throttled: u64| Measured {
        tally: client::Tally {
            records: 50_000,
            secs: bound * ratio,
            ..Default::default()
        },
        stats: server::Stats {
            requests: 201,
            throttled,
        },
        peak_kib: None,
    };
    assert!(missed_targets(&[(j.clone(), run(1.05, 0))]).is_empty());
    let missed = missed_targets(&[(j.clone(), run(1.20, 0)), (j.clone(), run(1.0, 0))]);
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert!(missed[0].contains("1.20"), "{missed:?}");
    assert_eq!(missed_targets(&[(j, run(1.0, 2))]).len(), 1);
}

#[test]
fn a_memory_ratio_over_its_target_or_a_slow_connectwise_fails_the_run() {
    let run = |section: Section, vendor: BenchVendor, devices: u64, secs: f64, kib: u64| {
        let j = Job {
            section,
            quota: 0,
            latency_ms: 0,
            ..job(vendor, devices, 0)
        };
        let m = Measured {
            tally: client::Tally {
                records: devices,
                secs,
                ..Default::default()
            },
            stats: server::Stats::default(),
            peak_kib: Some(kib),
        };
        (j, m)
    };
    let small = run(Section::Memory, BenchVendor::Atera, 10_000, 0.1, 10_000);
    let flat = run(Section::Memory, BenchVendor::Atera, 1_000_000, 6.0, 11_900);
    let grown = run(Section::Memory, BenchVendor::Atera, 1_000_000, 6.0, 12_300);
    assert!(missed_targets(&[small.clone(), flat]).is_empty());
    let missed = missed_targets(&[small, grown]);
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert!(missed[0].contains("memory 1.23"), "{missed:?}");
    let fast = run(
        Section::Throughput,
        BenchVendor::ConnectWise,
        300_000,
        3.0,
        1,
    );
    let slow = run(
        Section::Throughput,
        BenchVendor::ConnectWise,
        300_000,
        7.0,
        1,
    );
    assert!(missed_targets(&[fast]).is_empty());
    assert_eq!(missed_targets(&[slow]).len(), 1);
}

#[test]
fn the_target_needs_both_the_ratio_and_no_429() {
    assert_eq!(verdict(Mode::Connector, 1.15, 0), "met");
    assert_eq!(verdict(Mode::Connector, 1.16, 0), "MISSED");
    assert_eq!(verdict(Mode::Connector, 1.01, 1), "MISSED");
    assert_eq!(verdict(Mode::Naive, 3.0, 9), "");
}
