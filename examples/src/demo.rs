//! The `demo` example: all four vendors on their embedded fakes, synced
//! through the real connectors, RMM customers matched to the PSA, and a
//! per-customer hub printed. No credentials, no network beyond loopback.

use futures::TryStreamExt;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;
use vectis_core::matching::{MatchReason, MatchResult, Matcher, Party};
use vectis_core::{
    Alert, AlertStatus, Connector, Customer, Device, EngineSettings, ListOptions, Quota, Result,
    SecretString, Severity, Ticket, Vendor,
};
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};
use vectis_testkit::connectwise::{self as cw, ConnectWiseData, ConnectWiseFake};
use vectis_testkit::datto::{self, DattoData, DattoFake};
use vectis_testkit::kaseya::{self, KaseyaData, KaseyaFake};

/// One MSP customer as the PSA and each RMM spell it (`None`: not in that tool).
struct Row {
    psa: &'static str,
    atera: Option<&'static str>,
    datto: Option<&'static str>,
    kaseya: Option<&'static str>,
}

const fn row(
    psa: &'static str,
    atera: Option<&'static str>,
    datto: Option<&'static str>,
    kaseya: Option<&'static str>,
) -> Row {
    Row {
        psa,
        atera,
        datto,
        kaseya,
    }
}

/// The customer list of a small MSP, spelled the way each tool's admins
/// typed it over the years.
const ROWS: &[Row] = &[
    row(
        "Acme Ltd",
        Some("ACME Limited"),
        Some("Acme Ltd - London"),
        Some("Acme"),
    ),
    row(
        "Smith & Sons, Inc.",
        Some("Smith and Sons"),
        Some("SMITH & SONS INC"),
        None,
    ),
    row(
        "The Müller Group GmbH",
        Some("Mueller Group"),
        None,
        Some("Müller Group"),
    ),
    row(
        "Smith Dental",
        Some("Smith Dental"),
        Some("Smith Dental PC"),
        None,
    ),
    row("Smith Dental Lab", None, Some("Smith Dental Lab"), None),
    row(
        "O'Brien Legal LLP",
        Some("OBrien Legal"),
        Some("O'Brien Legal, L.L.P."),
        Some("O'Brien Legal LLP"),
    ),
    row(
        "North Star Plumbing",
        Some("North Star Plumbing"),
        None,
        Some("Northstar Plumbing"),
    ),
    row(
        "North Star Electrical",
        None,
        Some("North Star Electrical Co."),
        None,
    ),
    row(
        "Riverside Family Clinic",
        Some("Riverside Family Clinic (Main)"),
        Some("Riverside Family Clinic"),
        None,
    ),
    row(
        "Garcia Accounting Services",
        Some("García Accounting Svcs"),
        Some("Garcia Accounting"),
        Some("Garcia Accounting Services"),
    ),
    row(
        "Patel & Associates",
        Some("Patel and Associates"),
        None,
        Some("Patel & Assoc."),
    ),
    row(
        "Brightwater Manufacturing Corp",
        Some("Brightwater Mfg"),
        Some("Brightwater Manufacturing Corporation"),
        None,
    ),
    row(
        "St. Mary's Primary School",
        Some("St Marys Primary School"),
        None,
        Some("Saint Mary's Primary School"),
    ),
    row(
        "Kowalski Brothers Roofing",
        None,
        Some("Kowalski Bros Roofing"),
        Some("Kowalski Brothers Roofing LLC"),
    ),
    row(
        "Evergreen Veterinary Hospital",
        Some("Evergreen Veterinary Hospital"),
        Some("EVERGREEN VETERINARY HOSPITAL"),
        None,
    ),
    row(
        "Lakeside Dental Care",
        Some("Lakeside Dental Care"),
        None,
        Some("Lakeside Dental"),
    ),
    row(
        "Chen International Trading",
        Some("Chen Intl Trading"),
        Some("Chen International Trading Pty Ltd"),
        None,
    ),
    row(
        "Okafor Pediatrics",
        None,
        Some("Okafor Pediatrics"),
        Some("Okafor Paediatrics"),
    ),
    row(
        "Harbor Point Marina",
        Some("Harbor Point Marina"),
        None,
        None,
    ),
    row(
        "Summit Physical Therapy",
        Some("Summit Physical Therapy"),
        Some("Summit PT"),
        Some("Summit Physical Therapy Inc"),
    ),
    row(
        "Walker & Wright Architects",
        Some("Walker and Wright Architects"),
        Some("Walker & Wright"),
        None,
    ),
    row(
        "Blue Ridge Credit Union",
        None,
        Some("Blue Ridge Credit Union"),
        Some("Blue Ridge CU"),
    ),
    row(
        "Thompson Logistics",
        Some("Thompson Logistics"),
        Some("Thompson Logistics Ltd"),
        None,
    ),
    row(
        "Andersen Engineering AS",
        Some("Andersen Engineering"),
        None,
        Some("Andersen Engineering AS"),
    ),
    row(
        "Rossi Family Restaurants",
        Some("Rossi Family Restaurants"),
        Some("Rossi Restaurants"),
        None,
    ),
    row(
        "Clarke Hughes Solicitors",
        None,
        Some("Clarke Hughes Solicitors"),
        Some("Clarke Hughes"),
    ),
];

