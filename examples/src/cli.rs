//! The `sync` and `alert` command lines (DESIGN.md's contract) as functions
//! that take arguments, an environment and output streams and return the
//! exit code: 0 success, 1 the vendor or network failed, 2 bad usage or
//! configuration.

use crate::registry::{Env, lookup};
use clap::Parser;
use futures::TryStreamExt;
use std::io::Write;
use std::sync::Arc;
use vectis_core::{Connector, EngineSettings, Error, ErrorKind, ListOptions, Quota, Record};

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

/// Kinds of record `--only` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Customers (companies, organizations, sites).
    Customers,
    /// Devices (agents, configurations).
    Devices,
    /// Alerts.
    Alerts,
    /// Tickets (a PSA's; only with `--only`).
    Tickets,
}

impl Kind {
    /// The plural noun, as `--only` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Customers => "customers",
            Kind::Devices => "devices",
            Kind::Alerts => "alerts",
            Kind::Tickets => "tickets",
        }
    }

    /// `1 customer`, `2 customers`.
    pub fn count(self, n: u64) -> String {
        let noun = self.name();
        if n == 1 {
            format!("1 {}", noun.strip_suffix('s').unwrap_or(noun))
        } else {
            format!("{n} {noun}")
        }
    }

    fn supported(self, caps: &vectis_core::Capabilities) -> bool {
        match self {
            Kind::Customers => caps.list_customers,
            Kind::Devices => caps.list_devices,
            Kind::Alerts => caps.list_alerts,
            Kind::Tickets => caps.list_tickets,
        }
    }
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
    /// Which kinds to sync (default: all the vendor has).
    #[arg(long, value_delimiter = ',')]
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

/// One item of the merged listings: a record of a kind, or the end of a
/// kind's listing.
enum Item {
    Record(Kind, Record),
    End(Kind),
}

/// A kind's records, in the vendor's order, then its end.
fn kind_stream(
    connector: &Arc<dyn Connector>,
    kind: Kind,
    opts: &ListOptions,
) -> futures::stream::BoxStream<'static, vectis_core::Result<Item>> {
    use futures::StreamExt;
    let records = match kind {
        Kind::Customers => connector.customers(opts).map_ok(Record::Customer).boxed(),
        Kind::Devices => connector.devices(opts).map_ok(Record::Device).boxed(),
        Kind::Alerts => connector.alerts(opts).map_ok(Record::Alert).boxed(),
        Kind::Tickets => connector.tickets(opts).map_ok(Record::Ticket).boxed(),
    };
    records
        .map_ok(move |r| Item::Record(kind, r))
        .chain(futures::stream::once(async move { Ok(Item::End(kind)) }))
        .boxed()
}

