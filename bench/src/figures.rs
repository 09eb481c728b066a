//! The main bench's targets, its verdicts and the printed report.

use super::*;

/// Section 1's target: the connector on ConnectWise's 1000-record pages.
pub const THROUGHPUT_TARGET: f64 = 50_000.0;
/// Section 3's target: the largest sync's peak memory over the 10k one's.
pub const MEMORY_TARGET: f64 = 1.2;

/// A memory run's peak over the same vendor's first (smallest) memory run.
pub(super) fn memory_ratio(results: &[(Job, Measured)], j: &Job, m: &Measured) -> Option<f64> {
    let small = results
        .iter()
        .find(|(s, _)| s.section == Section::Memory && s.vendor == j.vendor)
        .and_then(|(_, s)| s.peak_kib)?;
    let peak = m.peak_kib?;
    (small > 0).then(|| peak as f64 / small as f64)
}

/// Every run whose target was missed — quota and latency bounds, the
/// throughput floor, the memory ratio — so a run that prints MISSED exits
/// non-zero.
pub(super) fn missed_targets(results: &[(Job, Measured)]) -> Vec<String> {
    let mut missed = missed_quota_targets(results);
    for (j, m) in results {
        let rate = m.tally.records as f64 / m.tally.secs.max(1e-9);
        if j.section == Section::Throughput
            && j.mode == Mode::Connector
            && j.vendor == BenchVendor::ConnectWise
            && rate < THROUGHPUT_TARGET
        {
            missed.push(format!("connectwise throughput {rate:.0} records/s"));
        }
        if j.section == Section::Memory
            && let Some(ratio) = memory_ratio(results, j, m)
            && ratio > MEMORY_TARGET
        {
            missed.push(format!(
                "{} memory {:.2}× at {} devices",
                j.vendor.name(),
                ratio,
                j.devices
            ));
        }
    }
    missed
}

/// The quota runs whose target was missed (`vendor scenario ratio`).
pub(super) fn missed_quota_targets(results: &[(Job, Measured)]) -> Vec<String> {
    results
        .iter()
        .filter(|(j, _)| j.section == Section::Quota)
        .filter_map(|(j, m)| {
            let ratio = m.tally.secs / j.lower_bound().max(1e-9);
            (verdict(j.mode, ratio, m.stats.throttled) == "MISSED").then(|| {
                format!(
                    "{} {} {:.2}× with {} 429s",
                    j.vendor.name(),
                    j.label,
                    ratio,
                    m.stats.throttled
                )
            })
        })
        .collect()
}

pub(super) fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.1}", k as f64 / 1024.0))
}

pub(super) fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Connector => "connector",
        Mode::Naive => "naive",
    }
}

