//! What `bench store` measured, judged against its targets, and printed.

use super::*;

/// What dlt's script reports for one destination.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DltMeasured {
    /// `duckdb` or `sqlite`.
    pub destination: String,
    /// dlt's version.
    pub dlt_version: String,
    /// Rows in the destination table after both loads.
    pub rows: u64,
    /// Rows the second (unchanged) load wrote, from dlt's normalize step
    /// (`None`: it did not finish).
    pub second_rows_loaded: Option<u64>,
    /// The first load (into an empty destination), seconds.
    pub first_secs: f64,
    /// The second load of the same records, seconds (`None`: it did not
    /// finish within the bench's time limit).
    pub second_secs: Option<f64>,
    /// extract / normalize / load of the first load, seconds.
    pub first_steps: [f64; 3],
    /// Peak resident memory of the Python process, KiB.
    pub peak_kib: u64,
}

/// The measurements one `bench store` run gathers.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// The tenant's size.
    pub devices: u64,
    /// The plain listing, each repetition.
    pub listing: Vec<StoreMeasured>,
    /// The `sync` command to /dev/null, each repetition (the targets'
    /// baseline).
    pub devnull: Vec<StoreMeasured>,
    /// SQLite: first sync into an empty store, each repetition.
    pub sqlite_first: Vec<StoreMeasured>,
    /// SQLite: the second, unchanged sync.
    pub sqlite_second: Vec<StoreMeasured>,
    /// SQLite, 10k devices, empty store.
    pub sqlite_small: Vec<StoreMeasured>,
    /// `store export` of the large SQLite store.
    pub export_large: Vec<StoreMeasured>,
    /// `store export` of the 10k store.
    pub export_small: Vec<StoreMeasured>,
    /// PostgreSQL first syncs (empty when skipped).
    pub postgres_first: Vec<StoreMeasured>,
    /// PostgreSQL second syncs.
    pub postgres_second: Vec<StoreMeasured>,
    /// Why PostgreSQL was not measured.
    pub postgres_skipped: Option<String>,
    /// dlt's loads.
    pub dlt: Vec<DltMeasured>,
    /// Why dlt was (partly) not measured.
    pub dlt_notes: Vec<String>,
    /// The time limit of a dlt process, seconds.
    pub dlt_timeout: u64,
    /// The client's runtime.
    pub runtime: super::Runtime,
}

/// The median (the mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

pub(super) fn secs(ms: &[StoreMeasured]) -> Option<f64> {
    median(&ms.iter().map(|m| m.secs).collect::<Vec<_>>())
}

pub(super) fn peak(ms: &[StoreMeasured]) -> Option<f64> {
    median(
        &ms.iter()
            .filter_map(|m| m.peak_kib.map(|k| k as f64))
            .collect::<Vec<_>>(),
    )
}

/// One target's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// What is measured, in words.
    pub target: String,
    /// The measured ratio, when measured.
    pub ratio: Option<f64>,
    /// The limit.
    pub limit: f64,
    /// `met`, `MISSED`, or `skipped`.
    pub outcome: &'static str,
    /// Details: rows written, why skipped.
    pub note: String,
}

pub(super) fn judge(
    target: &str,
    ratio: Option<f64>,
    limit: f64,
    ok_rows: bool,
    note: String,
) -> Verdict {
    let outcome = match ratio {
        None => "skipped",
        Some(r) if r <= limit && ok_rows => "met",
        Some(_) => "MISSED",
    };
    Verdict {
        target: target.into(),
        ratio,
        limit,
        outcome,
        note,
    }
}

pub(super) fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// Rows a set of second syncs rewrote (new + changed, each repetition).
pub(super) fn rewritten(ms: &[StoreMeasured]) -> u64 {
    ms.iter().map(|m| m.new + m.changed).sum()
}

