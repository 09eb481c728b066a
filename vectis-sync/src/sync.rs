//! [`Syncer`]: runs a connector's listings into a [`Store`], page by page,
//! each page committed together with the run's resume cursor.
//!
//! A run's life, per connection and kind:
//!
//! ```text
//! lease ─► resume the unfinished run, or start one (full | incremental)
//!       ─► for each page: one transaction { upsert changed rows, note ids seen,
//!                                           cursor, counters, lease renewal }
//!       ─► full and complete: tombstone the unseen (or hold: mass-delete guard)
//!       ─► ok | held | failed ─► release the lease
//! ```

mod page;

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

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunStatus {
    /// Still going, or its process was killed (the next sync resumes it).
    Running,
    /// Completed.
    Ok,
    /// Failed; the next sync of this connection and kind resumes it.
    Failed,
    /// Completed, but the mass-delete guard held its tombstones back.
    Held,
}

impl RunStatus {
    /// `running`, `ok`, `failed`, `held`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Held => "held",
        }
    }

    pub(crate) fn parse(s: &str) -> RunStatus {
        match s {
            "ok" => RunStatus::Ok,
            "held" => RunStatus::Held,
            "running" => RunStatus::Running,
            _ => RunStatus::Failed,
        }
    }
}

/// Whether a run lists everything (and so may tombstone) or only changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// Every record; the only mode that detects deletes.
    Full,
    /// Records changed since the last successful run's watermark.
    Incremental,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
        }
    }
}

/// Called after each committed page: the kind, records so far in this run,
/// and the vendor's total when it says.
pub type Progress = std::sync::Arc<dyn Fn(Kind, u64, Option<u64>) + Send + Sync>;

/// How a [`Syncer`] runs.
#[derive(Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Which kinds (default: every kind the connector lists).
    pub kinds: Option<Vec<Kind>>,
    /// Force a full listing even where an incremental one is possible.
    pub full: bool,
    /// Let a run tombstone more than the guard allows.
    pub allow_mass_delete: bool,
    /// The guard: a run may tombstone at most this fraction of a kind's live
    /// records (default 0.5) …
    pub mass_delete_fraction: f64,
    /// … unless it tombstones at most this many (default 5).
    pub mass_delete_min: u64,
    /// How long a run's lease lasts without a committed page (default 120 s);
    /// a killed process's lease expires after it.
    pub lease: Duration,
    /// Subtracted from the vendor's clock at a run's start to make the next
    /// run's watermark (default 5 minutes: records in flight, clock skew).
    pub watermark_margin: Duration,
    /// Items per page to ask for.
    pub page_size: Option<u32>,
    /// The clock (injected in tests).
    pub time: Time,
    /// When this turns `true`, the current page commits or rolls back whole,
    /// the run ends `failed` and its lease is released.
    pub cancel: Option<tokio::sync::watch::Receiver<bool>>,
    /// Told after every committed page (a progress bar, a log line).
    pub progress: Option<Progress>,
}

impl fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncOptions")
            .field("kinds", &self.kinds)
            .field("full", &self.full)
            .field("allow_mass_delete", &self.allow_mass_delete)
            .field("mass_delete_fraction", &self.mass_delete_fraction)
            .field("mass_delete_min", &self.mass_delete_min)
            .field("lease", &self.lease)
            .field("watermark_margin", &self.watermark_margin)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            kinds: None,
            full: false,
            allow_mass_delete: false,
            mass_delete_fraction: 0.5,
            mass_delete_min: 5,
            lease: Duration::from_secs(120),
            watermark_margin: Duration::from_secs(300),
            page_size: None,
            time: Time::real(),
            cancel: None,
            progress: None,
        }
    }
}

impl SyncOptions {
    /// The defaults.
    pub fn new() -> SyncOptions {
        SyncOptions::default()
    }

    /// Only these kinds.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = Kind>) -> Self {
        self.kinds = Some(kinds.into_iter().collect());
        self
    }

    /// Force a full listing.
    pub fn full(mut self, yes: bool) -> Self {
        self.full = yes;
        self
    }

    /// Let a run tombstone past the guard.
    pub fn allow_mass_delete(mut self, yes: bool) -> Self {
        self.allow_mass_delete = yes;
        self
    }

    /// The guard's fraction (0 … 1).
    pub fn mass_delete_fraction(mut self, f: f64) -> Self {
        self.mass_delete_fraction = f;
        self
    }

    /// The guard's floor: a run may always tombstone this many.
    pub fn mass_delete_min(mut self, n: u64) -> Self {
        self.mass_delete_min = n;
        self
    }

    /// The lease's length.
    pub fn lease(mut self, d: Duration) -> Self {
        self.lease = d;
        self
    }

    /// The watermark margin.
    pub fn watermark_margin(mut self, d: Duration) -> Self {
        self.watermark_margin = d;
        self
    }

    /// Items per page to ask for.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// The clock.
    pub fn time(mut self, t: Time) -> Self {
        self.time = t;
        self
    }

    /// Calls `f` after every committed page.
    pub fn on_progress(mut self, f: Progress) -> Self {
        self.progress = Some(f);
        self
    }

    /// Stop cleanly when `rx` turns `true`.
    pub fn cancel_on(mut self, rx: tokio::sync::watch::Receiver<bool>) -> Self {
        self.cancel = Some(rx);
        self
    }
}