/// RMM entries with no PSA company: the MSP's own machines, labs, leftovers.
const ATERA_ONLY: &[&str] = &["Internal", "Demo Lab"];
const DATTO_ONLY: &[&str] = &["NOC", "zz Old Customer [OLD]"];
const KASEYA_ONLY: &[&str] = &["Lab", "Harbor View Veterinary"];

fn names(pick: impl Fn(&Row) -> Option<&'static str>, extra: &[&'static str]) -> Vec<String> {
    ROWS.iter()
        .filter_map(pick)
        .chain(extra.iter().copied())
        .map(str::to_string)
        .collect()
}

/// What one vendor's sync brought back.
#[derive(Default)]
struct Synced {
    customers: Vec<Customer>,
    devices: Vec<Device>,
    alerts: Vec<Alert>,
    tickets: Vec<Ticket>,
    seconds: f64,
}

async fn sync(c: &dyn Connector) -> Result<Synced> {
    let started = Instant::now();
    let caps = c.capabilities();
    let opts = ListOptions::default();
    let mut s = Synced {
        customers: c.customers(&opts).try_collect().await?,
        devices: c.devices(&opts).try_collect().await?,
        ..Synced::default()
    };
    if caps.list_alerts {
        s.alerts = c.alerts(&opts).try_collect().await?;
    }
    if caps.list_tickets {
        s.tickets = c.tickets(&opts).try_collect().await?;
    }
    s.seconds = started.elapsed().as_secs_f64();
    Ok(s)
}

/// The fakes have no quota; the real vendors' defaults would only slow the demo.
fn settings() -> EngineSettings {
    EngineSettings {
        quota: Some(Quota::Off),
        concurrency: 4,
        ..EngineSettings::default()
    }
}

fn severity_summary(alerts: &[&Alert]) -> String {
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for a in alerts {
        *counts.entry(a.severity).or_default() += 1;
    }
    if counts.is_empty() {
        return "no open alerts".into();
    }
    counts
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn why(m: &MatchResult) -> String {
    match m.reason {
        Some(MatchReason::Exact) => "exact".into(),
        Some(MatchReason::Override) => "override".into(),
        Some(MatchReason::Fuzzy) => format!("fuzzy {:.2}", m.score),
        None => "unlinked".into(),
    }
}

/// Why the demo stopped.
#[derive(Debug)]
pub enum DemoError {
    /// A connector failed against its embedded fake.
    Connector(vectis_core::Error),
    /// The output could not be written (a closed pipe, a full disk).
    Output(std::io::Error),
}

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoError::Connector(e) => write!(f, "{e}"),
            DemoError::Output(e) => write!(
                f,
                "could not write the output ({e}); check the disk or file stdout goes to"
            ),
        }
    }
}

