//! One rules run: the store's alerts grouped by key, each key's ticket
//! created, adopted, noted, closed or reopened — at most one ticket per key.
//!
//! Here: the engine, its options, actions and report, and the run loop; the
//! grouping, the open-key path, ticket lookup and creation, and the
//! resolved-key path are submodules.

use crate::config::{Fill, Rule, Rules, render};
use crate::error::{Error, Result};
use crate::key::Key;
use crate::state::{RuleState, RuleTicket, TicketStatus};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;
use vectis_core::time::Time;
use vectis_core::{Alert, AlertStatus, Kind, Psa, Record, TicketDraft, TicketState};
use vectis_sync::Store;

mod groups;
mod open;
mod resolve;
mod ticket;

/// Longest ticket summary written (ConnectWise's limit).
pub const MAX_SUMMARY_CHARS: usize = 100;

/// What the engine did (or, in a dry run, would do) for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActionKind {
    /// Opened a ticket.
    Create,
    /// Found the key's open ticket in the PSA and took it on.
    Adopt,
    /// Added a note (a new occurrence, or the RMM resolved a touched ticket).
    Note,
    /// Closed the ticket (resolved in the RMM, untouched in the PSA).
    Close,
    /// Reopened the ticket we closed (a new occurrence within the window).
    Reopen,
    /// Did nothing, for the reason given.
    Skip,
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ActionKind::Create => "create",
            ActionKind::Adopt => "adopt",
            ActionKind::Note => "note",
            ActionKind::Close => "close",
            ActionKind::Reopen => "reopen",
            ActionKind::Skip => "skip",
        })
    }
}

/// One action line: `{"action":…,"rule":…,"key":…,"ticket_id":…,"alert_ids":[…],"reason":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Action {
    /// What was done.
    pub action: ActionKind,
    /// The rule that matched.
    pub rule: Option<String>,
    /// The key (`vectis:` + 32 hex digits).
    pub key: String,
    /// The PSA ticket, when there is one.
    pub ticket_id: Option<String>,
    /// The alerts it concerns.
    pub alert_ids: Vec<String>,
    /// Why (for skips, notes and adoptions).
    pub reason: Option<String>,
}

/// Everything one run did, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The actions.
    pub actions: Vec<Action>,
    /// Whether it was a dry run (nothing changed).
    pub dry_run: bool,
}

impl Report {
    /// How many actions of `kind`.
    pub fn count(&self, kind: ActionKind) -> usize {
        self.actions.iter().filter(|a| a.action == kind).count()
    }

    /// `rules: 2 create, 1 adopt, 3 note, 0 close, 0 reopen, 1 skip`.
    pub fn summary(&self) -> String {
        use ActionKind::*;
        let parts: Vec<String> = [Create, Adopt, Note, Close, Reopen, Skip]
            .iter()
            .map(|k| format!("{} {k}", self.count(*k)))
            .collect();
        format!(
            "rules: {}{}",
            parts.join(", "),
            if self.dry_run {
                " (dry run: nothing changed)"
            } else {
                ""
            }
        )
    }
}

/// Options for a run: the defaults, changed with the setters named after
/// the fields (`RunOptions::default().dry_run(true)`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunOptions {
    /// Print the actions, change nothing (no PSA write, no store write).
    pub dry_run: bool,
    /// The clock (`ManualTime` in tests).
    pub time: Time,
    /// How long a key's intent holds off other processes (default 5 min, at
    /// most a week); a process killed mid-key blocks it this long.
    pub intent_lease: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            dry_run: false,
            time: Time::real(),
            intent_lease: Duration::from_secs(300),
        }
    }
}

impl RunOptions {
    /// Print the actions, change nothing (sets
    /// [`dry_run`](field@RunOptions::dry_run)).
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// The clock (sets [`time`](field@RunOptions::time)).
    pub fn time(mut self, time: Time) -> Self {
        self.time = time;
        self
    }

    /// How long a key's intent holds off other processes (sets
    /// [`intent_lease`](field@RunOptions::intent_lease)).
    pub fn intent_lease(mut self, d: Duration) -> Self {
        self.intent_lease = d;
        self
    }
}

/// The rules engine over a store and one PSA connection.
pub struct Engine<'a> {
    store: &'a Store,
    psa: &'a dyn Psa,
    psa_connection: String,
    rules: &'a Rules,
    opts: RunOptions,
    holder: String,
}

impl fmt::Debug for Engine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("psa_connection", &self.psa_connection)
            .field("rules", &self.rules.file)
            .field("dry_run", &self.opts.dry_run)
            .finish_non_exhaustive()
    }
}

/// The alerts under one key.
struct Group<'r> {
    key: Key,
    reference: String,
    rule: &'r Rule,
    alerts: Vec<Alert>,
    customer_id: Option<String>,
    device: Option<String>,
    customer: Option<String>,
}

