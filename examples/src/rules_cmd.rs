//! `rules --store URL --rules FILE --psa CONN [--dry-run] [--base-url URL]
//! [--timeout SECS]`: RMM alerts in the store become tickets in the PSA by
//! the rules file, one ticket per key (DESIGN.md, "Rules"). One JSON line per
//! action on stdout, a summary line on stderr. Exit 2 for a bad rules file
//! (naming file, line and field) before anything is sent.

use crate::cli::{EXIT_OK, EXIT_USAGE, EXIT_VENDOR, Io};
use clap::Parser;
use std::time::Duration;
use vectis_core::{EngineSettings, Vendor};
use vectis_rules::{Engine, Rules, RunOptions};

/// `rules` arguments.
#[derive(Debug, Parser)]
#[command(
    name = "rules",
    about = "Open, note, close and reopen PSA tickets for the store's RMM alerts, by rules; one ticket per key"
)]
pub struct RulesArgs {
    /// The store (sqlite://PATH, postgres://…); default: $VECTIS_STORE.
    #[arg(long)]
    pub store: Option<crate::url_arg::UrlArg>,
    /// The rules file (TOML; see examples/rules.toml).
    #[arg(long)]
    pub rules: std::path::PathBuf,
    /// The PSA connection in the store (synced with `sync connectwise --store …`).
    #[arg(long)]
    pub psa: String,
    /// Print the actions; change nothing in the PSA or the store.
    #[arg(long)]
    pub dry_run: bool,
    /// Another origin for the PSA (a proxy, a fake).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,
    /// Client-side quota, as for `sync`: N/s, N/min, N/h or off.
    #[arg(long)]
    pub rate_limit: Option<String>,
}

fn say(io: &mut Io<'_>, code: i32, msg: &str) -> i32 {
    let _ = writeln!(io.err, "error: {msg}");
    code
}

/// The exit code for a rules error: a bad rules file or configuration is 2.
pub fn exit_code(e: &vectis_rules::Error) -> i32 {
    match e {
        vectis_rules::Error::Config(_) => EXIT_USAGE,
        vectis_rules::Error::Store(s) => crate::store_cmd::exit_code(s),
        vectis_rules::Error::Psa { source, .. } => crate::cli::exit_code(source),
        _ => EXIT_VENDOR,
    }
}

/// Runs `rules`; returns the exit code.
pub async fn run_rules(args: &[String], mut io: Io<'_>) -> i32 {
    let argv = std::iter::once("rules".to_string()).chain(args.iter().cloned());
    let a = match RulesArgs::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let text = e.render().to_string();
            return if e.use_stderr() {
                let _ = write!(io.err, "{text}");
                EXIT_USAGE
            } else {
                let _ = write!(io.out, "{text}");
                EXIT_OK
            };
        }
    };
    // The rules first: a bad file stops everything before anything is sent.
    let rules = match Rules::load(&a.rules) {
        Ok(r) => r,
        Err(e) => return say(&mut io, EXIT_USAGE, &e.to_string()),
    };
    let Some(url) =
        crate::store_cmd::store_url(a.store.as_ref().map(crate::url_arg::UrlArg::as_str), &io)
    else {
        return say(
            &mut io,
            EXIT_USAGE,
            "give --store URL (sqlite://vectis.db, postgres://USER@HOST/DB) or set VECTIS_STORE",
        );
    };
    let store = match vectis_sync::Store::open(&url).await {
        Ok(s) => s,
        Err(e) => return say(&mut io, crate::store_cmd::exit_code(&e), &e.to_string()),
    };
    match store.connection_vendor(&a.psa).await {
        Ok(Some(Vendor::ConnectWise)) => {}
        Ok(Some(v)) => {
            return say(
                &mut io,
                EXIT_USAGE,
                &format!(
                    "--psa {}: that connection is {}, not a PSA; give the ConnectWise connection (the PSA the rules open tickets in)",
                    a.psa,
                    v.product()
                ),
            );
        }
        Ok(None) => {
            return say(
                &mut io,
                EXIT_USAGE,
                &format!(
                    "--psa {}: no such connection in {}; sync it first with `sync connectwise --store … --connection {}` and link customers with `match`",
                    a.psa,
                    store.url(),
                    a.psa
                ),
            );
        }
        Err(e) => return say(&mut io, crate::store_cmd::exit_code(&e), &e.to_string()),
    }
    let mut settings = EngineSettings::default();
    if let Some(spec) = &a.rate_limit {
        match spec.parse::<vectis_core::Quota>() {
            Ok(q) => settings.quota = Some(q),
            Err(e) => return say(&mut io, crate::cli::exit_code(&e), &e.to_string()),
        }
    }
    if let Some(secs) = a.timeout {
        settings.timeout = Duration::from_secs(secs);
    }
    let psa = match crate::registry::connectwise_connector(io.env, a.base_url.as_deref(), settings)
    {
        Ok(c) => c,
        Err(e) => return say(&mut io, crate::cli::exit_code(&e), &e.to_string()),
    };
    let engine = Engine::new(
        &store,
        &psa,
        &a.psa,
        &rules,
        RunOptions::default().dry_run(a.dry_run),
    );
    // Boards and priorities by name (reads only), before anything is written.
    if let Err(e) = engine.check().await {
        return say(&mut io, exit_code(&e), &e.to_string());
    }
    let mut write_failed: Option<std::io::Error> = None;
    let out = &mut *io.out;
    let result = engine
        .run(|action| {
            if write_failed.is_some() {
                return;
            }
            let line = serde_json::to_string(action).unwrap_or_default();
            if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                write_failed = Some(e);
            }
        })
        .await;
    match result {
        Ok(report) => {
            let _ = writeln!(io.err, "{}", report.summary());
            match write_failed {
                Some(e) => crate::cli::output_failed(io.err, &e),
                None => EXIT_OK,
            }
        }
        Err(e) => say(&mut io, exit_code(&e), &e.to_string()),
    }
}
