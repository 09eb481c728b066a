//! The run log: one row per run of one connection and kind.

use crate::error::Result;
use crate::store::Store;
use crate::sync::{Mode, RunStatus};
use sqlx::Row;

/// One run as the store recorded it (`store runs` prints these).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct RunRecord {
    /// The run's id (increasing).
    pub id: i64,
    /// The connection.
    pub connection: String,
    /// The vendor's slug.
    pub vendor: String,
    /// The kind.
    pub kind: String,
    /// Full or incremental.
    pub mode: Mode,
    /// How it ended (or `running`).
    pub status: RunStatus,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it ended.
    pub ended_at: Option<String>,
    /// The watermark an incremental run listed from.
    pub since: Option<String>,
    /// The watermark the next incremental run may use (the vendor's clock at
    /// this run's start, less the margin) — used only once this run is `ok`.
    pub next_watermark: Option<String>,
    /// `vendor` (its `Date` header) or `local` (it sent none).
    pub watermark_source: Option<String>,
    /// Pages committed.
    pub pages: i64,
    /// Requests the connector sent while this run was listing (kinds synced
    /// side by side share one connector, so their counts overlap).
    pub requests: i64,
    /// Records received.
    pub records: i64,
    /// Records stored for the first time.
    pub new: i64,
    /// Records whose content changed.
    pub changed: i64,
    /// Records tombstoned.
    pub gone: i64,
    /// Tombstoned records that came back.
    pub revived: i64,
    /// Processes that worked on it (more than 1 after a resume).
    pub processes: i64,
    /// Why it failed or was held.
    pub error: Option<String>,
}

impl Store {
    /// Runs, oldest first; only `connection`'s when given.
    pub async fn runs(&self, connection: Option<&str>) -> Result<Vec<RunRecord>> {
        let mut sql =
            "SELECT id, connection, vendor, kind, mode, status, started_at, ended_at, since,
            next_watermark, watermark_source, pages, requests, records, records_new,
            records_changed, records_gone, records_revived, processes, error FROM runs"
                .to_string();
        if connection.is_some() {
            sql.push_str(" WHERE connection = $1");
        }
        sql.push_str(" ORDER BY id");
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query(&sql);
        if let Some(c) = connection {
            q = q.bind(c.to_string());
        }
        let rows = q
            .fetch_all(self.pool())
            .await
            .map_err(self.err("read the runs"))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let t = |i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
            let n = |i: usize| r.try_get::<i64, _>(i).unwrap_or(0);
            out.push(RunRecord {
                id: n(0),
                connection: t(1).unwrap_or_default(),
                vendor: t(2).unwrap_or_default(),
                kind: t(3).unwrap_or_default(),
                mode: if t(4).as_deref() == Some("incremental") {
                    Mode::Incremental
                } else {
                    Mode::Full
                },
                status: RunStatus::parse(t(5).as_deref().unwrap_or("failed")),
                started_at: t(6).unwrap_or_default(),
                ended_at: t(7),
                since: t(8),
                next_watermark: t(9),
                watermark_source: t(10),
                pages: n(11),
                requests: n(12),
                records: n(13),
                new: n(14),
                changed: n(15),
                gone: n(16),
                revived: n(17),
                processes: n(18),
                error: t(19),
            });
        }
        Ok(out)
    }
}
