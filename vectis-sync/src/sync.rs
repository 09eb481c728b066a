//! [`Syncer`]: runs a connector's listings into a [`Store`], page by page,
//! each page committed together with the run's resume cursor.
//!
//! A run's life, per connection and kind:
//!
//! ```text
//! lease ─► resume the unfinished run, or start one (full | incremental)
//!       ─► for each page: read stored hashes, then one transaction { upsert
//!            changed rows, note ids seen, cursor, counters (lease renewal
//!            once a quarter of it has passed) }
//!       ─► full and complete: tombstone the unseen (or hold: mass-delete guard)
//!       ─► ok | held | failed ─► release the lease
//! ```
//!
//! Here: the [`Syncer`] and the run's start; `lease.rs` (taking,
//! renewing and releasing the lease), `options.rs` ([`SyncOptions`],
//! [`RunStatus`], [`Mode`]), `report.rs` ([`KindReport`], [`SyncReport`]),
//! `pages.rs` (the page loop), `page.rs` (one page's transaction),
//! `stored.rs` (what the store holds for a page's ids), `worker.rs` (the
//! syncer's thread for hashing and making rows), `finish.rs` (tombstones
//! and the run's end).

mod finish;
mod lease;
mod options;
mod page;
mod pages;
mod report;
mod stored;
mod worker;

use crate::error::{Error, Result};
use crate::hash;
use crate::rows::{self, Val};
use crate::store::Store;
use crate::url::Backend;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::future::BoxFuture;
use sqlx::Row;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;
use vectis_core::{Connector, Cursor, Kind, ListOptions, Record, Time};

/// Rows per statement (well under both backends' bound-parameter limits).
const CHUNK: usize = 400;

/// Placeholder `i` of a statement whose placeholders each appear once, in
/// order: `$i` on PostgreSQL, a bare `?` on SQLite. sqlx looks each
/// numbered SQLite parameter (`?NNN`) up by name, and SQLite's lookup walks
/// the statement's list of names, so a page's multi-row statement with
/// thousands of numbered parameters cost time quadratic in their count;
/// bare `?` parameters have no name to look up.
fn mark(backend: Backend, i: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${i}"),
    }
}

pub use options::{Mode, Progress, RunStatus, SyncOptions};
pub use report::{KindReport, SyncReport};

/// Syncs one connector into a store under a connection name.
pub struct Syncer<'a> {
    store: &'a Store,
    connector: &'a dyn Connector,
    connection: String,
    opts: SyncOptions,
    holder: String,
    /// The thread for the CPU work on pages.
    worker: worker::Worker,
    /// Whether the last committed page wrote most of its records: the next
    /// pages' rows are then made ahead, on the worker.
    /// (By kind: kinds sync side by side.)
    writing: std::sync::Mutex<HashMap<Kind, bool>>,
    /// The connection the last page committed on, kept for the next page
    /// (one at most; returned to the pool when a listing ends).
    held: std::sync::Mutex<Vec<sqlx::pool::PoolConnection<sqlx::Any>>>,
    /// When each kind's lease was last taken or renewed.
    renewed: std::sync::Mutex<HashMap<Kind, DateTime<Utc>>>,
    /// Upsert statements' text by kind and row count.
    upsert_sql: std::sync::Mutex<HashMap<(Kind, usize), std::sync::Arc<str>>>,
}

impl fmt::Debug for Syncer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Syncer")
            .field("store", &self.store)
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

struct Previous {
    id: i64,
    mode: Mode,
    status: RunStatus,
    cursor: Option<String>,
    since: Option<String>,
    pages: i64,
}

struct Counters {
    records: u64,
    new: u64,
    changed: u64,
    revived: u64,
}

impl<'a> Syncer<'a> {
    /// A syncer for `connector` under the connection named after its vendor
    /// (`atera`); see [`Syncer::connection`].
    pub fn new(store: &'a Store, connector: &'a dyn Connector) -> Syncer<'a> {
        Syncer {
            store,
            connector,
            connection: connector.vendor().slug().to_string(),
            opts: SyncOptions::default(),
            holder: format!("pid{}-{:08x}", std::process::id(), fastrand::u32(..)),
            worker: worker::Worker::new(),
            writing: std::sync::Mutex::new(HashMap::new()),
            upsert_sql: std::sync::Mutex::new(HashMap::new()),
            renewed: std::sync::Mutex::new(HashMap::new()),
            held: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Names the connection (one tenant of one vendor; a store holds many).
    pub fn connection(mut self, name: impl Into<String>) -> Syncer<'a> {
        self.connection = name.into();
        self
    }

