//! The `demo` example: all four vendors on their embedded fakes, synced
//! through the real connectors into an embedded SQLite store (or the one
//! `--store` names), RMM customers matched to the PSA and the links saved
//! there, and the per-customer hub read back from the store. No credentials,
//! no network beyond loopback.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;
use vectis_core::{
    AlertStatus, Connector, EngineSettings, Kind, Quota, Record, SecretString, Vendor,
};
use vectis_match::Matcher;
use vectis_sync::{Store, SyncOptions, Syncer};
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};
use vectis_testkit::connectwise::{self as cw, ConnectWiseData, ConnectWiseFake};
use vectis_testkit::datto::{self, DattoData, DattoFake};
use vectis_testkit::kaseya::{self, KaseyaData, KaseyaFake};

mod data;
mod error;

use data::{ATERA_ONLY, DATTO_ONLY, KASEYA_ONLY, ROWS, names};
pub use error::DemoError;

/// The fakes have no quota; the real vendors' defaults would only slow the demo.
fn settings() -> EngineSettings {
    EngineSettings::default().quota(Quota::Off).concurrency(4)
}

fn severity_summary(open: &BTreeMap<String, u64>) -> String {
    if open.is_empty() {
        return "no open alerts".into();
    }
    // Most severe first, as people read them.
    let order = ["critical", "high", "medium", "low", "info"];
    let mut parts: Vec<(usize, String)> = open
        .iter()
        .map(|(s, n)| {
            let rank = order.iter().position(|o| o == s).unwrap_or(order.len());
            (rank, format!("{n} {s}"))
        })
        .collect();
    parts.sort();
    parts
        .into_iter()
        .map(|(_, p)| p)
        .collect::<Vec<_>>()
        .join(", ")
}

fn why(reason: Option<&str>, score: f64) -> String {
    match reason {
        Some("fuzzy") => format!("fuzzy {score:.2}"),
        Some(r) => r.to_string(),
        None => "unlinked".into(),
    }
}

const HELP: &str = "\
Runs the Vectis connectors against embedded fakes of Atera, Kaseya VSA X,
Datto RMM and ConnectWise: syncs each, matches the RMM customers to the
PSA's companies and prints a per-customer hub. No credentials, no network.

Usage: demo [--store URL]

Options:
      --store URL  keep the store (sqlite://PATH or postgres://…); default: a
                   temporary SQLite file, removed at the end
  -h, --help       Print help
";

/// What `cargo run --example demo -- ARGS` does; returns the exit code. The
/// demo takes no arguments: `--help` prints what it does, anything else is a
/// usage error (2). A closed stdout (`demo | head -3`) ends quietly with 0;
/// another output failure exits 1 with an `error: could not write …` line.
pub async fn main_with(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut store: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--help" || arg == "-h" {
            return match out.write_all(HELP.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => crate::cli::EXIT_OK,
                Err(e) => crate::cli::output_failed(err, &e),
            };
        }
        if arg == "--store" {
            if let Some(url) = it.next() {
                store = Some(url.clone());
                continue;
            }
        } else if let Some(url) = arg.strip_prefix("--store=") {
            store = Some(url.to_string());
            continue;
        }
        let _ = writeln!(
            err,
            "error: the demo takes only --store URL (got `{arg}`); run it as `cargo run --example demo`, or see --help"
        );
        return crate::cli::EXIT_USAGE;
    }
    match run_with_store(store.as_deref(), out, err).await {
        Ok(()) => crate::cli::EXIT_OK,
        Err(DemoError::Output(e)) => crate::cli::output_failed(err, &e),
        Err(DemoError::Store(e)) => {
            let _ = writeln!(err, "error: {e}");
            crate::store_cmd::exit_code(&e)
        }
        Err(e @ DemoError::Connector(_)) => {
            let _ = writeln!(err, "error: {e}");
            crate::cli::EXIT_VENDOR
        }
    }
}

/// Runs the demo on a temporary SQLite store, writing the hub to `out` and
/// progress to `err`.
pub async fn run(out: &mut dyn Write, err: &mut dyn Write) -> std::result::Result<(), DemoError> {
    run_with_store(None, out, err).await
}

/// Removes the demo's temporary store (and its WAL files) when dropped.
struct TempStore(Option<std::path::PathBuf>);