pub(super) fn report(results: &[(Job, Measured)], quick: bool) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(
        o,
        "\nvectis bench{} — loopback, {cores} cores shared by server and client; client on one thread",
        if quick { " --quick" } else { "" }
    );

    let _ = writeln!(
        o,
        "\n1. Throughput, no quota, no latency (target: connector ≥ 50,000 records/s on ConnectWise pages)"
    );
    let _ = writeln!(
        o,
        "{:<12} {:<10} {:>9} {:>6} {:>9} {:>8} {:>11} {:>10} {:>5} {:>8} {:>8}",
        "vendor",
        "client",
        "devices",
        "/page",
        "requests",
        "secs",
        "records/s",
        "requests/s",
        "429s",
        "peak MiB",
        "x naive"
    );
    let naive_rate = |v: BenchVendor| {
        results
            .iter()
            .find(|(j, _)| {
                j.section == Section::Throughput && j.vendor == v && j.mode == Mode::Naive
            })
            .map(|(_, m)| m.tally.records as f64 / m.tally.secs.max(1e-9))
    };
    for (j, m) in results
        .iter()
        .filter(|(j, _)| j.section == Section::Throughput)
    {
        let rate = m.tally.records as f64 / m.tally.secs.max(1e-9);
        let gain = match (j.mode, naive_rate(j.vendor)) {
            (Mode::Connector, Some(n)) => format!("{:.2}", rate / n),
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "{:<12} {:<10} {:>9} {:>6} {:>9} {:>8.2} {:>11.0} {:>10.0} {:>5} {:>8} {:>8}",
            j.vendor.name(),
            mode_name(j.mode),
            j.devices,
            j.vendor.max_page(),
            m.stats.requests,
            m.tally.secs,
            rate,
            m.stats.requests as f64 / m.tally.secs.max(1e-9),
            m.stats.throttled,
            mib(m.peak_kib),
            gain
        );
    }

    let _ = writeln!(
        o,
        "\n2. Quota + {LATENCY_MS} ms latency (target: connector ≤ 1.15 × bound, 0 × 429)\n   bound = max(requests / quota, pages × latency / concurrency); requests = pages + the connector's setup calls; concurrency = pages one listing can have in flight; reqs = what the server counted, 429s included"
    );
    let _ = writeln!(
        o,
        "{:<12} {:<14} {:<10} {:>7} {:>6} {:>6} {:>5} {:>8} {:>8} {:>6} {:>5} {:>7}",
        "vendor",
        "scenario",
        "client",
        "quota/s",
        "pages",
        "reqs",
        "conc",
        "bound s",
        "secs",
        "ratio",
        "429s",
        "target"
    );
    for (j, m) in results.iter().filter(|(j, _)| j.section == Section::Quota) {
        let bound = j.lower_bound();
        let ratio = m.tally.secs / bound.max(1e-9);
        let met = verdict(j.mode, ratio, m.stats.throttled);
        let conc = match j.mode {
            Mode::Connector => j.vendor.listing_concurrency(j.concurrency),
            Mode::Naive => 1,
        };
        let _ = writeln!(
            o,
            "{:<12} {:<14} {:<10} {:>7} {:>6} {:>6} {:>5} {:>8.2} {:>8.2} {:>6.2} {:>5} {:>7}",
            j.vendor.name(),
            j.label,
            mode_name(j.mode),
            j.quota,
            j.pages(),
            m.stats.requests,
            conc,
            bound,
            m.tally.secs,
            ratio,
            m.stats.throttled,
            met
        );
    }

    let _ = writeln!(
        o,
        "\n3. Peak memory of a device sync through the connector, fresh process per size (target: largest ≤ 1.2 × 10k)"
    );
    let _ = writeln!(
        o,
        "{:<12} {:>9} {:>8} {:>11} {:>8} {:>7}",
        "vendor", "devices", "secs", "records/s", "peak MiB", "ratio"
    );
    for (j, m) in results.iter().filter(|(j, _)| j.section == Section::Memory) {
        let ratio = memory_ratio(results, j, m);
        let shown = ratio.map_or("n/a".into(), |r| format!("{r:.2}"));
        let verdict = match ratio {
            Some(r) if r > MEMORY_TARGET => "MISSED",
            Some(_) => "met",
            None => "",
        };
        let _ = writeln!(
            o,
            "{:<12} {:>9} {:>8.2} {:>11.0} {:>8} {:>7}  {}",
            j.vendor.name(),
            j.devices,
            m.tally.secs,
            m.tally.records as f64 / m.tally.secs.max(1e-9),
            mib(m.peak_kib),
            shown,
            verdict
        );
    }
    o
}

/// Issue 6's quota target for a connector run: within 1.15 × the lower
/// bound and no 429 (the naive baseline has no target).
pub(super) fn verdict(mode: Mode, ratio: f64, throttled: u64) -> &'static str {
    match mode {
        Mode::Connector if ratio <= 1.15 && throttled == 0 => "met",
        Mode::Connector => "MISSED",
        Mode::Naive => "",
    }
}
