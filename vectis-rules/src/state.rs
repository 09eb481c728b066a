//! The rules' own tables in the store, created idempotently on both
//! backends:
//!
//! - `rule_tickets`: one row per (PSA connection, key): the ticket, its
//!   state as we know it (`open`, `closed` by us, `gone` — closed, merged or
//!   deleted by a person), the status we last set, the alerts seen and the
//!   occurrence count, whether we noted an RMM resolution, when we closed it.
//! - `rule_intents`: one row per key being worked on: written and committed
//!   before the PSA is touched, so two processes never both create; it
//!   expires, so a killed process blocks nobody for long (and the next run
//!   looks the key up in the PSA before creating anything).

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::borrow::Cow;
use std::collections::BTreeMap;
use vectis_sync::Store;

/// What we know of a key's ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TicketStatus {
    /// Open, as far as we know.
    Open,
    /// We closed it (the RMM resolved every alert and nobody touched it).
    Closed,
    /// A person closed, merged or deleted it.
    Gone,
}

impl TicketStatus {
    fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Closed => "closed",
            TicketStatus::Gone => "gone",
        }
    }

    fn parse(s: &str) -> TicketStatus {
        match s {
            "open" => TicketStatus::Open,
            "closed" => TicketStatus::Closed,
            _ => TicketStatus::Gone,
        }
    }
}

/// One `rule_tickets` row.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RuleTicket {
    /// `vectis:` + 32 hex digits.
    pub key: String,
    /// The rule that opened it.
    pub rule: String,
    /// The RMM connection of its alerts.
    pub rmm_connection: String,
    /// The PSA's ticket id.
    pub ticket_id: String,
    /// What we know of it.
    pub status: TicketStatus,
    /// The PSA status id we last set or saw when we took it on.
    pub status_id: Option<String>,
    /// The open status to reopen it to.
    pub open_status_id: Option<String>,
    /// Occurrences so far (the first one included).
    pub occurrences: i64,
    /// Alert ids seen under the key.
    pub seen_alerts: Vec<String>,
    /// Whether we noted that the RMM resolved it (and left it open).
    pub resolved_noted: bool,
    /// When we closed it.
    pub closed_at: Option<DateTime<Utc>>,
}

impl RuleTicket {
    /// A row for `key`, opened by `rule` from `rmm_connection`'s alerts, for
    /// the PSA's ticket `ticket_id`: open, with no occurrence, status or
    /// alert recorded until set (`row.occurrences = …`).
    pub fn new(
        key: impl Into<String>,
        rule: impl Into<String>,
        rmm_connection: impl Into<String>,
        ticket_id: impl Into<String>,
    ) -> RuleTicket {
        RuleTicket {
            key: key.into(),
            rule: rule.into(),
            rmm_connection: rmm_connection.into(),
            ticket_id: ticket_id.into(),
            status: TicketStatus::Open,
            status_id: None,
            open_status_id: None,
            occurrences: 0,
            seen_alerts: Vec::new(),
            resolved_noted: false,
            closed_at: None,
        }
    }
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    vectis_sync::timestamp(t)
}

/// The rules' tables over a [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct RuleState<'a> {
    store: &'a Store,
}