/// Runs `sync`; returns the exit code.
///
/// The kinds are listed side by side (every listing's first page in flight
/// at once, under the one connector's concurrency and quota); each kind's
/// records come in the vendor's order, and each stdout line is one whole
/// record.
pub async fn run_sync(args: &[String], mut io: Io<'_>) -> i32 {
    let a: SyncArgs = match parse("sync", args, &mut io) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if a.check {
        let ignored: Vec<&str> = [
            ("--only", !a.only.is_empty()),
            ("--format", a.format.is_some()),
            ("--since", a.since.is_some()),
            ("--raw", a.raw),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect();
        if !ignored.is_empty() {
            return usage(
                &mut io,
                &format!(
                    "--check only tests the connection; drop {} (or drop --check to sync)",
                    ignored.join(", ")
                ),
            );
        }
    }
    if a.shared_quota_fallback.is_some() && a.shared_quota.is_none() {
        return usage(
            &mut io,
            "--shared-quota-fallback applies to a shared quota; give --shared-quota redis://HOST:PORT too, or drop it",
        );
    }
    let mut settings = match settings_with(a.rate_limit.as_deref(), &mut io) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(url) = a.shared_quota.as_ref().map(crate::url_arg::UrlArg::as_str) {
        let fallback = match a
            .shared_quota_fallback
            .as_deref()
            .unwrap_or("fail")
            .parse::<vectis_core::redis_quota::Fallback>()
        {
            Ok(f) => f,
            Err(e) => return fail(&mut io, &e),
        };
        match vectis_core::redis_quota::RedisQuota::new(url) {
            Ok(store) => settings.shared_quota = Some(Arc::new(store.with_fallback(fallback))),
            Err(e) => return fail(&mut io, &e),
        }
    }
    if let Some(n) = a.concurrency {
        if n == 0 {
            return usage(&mut io, "--concurrency must be at least 1");
        }
        settings.concurrency = n;
    }
    let since = match &a.since {
        None => None,
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&chrono::Utc)),
            Err(_) => {
                return usage(
                    &mut io,
                    &format!(
                        "--since `{s}` is not an RFC 3339 time; write e.g. 2026-05-01T00:00:00Z"
                    ),
                );
            }
        },
    };
    let entry = match lookup(&a.vendor) {
        Ok(e) => e,
        Err(e) => return fail(&mut io, &e),
    };
    let connector = match build(&a.vendor, a.base_url.as_deref(), settings, &mut io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if !a.check
        && let Some(url) =
            crate::store_cmd::store_url(a.store.as_ref().map(crate::url_arg::UrlArg::as_str), &io)
    {
        if since.is_some() {
            return usage(
                &mut io,
                "--since does not go with a store: the store keeps its own watermark (use --full to list everything)",
            );
        }
        if a.format.is_some() || a.raw {
            return usage(
                &mut io,
                "--format and --raw do not go with a store (it prints no records; read them with `store export`)",
            );
        }
        let req = crate::store_cmd::StoreSync {
            url,
            connection: a.connection.clone(),
            kinds: a
                .only
                .iter()
                .filter_map(|k| vectis_core::Kind::from_name(k.name()))
                .collect(),
            full: a.full,
            allow_mass_delete: a.allow_mass_delete,
            progress_bar: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        };
        return crate::store_cmd::sync_into_store(req, connector, &mut io).await;
    }
    if a.connection.is_some() || a.full || a.allow_mass_delete {
        return usage(
            &mut io,
            "--connection, --full and --allow-mass-delete go with --store URL (or VECTIS_STORE)",
        );
    }
    let product = connector.vendor().product();
    if a.check {
        return match connector.check().await {
            Ok(info) => match emit(&mut io, &format!("{info}\n")) {
                Ok(()) => EXIT_OK,
                Err(code) => code,
            },
            Err(e) => fail(&mut io, &e),
        };
    }
    let caps = connector.capabilities();
    let kinds: Vec<Kind> = if a.only.is_empty() {
        [Kind::Customers, Kind::Devices, Kind::Alerts]
            .into_iter()
            .filter(|k| k.supported(&caps))
            .collect()
    } else {
        let mut kinds: Vec<Kind> = Vec::new();
        for k in &a.only {
            if !kinds.contains(k) {
                kinds.push(*k);
            }
        }
        if let Some(k) = kinds.iter().find(|k| !k.supported(&caps)) {
            let can: Vec<&str> = [Kind::Customers, Kind::Devices, Kind::Alerts, Kind::Tickets]
                .into_iter()
                .filter(|k| k.supported(&caps))
                .map(Kind::name)
                .collect();
            return usage(
                &mut io,
                &format!(
                    "{product} has no {} to list; --only takes {}",
                    k.name(),
                    can.join(", ")
                ),
            );
        }
        kinds
    };
    if since.is_some() {
        let unfiltered: Vec<&str> = kinds
            .iter()
            .map(|k| k.name())
            .filter(|k| !entry.filters_since(k))
            .collect();
        if !unfiltered.is_empty() {
            let _ = writeln!(
                io.err,
                "note: {product} cannot filter {} by --since; listing them in full",
                unfiltered.join(", ")
            );
        }
    }
    let format = a.format.unwrap_or(if io.out_is_terminal {
        Format::Table
    } else {
        Format::Jsonl
    });
    let mut opts = ListOptions::default();
    opts.since = since;
    let mut merged =
        futures::stream::select_all(kinds.iter().map(|&k| kind_stream(&connector, k, &opts)));
    let mut counts: Vec<(Kind, u64)> = kinds.iter().map(|&k| (k, 0)).collect();
    let mut table = Table::default();
    loop {
        match merged.try_next().await {
            Ok(Some(Item::Record(kind, mut rec))) => {
                if let Some(c) = counts.iter_mut().find(|(k, _)| *k == kind) {
                    c.1 += 1;
                }
                if !a.raw {
                    strip_raw(&mut rec);
                }
                match format {
                    Format::Jsonl => {
                        let line = match serde_json::to_string(&rec) {
                            Ok(l) => l,
                            Err(e) => {
                                let _ = writeln!(io.err, "error: could not encode a record ({e})");
                                return EXIT_VENDOR;
                            }
                        };
                        if let Err(code) = emit(&mut io, &format!("{line}\n")) {
                            return code;
                        }
                    }
                    Format::Table => table.push(&rec),
                }
            }
            Ok(Some(Item::End(kind))) => {
                let n = counts.iter().find(|(k, _)| *k == kind).map_or(0, |c| c.1);
                let _ = writeln!(io.err, "{product}: {}", kind.count(n));
            }
            Ok(None) => break,
            Err(e) => return fail(&mut io, &e),
        }
    }
    if format == Format::Table
        && let Err(code) = emit(&mut io, &table.render())
    {
        return code;
    }
    EXIT_OK
}