impl std::error::Error for DemoError {}

impl From<vectis_core::Error> for DemoError {
    fn from(e: vectis_core::Error) -> Self {
        DemoError::Connector(e)
    }
}

const HELP: &str = "\
Runs the Vectis connectors against embedded fakes of Atera, Kaseya VSA X,
Datto RMM and ConnectWise: syncs each, matches the RMM customers to the
PSA's companies and prints a per-customer hub. No credentials, no network.

Usage: demo

Options:
  -h, --help  Print help
";

/// What `cargo run --example demo -- ARGS` does; returns the exit code. The
/// demo takes no arguments: `--help` prints what it does, anything else is a
/// usage error (2). A closed stdout (`demo | head -3`) ends quietly with 0;
/// another output failure exits 1 with an `error: could not write …` line.
pub async fn main_with(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if let Some(arg) = args.first() {
        if arg == "--help" || arg == "-h" {
            return match out.write_all(HELP.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => crate::cli::EXIT_OK,
                Err(e) => crate::cli::output_failed(err, &e),
            };
        }
        let _ = writeln!(
            err,
            "error: the demo takes no arguments (got `{arg}`); run it as `cargo run --example demo`, or see --help"
        );
        return crate::cli::EXIT_USAGE;
    }
    match run(out, err).await {
        Ok(()) => crate::cli::EXIT_OK,
        Err(DemoError::Output(e)) => crate::cli::output_failed(err, &e),
        Err(e @ DemoError::Connector(_)) => {
            let _ = writeln!(err, "error: {e}");
            crate::cli::EXIT_VENDOR
        }
    }
}