impl<'a> RuleState<'a> {
    /// Creates the tables if they are missing.
    pub async fn open(store: &'a Store) -> Result<RuleState<'a>> {
        let me = RuleState { store };
        // Two processes creating the tables at once would collide in
        // PostgreSQL's catalog: one creates them, the other waits.
        store
            .create_tables(
                7263540015,
                &[
                    "CREATE TABLE IF NOT EXISTS rule_tickets (
                psa_connection TEXT NOT NULL,
                key TEXT NOT NULL,
                rule TEXT NOT NULL,
                rmm_connection TEXT NOT NULL,
                ticket_id TEXT NOT NULL,
                status TEXT NOT NULL,
                status_id TEXT,
                open_status_id TEXT,
                occurrences BIGINT NOT NULL,
                seen_alerts TEXT NOT NULL,
                resolved_noted BIGINT NOT NULL,
                closed_at TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (psa_connection, key))",
                    "CREATE TABLE IF NOT EXISTS rule_intents (
                psa_connection TEXT NOT NULL,
                key TEXT NOT NULL,
                holder TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (psa_connection, key))",
                ],
            )
            .await?;
        Ok(me)
    }

    /// The tables as they are, without creating them (for dry runs).
    pub(crate) fn read_only(store: &'a Store) -> RuleState<'a> {
        RuleState { store }
    }

    fn sql<'q>(&self, q: &'q str) -> Cow<'q, str> {
        self.store.sql(q)
    }

    fn err(&self, doing: &str) -> impl FnOnce(sqlx::Error) -> Error + use<> {
        let store = self.store.url().to_string();
        let doing = doing.to_string();
        move |source| Error::Database {
            store,
            doing,
            source,
        }
    }

    /// Every row of `psa_connection`, by key.
    pub async fn tickets(&self, psa_connection: &str) -> Result<BTreeMap<String, RuleTicket>> {
        let rows = sqlx::query(&self.sql(
            "SELECT key, rule, rmm_connection, ticket_id, status, status_id, open_status_id,
                    occurrences, seen_alerts, resolved_noted, closed_at
             FROM rule_tickets WHERE psa_connection = $1",
        ))
        .bind(psa_connection.to_string())
        .fetch_all(self.store.pool())
        .await
        .map_err(self.err("read rule_tickets"))?;
        let mut out = BTreeMap::new();
        for r in rows {
            let s = |i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
            // A damaged time or alert list is an error, not a silent default:
            // a lost `closed_at` would reopen or duplicate a ticket.
            let closed_at = s(10)
                .map(|v| vectis_sync::parse_timestamp("rule_tickets.closed_at", &v))
                .transpose()?;
            let seen_alerts = match s(8) {
                None => Default::default(),
                Some(v) if v.is_empty() => Default::default(),
                Some(v) => serde_json::from_str(&v).map_err(|e| {
                    Error::Store(vectis_sync::Error::config(
                        "store column rule_tickets.seen_alerts",
                        format!("`{v}` is not a JSON list of alert ids ({e}); the store holds a value this build cannot read — fix or delete that row, or upgrade vectis-rules"),
                    ))
                })?,
            };
            let t = RuleTicket {
                key: s(0).unwrap_or_default(),
                rule: s(1).unwrap_or_default(),
                rmm_connection: s(2).unwrap_or_default(),
                ticket_id: s(3).unwrap_or_default(),
                status: TicketStatus::parse(&s(4).unwrap_or_default()),
                status_id: s(5),
                open_status_id: s(6),
                occurrences: r.try_get::<i64, _>(7).unwrap_or(0),
                seen_alerts,
                resolved_noted: r.try_get::<i64, _>(9).unwrap_or(0) != 0,
                closed_at,
            };
            out.insert(t.key.clone(), t);
        }
        Ok(out)
    }

    /// One row.
    pub async fn ticket(&self, psa_connection: &str, key: &str) -> Result<Option<RuleTicket>> {
        Ok(self.tickets(psa_connection).await?.remove(key))
    }

    /// Writes a row (insert or replace), committed when this returns.
    pub async fn save(
        &self,
        psa_connection: &str,
        t: &RuleTicket,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(&self.sql(
            "INSERT INTO rule_tickets (psa_connection, key, rule, rmm_connection, ticket_id, status,
                status_id, open_status_id, occurrences, seen_alerts, resolved_noted, closed_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (psa_connection, key) DO UPDATE SET
                rule = excluded.rule, rmm_connection = excluded.rmm_connection,
                ticket_id = excluded.ticket_id, status = excluded.status,
                status_id = excluded.status_id, open_status_id = excluded.open_status_id,
                occurrences = excluded.occurrences, seen_alerts = excluded.seen_alerts,
                resolved_noted = excluded.resolved_noted, closed_at = excluded.closed_at,
                updated_at = excluded.updated_at",
        ))
        .bind(psa_connection.to_string())
        .bind(t.key.clone())
        .bind(t.rule.clone())
        .bind(t.rmm_connection.clone())
        .bind(t.ticket_id.clone())
        .bind(t.status.as_str())
        .bind(t.status_id.clone())
        .bind(t.open_status_id.clone())
        .bind(t.occurrences)
        .bind(serde_json::to_string(&t.seen_alerts).unwrap_or_else(|_| "[]".into()))
        .bind(i64::from(t.resolved_noted))
        .bind(t.closed_at.map(ts))
        .bind(ts(now))
        .execute(self.store.pool())
        .await
        .map_err(self.err(&format!("record ticket {} for key {}", t.ticket_id, t.key)))?;
        Ok(())
    }

    /// Takes the intent on `key` for `holder` until `until`; `false` when
    /// another holder's intent has not expired. Committed when this returns.
    pub async fn take_intent(
        &self,
        psa_connection: &str,
        key: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        sqlx::query(&self.sql(
            "INSERT INTO rule_intents (psa_connection, key, holder, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (psa_connection, key) DO UPDATE SET
                holder = excluded.holder, expires_at = excluded.expires_at,
                created_at = excluded.created_at
             WHERE rule_intents.expires_at < excluded.created_at
                OR rule_intents.holder = excluded.holder",
        ))
        .bind(psa_connection.to_string())
        .bind(key.to_string())
        .bind(holder.to_string())
        .bind(ts(until))
        .bind(ts(now))
        .execute(self.store.pool())
        .await
        .map_err(self.err(&format!("record the intent for key {key}")))?;
        let got: Option<String> = sqlx::query(
            &self.sql("SELECT holder FROM rule_intents WHERE psa_connection = $1 AND key = $2"),
        )
        .bind(psa_connection.to_string())
        .bind(key.to_string())
        .fetch_optional(self.store.pool())
        .await
        .map_err(self.err(&format!("read the intent for key {key}")))?
        .and_then(|r| r.try_get::<String, _>(0).ok());
        Ok(got.as_deref() == Some(holder))
    }

    /// Drops `holder`'s intent on `key`.
    pub async fn release_intent(
        &self,
        psa_connection: &str,
        key: &str,
        holder: &str,
    ) -> Result<()> {
        sqlx::query(&self.sql(
            "DELETE FROM rule_intents WHERE psa_connection = $1 AND key = $2 AND holder = $3",
        ))
        .bind(psa_connection.to_string())
        .bind(key.to_string())
        .bind(holder.to_string())
        .execute(self.store.pool())
        .await
        .map_err(self.err(&format!("release the intent for key {key}")))?;
        Ok(())
    }
}