/// The store targets, judged on the medians. A skipped backend is
/// `skipped` (never met); a second sync that wrote any row misses,
/// whatever its time.
pub fn verdicts(g: &Gathered) -> Vec<Verdict> {
    // The baseline: "the same sync to /dev/null".
    let listing = secs(&g.devnull);
    let mut out = vec![judge(
        "first sync into SQLite ≤ 1.25 × the sync to /dev/null",
        ratio(secs(&g.sqlite_first), listing),
        SQLITE_LIMIT,
        true,
        String::new(),
    )];
    let pg_skip = || {
        g.postgres_skipped
            .clone()
            .unwrap_or_else(|| "not measured".into())
    };
    let pg_first = ratio(secs(&g.postgres_first), listing);
    out.push(judge(
        "first sync into PostgreSQL ≤ 1.5 × the sync to /dev/null",
        pg_first,
        POSTGRES_LIMIT,
        true,
        if pg_first.is_none() {
            pg_skip()
        } else {
            String::new()
        },
    ));
    for (backend, ms) in [
        ("SQLite", &g.sqlite_second),
        ("PostgreSQL", &g.postgres_second),
    ] {
        let r = ratio(secs(ms), listing);
        let rows = rewritten(ms);
        let note = match r {
            None if backend == "PostgreSQL" => pg_skip(),
            None => "not measured".into(),
            Some(_) => format!(
                "{rows} rows new or changed over {} run(s) (from each run's report)",
                ms.len()
            ),
        };
        out.push(judge(
            &format!(
                "second, unchanged sync ({backend}) writes 0 rows and ≤ 1.1 × the sync to /dev/null"
            ),
            r,
            SECOND_LIMIT,
            rows == 0,
            note,
        ));
    }
    out.push(judge(
        "peak memory, large SQLite sync ≤ 1.2 × the 10k one",
        ratio(peak(&g.sqlite_first), peak(&g.sqlite_small)),
        MEMORY_LIMIT,
        true,
        String::new(),
    ));
    out.push(judge(
        "peak memory, store export of the large store ≤ 1.2 × the 10k one's",
        ratio(peak(&g.export_large), peak(&g.export_small)),
        MEMORY_LIMIT,
        true,
        String::new(),
    ));
    out
}

/// The targets missed, in words (a run with any fails).
pub fn missed(vs: &[Verdict]) -> Vec<String> {
    vs.iter()
        .filter(|v| v.outcome == "MISSED")
        .map(|v| match v.ratio {
            Some(r) => format!("{} ({r:.2}×)", v.target),
            None => v.target.clone(),
        })
        .collect()
}

/// dlt's time over the Vectis SQLite sync's (first and second), per destination.
pub fn dlt_ratios(g: &Gathered) -> Vec<(String, Option<f64>, Option<f64>)> {
    let first = secs(&g.sqlite_first);
    let second = secs(&g.sqlite_second);
    g.dlt
        .iter()
        .map(|d| {
            (
                d.destination.clone(),
                ratio(Some(d.first_secs), first),
                ratio(d.second_secs, second),
            )
        })
        .collect()
}

pub(super) fn mib(kib: Option<f64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.1}", k / 1024.0))
}

pub(super) fn range(ms: &[StoreMeasured]) -> String {
    let lo = ms.iter().map(|m| m.secs).fold(f64::INFINITY, f64::min);
    let hi = ms.iter().map(|m| m.secs).fold(0.0, f64::max);
    if ms.len() > 1 {
        format!("{lo:.2}–{hi:.2}")
    } else {
        String::new()
    }
}