/// Runs the demo, writing the hub to `out` and progress to `err`.
pub async fn run(out: &mut dyn Write, err: &mut dyn Write) -> std::result::Result<(), DemoError> {
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

    let rmms: Vec<(Vendor, Arc<dyn Connector>)> = vec![
        (Vendor::Atera, Arc::new(atera)),
        (Vendor::Kaseya, Arc::new(kaseya)),
        (Vendor::DattoRmm, Arc::new(datto)),
    ];
    // Every tenant syncs at once, each under its own limiter.
    let psa_task = tokio::spawn(async move { sync(&connectwise).await });
    let rmm_tasks: Vec<_> = rmms
        .iter()
        .map(|(v, c)| {
            let (v, c) = (*v, c.clone());
            tokio::spawn(async move { (v, sync(c.as_ref()).await) })
        })
        .collect();
    let psa = psa_task.await.map_err(|e| {
        vectis_core::Error::config(
            "demo",
            format!("a sync task failed ({e}); this is a bug, please report it"),
        )
    })??;
    let mut synced: Vec<(Vendor, Synced)> = Vec::new();
    for t in rmm_tasks {
        let (v, s) = t.await.map_err(|e| {
            vectis_core::Error::config(
                "demo",
                format!("a sync task failed ({e}); this is a bug, please report it"),
            )
        })?;
        synced.push((v, s?));
    }

    writeln!(
        out,
        "Vectis demo: four vendors on embedded fakes, synced through the real connectors\n"
    )
    .map_err(io_err)?;
    writeln!(out, "SYNCED").map_err(io_err)?;
    for (v, s) in &synced {
        let open = s
            .alerts
            .iter()
            .filter(|a| a.status != AlertStatus::Resolved)
            .count();
        writeln!(
            out,
            "  {:<12} {:>3} customers  {:>4} devices  {:>3} alerts ({open} open)   {:.2}s",
            v.product(),
            s.customers.len(),
            s.devices.len(),
            s.alerts.len(),
            s.seconds
        )
        .map_err(io_err)?;
    }
    writeln!(
        out,
        "  {:<12} {:>3} companies  {:>4} configurations  {:>3} tickets   {:.2}s\n",
        Vendor::ConnectWise.product(),
        psa.customers.len(),
        psa.devices.len(),
        psa.tickets.len(),
        psa.seconds
    )
    .map_err(io_err)?;

    // Match every RMM's customers to the PSA's companies.
    let psa_parties: Vec<Party> = psa
        .customers
        .iter()
        .map(|c| Party::new(&c.id, &c.name))
        .collect();
    let matcher = Matcher::default();
    let threshold = matcher.threshold();
    let mut links: HashMap<String, Vec<(Vendor, MatchResult)>> = HashMap::new();
    let mut waiting: Vec<(Vendor, MatchResult)> = Vec::new();
    for (v, s) in &synced {
        let parties: Vec<Party> = s
            .customers
            .iter()
            .map(|c| Party::new(&c.id, &c.name))
            .collect();
        for m in matcher.match_customers(&parties, &psa_parties) {
            match &m.psa_id {
                Some(id) => links.entry(id.clone()).or_default().push((*v, m)),
                None => waiting.push((*v, m)),
            }
        }
    }

    writeln!(out, "CUSTOMER HUB (ConnectWise company ← RMM customers)").map_err(io_err)?;
    let mut companies: Vec<&Customer> = psa.customers.iter().collect();
    companies.sort_by_key(|c| c.name.to_lowercase());
    for company in companies {
        let tickets = psa
            .tickets
            .iter()
            .filter(|t| t.customer_id.as_deref() == Some(company.id.as_str()))
            .count();
        writeln!(
            out,
            "  {}  [#{}]  {tickets} ticket{}",
            company.name,
            company.id,
            if tickets == 1 { "" } else { "s" }
        )
        .map_err(io_err)?;
        let Some(linked) = links.get(&company.id) else {
            writeln!(out, "      (no RMM customer linked)").map_err(io_err)?;
            continue;
        };
        for (v, m) in linked {
            let Some((_, s)) = synced.iter().find(|(sv, _)| sv == v) else {
                continue;
            };
            let devices = s
                .devices
                .iter()
                .filter(|d| d.customer_id.as_deref() == Some(m.rmm_id.as_str()))
                .count();
            let open: Vec<&Alert> = s
                .alerts
                .iter()
                .filter(|a| {
                    a.customer_id.as_deref() == Some(m.rmm_id.as_str())
                        && a.status != AlertStatus::Resolved
                })
                .collect();
            writeln!(
                out,
                "      {:<11} {:<40} {:<11} {:>3} device{}  {}",
                v.product(),
                format!("\"{}\"", m.rmm_name),
                why(m),
                devices,
                if devices == 1 { " " } else { "s" },
                severity_summary(&open)
            )
            .map_err(io_err)?;
        }
    }

    writeln!(
        out,
        "\nWAITING FOR A PERSON ({} RMM customers not linked)",
        waiting.len()
    )
    .map_err(io_err)?;
    for (v, m) in &waiting {
        let hint = match &m.best_candidate {
            Some(c) if m.score < threshold => format!(
                "closest: \"{c}\" ({:.2}), below the bar for a safe link",
                m.score
            ),
            Some(c) => format!(
                "closest: \"{c}\" ({:.2}), but another name is as close: a person decides",
                m.score
            ),
            None => "no PSA company resembles it".into(),
        };
        writeln!(
            out,
            "  {:<11} {:<40} {hint}",
            v.product(),
            format!("\"{}\"", m.rmm_name)
        )
        .map_err(io_err)?;
    }
    let linked: usize = links.values().map(Vec::len).sum();
    writeln!(
        out,
        "\n{linked} RMM customers linked to {} ConnectWise companies, {} waiting; done in {:.1}s.",
        links.len(),
        waiting.len(),
        started.elapsed().as_secs_f64()
    )
    .map_err(io_err)?;
    out.flush().map_err(io_err)?;
    Ok(())
}
