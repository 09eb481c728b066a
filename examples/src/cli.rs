//! The `sync` and `alert` command lines (DESIGN.md's contract) as functions
//! that take arguments, an environment and output streams and return the
//! exit code: 0 success, 1 the vendor or network failed, 2 bad usage or
//! configuration.
//!
//! Here: exit codes, arguments, output and `alert`; `sync`, its tables,
//! `match` and `ticket` are submodules.

use crate::registry::{Env, lookup};
use clap::Parser;
use futures::TryStreamExt;
use std::io::Write;
use std::sync::Arc;
use vectis_core::{Connector, EngineSettings, Error, ErrorKind, ListOptions, Quota, Record};

mod match_cmd;
mod sync;
mod table;
mod ticket;

pub use match_cmd::{MatchArgs, run_match};
pub use sync::run_sync;
pub use table::Table;
use table::strip_raw;
pub use ticket::{TicketArgs, run_ticket};

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: the vendor or the network failed.
pub const EXIT_VENDOR: i32 = 1;
/// Exit code: bad usage or configuration.
pub const EXIT_USAGE: i32 = 2;

/// The exit code for an error: configuration problems are 2, the rest 1.
pub fn exit_code(e: &Error) -> i32 {
    match e.kind() {
        ErrorKind::Config => EXIT_USAGE,
        _ => EXIT_VENDOR,
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line (the default when stdout is not a terminal).
    Jsonl,
    /// An aligned table (the default on a terminal).
    Table,
}

pub use vectis_core::Kind;

/// `--only`'s values: core's [`Kind`] by its plural name (`customers`,
/// `devices`, `alerts`, `tickets`).
fn kind_arg() -> impl clap::builder::TypedValueParser<Value = Kind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Kind::ALL.map(Kind::as_str))
        .try_map(|s| Kind::from_name(&s).ok_or("not a kind of record"))
}

/// `1 customer`, `2 customers`.
fn count_of(kind: Kind, n: u64) -> String {
    format!("{n} {}", kind.noun(n))
}

/// Whether the vendor lists `kind`.
fn supported(kind: Kind, caps: &vectis_core::Capabilities) -> bool {
    caps.supports(kind.list_verb())
}

/// `sync <VENDOR> [OPTIONS]`: list a tenant's customers, devices and alerts.
#[derive(Debug, Parser)]
#[command(
    name = "sync",
    about = "Sync customers, devices and alerts from one vendor"
)]
pub struct SyncArgs {
    /// atera, kaseya, datto-rmm or connectwise.
    pub vendor: String,
    /// Test the connection only.
    #[arg(long)]
    pub check: bool,
    /// Which kinds to sync (default: all the vendor has; tickets are a PSA's
    /// and only listed when asked for).
    #[arg(long, value_delimiter = ',', value_parser = kind_arg())]
    pub only: Vec<Kind>,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Origin to use instead of the vendor's; vendor paths are appended.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Client-side quota: N/s, N/min, N/h or off.
    #[arg(long)]
    pub rate_limit: Option<String>,
    /// Most requests in flight at once.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Only records changed since then (RFC 3339), where the vendor can filter.
    #[arg(long)]
    pub since: Option<String>,
    /// Share the credential's quota with every other process using the same
    /// Redis (redis://HOST:PORT).
    #[arg(long)]
    pub shared_quota: Option<crate::url_arg::UrlArg>,
    /// When the shared-quota Redis is down: `fail` (default) or `local:N`
    /// (limit this process to 1/N of the quota until Redis is back). Only
    /// with --shared-quota.
    #[arg(long)]
    pub shared_quota_fallback: Option<String>,
    /// Include each record's original vendor JSON as `raw`.
    #[arg(long)]
    pub raw: bool,
    /// Sync into this store instead of printing records: sqlite://PATH,
    /// sqlite::memory: or postgres://… (default: $VECTIS_STORE).
    #[arg(long)]
    pub store: Option<crate::url_arg::UrlArg>,
    /// With a store: the connection's name (default: the vendor's).
    #[arg(long)]
    pub connection: Option<String>,
    /// With a store: list everything, even where an incremental run could
    /// (the only kind of run that detects deletes).
    #[arg(long)]
    pub full: bool,
    /// With a store: let this run mark more records gone than the
    /// mass-delete guard allows (more than half of a kind, and more than 5).
    #[arg(long)]
    pub allow_mass_delete: bool,
}

/// `alert <VENDOR> <ack|resolve> <ALERT_ID>`: act on one alert.
#[derive(Debug, Parser)]
#[command(name = "alert", about = "Acknowledge or resolve one alert")]
pub struct AlertArgs {
    /// atera, kaseya, datto-rmm or connectwise.
    pub vendor: String,
    /// What to do.
    pub action: Action,
    /// The vendor's alert id.
    pub alert_id: String,
    /// Origin to use instead of the vendor's.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Client-side quota: N/s, N/min, N/h or off.
    #[arg(long)]
    pub rate_limit: Option<String>,
}

/// What `alert` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Action {
    /// Acknowledge.
    Ack,
    /// Resolve.
    Resolve,
}

/// Where the command writes, and what it can read.
pub struct Io<'a> {
    /// Records (and the `--check` line).
    pub out: &'a mut dyn Write,
    /// Progress, warnings, the `error:` line.
    pub err: &'a mut dyn Write,
    /// Environment variables.
    pub env: Env<'a>,
    /// Whether stdout is a terminal (picks the default format).
    pub out_is_terminal: bool,
}

