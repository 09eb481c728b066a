//! Reading stored records: [`StoredRecord`], [`RecordFilter`], and
//! [`Store::records`] / [`Store::record_stream`] / [`Store::live`].

use super::Store;
use crate::error::{Error, Result};
use crate::rows;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;
use vectis_core::{Kind, Record};

/// One stored record with its bookkeeping, as `store export` prints it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredRecord {
    /// The connection it was synced under.
    pub connection: String,
    /// The record as the connector produced it.
    pub record: Record,
    /// When the store first wrote it.
    pub first_synced_at: DateTime<Utc>,
    /// When the store last wrote it (its content changed, or it came back).
    pub last_synced_at: DateTime<Utc>,
    /// When a complete full listing stopped seeing it; `None` while live.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl StoredRecord {
    /// The `sync` record shape plus `connection`, `first_synced_at`,
    /// `last_synced_at` and `deleted_at`.
    pub fn to_json(&self, with_raw: bool) -> serde_json::Value {
        let mut rec = self.record.clone();
        if !with_raw {
            match &mut rec {
                Record::Customer(r) => r.raw = serde_json::Value::Null,
                Record::Device(r) => r.raw = serde_json::Value::Null,
                Record::Alert(r) => r.raw = serde_json::Value::Null,
                Record::Ticket(r) => r.raw = serde_json::Value::Null,
            }
        }
        let mut v = serde_json::to_value(&rec).unwrap_or(serde_json::Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.insert("connection".into(), self.connection.clone().into());
            o.insert(
                "first_synced_at".into(),
                rows::ts(self.first_synced_at).into(),
            );
            o.insert(
                "last_synced_at".into(),
                rows::ts(self.last_synced_at).into(),
            );
            o.insert(
                "deleted_at".into(),
                self.deleted_at
                    .map(|t| serde_json::Value::from(rows::ts(t)))
                    .unwrap_or(serde_json::Value::Null),
            );
        }
        v
    }
}

/// How many rows [`Store::record_stream`] reads in one query.
pub const EXPORT_CHUNK: usize = 1000;

/// Which records [`Store::records`] returns.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RecordFilter {
    /// Only this connection (default: all).
    pub connection: Option<String>,
    /// Only these kinds (default: all).
    pub kinds: Option<Vec<Kind>>,
    /// Tombstoned records too (default: live only).
    pub include_deleted: bool,
    /// Each record's `raw` left out, `null` (default: read).
    pub skip_raw: bool,
}

impl RecordFilter {
    /// Live records of every connection and kind.
    pub fn new() -> RecordFilter {
        RecordFilter::default()
    }

    /// Only `connection`.
    pub fn connection(mut self, name: impl Into<String>) -> RecordFilter {
        self.connection = Some(name.into());
        self
    }

    /// Only these kinds.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = Kind>) -> RecordFilter {
        self.kinds = Some(kinds.into_iter().collect());
        self
    }

    /// Tombstoned records too.
    pub fn include_deleted(mut self, yes: bool) -> RecordFilter {
        self.include_deleted = yes;
        self
    }

    /// Leave each record's vendor JSON out (`raw` is `null`): it is neither
    /// read nor parsed, the larger part of a row (`store export` without
    /// `--raw`).
    pub fn skip_raw(mut self, yes: bool) -> RecordFilter {
        self.skip_raw = yes;
        self
    }
}

impl Store {
    /// Stored records, by connection, kind and id, all in memory; see
    /// [`Store::record_stream`] for a store of any size.
    pub async fn records(&self, filter: &RecordFilter) -> Result<Vec<StoredRecord>> {
        self.record_stream(filter).try_collect().await
    }