/// What one kind's run did.
#[derive(Debug)]
#[non_exhaustive]
pub struct KindReport {
    /// The connection.
    pub connection: String,
    /// The product name (`Atera`), for messages.
    pub product: &'static str,
    /// The kind.
    pub kind: Kind,
    /// The run's id in the store (`None` when it could not be recorded).
    pub run_id: Option<i64>,
    /// How it ended.
    pub status: RunStatus,
    /// Full or incremental.
    pub mode: Mode,
    /// Whether it continued a run an earlier process left unfinished.
    pub resumed: bool,
    /// Records received (over every process of this run).
    pub records: u64,
    /// Records stored for the first time.
    pub new: u64,
    /// Records whose content changed.
    pub changed: u64,
    /// Records tombstoned.
    pub gone: u64,
    /// Tombstoned records that came back.
    pub revived: u64,
    /// For a held run: how many it would have tombstoned, of how many live.
    pub held_back: Option<(u64, u64)>,
    /// Why it failed or was held.
    pub error: Option<Error>,
}

impl KindReport {
    /// Whether it ended `ok`.
    pub fn is_ok(&self) -> bool {
        self.status == RunStatus::Ok
    }
}

impl fmt::Display for KindReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.records == 1 {
            self.kind.as_str().trim_end_matches('s')
        } else {
            self.kind.as_str()
        };
        write!(
            f,
            "{}: {} {} ({} new, {} changed, {} gone",
            self.product, self.records, noun, self.new, self.changed, self.gone
        )?;
        if self.revived > 0 {
            write!(f, ", {} back", self.revived)?;
        }
        if self.mode == Mode::Incremental {
            f.write_str("; incremental: changes only")?;
        }
        if self.resumed {
            f.write_str("; resumed")?;
        }
        f.write_str(")")?;
        match (self.status, &self.held_back, &self.error) {
            (RunStatus::Held, Some((gone, live)), _) => write!(
                f,
                " — held: this run would mark {gone} of {live} live {} gone, more than the mass-delete guard allows, so nothing was marked; if they really are gone, run again with --allow-mass-delete",
                self.kind
            ),
            (RunStatus::Failed, _, Some(e)) => {
                write!(f, " — failed: {e}; run again to resume")
            }
            _ => Ok(()),
        }
    }
}

/// What a [`Syncer::run`] did, kind by kind.
#[derive(Debug)]
#[non_exhaustive]
pub struct SyncReport {
    /// One report per kind, in [`Kind::ALL`] order.
    pub kinds: Vec<KindReport>,
}

impl SyncReport {
    /// Whether every kind ended `ok`.
    pub fn is_ok(&self) -> bool {
        self.kinds.iter().all(KindReport::is_ok)
    }
}