/// Runs `alert`; returns the exit code.
pub async fn run_alert(args: &[String], mut io: Io<'_>) -> i32 {
    let a: AlertArgs = match parse("alert", args, &mut io) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let settings = match settings_with(a.rate_limit.as_deref(), &mut io) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let connector = match build(&a.vendor, a.base_url.as_deref(), settings, &mut io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = match a.action {
        Action::Ack => connector.acknowledge_alert(&a.alert_id).await,
        Action::Resolve => connector.resolve_alert(&a.alert_id).await,
    };
    match result {
        Ok(outcome) => match emit(&mut io, &format!("{outcome}\n")) {
            Ok(()) => EXIT_OK,
            Err(code) => code,
        },
        Err(e) => fail(&mut io, &e),
    }
}

fn strip_raw(rec: &mut Record) {
    let raw = match rec {
        Record::Customer(c) => &mut c.raw,
        Record::Device(d) => &mut d.raw,
        Record::Alert(a) => &mut a.raw,
        Record::Ticket(t) => &mut t.raw,
    };
    *raw = serde_json::Value::Null;
}

/// Collects records into aligned text tables, one per kind.
#[derive(Default)]
pub struct Table {
    customers: Vec<[String; 2]>,
    devices: Vec<[String; 6]>,
    alerts: Vec<[String; 6]>,
    tickets: Vec<[String; 4]>,
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|x| x.to_string())
        .unwrap_or_else(|| "-".into())
}

impl Table {
    /// Adds one record.
    pub fn push(&mut self, rec: &Record) {
        match rec {
            Record::Customer(c) => self.customers.push([c.id.clone(), c.name.clone()]),
            Record::Device(d) => self.devices.push([
                d.id.clone(),
                opt(&d.customer_id),
                d.name.clone(),
                opt(&d.os),
                opt(&d.online),
                d.last_seen
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into()),
            ]),
            Record::Alert(a) => self.alerts.push([
                a.id.clone(),
                opt(&a.customer_id),
                opt(&a.device_id),
                a.severity.to_string(),
                a.status.to_string(),
                a.title.clone(),
            ]),
            Record::Ticket(t) => self.tickets.push([
                t.id.clone(),
                opt(&t.customer_id),
                opt(&t.status),
                t.summary.clone(),
            ]),
        }
    }

    /// The tables as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        section(&mut out, "CUSTOMERS", &["id", "name"], &self.customers);
        section(
            &mut out,
            "DEVICES",
            &["id", "customer", "name", "os", "online", "last seen"],
            &self.devices,
        );
        section(
            &mut out,
            "ALERTS",
            &["id", "customer", "device", "severity", "status", "title"],
            &self.alerts,
        );
        section(
            &mut out,
            "TICKETS",
            &["id", "customer", "status", "summary"],
            &self.tickets,
        );
        out
    }
}