fn fail(io: &mut Io<'_>, e: &Error) -> i32 {
    let _ = writeln!(io.err, "error: {e}");
    exit_code(e)
}

pub(crate) fn usage(io: &mut Io<'_>, msg: &str) -> i32 {
    let _ = writeln!(io.err, "error: {msg}");
    EXIT_USAGE
}

/// The exit code after stdout could not be written: a closed pipe (`| head`)
/// ends quietly with 0; anything else (a full disk, `> /dev/full`) is a
/// failure with an `error:` line.
pub fn output_failed(err: &mut dyn Write, e: &std::io::Error) -> i32 {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return EXIT_OK;
    }
    let _ = writeln!(
        err,
        "error: could not write the output ({e}); check the disk or file stdout goes to"
    );
    EXIT_VENDOR
}

/// Writes `text` to stdout and flushes it; `Err(exit code)` as
/// [`output_failed`] says.
pub(crate) fn emit(io: &mut Io<'_>, text: &str) -> Result<(), i32> {
    io.out
        .write_all(text.as_bytes())
        .and_then(|()| io.out.flush())
        .map_err(|e| output_failed(io.err, &e))
}

/// Parses `args` (without the program name) for `sync`, or prints clap's
/// message and returns its exit code.
pub(crate) fn parse<P: Parser>(name: &str, args: &[String], io: &mut Io<'_>) -> Result<P, i32> {
    let argv = std::iter::once(name.to_string()).chain(args.iter().cloned());
    P::try_parse_from(argv).map_err(|e| {
        let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        let text = e.render().to_string();
        if e.use_stderr() {
            let _ = write!(io.err, "{text}");
        } else {
            let _ = write!(io.out, "{text}");
        }
        code
    })
}

/// Engine settings with the `--rate-limit` override applied.
fn settings_with(rate_limit: Option<&str>, io: &mut Io<'_>) -> Result<EngineSettings, i32> {
    let mut settings = EngineSettings::default();
    if let Some(spec) = rate_limit {
        match spec.parse::<Quota>() {
            Ok(q) => settings.quota = Some(q),
            Err(e) => return Err(fail(io, &e)),
        }
    }
    Ok(settings)
}

fn build(
    vendor: &str,
    base_url: Option<&str>,
    settings: EngineSettings,
    io: &mut Io<'_>,
) -> Result<Arc<dyn Connector>, i32> {
    let entry = lookup(vendor).map_err(|e| fail(io, &e))?;
    (entry.build)(io.env, base_url, settings).map_err(|e| fail(io, &e))
}

/// The arguments every one-shot command (`alert`, `ticket`) has: which
/// vendor, at which origin, under which quota.
pub(crate) trait OneShot: Parser {
    /// The vendor, `--base-url` and `--rate-limit`.
    fn target(&self) -> (&str, Option<&str>, Option<&str>);
}

impl OneShot for AlertArgs {
    fn target(&self) -> (&str, Option<&str>, Option<&str>) {
        let (base_url, rate_limit) = (self.base_url.as_deref(), self.rate_limit.as_deref());
        (&self.vendor, base_url, rate_limit)
    }
}

/// Parses a one-shot command's `args` and builds the connector it acts
/// through, from the environment; a usage or configuration failure is its
/// exit code.
pub(crate) fn start<A: OneShot>(
    name: &str,
    args: &[String],
    io: &mut Io<'_>,
) -> Result<(A, Arc<dyn Connector>), i32> {
    let a: A = parse(name, args, io)?;
    let (vendor, base_url, rate_limit) = a.target();
    let settings = settings_with(rate_limit, io)?;
    let connector = build(vendor, base_url, settings, io)?;
    Ok((a, connector))
}

/// Writes a command's one `line` of output; the exit code is 0, or the
/// code for output that could not be written.
fn finish(io: &mut Io<'_>, line: &str) -> i32 {
    match emit(io, line) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}

/// Runs `alert`; returns the exit code.
pub async fn run_alert(args: &[String], mut io: Io<'_>) -> i32 {
    let (a, connector) = match start::<AlertArgs>("alert", args, &mut io) {
        Ok(started) => started,
        Err(code) => return code,
    };
    let result = match a.action {
        Action::Ack => connector.acknowledge_alert(&a.alert_id).await,
        Action::Resolve => connector.resolve_alert(&a.alert_id).await,
    };
    match result {
        Ok(outcome) => finish(&mut io, &format!("{outcome}\n")),
        Err(e) => fail(&mut io, &e),
    }
}

/// The command-line programs, for [`main`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `sync`
    Sync,
    /// `alert`
    Alert,
    /// `match`
    Match,
    /// `ticket`
    Ticket,
    /// `store`
    Store,
    /// `hub`
    Hub,
    /// `rules`
    Rules,
}

/// What an example's `main` does: logs to stderr, runs `command` on the
/// process's arguments, environment and stdout, and returns the exit code.
pub async fn main(command: Command) -> i32 {
    use std::io::IsTerminal;
    init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = |name: &str| std::env::var(name).ok();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let io = Io {
        out: &mut out,
        err: &mut err,
        env: &env,
        out_is_terminal: std::io::stdout().is_terminal(),
    };
    match command {
        Command::Sync => run_sync(&args, io).await,
        Command::Alert => run_alert(&args, io).await,
        Command::Match => run_match(&args, io).await,
        Command::Ticket => run_ticket(&args, io).await,
        Command::Store => crate::store_cmd::run_store(&args, io).await,
        Command::Hub => crate::store_cmd::run_hub(&args, io).await,
        Command::Rules => crate::rules_cmd::run_rules(&args, io).await,
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings only).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
