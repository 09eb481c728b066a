//! The store's command lines (DESIGN.md, "Sync into a store"): `sync …
//! --store URL`, `store export`, `store runs`, `match --store …` and `hub`.
//! `VECTIS_STORE` supplies the URL when `--store` is absent.

use crate::cli::{EXIT_OK, EXIT_USAGE, EXIT_VENDOR, Io};
use crate::cli::{parse, usage};
use clap::Parser;
use std::sync::Arc;
use vectis_core::{Connector, Kind};
use vectis_sync::{Decision, RecordFilter, RunStatus, Store, SyncOptions, Syncer};

mod hub;

pub use hub::{HubArgs, hub_table, run_hub};

/// The exit code for a store error: configuration is 2, the rest 1.
pub fn exit_code(e: &vectis_sync::Error) -> i32 {
    if e.is_config() {
        EXIT_USAGE
    } else {
        EXIT_VENDOR
    }
}

fn fail(io: &mut Io<'_>, e: &vectis_sync::Error) -> i32 {
    let _ = writeln!(io.err, "error: {e}");
    exit_code(e)
}

/// `--store`, else `VECTIS_STORE`.
pub fn store_url(flag: Option<&str>, io: &Io<'_>) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| (io.env)("VECTIS_STORE").filter(|s| !s.trim().is_empty()))
}

async fn open(url: &str, io: &mut Io<'_>) -> Result<Store, i32> {
    Store::open(url).await.map_err(|e| fail(io, &e))
}

/// What `sync --store` was asked (`Debug` shows the URL's scheme and host only).
#[derive(Clone, Default)]
pub struct StoreSync {
    /// The store URL.
    pub url: String,
    /// `--connection` (default: the vendor's name).
    pub connection: Option<String>,
    /// `--only`, as core kinds (empty: every kind the vendor lists).
    pub kinds: Vec<Kind>,
    /// `--full`.
    pub full: bool,
    /// `--allow-mass-delete`.
    pub allow_mass_delete: bool,
    /// Whether stderr is a terminal (a progress bar then).
    pub progress_bar: bool,
}

impl std::fmt::Debug for StoreSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSync")
            .field("url", &crate::url_arg::redacted(&self.url))
            .field("connection", &self.connection)
            .field("kinds", &self.kinds)
            .field("full", &self.full)
            .field("allow_mass_delete", &self.allow_mass_delete)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for StoreMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreMatch")
            .field("url", &crate::url_arg::redacted(&self.url))
            .field("rmm", &self.rmm)
            .field("psa", &self.psa)
            .field("links", &self.links)
            .field("keep_separate", &self.keep_separate)
            .finish()
    }
}

/// `sync <VENDOR> --store URL …`: no records on stdout; one summary line per
/// kind on stderr; exit 1 at the end if any kind was held or failed. Ctrl-C
/// commits or rolls back the current page whole and ends the run `failed`.
pub async fn sync_into_store(
    req: StoreSync,
    connector: Arc<dyn Connector>,
    io: &mut Io<'_>,
) -> i32 {
    let store = match open(&req.url, io).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop.send(true);
        }
    });
    let mut opts = SyncOptions::new()
        .full(req.full)
        .allow_mass_delete(req.allow_mass_delete)
        .cancel_on(stopped);
    if !req.kinds.is_empty() {
        opts = opts.kinds(req.kinds.clone());
    }
    let bars = req.progress_bar.then(progress_bars);
    if let Some((_, f)) = &bars {
        opts = opts.on_progress(f.clone());
    }
    let mut syncer = Syncer::new(&store, connector.as_ref()).options(opts);
    if let Some(name) = &req.connection {
        syncer = syncer.connection(name.clone());
    }
    let result = syncer.run().await;
    ctrl_c.abort();
    if let Some((multi, _)) = bars {
        let _ = multi.clear();
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => return fail(io, &e),
    };
    let mut code = EXIT_OK;
    for k in &report.kinds {
        match k.status {
            RunStatus::Ok => {
                let _ = writeln!(io.err, "{k}");
            }
            _ => {
                let _ = writeln!(io.err, "error: {k}");
                code = match &k.error {
                    Some(e) if e.is_config() && k.run_id.is_none() => EXIT_USAGE.max(code),
                    _ => EXIT_VENDOR.max(code),
                };
            }
        }
    }
    code
}

