//! `bench store`: what keeping a sync in a store costs (issue 14, "Speed
//! and memory"), measured in one run, side by side.
//!
//! A Datto RMM device listing through the real `DattoRmmConnector` against
//! the loopback server (no quota, no latency), in fresh child processes:
//!
//! - the plain listing, every record dropped (the sync "to /dev/null");
//! - a sync into an empty store (SQLite; PostgreSQL when a server is given),
//!   then a second sync of the unchanged tenant into the same store;
//! - a 10k-device sync into an empty SQLite store, for peak memory;
//! - the same device records loaded by dlt (Python) with a merge on the
//!   primary key, into DuckDB and into SQLite (`bench/dlt_load.py`).
//!
//! Every timed measurement but dlt's is repeated and its median used; a
//! missed target fails the run.

use super::client::{self, Target};
use super::{BenchError, BenchVendor, server};
use futures::TryStreamExt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use vectis_core::{Kind, ListOptions};
use vectis_examples::url_arg::UrlArg;
use vectis_sync::{Store, SyncOptions, Syncer};

/// Store overhead target: a first sync into SQLite ≤ this × the listing.
pub const SQLITE_LIMIT: f64 = 1.25;
/// Store overhead target: a first sync into PostgreSQL ≤ this × the listing.
pub const POSTGRES_LIMIT: f64 = 1.5;
/// A second, unchanged sync ≤ this × the listing (and 0 rows written).
pub const SECOND_LIMIT: f64 = 1.1;
/// Peak memory of the large store sync ≤ this × the 10k one.
pub const MEMORY_LIMIT: f64 = 1.2;

const CONCURRENCY: usize = 4;

/// `bench store [--quick] [--postgres-url URL | --start-postgres] [--python PY] [--no-dlt]`.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreCli {
    /// Reduced sizes (30,000 devices, one repetition), under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Devices in the large tenant (default 150,000; 30,000 with --quick).
    #[arg(long)]
    pub devices: Option<u64>,
    /// Repetitions of each store measurement; the median is used (default 3; 1 with --quick).
    #[arg(long)]
    pub repeat: Option<usize>,
    /// A PostgreSQL server to measure against. The bench creates and drops
    /// its own databases there (`vectis_bench_*`); nothing else is touched.
    /// Its password never shows: not in `--help` (the variable's value is
    /// hidden), not in `Debug`.
    #[arg(long, env = "VECTIS_BENCH_POSTGRES_URL", hide_env_values = true)]
    pub postgres_url: Option<UrlArg>,
    /// Start a throwaway PostgreSQL server with `.ci/postgres.sh` (and stop
    /// it at the end) when no URL is given.
    #[arg(long)]
    pub start_postgres: bool,
    /// The Python that runs dlt (`pip install "dlt[duckdb,sqlalchemy]"`).
    #[arg(long, env = "VECTIS_BENCH_PYTHON", default_value = "python3")]
    pub python: String,
    /// Skip the dlt comparison.
    #[arg(long)]
    pub no_dlt: bool,
    /// Stop a dlt process after this many seconds (its first load is kept
    /// when it finished).
    #[arg(long, default_value_t = 600)]
    pub dlt_timeout: u64,
}

/// The variable a store child reads its store URL from.
const STORE_ENV: &str = "VECTIS_BENCH_STORE";

/// One store measurement, as the parent asks a child for it.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreChildArgs {
    /// Server port.
    #[arg(long)]
    pub port: u16,
    /// Run name (the server counts per run).
    #[arg(long)]
    pub run: String,
    /// Devices in the tenant.
    #[arg(long)]
    pub devices: u64,
    /// Store URL, or `none` for the plain listing. Passed in the child's
    /// environment, not on its command line, where `ps` would show a
    /// password.
    #[arg(long, env = STORE_ENV, hide_env_values = true)]
    pub store: UrlArg,
}

