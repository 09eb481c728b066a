//! `bench store`: what keeping a sync in a store costs (issue 14, "Speed
//! and memory"), measured in one run, side by side.
//!
//! A Datto RMM device listing through the real `DattoRmmConnector` against
//! the loopback server (no quota, no latency), in fresh child processes:
//!
//! - the `sync` command (`vectis_examples::cli::run_sync`, what
//!   `cargo run --example sync` runs), its JSON lines written to a sink:
//!   the sync "to /dev/null" the targets are judged against;
//! - the plain listing, every record dropped as it arrives (no output at
//!   all), for comparison;
//! - the same command with `--store URL` into an empty store (SQLite;
//!   PostgreSQL when a server is given), then again into the same store,
//!   the tenant unchanged (the counts read from the store's run);
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
use vectis_sync::Store;

mod report;
pub use report::*;

mod children;
use children::*;

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
    /// The client's runtime: one thread (the figures are for one core, as in
    /// the other benches), or the `sync` example's (`#[tokio::main]`, what
    /// `cargo run --example sync` runs: a worker thread a core).
    #[arg(long, value_enum, default_value = "one-thread")]
    pub runtime: Runtime,
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
    /// Store URL; `none` for the plain listing, `devnull` for the `sync`
    /// command to a sink. Passed in the child's
    /// environment, not on its command line, where `ps` would show a
    /// password.
    #[arg(long, env = STORE_ENV, hide_env_values = true)]
    pub store: UrlArg,
    /// The client's runtime.
    #[arg(long, value_enum, default_value = "one-thread")]
    pub runtime: Runtime,
    /// Export the store (`store export --store URL`, its JSON lines counted)
    /// instead of syncing into it.
    #[arg(long)]
    pub export: bool,
}

/// The runtime a store measurement's client runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Runtime {
    /// One thread (`new_current_thread`): the client's figures are for one
    /// core, as in the other benches.
    #[default]
    OneThread,
    /// The `sync` example's runtime (`#[tokio::main]`: a worker thread a
    /// core).
    Example,
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
    let mut m = StoreMeasured::default();
    let started = Instant::now();
    if args.export {
        m.records = store_export(args.store.as_str()).await?;
        m.secs = started.elapsed().as_secs_f64();
        m.peak_kib = client::peak_rss_kib();
        return Ok(m);
    }
    match args.store.as_str() {
        "none" => {
            let connector = client::connector(&target, None, CONCURRENCY)?;
            let mut pages = connector.record_pages(Kind::Devices, &ListOptions::default());
            while let Some(page) = pages.try_next().await? {
                m.records += page.items.len() as u64;
            }
            m.secs = started.elapsed().as_secs_f64();
        }
        // The `sync` command a user runs, its records (JSON lines) written
        // to a sink: "the same sync to /dev/null".
        "devnull" => {
            m.records = device_sync(&target, &[]).await?;
            m.secs = started.elapsed().as_secs_f64();
        }
        // The same command with `--store URL`; the run's counts are read
        // from the store afterwards (not timed).
        url => {
            let store_args = ["--store", url, "--connection", "bench"].map(String::from);
            device_sync(&target, &store_args).await?;
            m.secs = started.elapsed().as_secs_f64();
            let store = Store::open(url).await?;
            let runs = store.runs(Some("bench")).await?;
            let run = runs
                .last()
                .ok_or_else(|| BenchError("the store sync recorded no run".into()))?;
            if run.status != vectis_sync::RunStatus::Ok {
                return Err(BenchError(format!(
                    "the store sync did not end ok: {:?} {}",
                    run.status,
                    run.error.as_deref().unwrap_or("")
                )));
            }
            m.records = u64::try_from(run.records).unwrap_or(0);
            m.new = u64::try_from(run.new).unwrap_or(0);
            m.changed = u64::try_from(run.changed).unwrap_or(0);
            m.mode = format!("{:?}", run.mode).to_lowercase();
        }
    }
    m.peak_kib = client::peak_rss_kib();
    Ok(m)
}

/// Runs the `sync` command (`vectis_examples::cli::run_sync`, what `cargo
/// run --example sync` runs) for the tenant's devices, with `extra`
/// arguments (see [`crate::sync_command`]).
async fn device_sync(target: &Target, extra: &[String]) -> Result<u64, BenchError> {
    let mut sync: Vec<String> = [
        "datto-rmm",
        "--only",
        "devices",
        "--base-url",
        &target.base(),
        "--rate-limit",
        "off",
        "--concurrency",
        &CONCURRENCY.to_string(),
    ]
    .map(String::from)
    .to_vec();
    sync.extend_from_slice(extra);
    let env = |k: &str| match k {
        "DATTO_API_KEY" => Some(client::DATTO_KEY.to_string()),
        "DATTO_API_SECRET" => Some(client::DATTO_SECRET.to_string()),
        // No DATTO_PLATFORM: the base URL names the host.
        _ => None,
    };
    crate::sync_command(&sync, &env).await
}

/// Runs the `store export` command (what `cargo run --example store --
/// export` runs) on `url`, its JSON lines counted into a sink.
async fn store_export(url: &str) -> Result<u64, BenchError> {
    let mut out = crate::LineCounter(0);
    let mut err: Vec<u8> = Vec::new();
    let args = ["export", "--store", url].map(String::from);
    let code = vectis_examples::store_cmd::run_store(
        &args,
        vectis_examples::cli::Io {
            out: &mut out,
            err: &mut err,
            env: &|_| None,
            out_is_terminal: false,
        },
    )
    .await;
    if code != 0 {
        return Err(BenchError(format!(
            "store export exited {code}: {}",
            String::from_utf8_lossy(&err).trim()
        )));
    }
    Ok(out.0)
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
        runtime: cli.runtime,
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
        let export = what.starts_with("store export");
        let m = run_store_child(port, &format!("s{n}"), devices, store, cli.runtime, export)?;
        eprintln!(" {:.2} s", m.secs);
        Ok(m)
    };
    for r in 0..repeat {
        g.listing.push(step("plain listing", devices, "none")?);
        g.devnull
            .push(step("sync command to /dev/null", devices, "devnull")?);
        let file = work.join(format!("r{r}.db"));
        let url = format!("sqlite://{}", file.display());
        g.sqlite_first
            .push(step("SQLite first sync", devices, &url)?);
        g.sqlite_second
            .push(step("SQLite second sync", devices, &url)?);
        g.export_large
            .push(step("store export (SQLite)", devices, &url)?);
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
        g.export_small
            .push(step("store export (SQLite)", small, &url)?);
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
mod tests;
