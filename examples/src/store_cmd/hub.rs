//! `hub`: the customer hub from a Vectis store, as a table or JSON lines.

use super::*;

/// `hub --store URL`.
#[derive(Debug, Parser)]
#[command(name = "hub", about = "The customer hub from a Vectis store")]
pub struct HubArgs {
    /// sqlite://PATH, sqlite::memory: or postgres://… (default: $VECTIS_STORE).
    #[arg(long)]
    pub store: Option<crate::url_arg::UrlArg>,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    pub format: Option<crate::cli::Format>,
}

/// Renders the hub as a table.
pub fn hub_table(hub: &vectis_sync::Hub) -> String {
    let mut out = String::new();
    for c in &hub.companies {
        out.push_str(&format!("{} ({} #{})", c.name, c.psa_connection, c.id));
        if c.open_tickets > 0 {
            out.push_str(&format!(" — {} open tickets", c.open_tickets));
        }
        out.push('\n');
        for r in &c.customers {
            let alerts: Vec<String> = r
                .open_alerts
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect();
            out.push_str(&format!(
                "  {:<12} {:<32} {:>4} devices  open alerts: {}{}\n",
                r.connection,
                r.name,
                r.devices,
                if alerts.is_empty() {
                    "none".to_string()
                } else {
                    alerts.join(", ")
                },
                r.reason
                    .as_deref()
                    .map(|x| format!("  ({x})"))
                    .unwrap_or_default()
            ));
        }
    }
    if !hub.unlinked.is_empty() {
        out.push_str("\nNot linked to a PSA company:\n");
        for u in &hub.unlinked {
            out.push_str(&format!(
                "  {:<12} {:<32} {}\n",
                u.connection,
                u.rmm_name,
                match (&u.best_candidate, &u.reason) {
                    (_, Some(r)) if r == "override" => "kept separate by a person".to_string(),
                    (Some(b), _) => format!("closest: {b} ({:.2})", u.score),
                    (None, _) => "no candidate".to_string(),
                }
            ));
        }
    }
    out
}

/// Runs `hub`; returns the exit code.
pub async fn run_hub(args: &[String], mut io: Io<'_>) -> i32 {
    let a: HubArgs = match parse("hub", args, &mut io) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let url = match need_store(
        a.store.as_ref().map(crate::url_arg::UrlArg::as_str),
        &mut io,
    ) {
        Ok(u) => u,
        Err(code) => return code,
    };
    let store = match open(&url, &mut io).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let hub = match store.hub().await {
        Ok(h) => h,
        Err(e) => return fail(&mut io, &e),
    };
    let table = a
        .format
        .map_or(io.out_is_terminal, |f| f == crate::cli::Format::Table);
    if table {
        if let Err(code) = emit(&mut io, hub_table(&hub).trim_end()) {
            return code;
        }
        return EXIT_OK;
    }
    for c in &hub.companies {
        let mut v = serde_json::to_value(c).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("type".into(), "company".into());
        }
        if let Err(code) = emit(&mut io, &v.to_string()) {
            return code;
        }
    }
    for u in &hub.unlinked {
        let mut v = serde_json::to_value(u).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("type".into(), "unlinked".into());
        }
        if let Err(code) = emit(&mut io, &v.to_string()) {
            return code;
        }
    }
    EXIT_OK
}