fn section<const N: usize>(out: &mut String, title: &str, head: &[&str; N], rows: &[[String; N]]) {
    if rows.is_empty() {
        return;
    }
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count().min(48));
        }
    }
    out.push_str(&format!("{title} ({})\n", rows.len()));
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            let c: String = c.chars().take(48).collect();
            if i + 1 == cells.len() {
                s.push_str(&c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(head.iter().map(|h| h.to_uppercase()).collect()));
    for r in rows {
        out.push_str(&line(r.to_vec()));
    }
    out.push('\n');
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

/// `match --rmm <VENDOR> --psa connectwise` or
/// `match --rmm-file A.jsonl --psa-file B.jsonl`.
#[derive(Debug, Parser)]
#[command(
    name = "match",
    about = "Match RMM customers to PSA companies, one JSON line per RMM customer"
)]
pub struct MatchArgs {
    /// The RMM to read customers from, live (credentials from the environment).
    #[arg(
        long,
        conflicts_with = "rmm_file",
        required_unless_present = "rmm_file"
    )]
    pub rmm: Option<String>,
    /// The PSA to read companies from, live.
    #[arg(
        long,
        conflicts_with = "psa_file",
        required_unless_present = "psa_file"
    )]
    pub psa: Option<String>,
    /// RMM customers as `sync` prints them (JSON lines; non-customer records are ignored).
    #[arg(long)]
    pub rmm_file: Option<std::path::PathBuf>,
    /// PSA customers as `sync` prints them.
    #[arg(long)]
    pub psa_file: Option<std::path::PathBuf>,
    /// Manual decisions: a JSON lines file of `{"rmm_id": …, "psa_id": …}`
    /// (link) or `{"rmm_id": …, "psa_id": null}` (keep separate).
    #[arg(long)]
    pub overrides: Option<std::path::PathBuf>,
    /// Origin for the live RMM instead of the vendor's.
    #[arg(long)]
    pub rmm_base_url: Option<String>,
    /// Origin for the live PSA instead of the vendor's.
    #[arg(long)]
    pub psa_base_url: Option<String>,
    /// Match the customers in this store (default: $VECTIS_STORE when
    /// --rmm-file/--psa-file are absent and it is set): --rmm and --psa then
    /// name connections, and links and decisions are saved there.
    #[arg(long)]
    pub store: Option<crate::url_arg::UrlArg>,
    /// With a store: a person's link, CONN:ID=PSA_ID (kept in every later match).
    #[arg(long)]
    pub link: Vec<String>,
    /// With a store: never link CONN:ID automatically.
    #[arg(long)]
    pub keep_separate: Vec<String>,
}

fn read_parties(path: &std::path::Path) -> Result<Vec<vectis_match::Party>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::config(path.display().to_string(), format!("cannot read it ({e})")))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            Error::config(
                path.display().to_string(),
                format!(
                    "line {} is not JSON ({e}); give the JSON lines `sync --format jsonl` prints",
                    n + 1
                ),
            )
        })?;
        if v.get("type").and_then(|t| t.as_str()) != Some("customer") {
            continue;
        }
        let (Some(id), Some(name)) = (
            v.get("id").and_then(|x| x.as_str()),
            v.get("name").and_then(|x| x.as_str()),
        ) else {
            return Err(Error::config(
                path.display().to_string(),
                format!(
                    "line {}: a customer record needs string `id` and `name`",
                    n + 1
                ),
            ));
        };
        out.push(vectis_match::Party::new(id, name));
    }
    Ok(out)
}

fn read_overrides(path: &std::path::Path) -> Result<vectis_match::Overrides, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::config(path.display().to_string(), format!("cannot read it ({e})")))?;
    let mut o = vectis_match::Overrides::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            Error::config(
                path.display().to_string(),
                format!("line {} is not JSON ({e})", n + 1),
            )
        })?;
        let bad = |field: &str, why: &str| {
            Error::config(
                path.display().to_string(),
                format!(
                    "line {}: `{field}` {why}; write an id as a string or a number (`\"psa_id\": null` keeps them separate)",
                    n + 1
                ),
            )
        };
        let rmm = match v.get("rmm_id") {
            None | Some(serde_json::Value::Null) => return Err(bad("rmm_id", "is missing")),
            Some(x) => override_id(x).ok_or_else(|| bad("rmm_id", "is not an id"))?,
        };
        match v.get("psa_id") {
            Some(serde_json::Value::Null) => o.add_keep_separate(&rmm),
            None => return Err(bad("psa_id", "is missing")),
            Some(x) => {
                let psa = override_id(x).ok_or_else(|| bad("psa_id", "is not an id"))?;
                o.add_link(&rmm, &psa)
            }
        };
    }
    Ok(o)
}

