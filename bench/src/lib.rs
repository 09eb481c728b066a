//! The benchmark behind `BENCHMARKS.md` (`cargo run --release -p vectis-bench`).
//!
//! A loopback server ([`server`]) serves a vendor's device pages, built lazily
//! from the page number, with a per-response latency and a server-enforced
//! quota (429 past it, counted). Each measurement runs in a fresh child
//! process (a re-exec of the bench binary), so its peak memory (`VmHWM`) is
//! its own; the server runs in another child, so the client's one core is
//! not shared with it. Both the real connector and a naive baseline
//! ([`client`]) are measured in the same run.
//!
//! Layout: `lib.rs` (the command line and the child processes), `jobs.rs`
//! (the plan and its runs), `figures.rs` (targets, verdicts, the report),
//! [`server`] (the loopback server; its vendors' pages in `server/pages.rs`),
//! [`client`], [`store`] (`bench store`: report and child processes in
//! `store/`), [`conditions`] (`bench conditions`: child processes and report
//! in `conditions/`).

pub mod client;
pub mod conditions;
pub mod server;
pub mod store;

use clap::{Parser, Subcommand, ValueEnum};
use client::{Tally, Target};
use server::Stats;
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitCode, Stdio};

mod jobs;
use jobs::*;

mod figures;
pub use figures::*;

/// A benchmark failure, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchError(pub String);

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BenchError {}

macro_rules! from_error {
    ($($t:ty),*) => {$(
        impl From<$t> for BenchError {
            fn from(e: $t) -> Self {
                BenchError(e.to_string())
            }
        }
    )*};
}
from_error!(
    vectis_core::Error,
    reqwest::Error,
    serde_json::Error,
    std::io::Error,
    vectis_sync::Error
);

/// A vendor the benchmark can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchVendor {
    /// Atera: 50 per page, `totalPages` known after page 1 (concurrent).
    Atera,
    /// Datto RMM: 250 per page, `totalCount` known after page 0
    /// (concurrent), an OAuth token and `/system/pagination` first.
    #[value(name = "datto-rmm")]
    DattoRmm,
    /// ConnectWise: 1000 per page, forward-only `Link` (sequential).
    #[value(name = "connectwise")]
    ConnectWise,
    /// Kaseya VSA X: 100 per page, `$skip`/`$top` with `Meta.TotalCount`
    /// (concurrent); a device sync reads `/assets` (OS, online, last seen)
    /// and then `/devices`, two listings of the same length.
    Kaseya,
}

impl BenchVendor {
    /// The name on the command line and in the tables.
    pub fn name(self) -> &'static str {
        match self {
            BenchVendor::Atera => "atera",
            BenchVendor::DattoRmm => "datto-rmm",
            BenchVendor::ConnectWise => "connectwise",
            BenchVendor::Kaseya => "kaseya",
        }
    }

    /// The vendor's largest page, what the benchmark asks for.
    pub fn max_page(self) -> u64 {
        match self {
            BenchVendor::Atera => server::ATERA_MAX_PAGE,
            BenchVendor::DattoRmm => server::DATTO_MAX_PAGE,
            BenchVendor::ConnectWise => server::CONNECTWISE_MAX_PAGE,
            BenchVendor::Kaseya => server::KASEYA_MAX_PAGE,
        }
    }

    /// Listings a device sync reads in full: Kaseya VSA X joins `/assets`
    /// to `/devices`; the others list devices once.
    pub fn listings(self) -> u64 {
        match self {
            BenchVendor::Kaseya => 2,
            BenchVendor::Atera | BenchVendor::DattoRmm | BenchVendor::ConnectWise => 1,
        }
    }

    /// Quota-counted requests the connector makes besides the pages: Datto
    /// RMM asks the account's page maximum (`/system/pagination`) first.
    pub fn setup_requests(self) -> u64 {
        match self {
            BenchVendor::DattoRmm => 1,
            BenchVendor::Atera | BenchVendor::ConnectWise | BenchVendor::Kaseya => 0,
        }
    }

    /// Pages of one listing that can be in flight at once with
    /// `concurrency`: Atera fans out once `totalPages` is known;
    /// ConnectWise's forward-only `pageId` is only known from the previous
    /// answer, so a listing is sequential whatever the setting.
    pub fn listing_concurrency(self, concurrency: usize) -> usize {
        match self {
            BenchVendor::Atera | BenchVendor::DattoRmm | BenchVendor::Kaseya => concurrency.max(1),
            BenchVendor::ConnectWise => 1,
        }
    }
}

