//! `match`: RMM customers matched to PSA companies, from live connectors or
//! JSON-lines files.

use super::*;

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

pub(super) fn read_parties(path: &std::path::Path) -> Result<Vec<vectis_match::Party>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| {
            Error::config(
                path.display().to_string(),
                format!("cannot read it ({e}); check the path and its permissions (a file `sync --format jsonl` wrote)"),
            )
        })?;
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
                    "line {}: a customer record needs string `id` and `name`; give the customers `sync --format jsonl` prints, unedited",
                    n + 1
                ),
            ));
        };
        out.push(vectis_match::Party::new(id, name));
    }
    Ok(out)
}

pub(super) fn read_overrides(path: &std::path::Path) -> Result<vectis_match::Overrides, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::config(
            path.display().to_string(),
            format!(
                "cannot read it ({e}); check the path given to --overrides and its permissions"
            ),
        )
    })?;
    let mut o = vectis_match::Overrides::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            Error::config(
                path.display().to_string(),
                format!(
                    "line {} is not JSON ({e}); write one override a line, like {{\"rmm_id\": \"42\", \"psa_id\": \"7\"}}",
                    n + 1
                ),
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
pub(super) fn override_id(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) async fn live_parties(
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