/// What a store child reports.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoreMeasured {
    /// Records received.
    pub records: u64,
    /// Records stored for the first time (the run's report).
    pub new: u64,
    /// Records whose content changed (the run's report).
    pub changed: u64,
    /// `full` or `incremental` (empty for the listing).
    pub mode: String,
    /// Wall time: opening the store and the whole sync, in seconds.
    pub secs: f64,
    /// Peak resident memory of the child, KiB.
    pub peak_kib: Option<u64>,
}

/// Runs one store measurement in this process (what `__store` does).
pub async fn measure(args: &StoreChildArgs) -> Result<StoreMeasured, BenchError> {
    let target = Target {
        vendor: BenchVendor::DattoRmm,
        port: args.port,
        run: args.run.clone(),
        devices: args.devices,
        latency_ms: 0,
        quota: 0,
        page_size: None,
    };
    let connector = client::connector(&target, None, CONCURRENCY)?;
    let mut m = StoreMeasured::default();
    let started = Instant::now();
    if args.store.as_str() == "none" {
        let mut pages = connector.record_pages(Kind::Devices, &ListOptions::default());
        while let Some(page) = pages.try_next().await? {
            m.records += page.items.len() as u64;
        }
    } else {
        let store = Store::open(args.store.as_str()).await?;
        let report = Syncer::new(&store, connector.as_ref())
            .connection("bench")
            .options(SyncOptions::new().kinds([Kind::Devices]))
            .run()
            .await?;
        let kind = report
            .kinds
            .first()
            .ok_or_else(|| BenchError("the sync reported no kind".into()))?;
        if !kind.is_ok() {
            return Err(BenchError(format!("the store sync did not end ok: {kind}")));
        }
        m.records = kind.records;
        m.new = kind.new;
        m.changed = kind.changed;
        m.mode = format!("{:?}", kind.mode).to_lowercase();
    }
    m.secs = started.elapsed().as_secs_f64();
    m.peak_kib = client::peak_rss_kib();
    Ok(m)
}

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
    /// SQLite: first sync into an empty store, each repetition.
    pub sqlite_first: Vec<StoreMeasured>,
    /// SQLite: the second, unchanged sync.
    pub sqlite_second: Vec<StoreMeasured>,
    /// SQLite, 10k devices, empty store.
    pub sqlite_small: Vec<StoreMeasured>,
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

fn secs(ms: &[StoreMeasured]) -> Option<f64> {
    median(&ms.iter().map(|m| m.secs).collect::<Vec<_>>())
}