type Bars = (indicatif::MultiProgress, vectis_sync::Progress);

fn progress_bars() -> Bars {
    use std::collections::HashMap;
    use std::sync::Mutex;
    let multi = indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr());
    let bars: Arc<Mutex<HashMap<Kind, indicatif::ProgressBar>>> = Arc::default();
    let m = multi.clone();
    let f: vectis_sync::Progress = Arc::new(move |kind, done, total| {
        let Ok(mut bars) = bars.lock() else { return };
        let bar = bars.entry(kind).or_insert_with(|| {
            let b = m.add(indicatif::ProgressBar::new(total.unwrap_or(0)));
            let style = indicatif::ProgressStyle::with_template(
                "{prefix:>10} {bar:30} {pos}/{len} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            b.set_style(style);
            b.set_prefix(kind.as_str());
            b
        });
        if let Some(t) = total {
            bar.set_length(t.max(done));
        }
        bar.set_position(done);
    });
    (multi, f)
}

/// `store export|runs --store URL …`.
#[derive(Debug, Parser)]
#[command(name = "store", about = "Read a Vectis store: its records or its runs")]
pub struct StoreArgs {
    #[command(subcommand)]
    what: StoreWhat,
}

#[derive(Debug, clap::Subcommand)]
enum StoreWhat {
    /// The store's records as JSON lines (the `sync` shape plus connection,
    /// first_synced_at, last_synced_at, deleted_at).
    Export {
        /// sqlite://PATH, sqlite::memory: or postgres://… (default: $VECTIS_STORE).
        #[arg(long)]
        store: Option<crate::url_arg::UrlArg>,
        /// Only this connection.
        #[arg(long)]
        connection: Option<String>,
        /// Only these kinds (customers, devices, alerts, tickets).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Tombstoned records too.
        #[arg(long)]
        deleted: bool,
        /// Include each record's original vendor JSON as `raw`.
        #[arg(long)]
        raw: bool,
    },
    /// One JSON line per run, newest last.
    Runs {
        /// sqlite://PATH, sqlite::memory: or postgres://… (default: $VECTIS_STORE).
        #[arg(long)]
        store: Option<crate::url_arg::UrlArg>,
        /// Only this connection.
        #[arg(long)]
        connection: Option<String>,
    },
}

fn need_store(flag: Option<&str>, io: &mut Io<'_>) -> Result<String, i32> {
    store_url(flag, io).ok_or_else(|| {
        usage(
            io,
            "give --store URL (sqlite://vectis.db, postgres://USER@HOST/DB) or set VECTIS_STORE",
        )
    })
}

/// Writes one line; `Err(code)` ends the command as [`crate::cli::output_failed`]
/// says (a closed pipe quietly, any other failure with an error).
fn emit(io: &mut Io<'_>, line: &str) -> Result<(), i32> {
    crate::cli::emit(io, &format!("{line}\n"))
}

/// Runs `store`; returns the exit code.
pub async fn run_store(args: &[String], mut io: Io<'_>) -> i32 {
    let a: StoreArgs = match parse("store", args, &mut io) {
        Ok(a) => a,
        Err(code) => return code,
    };
    match a.what {
        StoreWhat::Export {
            store,
            connection,
            only,
            deleted,
            raw,
        } => {
            let url = match need_store(store.as_ref().map(crate::url_arg::UrlArg::as_str), &mut io)
            {
                Ok(u) => u,
                Err(code) => return code,
            };
            let mut kinds = Vec::new();
            for k in &only {
                match Kind::from_name(k) {
                    Some(k) => kinds.push(k),
                    None => {
                        return usage(
                            &mut io,
                            &format!("--only `{k}`: write customers, devices, alerts or tickets"),
                        );
                    }
                }
            }
            let store = match open(&url, &mut io).await {
                Ok(s) => s,
                Err(code) => return code,
            };
            let mut filter = RecordFilter::new().include_deleted(deleted).skip_raw(!raw);
            if let Some(c) = connection {
                filter = filter.connection(c);
            }
            if !kinds.is_empty() {
                filter = filter.kinds(kinds);
            }
            // Each record written as it is read: memory stays flat.
            let mut records = store.record_stream(&filter);
            while let Some(r) = futures::StreamExt::next(&mut records).await {
                let r = match r {
                    Ok(r) => r,
                    Err(e) => return fail(&mut io, &e),
                };
                if let Err(code) = emit(&mut io, &r.to_json(raw).to_string()) {
                    return code;
                }
            }
            EXIT_OK
        }
        StoreWhat::Runs { store, connection } => {
            let url = match need_store(store.as_ref().map(crate::url_arg::UrlArg::as_str), &mut io)
            {
                Ok(u) => u,
                Err(code) => return code,
            };
            let store = match open(&url, &mut io).await {
                Ok(s) => s,
                Err(code) => return code,
            };
            let runs = match store.runs(connection.as_deref()).await {
                Ok(r) => r,
                Err(e) => return fail(&mut io, &e),
            };
            for r in &runs {
                let line = serde_json::to_string(r).unwrap_or_default();
                if let Err(code) = emit(&mut io, &line) {
                    return code;
                }
            }
            EXIT_OK
        }
    }
}