    /// Sets the options.
    pub fn options(mut self, opts: SyncOptions) -> Syncer<'a> {
        self.opts = opts;
        self
    }

    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(self.opts.time.wall())
    }

    /// Syncs every requested kind side by side. An error is returned only
    /// when nothing could start (a bad connection name, a kind the vendor
    /// cannot list, the store unwritable); each kind's outcome is in the
    /// report, and a held or failed kind does not stop the others.
    pub async fn run(&self) -> Result<SyncReport> {
        let kinds = self.kinds()?;
        self.register().await?;
        let runs = kinds.iter().map(|k| self.run_kind_inner(*k));
        let kinds = futures::future::join_all(runs).await;
        Ok(SyncReport { kinds })
    }

    /// Syncs one kind.
    pub async fn run_kind(&self, kind: Kind) -> Result<KindReport> {
        if !self.connector.capabilities().supports(kind.list_verb()) {
            return Err(self.connector.unsupported(kind.list_verb()).into());
        }
        self.register().await?;
        Ok(self.run_kind_inner(kind).await)
    }

    fn kinds(&self) -> Result<Vec<Kind>> {
        let caps = self.connector.capabilities();
        match &self.opts.kinds {
            None => Ok(Kind::ALL
                .into_iter()
                .filter(|k| caps.supports(k.list_verb()))
                .collect()),
            Some(ks) => {
                let mut out: Vec<Kind> = Vec::new();
                for k in Kind::ALL {
                    if ks.contains(&k) {
                        if !caps.supports(k.list_verb()) {
                            return Err(self.connector.unsupported(k.list_verb()).into());
                        }
                        out.push(k);
                    }
                }
                Ok(out)
            }
        }
    }

    async fn register(&self) -> Result<()> {
        let name = self.connection.trim();
        if name.is_empty() || name.len() > 200 || name.contains(char::is_control) {
            return Err(Error::config(
                "connection name",
                "must be 1–200 printable characters (e.g. atera, datto-eu)",
            ));
        }
        let vendor = self.connector.vendor();
        let s = self.store;
        // A write transaction, even when the connection is known: a store
        // another process holds, or one that cannot be written, fails here
        // once, before any kind starts (not once a kind).
        let mut tx = s.write_tx("record the connection").await?;
        sqlx::query(&s.sql(
            "INSERT INTO connections (name, vendor, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        ))
        .bind(name.to_string())
        .bind(vendor.slug().to_string())
        .bind(rows::ts(self.now()))
        .execute(&mut *tx)
        .await
        .map_err(s.err("record the connection"))?;
        tx.commit().await.map_err(s.err("record the connection"))?;
        match s.connection_vendor(name).await? {
            Some(v) if v != vendor => Err(Error::config(
                "connection name",
                format!(
                    "`{name}` holds {} records in {}; name this {} tenant differently (--connection NAME)",
                    v.product(),
                    s.url(),
                    vendor.product()
                ),
            )),
            _ => Ok(()),
        }
    }

    fn report(&self, kind: Kind, mode: Mode) -> KindReport {
        KindReport {
            connection: self.connection.clone(),
            product: self.connector.vendor().product(),
            kind,
            run_id: None,
            status: RunStatus::Failed,
            mode,
            resumed: false,
            records: 0,
            new: 0,
            changed: 0,
            gone: 0,
            revived: 0,
            held_back: None,
            error: None,
        }
    }

    async fn run_kind_inner(&self, kind: Kind) -> KindReport {
        let mut report = self.report(kind, Mode::Full);
        if let Err(e) = self.acquire(kind).await {
            report.error = Some(e);
            return report;
        }
        let outcome = self.drive(kind, &mut report).await;
        if let Err(e) = outcome {
            report.status = RunStatus::Failed;
            if let Some(id) = report.run_id {
                let _ = self.mark_failed(id, &e).await;
            }
            report.error = Some(e);
        }
        let _ = self.release(kind).await;
        report
    }

    async fn mark_failed(&self, run: i64, e: &Error) -> Result<()> {
        let s = self.store;
        sqlx::query(
            &s.sql("UPDATE runs SET status = 'failed', ended_at = $1, error = $2 WHERE id = $3"),
        )
        .bind(rows::ts(self.now()))
        .bind(e.to_string())
        .bind(run)
        .execute(s.pool())
        .await
        .map_err(s.err("record the failed run"))?;
        Ok(())
    }

    async fn previous(&self, kind: Kind) -> Result<Option<Previous>> {
        let s = self.store;
        let row = sqlx::query(&s.sql(
            "SELECT id, mode, status, cursor, since, pages FROM runs
             WHERE connection = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
        ))
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .fetch_optional(s.pool())
        .await
        .map_err(s.err("read the last run"))?;
        let Some(r) = row else { return Ok(None) };
        let get = |i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
        Ok(Some(Previous {
            id: r.try_get::<i64, _>(0).map_err(s.err("read the last run"))?,
            mode: if get(1).as_deref() == Some("incremental") {
                Mode::Incremental
            } else {
                Mode::Full
            },
            status: RunStatus::parse(get(2).as_deref().unwrap_or("failed")),
            cursor: get(3),
            since: get(4),
            pages: r.try_get::<i64, _>(5).unwrap_or(0),
        }))
    }

    async fn watermark(&self, kind: Kind) -> Result<Option<String>> {
        let s = self.store;
        let row = sqlx::query(&s.sql(
            "SELECT next_watermark FROM runs
             WHERE connection = $1 AND kind = $2 AND status = 'ok' AND next_watermark IS NOT NULL
             ORDER BY id DESC LIMIT 1",
        ))
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .fetch_optional(s.pool())
        .await
        .map_err(s.err("read the watermark"))?;
        Ok(row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten()))
    }

    /// Resumes or starts the run, lists, and finishes it.
    async fn drive(&self, kind: Kind, report: &mut KindReport) -> Result<()> {
        let s = self.store;
        let prev = self.previous(kind).await?;
        let resumable = prev.as_ref().filter(|p| {
            matches!(p.status, RunStatus::Running | RunStatus::Failed)
                && !(self.opts.full && p.mode == Mode::Incremental)
        });
        let (run_id, mode, since, cursor, listed) = if let Some(p) = resumable {
            sqlx::query(&s.sql(
                "UPDATE runs SET status = 'running', ended_at = NULL, error = NULL,
                 processes = processes + 1 WHERE id = $1",
            ))
            .bind(p.id)
            .execute(s.pool())
            .await
            .map_err(s.err("resume the run"))?;
            report.resumed = true;
            let cursor = match &p.cursor {
                Some(c) => Some(serde_json::from_str::<Cursor>(c).map_err(|e| {
                    Error::config(
                        format!("run {} in {}", p.id, s.url()),
                        format!("its resume cursor is unreadable ({e}); sync with --full"),
                    )
                })?),
                None => None,
            };
            let listed = p.pages > 0 && p.cursor.is_none();
            (p.id, p.mode, p.since.clone(), cursor, listed)
        } else {
            let watermark = if self.opts.full || !self.connector.filters_since(kind) {
                None
            } else {
                self.watermark(kind).await?
            };
            let mode = if watermark.is_some() {
                Mode::Incremental
            } else {
                Mode::Full
            };
            let row = sqlx::query(&s.sql(
                "INSERT INTO runs (connection, vendor, kind, mode, status, started_at, since)
                 VALUES ($1, $2, $3, $4, 'running', $5, $6) RETURNING id",
            ))
            .bind(self.connection.clone())
            .bind(self.connector.vendor().slug().to_string())
            .bind(kind.as_str().to_string())
            .bind(mode.as_str().to_string())
            .bind(rows::ts(self.now()))
            .bind(watermark.clone())
            .fetch_one(s.pool())
            .await
            .map_err(s.err("record the run"))?;
            let id: i64 = row.try_get(0).map_err(s.err("record the run"))?;
            (id, mode, watermark, None, false)
        };
        report.run_id = Some(run_id);
        report.mode = mode;
        self.load_counters(run_id, report).await?;
        if !listed {
            let listed = self.list(kind, run_id, mode, since, cursor, report).await;
            // The kept connection goes back to the pool however the listing
            // ended: the run's end needs the pool's connections.
            self.release_connection();
            listed?;
        }
        self.finish(kind, run_id, mode, report).await
    }

    async fn load_counters(&self, run: i64, report: &mut KindReport) -> Result<()> {
        let s = self.store;
        let r = sqlx::query(&s.sql(
            "SELECT records, records_new, records_changed, records_revived FROM runs WHERE id = $1",
        ))
        .bind(run)
        .fetch_one(s.pool())
        .await
        .map_err(s.err("read the run"))?;
        let n = |i: usize| r.try_get::<i64, _>(i).unwrap_or(0).max(0) as u64;
        report.records = n(0);
        report.new = n(1);
        report.changed = n(2);
        report.revived = n(3);
        Ok(())
    }
}