    /// Stored records as they are read, kind after kind, each by connection
    /// and id: memory stays flat however large the store (`store export`
    /// writes each as it arrives). They are read [`EXPORT_CHUNK`] rows at a
    /// time, each chunk a short query after the last key, so no read holds
    /// the database for the whole stream. A row that cannot be read ends the
    /// stream with its error.
    pub fn record_stream<'a>(
        &'a self,
        filter: &RecordFilter,
    ) -> futures::stream::BoxStream<'a, Result<StoredRecord>> {
        use futures::StreamExt;
        let kinds = filter.kinds.clone().unwrap_or_else(|| Kind::ALL.to_vec());
        let filter = filter.clone();
        futures::stream::iter(kinds)
            .map(move |kind| self.kind_stream(kind, filter.clone()))
            .flatten()
            .boxed()
    }

    /// One kind's records for [`Store::record_stream`], chunk by chunk.
    fn kind_stream(
        &self,
        kind: Kind,
        filter: RecordFilter,
    ) -> futures::stream::BoxStream<'_, Result<StoredRecord>> {
        use futures::StreamExt;
        let raw = if filter.skip_raw {
            "CAST(NULL AS TEXT) AS raw"
        } else {
            "raw"
        };
        let select = format!(
            "SELECT connection, id, vendor, {}, {raw}, first_synced_at, last_synced_at, deleted_at FROM {} WHERE 1 = 1",
            rows::columns(kind).join(", "),
            rows::table(kind)
        );
        // The state: `None` when done, else the last key read (none yet).
        let start: Option<Option<(String, String)>> = Some(None);
        futures::stream::try_unfold(start, move |state| {
            let (select, filter) = (select.clone(), filter.clone());
            async move {
                let Some(after) = state else {
                    return Ok::<_, Error>(None);
                };
                let mut sql = select;
                let mut n = 0;
                let mut next = || {
                    n += 1;
                    format!("${n}")
                };
                if filter.connection.is_some() {
                    sql.push_str(&format!(" AND connection = {}", next()));
                }
                if !filter.include_deleted {
                    sql.push_str(" AND deleted_at IS NULL");
                }
                if after.is_some() {
                    // A row value: both databases read it as a range of the
                    // primary key's index (an OR of ranges would scan).
                    let (c, i) = (next(), next());
                    sql.push_str(&format!(" AND (connection, id) > ({c}, {i})"));
                }
                sql.push_str(&format!(" ORDER BY connection, id LIMIT {EXPORT_CHUNK}"));
                let sql = self.sql(&sql).into_owned();
                let mut q = sqlx::query(&sql);
                if let Some(c) = &filter.connection {
                    q = q.bind(c.clone());
                }
                if let Some((c, i)) = &after {
                    q = q.bind(c.clone()).bind(i.clone());
                }
                let rows = q
                    .fetch_all(&self.pool)
                    .await
                    .map_err(self.err(format!("read {kind}")))?;
                let done = rows.len() < EXPORT_CHUNK;
                let recs = rows
                    .iter()
                    .map(|row| stored_from_row(kind, row))
                    .collect::<Result<Vec<StoredRecord>>>()?;
                let last = recs
                    .last()
                    .map(|r| (r.connection.clone(), r.record.id().to_string()));
                let state = match (done, last) {
                    (false, Some(key)) => Some(Some(key)),
                    _ => None,
                };
                Ok(Some((
                    futures::stream::iter(recs.into_iter().map(Ok::<_, Error>)),
                    state,
                )))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// Live records of one kind of one connection, all in memory (see
    /// [`Store::record_stream`] for a large tenant's devices).
    pub async fn live(&self, connection: &str, kind: Kind) -> Result<Vec<Record>> {
        Ok(self
            .records(&RecordFilter::new().connection(connection).kinds([kind]))
            .await?
            .into_iter()
            .map(|r| r.record)
            .collect())
    }
}

fn parse_time(col: &str, s: &str) -> Result<DateTime<Utc>> {
    crate::parse_timestamp(col, s)
}

fn stored_from_row(kind: Kind, row: &AnyRow) -> Result<StoredRecord> {
    let get = |col: &str| -> Result<Option<String>> {
        row.try_get::<Option<String>, _>(col)
            .map_err(|e| rows::damaged(format!("store column {col}"), e))
    };
    Ok(StoredRecord {
        connection: get("connection")?.unwrap_or_default(),
        record: rows::record_from_row(kind, row)?,
        first_synced_at: parse_time(
            "first_synced_at",
            &get("first_synced_at")?.unwrap_or_default(),
        )?,
        last_synced_at: parse_time(
            "last_synced_at",
            &get("last_synced_at")?.unwrap_or_default(),
        )?,
        deleted_at: get("deleted_at")?
            .map(|s| parse_time("deleted_at", &s))
            .transpose()?,
    })
}