fn peak(ms: &[StoreMeasured]) -> Option<f64> {
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

fn judge(target: &str, ratio: Option<f64>, limit: f64, ok_rows: bool, note: String) -> Verdict {
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

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// Rows a set of second syncs rewrote (new + changed, each repetition).
fn rewritten(ms: &[StoreMeasured]) -> u64 {
    ms.iter().map(|m| m.new + m.changed).sum()
}

/// The store targets, judged on the medians. A skipped backend is
/// `skipped` (never met); a second sync that wrote any row misses,
/// whatever its time.
pub fn verdicts(g: &Gathered) -> Vec<Verdict> {
    let listing = secs(&g.listing);
    let mut out = vec![judge(
        "first sync into SQLite ≤ 1.25 × the plain listing",
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
        "first sync into PostgreSQL ≤ 1.5 × the plain listing",
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
            &format!("second, unchanged sync ({backend}) writes 0 rows and ≤ 1.1 × the listing"),
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

fn mib(kib: Option<f64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.1}", k / 1024.0))
}

fn range(ms: &[StoreMeasured]) -> String {
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
        "\nvectis bench store — Datto RMM devices through DattoRmmConnector, loopback, no quota or latency; {cores} cores shared by server, client and database; client on one thread; median of {repeat} fresh-process run(s)"
    );
    let _ = writeln!(
        o,
        "\n{:<34} {:<10} {:>8} {:>6} {:>13} {:>10} {:>7} {:>8} {:>9} {:>10}",
        "measurement",
        "mode",
        "devices",
        "secs",
        "range",
        "records/s",
        "new",
        "changed",
        "peak MiB",
        "× listing"
    );
    let listing = secs(&g.listing);
    let rows: [(&str, &[StoreMeasured]); 6] = [
        ("plain listing (to /dev/null)", &g.listing),
        ("SQLite, first sync (empty store)", &g.sqlite_first),
        ("SQLite, second sync (unchanged)", &g.sqlite_second),
        ("PostgreSQL, first sync (empty)", &g.postgres_first),
        ("PostgreSQL, second (unchanged)", &g.postgres_second),
        ("SQLite, first sync, 10k devices", &g.sqlite_small),
    ];
    for (label, ms) in rows {
        let Some(s) = secs(ms) else {
            let _ = writeln!(o, "{label:<34} skipped");
            continue;
        };
        let last = &ms[ms.len() - 1];
        let x = if std::ptr::eq(ms, g.listing.as_slice()) || last.records != g.devices {
            String::new()
        } else {
            ratio(Some(s), listing).map_or(String::new(), |r| format!("{r:.2}"))
        };
        let _ = writeln!(
            o,
            "{:<34} {:<10} {:>8} {:>6.2} {:>13} {:>10.0} {:>7} {:>8} {:>9} {:>10}",
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

fn run_store_child(
    port: u16,
    run: &str,
    devices: u64,
    store: &str,
) -> Result<StoreMeasured, BenchError> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .arg("__store")
        .args(["--port", &port.to_string(), "--run", run])
        .args(["--devices", &devices.to_string()])
        .env(STORE_ENV, store)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(BenchError(format!(
            "store run {run} ({devices} devices into {}) failed ({}); its own error is printed above",
            shown(store),
            out.status
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let m: StoreMeasured = serde_json::from_str(text.lines().last().unwrap_or(""))?;
    if m.records != devices {
        return Err(BenchError(format!(
            "store run {run}: {} records instead of {devices}; the connector, the store or the bench server lost or repeated records — a bug, please report it with this line",
            m.records
        )));
    }
    Ok(m)
}

/// A store URL for messages: the password hidden.
fn shown(url: &str) -> String {
    vectis_sync::StoreUrl::parse(url).map_or_else(
        |_| vectis_core::http::scheme_and_host(url),
        |u| u.to_string(),
    )
}

/// A throwaway PostgreSQL from `.ci/postgres.sh`, stopped when dropped.
struct Postgres {
    dir: PathBuf,
    script: PathBuf,
}

impl Postgres {
    fn start(dir: PathBuf) -> Result<(Postgres, String), String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/postgres.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(&dir)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("could not run {}: {e}", script.display()))?;
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || !url.starts_with("postgres://") {
            return Err(format!(
                "{} start failed ({})",
                script.display(),
                out.status
            ));
        }
        Ok((Postgres { dir, script }, url))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

/// `admin` with its database replaced by `db`.
fn with_database(admin: &str, db: &str) -> Result<String, BenchError> {
    let mut u = url::Url::parse(admin)
        .map_err(|e| BenchError(format!("--postgres-url {}: {e}", shown(admin))))?;
    u.set_path(&format!("/{db}"));
    Ok(u.to_string())
}

/// Drops (when `create` is false) or recreates the bench's database `db`.
fn pg_database(admin: &str, db: &str, create: bool) -> Result<(), BenchError> {
    use sqlx::Connection;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(admin)
            .await
            .map_err(|e| BenchError(format!("PostgreSQL {}: {e}", shown(admin))))?;
        let mut stmts = vec![format!("DROP DATABASE IF EXISTS {db}")];
        if create {
            stmts.push(format!("CREATE DATABASE {db}"));
        }
        for s in stmts {
            sqlx::query(&s)
                .execute(&mut c)
                .await
                .map_err(|e| BenchError(format!("PostgreSQL {}: {s}: {e}", shown(admin))))?;
        }
        let _ = c.close().await;
        Ok(())
    })
}

fn write_jsonl(path: &Path, devices: u64) -> Result<(), BenchError> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut line = String::with_capacity(2048);
    for id in 1..=devices {
        line.clear();
        server::datto_device(&mut line, id);
        line.push('\n');
        std::io::Write::write_all(&mut w, line.as_bytes())?;
    }
    std::io::Write::flush(&mut w)?;
    Ok(())
}

fn run_dlt(
    python: &str,
    jsonl: &Path,
    destination: &str,
    dir: &Path,
    timeout: std::time::Duration,
) -> Result<DltMeasured, String> {
    use std::io::Read;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("dlt_load.py");
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut child = Command::new(python)
        .arg(&script)
        .arg("--jsonl")
        .arg(jsonl)
        .args(["--destination", destination])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run {python}: {e}"))?;
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let text = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    let last: Option<DltMeasured> = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok());
    match (status, last) {
        (Some(s), Some(d)) if s.success() => Ok(d),
        // Stopped at the time limit after its first load: keep that.
        (None, Some(d)) => Ok(d),
        (None, None) => Err(format!(
            "{destination}: stopped after {} s, before its first load finished",
            timeout.as_secs()
        )),
        (Some(s), _) => {
            let tail: Vec<&str> = err.lines().rev().take(3).collect();
            Err(format!(
                "{destination}: the dlt script failed ({s}): {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ))
        }
    }
}

/// `bench store`: gathers, prints, judges.
pub fn run(cli: &StoreCli) -> Result<(), BenchError> {
    let devices = cli
        .devices
        .unwrap_or(if cli.quick { 30_000 } else { 150_000 });
    let small = 10_000;
    let repeat = cli.repeat.unwrap_or(if cli.quick { 1 } else { 3 }).max(1);
    let work = std::env::temp_dir().join(format!("vectis-bench-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let result = gather(cli, devices, small, repeat, &work);
    let _ = std::fs::remove_dir_all(&work);
    let g = result?;
    print!("{}", report(&g, repeat));
    let missed = missed(&verdicts(&g));
    if !missed.is_empty() {
        return Err(BenchError(format!(
            "{} store target(s) MISSED: {}; see the table above — a missed target fails the run",
            missed.len(),
            missed.join("; ")
        )));
    }
    Ok(())
}

fn gather(
    cli: &StoreCli,
    devices: u64,
    small: u64,
    repeat: usize,
    work: &Path,
) -> Result<Gathered, BenchError> {
    let mut g = Gathered {
        devices,
        dlt_timeout: cli.dlt_timeout,
        ..Gathered::default()
    };
    // PostgreSQL: a given server, one started here, or a clear skip.
    let mut _started = None;
    let admin = match (&cli.postgres_url, cli.start_postgres) {
        (Some(u), _) => Some(u.as_str().to_string()),
        (None, true) => match Postgres::start(work.join("pg")) {
            Ok((pg, url)) => {
                _started = Some(pg);
                Some(url)
            }
            // Asked for and not there: an error, never a quiet skip.
            Err(e) => {
                return Err(BenchError(format!(
                    "--start-postgres: could not start PostgreSQL ({e}); install Debian's postgresql (initdb, pg_ctl) or pass --postgres-url"
                )));
            }
        },
        (None, false) => {
            g.postgres_skipped = Some(
                "no server given (--postgres-url URL, VECTIS_BENCH_POSTGRES_URL, or --start-postgres)"
                    .into(),
            );
            None
        }
    };
    let server = super::ServerChild::start()?;
    let port = server.port;
    let mut n = 0;
    let mut step = |what: &str, devices: u64, store: &str| -> Result<StoreMeasured, BenchError> {
        n += 1;
        eprint!("[store {n}] {what}, {devices} devices…");
        let m = run_store_child(port, &format!("s{n}"), devices, store)?;
        eprintln!(" {:.2} s", m.secs);
        Ok(m)
    };
    for r in 0..repeat {
        g.listing.push(step("plain listing", devices, "none")?);
        let file = work.join(format!("r{r}.db"));
        let url = format!("sqlite://{}", file.display());
        g.sqlite_first
            .push(step("SQLite first sync", devices, &url)?);
        g.sqlite_second
            .push(step("SQLite second sync", devices, &url)?);
        for f in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{f}", file.display()));
        }
        if let Some(admin) = &admin {
            let db = format!("vectis_bench_r{r}");
            let made = pg_database(admin, &db, true).and_then(|()| with_database(admin, &db));
            match made {
                Ok(url) => {
                    g.postgres_first
                        .push(step("PostgreSQL first sync", devices, &url)?);
                    g.postgres_second
                        .push(step("PostgreSQL second sync", devices, &url)?);
                    let _ = pg_database(admin, &db, false);
                }
                // A server that was given but cannot be used is an error,
                // never a quiet skip.
                Err(e) => {
                    return Err(BenchError(format!(
                        "{e} — check --postgres-url (or VECTIS_BENCH_POSTGRES_URL): the server must be up and its user needs CREATEDB"
                    )));
                }
            }
        }
        let file = work.join(format!("small{r}.db"));
        let url = format!("sqlite://{}", file.display());
        g.sqlite_small.push(step("SQLite first sync", small, &url)?);
    }
    drop(server);
    if cli.no_dlt {
        g.dlt_notes.push("skipped (--no-dlt)".into());
        return Ok(g);
    }
    let probe = Command::new(&cli.python)
        .args(["-c", "import dlt, duckdb, sqlalchemy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        g.dlt_notes.push(format!(
            "not measured: `{} -c \"import dlt, duckdb, sqlalchemy\"` failed; pip install \"dlt[duckdb,sqlalchemy]\" and pass --python PATH",
            cli.python
        ));
        return Ok(g);
    }
    let jsonl = work.join("devices.jsonl");
    eprint!(
        "[dlt] writing {devices} device records to {}…",
        jsonl.display()
    );
    write_jsonl(&jsonl, devices)?;
    eprintln!(" done");
    for dest in ["duckdb", "sqlite"] {
        eprint!("[dlt] {dest}, first and second load…");
        let limit = std::time::Duration::from_secs(cli.dlt_timeout);
        match run_dlt(
            &cli.python,
            &jsonl,
            dest,
            &work.join(format!("dlt-{dest}")),
            limit,
        ) {
            Ok(d) if d.rows == devices => {
                eprintln!(
                    " {:.2} s, {}",
                    d.first_secs,
                    d.second_secs.map_or(
                        format!("stopped after {} s in all", cli.dlt_timeout),
                        |s| format!("{s:.2} s")
                    )
                );
                if d.second_secs.is_none() {
                    g.dlt_notes.push(format!(
                        "{dest}: the second load did not finish within the {} s limit (--dlt-timeout); the process was stopped",
                        cli.dlt_timeout
                    ));
                }
                g.dlt.push(d);
            }
            Ok(d) => {
                eprintln!(" wrong row count");
                g.dlt_notes.push(format!(
                    "{dest}: {} rows in the destination instead of {devices}; not counted",
                    d.rows
                ));
            }
            Err(e) => {
                eprintln!(" failed");
                g.dlt_notes.push(e);
            }
        }
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
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
            listing: vec![
                m(2.0, 0, 0, 20_000),
                m(2.2, 0, 0, 20_000),
                m(1.8, 0, 0, 20_000),
            ],
            sqlite_first: vec![m(2.4, 150_000, 0, 30_000)],
            sqlite_second: vec![m(2.1, 0, 0, 30_000)],
            sqlite_small: vec![m(0.2, 10_000, 0, 28_000)],
            postgres_first: vec![m(2.9, 150_000, 0, 30_000)],
            postgres_second: vec![m(2.2, 0, 0, 30_000)],
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
    fn store_targets_are_judged_on_the_medians_against_the_listing() {
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
}