/// The printed report.
pub fn report(g: &Gathered, repeat: usize) -> String {
    let mut o = String::new();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(
        o,
        "\nvectis bench store — Datto RMM devices through DattoRmmConnector, loopback, no quota or latency; {cores} cores shared by server, client and database; client {}; median of {repeat} fresh-process run(s)",
        match g.runtime {
            super::Runtime::OneThread => "on one thread",
            super::Runtime::Example =>
                "on the sync example's runtime (#[tokio::main]: a worker thread a core)",
        }
    );
    let _ = writeln!(
        o,
        "\n{:<34} {:<10} {:>8} {:>6} {:>13} {:>10} {:>7} {:>8} {:>9} {:>10} {:>10}",
        "measurement",
        "mode",
        "devices",
        "secs",
        "range",
        "records/s",
        "new",
        "changed",
        "peak MiB",
        "× /dev/null",
        "× listing"
    );
    let listing = secs(&g.listing);
    let devnull = secs(&g.devnull);
    let rows: [(&str, &[StoreMeasured]); 9] = [
        ("sync command to /dev/null", &g.devnull),
        ("plain listing (no output)", &g.listing),
        ("SQLite, first sync (empty store)", &g.sqlite_first),
        ("SQLite, second sync (unchanged)", &g.sqlite_second),
        ("PostgreSQL, first sync (empty)", &g.postgres_first),
        ("PostgreSQL, second (unchanged)", &g.postgres_second),
        ("SQLite, first sync, 10k devices", &g.sqlite_small),
        ("store export (SQLite)", &g.export_large),
        ("store export, 10k devices", &g.export_small),
    ];
    for (label, ms) in rows {
        let Some(s) = secs(ms) else {
            let _ = writeln!(o, "{label:<34} skipped");
            continue;
        };
        let last = &ms[ms.len() - 1];
        let against = |base: Option<f64>, own: &[StoreMeasured]| {
            if std::ptr::eq(ms, own) || last.records != g.devices {
                String::new()
            } else {
                ratio(Some(s), base).map_or(String::new(), |r| format!("{r:.2}"))
            }
        };
        let x_devnull = against(devnull, g.devnull.as_slice());
        let x = against(listing, g.listing.as_slice());
        let _ = writeln!(
            o,
            "{:<34} {:<10} {:>8} {:>6.2} {:>13} {:>10.0} {:>7} {:>8} {:>9} {:>10} {:>10}",
            label,
            if last.mode.is_empty() {
                "-"
            } else {
                &last.mode
            },
            last.records,
            s,
            range(ms),
            last.records as f64 / s.max(1e-9),
            ms.iter().map(|m| m.new).max().unwrap_or(0),
            ms.iter().map(|m| m.changed).max().unwrap_or(0),
            mib(peak(ms)),
            x_devnull,
            x
        );
    }
    if let Some(why) = &g.postgres_skipped {
        let _ = writeln!(o, "PostgreSQL not measured: {why}");
    }
    let _ = writeln!(o, "\nTargets");
    for v in verdicts(g) {
        let r = v.ratio.map_or("-".into(), |r| format!("{r:.2}"));
        let _ = writeln!(
            o,
            "  {:<8} {:>5}  {}{}",
            v.outcome,
            r,
            v.target,
            if v.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", v.note)
            }
        );
    }
    let _ = writeln!(
        o,
        "\nPeer: dlt, the same {} device records (the server's JSON, from a JSONL file), merge on `uid`, one process per destination",
        g.devices
    );
    if g.dlt.is_empty() && g.dlt_notes.is_empty() {
        let _ = writeln!(o, "  not run");
    }
    if !g.dlt.is_empty() {
        let _ = writeln!(
            o,
            "{:<12} {:>8} {:>9} {:>22} {:>10} {:>12} {:>9} {:>12} {:>13}",
            "destination",
            "dlt",
            "1st secs",
            "extract/normalize/load",
            "2nd secs",
            "2nd rewrote",
            "peak MiB",
            "1st × vectis",
            "2nd × vectis"
        );
        let ratios = dlt_ratios(g);
        for (d, (_, r1, r2)) in g.dlt.iter().zip(ratios) {
            let f = |r: Option<f64>| r.map_or("n/a".into(), |r| format!("{r:.2}"));
            let _ = writeln!(
                o,
                "{:<12} {:>8} {:>9.2} {:>22} {:>10} {:>12} {:>9} {:>12} {:>13}",
                d.destination,
                d.dlt_version,
                d.first_secs,
                format!(
                    "{:.1}/{:.1}/{:.1}",
                    d.first_steps[0], d.first_steps[1], d.first_steps[2]
                ),
                d.second_secs
                    .map_or(format!(">{}", g.dlt_timeout), |s| format!("{s:.2}")),
                d.second_rows_loaded.map_or("-".into(), |n| n.to_string()),
                mib(Some(d.peak_kib as f64)),
                f(r1),
                f(r2)
            );
        }
        let _ = writeln!(
            o,
            "  × vectis = dlt's load time / the Vectis SQLite sync's median (first / second), which includes fetching and parsing the pages over HTTP; dlt reads a local file"
        );
    }
    for n in &g.dlt_notes {
        let _ = writeln!(o, "  dlt: {n}");
    }
    o
}