/// Syncs one connector into a store under a connection name.
pub struct Syncer<'a> {
    store: &'a Store,
    connector: &'a dyn Connector,
    connection: String,
    opts: SyncOptions,
    holder: String,
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
        sqlx::query(&s.sql(
            "INSERT INTO connections (name, vendor, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        ))
        .bind(name.to_string())
        .bind(vendor.slug().to_string())
        .bind(rows::ts(self.now()))
        .execute(s.pool())
        .await
        .map_err(s.err("record the connection"))?;
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

    async fn acquire(&self, kind: Kind) -> Result<()> {
        let s = self.store;
        let now = self.now();
        let until = now + chrono::Duration::from_std(self.opts.lease).unwrap_or_default();
        let done = sqlx::query(&s.sql(
            "INSERT INTO leases (connection, kind, holder, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (connection, kind) DO UPDATE
               SET holder = excluded.holder, expires_at = excluded.expires_at
               WHERE leases.expires_at < $5 OR leases.holder = excluded.holder",
        ))
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .bind(self.holder.clone())
        .bind(rows::ts(until))
        .bind(rows::ts(now))
        .execute(s.pool())
        .await
        .map_err(s.err(format!("take the lease on {} {kind}", self.connection)))?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let row = sqlx::query(
            &s.sql("SELECT holder, expires_at FROM leases WHERE connection = $1 AND kind = $2"),
        )
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .fetch_optional(s.pool())
        .await
        .map_err(s.err("read the lease"))?;
        let (holder, until) = row
            .map(|r| {
                (
                    r.try_get::<String, _>(0).unwrap_or_default(),
                    r.try_get::<String, _>(1).unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        Err(Error::Busy {
            connection: self.connection.clone(),
            kind,
            holder,
            until,
        })
    }

    async fn release(&self, kind: Kind) -> Result<()> {
        let s = self.store;
        sqlx::query(
            &s.sql("DELETE FROM leases WHERE connection = $1 AND kind = $2 AND holder = $3"),
        )
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .bind(self.holder.clone())
        .execute(s.pool())
        .await
        .map_err(s.err("release the lease"))?;
        Ok(())
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
            self.list(kind, run_id, mode, since, cursor, report).await?;
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

    async fn list(
        &self,
        kind: Kind,
        run: i64,
        mode: Mode,
        since: Option<String>,
        cursor: Option<Cursor>,
        report: &mut KindReport,
    ) -> Result<()> {
        let since = since
            .map(|s| {
                DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| {
                        rows::damaged(
                            "run watermark",
                            format!("`{s}`: {e}; sync with --full to list everything"),
                        )
                    })
            })
            .transpose()?;
        let mut opts = ListOptions::default();
        opts.since = since;
        opts.page_size = self.opts.page_size;
        opts.resume = cursor;
        let time = &self.opts.time;
        let started = time.now();
        let start_wall = self.now();
        let mut requests_seen = self.connector.observed().requests;
        let mut watermark: Option<(String, &'static str)> = None;
        let mut pages = self.connector.record_pages(kind, &opts);
        let mut cancel = self.opts.cancel.clone();
        // Page k is committed while page k+1 is fetched and mapped: the
        // database's work (SQLite's worker thread, or the PostgreSQL server)
        // overlaps the listing's. Commits stay in page order, one at a time.
        let mut pending: Option<(BoxFuture<'_, Result<Counters>>, Option<u64>)> = None;
        loop {
            let step = async {
                match pending.take() {
                    Some((commit, total)) => {
                        // The page's counts (and the progress callback) as
                        // soon as it is committed, not when the next page
                        // has arrived: a slow answer must not hold back the
                        // news that the page before it is safe.
                        let committed = async {
                            let counts = commit.await?;
                            self.add_counts(kind, counts, total, report);
                            Ok::<(), Error>(())
                        };
                        let (done, next) = futures::join!(committed, pages.next());
                        (Some(done), next)
                    }
                    None => (None, pages.next().await),
                }
            };
            let (done, next) = self.unless_cancelled(kind, &mut cancel, step).await?;
            if let Some(done) = done {
                done?;
            }
            let page = match next {
                None => break,
                Some(Err(vectis_core::Error::Inconsistent { detail, .. }))
                    if watermark.is_none() && opts.resume.is_some() =>
                {
                    // The saved cursor no longer fits this connector (its base
                    // URL changed since the run began): list from the start
                    // within the same run; ids already seen stay seen.
                    tracing::warn!(
                        connection = %self.connection,
                        kind = %kind,
                        "the saved resume cursor was refused ({detail}); listing from the first page"
                    );
                    opts.resume = None;
                    pages = self.connector.record_pages(kind, &opts);
                    continue;
                }
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(p)) => p,
            };
            if watermark.is_none() {
                let margin =
                    chrono::Duration::from_std(self.opts.watermark_margin).unwrap_or_default();
                let elapsed = chrono::Duration::from_std(time.now().saturating_sub(started))
                    .unwrap_or_default();
                watermark = Some(match self.connector.observed().server_now {
                    Some(server) => (rows::ts(server - elapsed - margin), "vendor"),
                    None => (rows::ts(start_wall - margin), "local"),
                });
            }
            let total = page.total;
            let requests = self.connector.observed().requests;
            let delta = requests.saturating_sub(requests_seen);
            requests_seen = requests;
            pending = Some((
                Box::pin(self.commit_page(kind, run, mode, page, delta, watermark.clone())),
                total,
            ));
        }
        if let Some((commit, total)) = pending.take() {
            let counts = self.unless_cancelled(kind, &mut cancel, commit).await?;
            self.add_counts(kind, counts?, total, report);
        }
        Ok(())
    }

    /// Awaits `work` unless the sync is cancelled first: then the
    /// interrupted error, and `work` (a commit under way included) is dropped
    /// whole, so its transaction rolls back.
    async fn unless_cancelled<F: std::future::Future>(
        &self,
        kind: Kind,
        cancel: &mut Option<tokio::sync::watch::Receiver<bool>>,
        work: F,
    ) -> Result<F::Output> {
        match cancel.as_mut() {
            Some(rx) => tokio::select! {
                biased;
                _ = cancelled(rx) => Err(Error::config(
                    format!("{} {kind}", self.connection),
                    "interrupted; the committed pages are kept and the next sync resumes after them",
                )),
                r = work => Ok(r),
            },
            None => Ok(work.await),
        }
    }

    /// Adds a committed page's counts to the report and tells the progress
    /// callback.
    fn add_counts(
        &self,
        kind: Kind,
        counts: Counters,
        total: Option<u64>,
        report: &mut KindReport,
    ) {
        report.records += counts.records;
        report.new += counts.new;
        report.changed += counts.changed;
        report.revived += counts.revived;
        if let Some(p) = &self.opts.progress {
            p(kind, report.records, total);
        }
    }

    async fn finish(
        &self,
        kind: Kind,
        run: i64,
        mode: Mode,
        report: &mut KindReport,
    ) -> Result<()> {
        let s = self.store;
        let table = rows::table(kind);
        let now = rows::ts(self.now());
        let mut tx = s.write_tx("finish the run").await?;
        let mut status = RunStatus::Ok;
        let mut message: Option<String> = None;
        if mode == Mode::Full {
            let live: i64 = sqlx::query(&s.sql(&format!(
                "SELECT COUNT(*) FROM {table} WHERE connection = $1 AND deleted_at IS NULL"
            )))
            .bind(self.connection.clone())
            .fetch_one(&mut *tx)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(s.err("count live records"))?;
            // Not seen: in no page of `run_pages` (one JSON array of ids a
            // page), nor in version 1's `run_seen` (a run begun before the
            // upgrade). SQLite builds the ids' set once for `NOT IN`;
            // PostgreSQL hashes them for an anti-join.
            let in_pages = match s.backend() {
                Backend::Sqlite => format!(
                    "{table}.id NOT IN (SELECT j.value FROM run_pages p, json_each(p.ids) j WHERE p.run_id = $2)"
                ),
                Backend::Postgres => format!(
                    "NOT EXISTS (SELECT 1 FROM run_pages p CROSS JOIN LATERAL jsonb_array_elements_text(p.ids::jsonb) AS j(id) WHERE p.run_id = $2 AND j.id = {table}.id)"
                ),
            };
            let unseen = format!(
                "connection = $1 AND deleted_at IS NULL AND {in_pages} AND NOT EXISTS
                 (SELECT 1 FROM run_seen s WHERE s.run_id = $2 AND s.id = {table}.id)"
            );
            let gone: i64 =
                sqlx::query(&s.sql(&format!("SELECT COUNT(*) FROM {table} WHERE {unseen}")))
                    .bind(self.connection.clone())
                    .bind(run)
                    .fetch_one(&mut *tx)
                    .await
                    .and_then(|r| r.try_get(0))
                    .map_err(s.err("count records not seen"))?;
            let (gone, live) = (gone.max(0) as u64, live.max(0) as u64);
            let over = gone > self.opts.mass_delete_min
                && (gone as f64) > self.opts.mass_delete_fraction * (live as f64);
            if over && !self.opts.allow_mass_delete {
                status = RunStatus::Held;
                report.held_back = Some((gone, live));
                message = Some(format!(
                    "held: would mark {gone} of {live} live {kind} gone; confirm with --allow-mass-delete"
                ));
            } else if gone > 0 {
                sqlx::query(&s.sql(&format!(
                    "UPDATE {table} SET deleted_at = $3 WHERE {unseen}"
                )))
                .bind(self.connection.clone())
                .bind(run)
                .bind(now.clone())
                .execute(&mut *tx)
                .await
                .map_err(s.err("mark records gone"))?;
                report.gone = gone;
            }
            for seen in ["run_pages", "run_seen"] {
                sqlx::query(&s.sql(&format!("DELETE FROM {seen} WHERE run_id = $1")))
                    .bind(run)
                    .execute(&mut *tx)
                    .await
                    .map_err(s.err("clear the run's seen ids"))?;
            }
        }
        sqlx::query(&s.sql(
            "UPDATE runs SET status = $1, ended_at = $2, records_gone = $3, error = $4, cursor = NULL
             WHERE id = $5",
        ))
        .bind(status.as_str().to_string())
        .bind(now)
        .bind(report.gone as i64)
        .bind(message)
        .bind(run)
        .execute(&mut *tx)
        .await
        .map_err(s.err("record the run's end"))?;
        tx.commit().await.map_err(s.err("finish the run"))?;
        report.status = status;
        Ok(())
    }
}

/// Resolves when `rx` turns `true`; never when its sender is gone.
async fn cancelled(rx: &mut tokio::sync::watch::Receiver<bool>) {
    if rx.wait_for(|c| *c).await.is_err() {
        futures::future::pending::<()>().await;
    }
}