/// Which vendors to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VendorChoice {
    /// Atera only.
    Atera,
    /// Datto RMM only.
    #[value(name = "datto-rmm")]
    DattoRmm,
    /// ConnectWise only.
    #[value(name = "connectwise")]
    ConnectWise,
    /// Kaseya VSA X only.
    Kaseya,
    /// Every vendor.
    All,
}

/// Which client a measurement drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// The real connector.
    Connector,
    /// The naive sequential baseline.
    Naive,
}

/// `cargo run --release -p vectis-bench -- [--vendor …] [--quick]`.
#[derive(Debug, Parser)]
#[command(
    name = "bench",
    about = "Benchmark the connectors against a loopback server (see BENCHMARKS.md)"
)]
pub struct Cli {
    /// Which vendor(s) to benchmark.
    #[arg(long, value_enum, default_value = "all")]
    pub vendor: VendorChoice,
    /// A reduced set that runs in well under a minute.
    #[arg(long)]
    pub quick: bool,
    /// `store`: what keeping the sync in a store costs; `conditions`: the
    /// connectors under real conditions (see BENCHMARKS.md); the others are
    /// the benchmark's own child processes.
    #[command(subcommand)]
    pub child: Option<ChildCommand>,
}

/// The store scenario, and the benchmark's own child processes (hidden).
#[derive(Debug, Subcommand)]
pub enum ChildCommand {
    /// Store overhead, second-sync cost and memory of a 150k-device Datto
    /// RMM sync into SQLite (and PostgreSQL), against the plain listing and
    /// against dlt.
    Store(store::StoreCli),
    /// The connectors under real conditions: a small tenant at each
    /// vendor's default quota, a full three-kind sync at 50 ms latency, two
    /// processes on one Redis quota.
    Conditions(conditions::ConditionsCli),
    /// Run one `sync` (optionally against an in-process fake); prints one
    /// JSON line.
    #[command(name = "__sync", hide = true)]
    SyncChild(conditions::SyncChildArgs),
    /// Serve a testkit fake until stdin closes; prints `URI <uri>`.
    #[command(name = "__fake", hide = true)]
    FakeChild(conditions::FakeChildArgs),
    /// Run one store measurement; prints one JSON line.
    #[command(name = "__store", hide = true)]
    StoreChild(store::StoreChildArgs),
    /// Run the loopback server; prints `PORT <n>`, exits when stdin closes.
    #[command(name = "__serve", hide = true)]
    Serve,
    /// Run one measurement; prints one JSON line.
    #[command(name = "__client", hide = true)]
    Client(ClientArgs),
}

/// One measurement, as the parent asks a child for it.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Vendor.
    #[arg(long, value_enum)]
    pub vendor: BenchVendor,
    /// Connector or naive.
    #[arg(long, value_enum)]
    pub mode: Mode,
    /// Server port.
    #[arg(long)]
    pub port: u16,
    /// Run name.
    #[arg(long)]
    pub run: String,
    /// Devices in the tenant.
    #[arg(long)]
    pub devices: u64,
    /// Latency per response (ms).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Quota, requests/s, on server and client (0 = off).
    #[arg(long, default_value_t = 0)]
    pub quota: u32,
    /// Engine concurrency.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
}

/// What a child reports.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Measured {
    /// What the client saw.
    pub tally: Tally,
    /// What the server counted.
    pub stats: Stats,
    /// Peak resident memory of the child, KiB.
    pub peak_kib: Option<u64>,
}