/// What `match --store` was asked (`Debug` shows the URL's scheme and host only).
#[derive(Clone, Default)]
pub struct StoreMatch {
    /// The store URL.
    pub url: String,
    /// The RMM connections.
    pub rmm: Vec<String>,
    /// The PSA connection.
    pub psa: String,
    /// `--link CONN:ID=PSA_ID`.
    pub links: Vec<String>,
    /// `--keep-separate CONN:ID`.
    pub keep_separate: Vec<String>,
}

/// `match --store URL --rmm CONN[,CONN…] --psa CONN [--link CONN:ID=PSA_ID]
/// [--keep-separate CONN:ID]`: saves the decisions, matches, saves the links
/// and prints one JSON line per RMM customer (with `connection` and `reason`).
pub async fn run_match_store(req: StoreMatch, io: &mut Io<'_>) -> i32 {
    if req.rmm.is_empty() || req.psa.is_empty() {
        return usage(io, "with --store, give --rmm CONN[,CONN…] and --psa CONN");
    }
    let store = match open(&req.url, io).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let now = chrono::Utc::now();
    let mut decisions = Vec::new();
    for l in &req.links {
        let Some((conn, rest)) = l.split_once(':') else {
            return usage(io, &format!("--link `{l}`: write CONN:ID=PSA_ID"));
        };
        let Some((id, psa_id)) = rest.split_once('=') else {
            return usage(io, &format!("--link `{l}`: write CONN:ID=PSA_ID"));
        };
        decisions.push((
            conn.to_string(),
            id.to_string(),
            Decision::Link(psa_id.to_string()),
        ));
    }
    for k in &req.keep_separate {
        let Some((conn, id)) = k.split_once(':') else {
            return usage(io, &format!("--keep-separate `{k}`: write CONN:ID"));
        };
        decisions.push((conn.to_string(), id.to_string(), Decision::KeepSeparate));
    }
    for (conn, id, d) in decisions {
        if !req.rmm.contains(&conn) {
            return usage(
                io,
                &format!(
                    "a decision names connection `{conn}`, which is not among --rmm; add it to --rmm, or fix the --link / --keep-separate that names it"
                ),
            );
        }
        if let Err(e) = store.decide(&conn, &id, &req.psa, d, now).await {
            return fail(io, &e);
        }
    }
    let rmm: Vec<&str> = req.rmm.iter().map(String::as_str).collect();
    let matcher = vectis_match::Matcher::default();
    let links = match store.match_customers(&rmm, &req.psa, &matcher, now).await {
        Ok(l) => l,
        Err(e) => return fail(io, &e),
    };
    let linked = links.iter().filter(|l| l.psa_id.is_some()).count();
    for l in &links {
        let line = serde_json::to_string(l).unwrap_or_default();
        if let Err(code) = emit(io, &line) {
            return code;
        }
    }
    let _ = writeln!(
        io.err,
        "{linked} of {} RMM customers linked; {} left for a person to decide (saved in {})",
        links.len(),
        links.len() - linked,
        store.url()
    );
    EXIT_OK
}