impl Drop for TempStore {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs the demo into the store at `url` (a temporary SQLite file when
/// `None`): syncs the four fakes into it, matches, and prints the hub read
/// back from the store.
pub async fn run_with_store(
    url: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::result::Result<(), DemoError> {
    let started = Instant::now();
    let io_err = DemoError::Output;
    writeln!(
        err,
        "Starting the embedded fakes of Atera, Kaseya VSA X, Datto RMM and ConnectWise…"
    )
    .map_err(io_err)?;

    let atera_fake = AteraFake::with_data(AteraData::generate_for(
        &names(|r| r.atera, ATERA_ONLY),
        160,
        60,
        11,
    ))
    .await;
    let datto_fake = DattoFake::with_data(DattoData::generate_for(
        &names(|r| r.datto, DATTO_ONLY),
        180,
        70,
        12,
    ))
    .await;
    let kaseya_fake = KaseyaFake::with_data(KaseyaData::generate_for(
        &names(|r| r.kaseya, KASEYA_ONLY),
        120,
        50,
        13,
    ))
    .await;
    let psa_names: Vec<String> = ROWS.iter().map(|r| r.psa.to_string()).collect();
    let cw_fake =
        ConnectWiseFake::with_data(ConnectWiseData::generate_for(&psa_names, 140, 40, 14)).await;

    let atera = vectis_atera::AteraConnector::builder(SecretString::from(ATERA_API_KEY))
        .base_url(&atera_fake.uri())
        .settings(settings())
        .build()?;
    let datto = vectis_datto_rmm::DattoRmmConnector::builder(
        datto::PLATFORM,
        SecretString::from(datto::API_KEY),
        SecretString::from(datto::API_SECRET),
    )
    .base_url(&datto_fake.uri())
    .settings(settings())
    .build()?;
    let kaseya = vectis_kaseya::KaseyaConnector::builder(
        &kaseya_fake.uri(),
        kaseya::TOKEN_ID,
        SecretString::from(kaseya::TOKEN_SECRET),
    )
    .settings(settings())
    .build()?;
    let connectwise = vectis_connectwise::ConnectWiseConnector::builder(
        &cw_fake.uri(),
        cw::COMPANY_ID,
        cw::PUBLIC_KEY,
        SecretString::from(cw::PRIVATE_KEY),
        cw::CLIENT_ID,
    )
    .settings(settings())
    .build()?;

    let rmms: Vec<Arc<dyn Connector>> = vec![Arc::new(atera), Arc::new(kaseya), Arc::new(datto)];
    let psa: Arc<dyn Connector> = Arc::new(connectwise.clone());

    let (store_url, _temp) = match url {
        Some(u) => (u.to_string(), TempStore(None)),
        None => {
            let dir = std::env::temp_dir().join(format!(
                "vectis-demo-{}-{:08x}",
                std::process::id(),
                fastrand_u32()
            ));
            std::fs::create_dir_all(&dir).map_err(DemoError::Output)?;
            let u = format!("sqlite://{}", dir.join("demo.db").display());
            (u, TempStore(Some(dir)))
        }
    };
    let store = Store::open(&store_url).await?;
    writeln!(
        err,
        "Syncing the four tenants into {} (each page committed with its resume point)…",
        store.url()
    )
    .map_err(io_err)?;

    // Every tenant syncs at once, each kind side by side, each under its own limiter.
    let all: Vec<Arc<dyn Connector>> = rmms.iter().cloned().chain([psa.clone()]).collect();
    let runs = all.iter().map(|c| {
        let store = store.clone();
        let c = c.clone();
        async move {
            let t = Instant::now();
            let r = Syncer::new(&store, c.as_ref())
                .options(SyncOptions::new().full(true))
                .run()
                .await;
            (c.vendor(), r, t.elapsed().as_secs_f64())
        }
    });
    let reports = futures::future::join_all(runs).await;

    writeln!(
        out,
        "Vectis demo: four vendors on embedded fakes, synced through the real connectors into a store\n"
    )
    .map_err(io_err)?;
    writeln!(out, "SYNCED (into {})", store.url()).map_err(io_err)?;
    for (vendor, report, seconds) in reports {
        let report = report?;
        for k in &report.kinds {
            writeln!(err, "  {k}").map_err(io_err)?;
        }
        if let Some(k) = report.kinds.iter().find(|k| !k.is_ok()) {
            return Err(DemoError::Store(vectis_sync::Error::config(
                format!("{} {}", vendor.product(), k.kind),
                k.to_string(),
            )));
        }
        let n = |kind: Kind| {
            report
                .kinds
                .iter()
                .find(|k| k.kind == kind)
                .map_or(0, |k| k.records)
        };
        if vendor == Vendor::ConnectWise {
            writeln!(
                out,
                "  {:<12} {:>3} companies  {:>4} configurations  {:>3} tickets   {seconds:.2}s\n",
                vendor.product(),
                n(Kind::Customers),
                n(Kind::Devices),
                n(Kind::Tickets),
            )
            .map_err(io_err)?;
        } else {
            let open = store
                .live(vendor.slug(), Kind::Alerts)
                .await?
                .iter()
                .filter(|r| matches!(r, Record::Alert(a) if a.status != AlertStatus::Resolved))
                .count();
            writeln!(
                out,
                "  {:<12} {:>3} customers  {:>4} devices  {:>3} alerts ({open} open)   {seconds:.2}s",
                vendor.product(),
                n(Kind::Customers),
                n(Kind::Devices),
                n(Kind::Alerts),
            )
            .map_err(io_err)?;
        }
    }

    // Match every RMM's customers to the PSA's companies; saved in the store.
    let matcher = Matcher::default();
    let threshold = matcher.threshold();
    let rmm_names: Vec<&str> = rmms.iter().map(|c| c.vendor().slug()).collect();
    store
        .match_customers(
            &rmm_names,
            psa.vendor().slug(),
            &matcher,
            chrono::Utc::now(),
        )
        .await?;
    let hub = store.hub().await?;
    let product =
        |conn: &str| Vendor::from_slug(conn).map_or(conn.to_string(), |v| v.product().to_string());

    writeln!(
        out,
        "CUSTOMER HUB from the store (ConnectWise company ← RMM customers)"
    )
    .map_err(io_err)?;
    let mut linked = 0usize;
    for company in &hub.companies {
        writeln!(
            out,
            "  {}  [#{}]  {} open ticket{}",
            company.name,
            company.id,
            company.open_tickets,
            if company.open_tickets == 1 { "" } else { "s" }
        )
        .map_err(io_err)?;
        if company.customers.is_empty() {
            writeln!(out, "      (no RMM customer linked)").map_err(io_err)?;
        }
        for c in &company.customers {
            linked += 1;
            writeln!(
                out,
                "      {:<11} {:<40} {:<11} {:>3} device{}  {}",
                product(&c.connection),
                format!("\"{}\"", c.name),
                why(c.reason.as_deref(), c.score),
                c.devices,
                if c.devices == 1 { " " } else { "s" },
                severity_summary(&c.open_alerts)
            )
            .map_err(io_err)?;
        }
    }

    writeln!(
        out,
        "\nWAITING FOR A PERSON ({} RMM customers not linked)",
        hub.unlinked.len()
    )
    .map_err(io_err)?;
    for u in &hub.unlinked {
        let hint = match &u.best_candidate {
            Some(c) if u.score < threshold => format!(
                "closest: \"{c}\" ({:.2}), below the bar for a safe link",
                u.score
            ),
            Some(c) => format!(
                "closest: \"{c}\" ({:.2}), but another name is as close: a person decides",
                u.score
            ),
            None => "no PSA company resembles it".into(),
        };
        writeln!(
            out,
            "  {:<11} {:<40} {hint}",
            product(&u.connection),
            format!("\"{}\"", u.rmm_name)
        )
        .map_err(io_err)?;
    }
    // Rules: the store's open alerts become ConnectWise tickets, one per key.
    let rules = vectis_rules::Rules::parse("examples/rules.toml", include_str!("../rules.toml"))
        .map_err(|e| rules_error(e.into()))?;
    let engine = vectis_rules::Engine::new(
        &store,
        &connectwise,
        psa.vendor().slug(),
        &rules,
        Default::default(),
    );
    let report = engine.run(|_| {}).await.map_err(rules_error)?;
    writeln!(
        out,
        "\nRULES (examples/rules.toml: tickets opened in ConnectWise, one per key)"
    )
    .map_err(io_err)?;
    let mut opened: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in report
        .actions
        .iter()
        .filter(|a| a.action == vectis_rules::ActionKind::Create)
    {
        if let Some(t) = a
            .ticket_id
            .as_deref()
            .and_then(|i| i.parse().ok())
            .and_then(|i| cw_fake.ticket(i))
        {
            let company = t["company"]["name"].as_str().unwrap_or("?").to_string();
            opened.entry(company).or_default().push(format!(
                "#{} {}",
                t["id"],
                t["summary"].as_str().unwrap_or("")
            ));
        }
    }
    for (company, tickets) in &opened {
        writeln!(out, "  {company}: {} opened", tickets.len()).map_err(io_err)?;
        for t in tickets {
            writeln!(out, "      {t}").map_err(io_err)?;
        }
    }
    writeln!(out, "  {}", report.summary()).map_err(io_err)?;

    writeln!(
        out,
        "\n{linked} RMM customers linked to {} ConnectWise companies, {} waiting; done in {:.1}s.",
        hub.companies
            .iter()
            .filter(|c| !c.customers.is_empty())
            .count(),
        hub.unlinked.len(),
        started.elapsed().as_secs_f64()
    )
    .map_err(io_err)?;
    if url.is_some() {
        writeln!(
            err,
            "The store is kept: `cargo run --example hub -- --store {store_url}` reads it again."
        )
        .map_err(io_err)?;
    }
    Ok(())
}

/// A rules failure as a demo failure (the store's, or described).
fn rules_error(e: vectis_rules::Error) -> DemoError {
    match e {
        vectis_rules::Error::Store(s) => DemoError::Store(s),
        other => DemoError::Store(vectis_sync::Error::config("demo rules", other.to_string())),
    }
}

fn fastrand_u32() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}