/// Runs one measurement in this process (what `__client` does).
pub async fn measure(args: &ClientArgs) -> Result<Measured, BenchError> {
    let target = Target {
        vendor: args.vendor,
        port: args.port,
        run: args.run.clone(),
        devices: args.devices,
        latency_ms: args.latency_ms,
        quota: args.quota,
        page_size: None,
    };
    let quota = (args.quota > 0).then_some(args.quota);
    let tally = match args.mode {
        Mode::Connector => client::sync_connector(&target, quota, args.concurrency).await?,
        Mode::Naive => client::sync_naive(&target, quota).await?,
    };
    let stats = target.stats().await?;
    Ok(Measured {
        tally,
        stats,
        peak_kib: client::peak_rss_kib(),
    })
}

/// The runtime of a store measurement (see [`store::Runtime`]).
fn store_runtime(r: store::Runtime) -> Result<tokio::runtime::Runtime, BenchError> {
    match r {
        store::Runtime::OneThread => runtime(),
        store::Runtime::Example => Ok(tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, BenchError> {
    // One thread: the client's figures are for one core.
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The benchmark's entry point (the example's `main`).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.child {
        Some(ChildCommand::Serve) => serve_child(),
        Some(ChildCommand::Client(args)) => client_child(args),
        Some(ChildCommand::Store(args)) => store::run(args),
        Some(ChildCommand::Conditions(args)) => conditions::run(args),
        Some(ChildCommand::FakeChild(args)) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(BenchError::from)
            .and_then(|rt| rt.block_on(conditions::fake_child(args))),
        Some(ChildCommand::SyncChild(args)) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(BenchError::from)
            .and_then(|rt| {
                let m = rt.block_on(conditions::sync_child(args))?;
                println!("{}", serde_json::to_string(&m)?);
                Ok(())
            }),
        Some(ChildCommand::StoreChild(args)) => store_runtime(args.runtime).and_then(|rt| {
            let m = rt.block_on(store::measure(args))?;
            println!("{}", serde_json::to_string(&m)?);
            Ok(())
        }),
        None => run(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve_child() -> Result<(), BenchError> {
    // The parent holds our stdin: when it goes away, so do we.
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        std::process::exit(0);
    });
    runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        println!("PORT {}", listener.local_addr()?.port());
        std::io::stdout().flush()?;
        server::serve(listener).await?;
        Ok(())
    })
}

fn client_child(args: &ClientArgs) -> Result<(), BenchError> {
    let m = runtime()?.block_on(measure(args))?;
    println!("{}", serde_json::to_string(&m)?);
    Ok(())
}

/// The server child, killed when dropped.
struct ServerChild {
    child: Child,
    port: u16,
}

impl ServerChild {
    fn start() -> Result<ServerChild, BenchError> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("__serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut line)?;
        }
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok());
        match port {
            Some(port) => Ok(ServerChild { child, port }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(BenchError(format!(
                    "the server child did not report its port (said {line:?}); run `cargo run --release -p vectis-bench -- __serve` to see why it fails to start"
                )))
            }
        }
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts the lines written to it and keeps nothing, like `/dev/null`: a
/// `sync` run's stdout, whose records the bench counts but does not keep.
pub(crate) struct LineCounter(pub(crate) u64);

impl std::io::Write for LineCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.iter().filter(|b| **b == b'\n').count() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the `sync` command (`vectis_examples::cli::run_sync`, what `cargo
/// run --example sync` runs) with `args` and the variables `env` gives, its
/// records counted into a sink: the lines written. A non-zero exit is an
/// error with the command's own message; the arguments from `--store` on
/// are not shown (a store URL may hold a password).
pub(crate) async fn sync_command(
    args: &[String],
    env: vectis_examples::registry::Env<'_>,
) -> Result<u64, BenchError> {
    let mut out = LineCounter(0);
    let mut err: Vec<u8> = Vec::new();
    let code = vectis_examples::cli::run_sync(
        args,
        vectis_examples::cli::Io {
            out: &mut out,
            err: &mut err,
            env,
            out_is_terminal: false,
        },
    )
    .await;
    if code != 0 {
        let shown: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .take_while(|a| *a != "--store")
            .collect();
        return Err(BenchError(format!(
            "sync {} exited {code}: {}",
            shown.join(" "),
            String::from_utf8_lossy(&err).trim()
        )));
    }
    Ok(out.0)
}

#[cfg(test)]
mod tests;