/// An id in an overrides file: a non-empty string, or a number (ids are
/// strings in the model; `250` and `"250"` are the same company).
fn override_id(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

async fn live_parties(
    vendor: &str,
    base_url: Option<&str>,
    io: &mut Io<'_>,
) -> Result<Vec<vectis_match::Party>, i32> {
    let c = build(vendor, base_url, EngineSettings::default(), io)?;
    let customers: Vec<vectis_core::Customer> =
        match c.customers(&ListOptions::default()).try_collect().await {
            Ok(v) => v,
            Err(e) => return Err(fail(io, &e)),
        };
    Ok(customers
        .into_iter()
        .map(|c| vectis_match::Party::new(c.id, c.name))
        .collect())
}

/// Runs `match`; returns the exit code.
pub async fn run_match(args: &[String], mut io: Io<'_>) -> i32 {
    let a: MatchArgs = match parse("match", args, &mut io) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let store = if a.rmm_file.is_none() && a.psa_file.is_none() {
        crate::store_cmd::store_url(a.store.as_ref().map(crate::url_arg::UrlArg::as_str), &io)
    } else {
        a.store.as_ref().map(|u| u.as_str().to_string())
    };
    if let Some(url) = store {
        let req = crate::store_cmd::StoreMatch {
            url,
            rmm: a
                .rmm
                .iter()
                .flat_map(|r| r.split(','))
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect(),
            psa: a.psa.clone().unwrap_or_default(),
            links: a.link.clone(),
            keep_separate: a.keep_separate.clone(),
        };
        return crate::store_cmd::run_match_store(req, &mut io).await;
    }
    if !a.link.is_empty() || !a.keep_separate.is_empty() {
        return usage(
            &mut io,
            "--link and --keep-separate go with --store URL (or use --overrides FILE)",
        );
    }
    let rmm = match (&a.rmm_file, &a.rmm) {
        (Some(path), _) => match read_parties(path) {
            Ok(p) => p,
            Err(e) => return fail(&mut io, &e),
        },
        (None, Some(v)) => match live_parties(v, a.rmm_base_url.as_deref(), &mut io).await {
            Ok(p) => p,
            Err(code) => return code,
        },
        (None, None) => return usage(&mut io, "give --rmm <VENDOR> or --rmm-file FILE"),
    };
    let psa = match (&a.psa_file, &a.psa) {
        (Some(path), _) => match read_parties(path) {
            Ok(p) => p,
            Err(e) => return fail(&mut io, &e),
        },
        (None, Some(v)) => match live_parties(v, a.psa_base_url.as_deref(), &mut io).await {
            Ok(p) => p,
            Err(code) => return code,
        },
        (None, None) => return usage(&mut io, "give --psa connectwise or --psa-file FILE"),
    };
    let mut matcher = vectis_match::Matcher::default();
    if let Some(path) = &a.overrides {
        match read_overrides(path) {
            Ok(o) => matcher = matcher.with_overrides(o),
            Err(e) => return fail(&mut io, &e),
        }
    }
    let results = matcher.match_customers(&rmm, &psa);
    let linked = results.iter().filter(|r| r.psa_id.is_some()).count();
    for r in &results {
        let line = serde_json::to_string(r).unwrap_or_default();
        if let Err(code) = emit(&mut io, &format!("{line}\n")) {
            return code;
        }
    }
    let _ = writeln!(
        io.err,
        "{linked} of {} RMM customers linked; {} left for a person to decide",
        results.len(),
        results.len() - linked
    );
    EXIT_OK
}

/// `ticket <VENDOR> --company ID --summary TEXT [...]`: open a ticket in a PSA.
#[derive(Debug, Parser)]
#[command(name = "ticket", about = "Open a ticket in a PSA (ConnectWise)")]
pub struct TicketArgs {
    /// The PSA: connectwise.
    pub vendor: String,
    /// The customer (company) id or identifier.
    #[arg(long)]
    pub company: String,
    /// Summary line (ConnectWise: at most 100 characters).
    #[arg(long)]
    pub summary: String,
    /// Initial description.
    #[arg(long)]
    pub description: Option<String>,
    /// Board, by id or name.
    #[arg(long)]
    pub board: Option<String>,
    /// Status, by id or name.
    #[arg(long)]
    pub status: Option<String>,
    /// Priority, by id or name.
    #[arg(long)]
    pub priority: Option<String>,
    /// Origin to use instead of the vendor's.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Client-side quota: N/s, N/min, N/h or off.
    #[arg(long)]
    pub rate_limit: Option<String>,
}

/// Runs `ticket`; returns the exit code.
pub async fn run_ticket(args: &[String], mut io: Io<'_>) -> i32 {
    let a: TicketArgs = match parse("ticket", args, &mut io) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let settings = match settings_with(a.rate_limit.as_deref(), &mut io) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let connector = match build(&a.vendor, a.base_url.as_deref(), settings, &mut io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut draft = vectis_core::TicketDraft::new(a.company, a.summary);
    draft.description = a.description;
    draft.board = a.board;
    draft.status = a.status;
    draft.priority = a.priority;
    match connector.create_ticket(&draft).await {
        Ok(t) => {
            let line = format!(
                "{}: ticket #{} created for company {}: {}\n",
                t.vendor.product(),
                t.id,
                t.customer_id.as_deref().unwrap_or(&draft.customer_id),
                t.summary
            );
            match emit(&mut io, &line) {
                Ok(()) => EXIT_OK,
                Err(code) => code,
            }
        }
        Err(e) => fail(&mut io, &e),
    }
}
