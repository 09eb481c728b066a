//! One rules run: the store's alerts grouped by key, each key's ticket
//! created, adopted, noted, closed or reopened — at most one ticket per key.

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

    /// The store's alerts that match a rule, grouped by key.
    async fn groups(&self) -> Result<BTreeMap<String, Group<'a>>> {
        let psa_vendor = self.psa.vendor();
        let mut out: BTreeMap<String, Group<'a>> = BTreeMap::new();
        for (conn, vendor) in self.store.connections().await? {
            if conn == self.psa_connection || vendor == psa_vendor {
                continue;
            }
            let mut devices: HashMap<String, (String, Option<String>)> = HashMap::new();
            for r in self.store.live(&conn, Kind::Devices).await? {
                if let Record::Device(d) = r {
                    devices.insert(d.id, (d.name, d.customer_id));
                }
            }
            let mut customers: HashMap<String, String> = HashMap::new();
            for r in self.store.live(&conn, Kind::Customers).await? {
                if let Record::Customer(c) = r {
                    customers.insert(c.id, c.name);
                }
            }
            let mut alerts: Vec<Alert> = self
                .store
                .live(&conn, Kind::Alerts)
                .await?
                .into_iter()
                .filter_map(|r| match r {
                    Record::Alert(a) => Some(a),
                    _ => None,
                })
                .collect();
            alerts.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
            for a in alerts {
                let Some(rule) = self.rules.first_match(&a) else {
                    continue;
                };
                let customer_id = a.customer_id.clone().or_else(|| {
                    a.device_id
                        .as_ref()
                        .and_then(|d| devices.get(d))
                        .and_then(|(_, c)| c.clone())
                });
                let key = Key::new(
                    &conn,
                    a.device_id.as_deref(),
                    customer_id.as_deref(),
                    &a.title,
                );
                let reference = key.reference();
                let g = out.entry(reference.clone()).or_insert_with(|| Group {
                    key,
                    reference,
                    rule,
                    alerts: Vec::new(),
                    device: a
                        .device_id
                        .as_ref()
                        .and_then(|d| devices.get(d))
                        .map(|(n, _)| n.clone()),
                    customer: customer_id.as_ref().and_then(|c| customers.get(c).cloned()),
                    customer_id,
                });
                g.alerts.push(a);
            }
        }
        Ok(out)
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

    async fn handle_open(
        &self,
        g: &Group<'_>,
        open: &[&Alert],
        row: Option<&RuleTicket>,
        links: &HashMap<(String, String), String>,
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Action>> {
        let key = g.reference.as_str();
        let min_age = chrono::Duration::from_std(g.rule.min_age).unwrap_or(chrono::Duration::MAX);
        let ripe: Vec<&Alert> = open
            .iter()
            .copied()
            .filter(|a| a.created_at.is_none_or(|c| now - c >= min_age))
            .collect();
        if ripe.is_empty() {
            return Ok(vec![self.action(
                ActionKind::Skip,
                Some(g),
                key,
                row.map(|r| r.ticket_id.as_str()),
                open,
                Some(format!(
                    "open for less than min_age ({})",
                    human(g.rule.min_age)
                )),
            )]);
        }
        if let Some(w) = self
            .rules
            .windows
            .iter()
            .find(|w| w.covers(g.customer_id.as_deref(), g.customer.as_deref(), now))
        {
            return Ok(vec![self.action(
                ActionKind::Skip,
                Some(g),
                key,
                row.map(|r| r.ticket_id.as_str()),
                &ripe,
                Some(format!(
                    "maintenance window `{}` until {}: no ticket, note or reopen; the alerts are kept and considered after it",
                    w.name,
                    w.end.to_rfc3339()
                )),
            )]);
        }
        let Some(company) = g
            .customer_id
            .as_ref()
            .and_then(|c| links.get(&(g.key.rmm_connection.clone(), c.clone())))
            .cloned()
        else {
            let who = match (&g.customer, &g.customer_id) {
                (Some(n), Some(id)) => format!("customer `{n}` ({id})"),
                (None, Some(id)) => format!("customer {id}"),
                _ => "the alert's customer (unknown)".into(),
            };
            return Ok(vec![self.action(
                ActionKind::Skip,
                Some(g),
                key,
                None,
                &ripe,
                Some(format!(
                    "{who} of connection `{}` is not linked to a company of `{}`; link it with `match --link` and run again",
                    g.key.rmm_connection, self.psa_connection
                )),
            )]);
        };
        let new: Vec<&Alert> = ripe
            .iter()
            .copied()
            .filter(|a| !row.is_some_and(|r| r.seen_alerts.contains(&a.id)))
            .collect();
        match row {
            Some(r) if r.status == TicketStatus::Open => {
                let live = self
                    .psa
                    .ticket_state(&r.ticket_id)
                    .await
                    .map_err(self.psa_err(
                        key,
                        format!("reading ticket {}", r.ticket_id),
                        "run again; nothing was changed for this key",
                    ))?;
                match live {
                    Some(t) if !t.closed && t.merged_into.is_none() => {
                        if new.is_empty() {
                            return Ok(vec![self.action(
                                ActionKind::Skip,
                                Some(g),
                                key,
                                Some(&r.ticket_id),
                                &ripe,
                                Some("ticket open; no new occurrence".into()),
                            )]);
                        }
                        self.note_occurrences(g, r, &new, state, now).await
                    }
                    other => {
                        let why = match &other {
                            None => "was deleted in the PSA".to_string(),
                            Some(t) => match &t.merged_into {
                                Some(p) => format!("was merged into ticket {p} by a person"),
                                None => "was closed in the PSA by a person".to_string(),
                            },
                        };
                        if let Some(s) = state {
                            let mut gone = r.clone();
                            gone.status = TicketStatus::Gone;
                            s.save(&self.psa_connection, &gone, now).await?;
                        }
                        if new.is_empty() {
                            return Ok(vec![self.action(
                                ActionKind::Skip,
                                Some(g),
                                key,
                                Some(&r.ticket_id),
                                &ripe,
                                Some(format!(
                                    "ticket {why}; the next occurrence opens a new ticket"
                                )),
                            )]);
                        }
                        self.open_ticket(g, &ripe, &company, row, state, now)
                            .await
                            .map(|a| vec![a])
                    }
                }
            }
            Some(r) if r.status == TicketStatus::Closed && !new.is_empty() => {
                let window = chrono::Duration::from_std(g.rule.ticket.reopen_within)
                    .unwrap_or(chrono::Duration::MAX);
                let within = r.closed_at.is_some_and(|c| now - c <= window)
                    && !g.rule.ticket.reopen_within.is_zero();
                if within && let Some(a) = self.reopen(g, r, &new, state, now).await? {
                    return Ok(vec![a]);
                }
                self.open_ticket(g, &ripe, &company, row, state, now)
                    .await
                    .map(|a| vec![a])
            }
            Some(r) if new.is_empty() => Ok(vec![self.action(
                ActionKind::Skip,
                Some(g),
                key,
                Some(&r.ticket_id),
                &ripe,
                Some(match r.status {
                    TicketStatus::Closed => "closed by us; no new occurrence".into(),
                    _ => "ticket closed in the PSA by a person; no new occurrence".into(),
                }),
            )]),
            _ => self
                .open_ticket(g, &ripe, &company, row, state, now)
                .await
                .map(|a| vec![a]),
        }
    }

    /// One note per new occurrence on an open ticket, never twice.
    async fn note_occurrences(
        &self,
        g: &Group<'_>,
        r: &RuleTicket,
        new: &[&Alert],
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Action>> {
        let key = g.reference.as_str();
        let mut out = Vec::new();
        let mut row = r.clone();
        let existing: Vec<String> = match state {
            Some(_) => self
                .psa
                .activity(&r.ticket_id)
                .await
                .map_err(self.psa_err(
                    key,
                    format!("reading the notes of ticket {}", r.ticket_id),
                    "run again; no note was added",
                ))?
                .into_iter()
                .filter_map(|a| a.text)
                .collect(),
            None => Vec::new(),
        };
        for a in new {
            let n = row.occurrences + 1;
            let text = format!(
                "Re-triggered — occurrence {n}: {} ({} alert {})",
                a.title,
                a.vendor.product(),
                a.id
            );
            let mut reason = format!("occurrence {n}");
            if let Some(s) = state {
                if existing.iter().any(|e| e.trim() == text) {
                    reason.push_str(" (already noted by an earlier run)");
                } else {
                    self.psa
                        .add_note(&r.ticket_id, &text)
                        .await
                        .map_err(self.psa_err(key, format!("adding a note to ticket {}", r.ticket_id), "check the ticket in the PSA; the next run adds the note unless it is already there"))?;
                }
                row.occurrences = n;
                row.seen_alerts.push(a.id.clone());
                s.save(&self.psa_connection, &row, now).await?;
            } else {
                row.occurrences = n;
            }
            out.push(self.action(
                ActionKind::Note,
                Some(g),
                key,
                Some(&r.ticket_id),
                &[a],
                Some(reason),
            ));
        }
        Ok(out)
    }

    /// Reopens the ticket we closed, if it is still as we left it.
    async fn reopen(
        &self,
        g: &Group<'_>,
        r: &RuleTicket,
        new: &[&Alert],
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Action>> {
        let key = g.reference.as_str();
        let Some(open_status) = r.open_status_id.clone() else {
            return Ok(None);
        };
        let live = self
            .psa
            .ticket_state(&r.ticket_id)
            .await
            .map_err(self.psa_err(
                key,
                format!("reading ticket {}", r.ticket_id),
                "run again; nothing was changed for this key",
            ))?;
        let ours = live
            .as_ref()
            .is_some_and(|t| t.closed && t.merged_into.is_none() && t.status_id == r.status_id);
        if !ours {
            // A person changed, merged or deleted it since we closed it.
            return Ok(None);
        }
        let reason = format!(
            "new occurrence within reopen_within ({})",
            human(g.rule.ticket.reopen_within)
        );
        if let Some(s) = state {
            let t = self
                .psa
                .reopen_ticket(&r.ticket_id, &open_status)
                .await
                .map_err(self.psa_err(
                    key,
                    format!("reopening ticket {}", r.ticket_id),
                    "check the ticket's board has that open status; the next run tries again",
                ))?;
            let mut row = r.clone();
            row.status = TicketStatus::Open;
            row.status_id = t.status_id.clone();
            row.closed_at = None;
            row.resolved_noted = false;
            row.occurrences += new.len() as i64;
            row.seen_alerts.extend(new.iter().map(|a| a.id.clone()));
            s.save(&self.psa_connection, &row, now).await?;
        }
        Ok(Some(self.action(
            ActionKind::Reopen,
            Some(g),
            key,
            Some(&r.ticket_id),
            new,
            Some(reason),
        )))
    }

    /// The key's open tickets in the PSA, leaving out merged ones (a
    /// person merged them into another ticket: never written to again).
    async fn lookup(&self, key: &str, hint: String) -> Result<Vec<TicketState>> {
        let found = self.psa.find_open_tickets(key).await.map_err(self.psa_err(
            key,
            "looking up the key's open tickets",
            hint,
        ))?;
        Ok(found
            .into_iter()
            .filter(|t| !t.closed && t.merged_into.is_none())
            .collect())
    }

    /// Intent → lookup → adopt or create, never two creates for one key.
    async fn open_ticket(
        &self,
        g: &Group<'_>,
        ripe: &[&Alert],
        company: &str,
        before: Option<&RuleTicket>,
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Action> {
        let key = g.reference.as_str();
        let lookup_hint = format!(
            "nothing was created; run again (it looks for open tickets with externalXRef \"{key}\" first)"
        );
        let Some(s) = state else {
            let found = self.lookup(key, lookup_hint).await?;
            return Ok(match found.first() {
                Some(t) => self.action(
                    ActionKind::Adopt,
                    Some(g),
                    key,
                    Some(&t.ticket.id),
                    ripe,
                    Some("an open ticket carries this key".into()),
                ),
                None => self.action(ActionKind::Create, Some(g), key, None, ripe, None),
            });
        };
        // At most a week (its timestamp must stay comparable as text).
        let lease = self.opts.intent_lease.min(Duration::from_secs(7 * 86_400));
        let until = chrono::Duration::from_std(lease)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(now);
        if !s
            .take_intent(&self.psa_connection, key, &self.holder, now, until)
            .await?
        {
            return Ok(self.action(
                ActionKind::Skip,
                Some(g),
                key,
                None,
                ripe,
                Some("another rules run is working on this key now".into()),
            ));
        }
        let result = self
            .open_ticket_holding(g, ripe, company, before, s, now, lookup_hint)
            .await;
        let released = s
            .release_intent(&self.psa_connection, key, &self.holder)
            .await;
        let action = result?;
        released?;
        Ok(action)
    }

    #[allow(clippy::too_many_arguments)]
    async fn open_ticket_holding(
        &self,
        g: &Group<'_>,
        ripe: &[&Alert],
        company: &str,
        before: Option<&RuleTicket>,
        s: &RuleState<'_>,
        now: DateTime<Utc>,
        lookup_hint: String,
    ) -> Result<Action> {
        let key = g.reference.as_str();
        // Another process may have finished this key while we waited.
        if let Some(cur) = s.ticket(&self.psa_connection, key).await?
            && cur.status == TicketStatus::Open
            && before.is_none_or(|b| b.ticket_id != cur.ticket_id || b.status != TicketStatus::Open)
        {
            return Ok(self.action(
                ActionKind::Skip,
                Some(g),
                key,
                Some(&cur.ticket_id),
                ripe,
                Some("another rules run took this key on".into()),
            ));
        }
        let found = self.lookup(key, lookup_hint).await?;
        let seen: Vec<String> = ripe.iter().map(|a| a.id.clone()).collect();
        let row = |t: &TicketState| {
            let mut row = RuleTicket::new(
                key,
                g.rule.name.clone(),
                g.key.rmm_connection.clone(),
                t.ticket.id.clone(),
            );
            row.status_id = t.status_id.clone();
            row.open_status_id = t.status_id.clone();
            row.occurrences = seen.len() as i64;
            row.seen_alerts = seen.clone();
            row
        };
        if let Some(t) = found.first() {
            s.save(&self.psa_connection, &row(t), now).await?;
            let mut reason = "an open ticket already carries this key".to_string();
            if found.len() > 1 {
                reason.push_str(&format!(
                    " ({} do; the oldest was taken — merge the others in the PSA)",
                    found.len()
                ));
            }
            return Ok(self.action(
                ActionKind::Adopt,
                Some(g),
                key,
                Some(&t.ticket.id),
                ripe,
                Some(reason),
            ));
        }
        let first = ripe.first().copied();
        let title = first.map(|a| a.title.as_str()).unwrap_or_default();
        let severity = first.map(|a| a.severity.to_string()).unwrap_or_default();
        let vendor = first.map(|a| a.vendor.product()).unwrap_or_default();
        let device = g.device.as_deref().unwrap_or("");
        let customer = g.customer.as_deref().unwrap_or("");
        let fill = Fill {
            severity: &severity,
            title,
            device: if device.is_empty() { customer } else { device },
            customer,
            vendor,
        };
        let mut description = format!(
            "Opened by Vectis rule \"{}\" for {} alert(s):\n",
            g.rule.name,
            ripe.len()
        );
        for a in ripe {
            description.push_str(&format!(
                "- {} alert {}: {} ({})\n",
                a.vendor.product(),
                a.id,
                a.title,
                a.severity
            ));
        }
        description.push_str(&format!(
            "\nKey: {key} (in externalXRef; one ticket per key)"
        ));
        let mut draft = TicketDraft::new(
            company,
            render(&g.rule.ticket.summary, &fill, MAX_SUMMARY_CHARS),
        );
        draft.description = Some(description);
        draft.board = g.rule.ticket.board.clone();
        draft.priority = g.rule.ticket.priority.clone();
        draft.external_ref = Some(key.to_string());
        let ticket = self.psa.create_ticket(&draft).await.map_err(self.psa_err(
            key,
            "creating the ticket",
            format!("if the PSA may have created it, the next run finds it by externalXRef \"{key}\" and adopts it; fix the cause and run again"),
        ))?;
        let mut st = TicketState::new(ticket.clone());
        if let Ok(Some(live)) = self.psa.ticket_state(&ticket.id).await {
            st = live;
        }
        s.save(&self.psa_connection, &row(&st), now).await?;
        let reason = before.map(|b| match b.status {
            TicketStatus::Closed => format!(
                "ticket {}, closed by us, was not reopened: outside reopen_within, or changed in the PSA since",
                b.ticket_id
            ),
            _ => format!(
                "ticket {} was closed, merged or deleted by a person",
                b.ticket_id
            ),
        });
        Ok(self.action(
            ActionKind::Create,
            Some(g),
            key,
            Some(&ticket.id),
            ripe,
            reason,
        ))
    }

    /// Every alert under an open ticket's key is resolved (or gone).
    async fn handle_resolved(
        &self,
        row: &RuleTicket,
        group: Option<&Group<'_>>,
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Action>> {
        let key = row.key.as_str();
        let Some(rule) = self.rules.rules.iter().find(|r| r.name == row.rule) else {
            return Ok(None);
        };
        if !rule.ticket.close_when_resolved {
            return Ok(None);
        }
        let alerts: Vec<&Alert> = group.map(|g| g.alerts.iter().collect()).unwrap_or_default();
        let act = |kind, reason: String| Action {
            action: kind,
            rule: Some(row.rule.clone()),
            key: key.to_string(),
            ticket_id: Some(row.ticket_id.clone()),
            alert_ids: alerts.iter().map(|a| a.id.clone()).collect(),
            reason: Some(reason),
        };
        if row.resolved_noted {
            return Ok(Some(act(
                ActionKind::Skip,
                "resolved in the RMM; left open because it was worked on (noted already)".into(),
            )));
        }
        let live = self
            .psa
            .ticket_state(&row.ticket_id)
            .await
            .map_err(self.psa_err(
                key,
                format!("reading ticket {}", row.ticket_id),
                "run again; nothing was changed for this key",
            ))?;
        let Some(t) = live.filter(|t| !t.closed && t.merged_into.is_none()) else {
            if let Some(s) = state {
                let mut gone = row.clone();
                gone.status = TicketStatus::Gone;
                s.save(&self.psa_connection, &gone, now).await?;
            }
            return Ok(Some(act(
                ActionKind::Skip,
                "resolved in the RMM; the ticket was already closed, merged or deleted in the PSA"
                    .into(),
            )));
        };
        let mut touched: Vec<String> = Vec::new();
        if t.status_id != row.status_id {
            touched.push(format!(
                "its status is now `{}`",
                t.ticket.status.clone().unwrap_or_default()
            ));
        }
        let activity = self
            .psa
            .activity(&row.ticket_id)
            .await
            .map_err(self.psa_err(
                key,
                format!(
                    "reading the notes and time entries of ticket {}",
                    row.ticket_id
                ),
                "run again; nothing was changed for this key",
            ))?;
        let entered_by = t.entered_by.as_deref();
        for a in &activity {
            if a.author.is_none() || a.author.as_deref() != entered_by {
                touched.push(format!(
                    "a {} by {}",
                    match a.kind {
                        vectis_core::ActivityKind::Note => "note",
                        vectis_core::ActivityKind::TimeEntry => "time entry",
                        _ => "change",
                    },
                    a.author.as_deref().unwrap_or("a contact")
                ));
            }
        }
        if touched.is_empty() {
            if let Some(s) = state {
                let closed = self
                    .psa
                    .close_ticket(&row.ticket_id)
                    .await
                    .map_err(self.psa_err(
                        key,
                        format!("closing ticket {}", row.ticket_id),
                        "the ticket stays open; fix the cause and run again",
                    ))?;
                let mut r = row.clone();
                r.status = TicketStatus::Closed;
                r.status_id = closed.status_id.clone();
                r.closed_at = Some(now);
                s.save(&self.psa_connection, &r, now).await?;
            }
            return Ok(Some(act(
                ActionKind::Close,
                "every alert under the key is resolved in the RMM and nobody touched the ticket"
                    .into(),
            )));
        }
        touched.dedup();
        let text = "The RMM reports every alert under this ticket resolved. Left open because it was worked on in the PSA; close it when done.";
        if let Some(s) = state {
            if !activity
                .iter()
                .any(|a| a.text.as_deref().map(str::trim) == Some(text))
            {
                self.psa
                    .add_note(&row.ticket_id, text)
                    .await
                    .map_err(self.psa_err(
                        key,
                        format!("adding a note to ticket {}", row.ticket_id),
                        "run again; the note is added unless it is already there",
                    ))?;
            }
            let mut r = row.clone();
            r.resolved_noted = true;
            s.save(&self.psa_connection, &r, now).await?;
        }
        Ok(Some(act(
            ActionKind::Note,
            format!(
                "resolved in the RMM; left open because it was touched: {}",
                touched.join(", ")
            ),
        )))
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