fn is_open(a: &Alert) -> bool {
    a.status != AlertStatus::Resolved
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "0s".into(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

impl<'a> Engine<'a> {
    /// An engine for `psa` (the store's connection `psa_connection`).
    pub fn new(
        store: &'a Store,
        psa: &'a dyn Psa,
        psa_connection: &str,
        rules: &'a Rules,
        opts: RunOptions,
    ) -> Engine<'a> {
        Engine {
            store,
            psa,
            psa_connection: psa_connection.to_string(),
            rules,
            opts,
            holder: format!("rules-{:016x}", fastrand::u64(..)),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(self.opts.time.wall())
    }

    /// Checks every rule's board and priority against the PSA (reads only);
    /// an error names the file, line and field.
    pub async fn check(&self) -> Result<()> {
        for r in &self.rules.rules {
            if let Some(b) = &r.ticket.board {
                let found = self.psa.board(b).await.map_err(|e| Error::Psa {
                    key: "-".into(),
                    doing: format!("looking up board `{b}`"),
                    hint:
                        "check the PSA credentials and that the API member may read service boards"
                            .into(),
                    source: e,
                })?;
                if found.is_none() {
                    return Err(self.rules.error(
                        r.ticket.board_line,
                        "rule.ticket.board",
                        format!("the PSA has no board named `{b}` (rule `{}`); use a board name as the PSA spells it", r.name),
                    ).into());
                }
            }
            if let Some(p) = &r.ticket.priority {
                let found = self.psa.priority(p).await.map_err(|e| Error::Psa {
                    key: "-".into(),
                    doing: format!("looking up priority `{p}`"),
                    hint: "check the PSA credentials and that the API member may read priorities"
                        .into(),
                    source: e,
                })?;
                if found.is_none() {
                    return Err(self.rules.error(
                        r.ticket.priority_line,
                        "rule.ticket.priority",
                        format!("the PSA has no priority named `{p}` (rule `{}`); use a priority name as the PSA spells it", r.name),
                    ).into());
                }
            }
        }
        Ok(())
    }

    /// Runs the rules once; `on_action` sees each action as it happens.
    /// (`on_action` is `Send` when the run must be: pass a `Send` closure to
    /// run it in `tokio::spawn`.)
    pub async fn run<F: FnMut(&Action)>(&self, mut on_action: F) -> Result<Report> {
        let state = if self.opts.dry_run {
            None
        } else {
            Some(RuleState::open(self.store).await?)
        };
        let mut report = Report {
            actions: Vec::new(),
            dry_run: self.opts.dry_run,
        };
        let mut emit = |a: Action, report: &mut Report| {
            on_action(&a);
            report.actions.push(a);
        };
        let groups = self.groups().await?;
        let rows = match &state {
            Some(s) => s.tickets(&self.psa_connection).await?,
            None => read_rows_if_present(self.store, &self.psa_connection).await,
        };
        let links: HashMap<(String, String), String> = self
            .store
            .links(&self.psa_connection)
            .await?
            .into_iter()
            .filter_map(|l| Some(((l.connection, l.rmm_id), l.psa_id?)))
            .collect();
        let now = self.now();

        for g in groups.values() {
            let open: Vec<&Alert> = g.alerts.iter().filter(|a| is_open(a)).collect();
            if open.is_empty() {
                continue;
            }
            for a in self
                .handle_open(
                    g,
                    &open,
                    rows.get(&g.reference),
                    &links,
                    state.as_ref(),
                    now,
                )
                .await?
            {
                emit(a, &mut report);
            }
        }
        for row in rows.values() {
            if row.status != TicketStatus::Open {
                continue;
            }
            let group = groups.get(&row.key);
            if group.is_some_and(|g| g.alerts.iter().any(is_open)) {
                continue;
            }
            if let Some(a) = self
                .handle_resolved(row, group, state.as_ref(), now)
                .await?
            {
                emit(a, &mut report);
            }
        }
        Ok(report)
    }

    fn action(
        &self,
        kind: ActionKind,
        g: Option<&Group<'_>>,
        key: &str,
        ticket: Option<&str>,
        alerts: &[&Alert],
        reason: Option<String>,
    ) -> Action {
        Action {
            action: kind,
            rule: g.map(|g| g.rule.name.clone()),
            key: key.to_string(),
            ticket_id: ticket.map(str::to_string),
            alert_ids: alerts.iter().map(|a| a.id.clone()).collect(),
            reason,
        }
    }

    /// The ticket `ticket_id` as the PSA has it now (`None`: gone); a failure
    /// names `key` and says that nothing was changed for it.
    async fn live_ticket(&self, key: &str, ticket_id: &str) -> Result<Option<TicketState>> {
        self.psa.ticket_state(ticket_id).await.map_err(self.psa_err(
            key,
            format!("reading ticket {ticket_id}"),
            "run again; nothing was changed for this key",
        ))
    }

    fn psa_err<D: Into<String>, H: Into<String>>(
        &self,
        key: &str,
        doing: D,
        hint: H,
    ) -> impl FnOnce(vectis_core::Error) -> Error + use<D, H> {
        let (key, doing, hint): (String, String, String) =
            (key.to_string(), doing.into(), hint.into());
        move |source| Error::Psa {
            key,
            doing,
            hint,
            source,
        }
    }
}

/// A dry run never creates the tables: it reads them only if they exist.
async fn read_rows_if_present(store: &Store, psa_connection: &str) -> BTreeMap<String, RuleTicket> {
    // Probing with a read keeps a dry run from writing anything.
    let probe = sqlx::query("SELECT 1 FROM rule_tickets WHERE 1 = 0")
        .fetch_optional(store.pool())
        .await;
    if probe.is_err() {
        return BTreeMap::new();
    }
    match RuleState::read_only(store).tickets(psa_connection).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(target: "vectis::rules", error = %e, "could not read rule_tickets for the dry run");
            BTreeMap::new()
        }
    }
}
