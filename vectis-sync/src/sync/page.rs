//! One page into the store: its records, the ids it saw and the run's
//! resume cursor in one transaction.
//!
//! The CPU work on the records — dropping repeated ids and hashing every
//! record, and for the rows to write, their values and the vendor JSON as
//! text — runs on the syncer's own thread ([`Worker`]), so the listing goes
//! on parsing the next page on its own thread meanwhile. Comparing with the
//! stored hashes (and dropping the unchanged records) stays on the listing's
//! thread: moving it too made an unchanged sync slower, each record then
//! freed on another thread than the one that parsed it. The statements run
//! on the transaction's connection.

use super::worker::{Hashing, Prepared};
use super::*;

/// The upsert of `n` rows of `kind`: an older version never overwrites a
/// newer one (a revival always writes: the row was gone).
fn upsert_sql(kind: Kind, backend: Backend, n: usize) -> String {
    let table = rows::table(kind);
    let cols = rows::columns(kind);
    let per_row = 3 + cols.len() + 5;
    let mut sql = format!(
        "INSERT INTO {table} (connection, id, vendor, {}, raw, hash, first_synced_at, last_synced_at, deleted_at) VALUES ",
        cols.join(", ")
    );
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        let marks: Vec<String> = (1..=per_row)
            .map(|j| mark(backend, i * per_row + j))
            .collect();
        sql.push('(');
        sql.push_str(&marks.join(", "));
        sql.push(')');
    }
    let sets: Vec<String> = cols
        .iter()
        .chain(["vendor", "raw", "hash", "last_synced_at", "deleted_at"].iter())
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    sql.push_str(&format!(
        " ON CONFLICT (connection, id) DO UPDATE SET {}",
        sets.join(", ")
    ));
    if let Some(v) = rows::version_column(kind) {
        sql.push_str(&format!(
            " WHERE {table}.deleted_at IS NOT NULL OR excluded.{v} IS NULL OR {table}.{v} IS NULL OR excluded.{v} >= {table}.{v}"
        ));
    }
    sql
}

/// The upserts of `writes` (statement text and values, [`CHUNK`] rows each).
fn upserts(
    kind: Kind,
    backend: Backend,
    connection: &str,
    now: &str,
    writes: Vec<(Record, String)>,
) -> Vec<(String, Vec<Val>)> {
    let per_row = 3 + rows::columns(kind).len() + 5;
    writes
        .chunks(CHUNK)
        .map(|chunk| {
            let mut vals: Vec<Val> = Vec::with_capacity(chunk.len() * per_row);
            for (rec, hash) in chunk {
                vals.push(Val::Text(Some(connection.to_string())));
                vals.push(Val::Text(Some(rec.id().to_string())));
                vals.push(Val::Text(Some(rec.vendor().slug().to_string())));
                vals.extend(rows::values(rec));
                vals.push(Val::Text(Some(rows::raw(rec).to_string())));
                vals.push(Val::Text(Some(hash.clone())));
                vals.push(Val::Text(Some(now.to_string())));
                vals.push(Val::Text(Some(now.to_string())));
                vals.push(Val::Text(None));
            }
            (upsert_sql(kind, backend, chunk.len()), vals)
        })
        .collect()
}

/// What the store holds for an id: hash, deleted, version stamp.
type Held = (String, bool, Option<String>);

/// A page's records compared with what the store holds.
struct Classified {
    counts: Counters,
    /// New, changed and revived records, with their hashes.
    writes: Vec<(Record, String)>,
    /// Unchanged rows whose stored hash is of the first definition: only
    /// their hash is rewritten (once, after an upgrade).
    rehash: Vec<(String, String)>,
}

/// Compares `records` with what the store holds: new, changed (unless
/// older than the stored version) and revived records are written.
fn classify(records: Vec<(Record, String)>, stored: &HashMap<String, Held>) -> Classified {
    let mut counts = Counters {
        records: records.len() as u64,
        new: 0,
        changed: 0,
        revived: 0,
    };
    let mut writes: Vec<(Record, String)> = Vec::new();
    let mut rehash: Vec<(String, String)> = Vec::new();
    for (rec, hash) in records {
        match stored.get(rec.id()) {
            None => {
                counts.new += 1;
                writes.push((rec, hash));
            }
            Some((old, deleted, version)) => {
                let older = match (version, rows::version(&rec)) {
                    (Some(have), Some(got)) => got < *have,
                    _ => false,
                };
                let legacy = hash::is_legacy(old);
                let same = if legacy {
                    *old == hash::legacy(&rec)
                } else {
                    *old == hash
                };
                if *deleted {
                    counts.revived += 1;
                    writes.push((rec, hash));
                } else if !same && !older {
                    counts.changed += 1;
                    writes.push((rec, hash));
                } else if same && legacy {
                    rehash.push((rec.id().to_string(), hash));
                }
            }
        }
    }
    Classified {
        counts,
        writes,
        rehash,
    }
}

impl Syncer<'_> {
    /// Writes one page in one transaction: new and changed records, the ids
    /// seen (full runs), the run's counters and resume cursor, the lease.
    pub(super) async fn commit_page(
        &self,
        kind: Kind,
        run: i64,
        mode: Mode,
        page: Hashing,
        requests: u64,
        watermark: Option<(String, &'static str)>,
    ) -> Result<Counters> {
        let s = self.store;
        let table = rows::table(kind);
        let index = page.index;
        let doing = |what: &str| format!("{what} ({} {kind}, page {})", self.connection, index + 1);
        let cursor = match &page.resume {
            Some(c) => Some(serde_json::to_string(c).map_err(|e| {
                Error::config(
                    "resume cursor",
                    format!(
                        "cannot be saved: {e}; run again with --full, and report it if it repeats"
                    ),
                )
            })?),
            None => None,
        };
        let Prepared { order, records } = page.prepared.await?;
        let now = rows::ts(self.now());
        let mut tx = s.write_tx(doing("start a transaction")).await?;
        let backend = s.backend();
        let stored = self
            .stored(&mut tx, kind, &order, &doing("read stored records"))
            .await?;
        let Classified {
            counts,
            writes,
            rehash,
        } = classify(records, &stored);
        let statements = if writes.is_empty() {
            Vec::new()
        } else {
            // The rows' values (the vendor JSON as text above all) are made,
            // and the written records dropped, on the worker thread.
            let connection = self.connection.clone();
            let stamp = now.clone();
            self.worker
                .run(doing("prepare the rows"), move || {
                    upserts(kind, backend, &connection, &stamp, writes)
                })
                .await?
        };
        self.rehash(&mut tx, table, &rehash, &doing("update stored hashes"))
            .await?;
        for (sql, vals) in statements {
            Store::bind_vals(sqlx::query(&sql), vals)
                .execute(&mut *tx)
                .await
                .map_err(s.err(doing("write records")))?;
        }

        if mode == Mode::Full && !order.is_empty() {
            // The ids this page saw, for the run's tombstones: one row.
            let ids = serde_json::to_string(&order).map_err(|e| {
                Error::config(doing("note the records seen"), format!("{e}; report it"))
            })?;
            sqlx::query(&s.sql("INSERT INTO run_pages (run_id, ids) VALUES ($1, $2)"))
                .bind(run)
                .bind(ids)
                .execute(&mut *tx)
                .await
                .map_err(s.err(doing("note the records seen")))?;
        }

        let (wm, wm_source) = match watermark {
            Some((w, src)) => (Some(w), Some(src.to_string())),
            None => (None, None),
        };
        sqlx::query(&s.sql(
            "UPDATE runs SET cursor = $1, pages = pages + 1, requests = requests + $2,
               records = records + $3, records_new = records_new + $4,
               records_changed = records_changed + $5, records_revived = records_revived + $6,
               next_watermark = COALESCE(next_watermark, $7),
               watermark_source = COALESCE(watermark_source, $8)
             WHERE id = $9",
        ))
        .bind(cursor)
        .bind(i64::try_from(requests).unwrap_or(i64::MAX))
        .bind(counts.records as i64)
        .bind(counts.new as i64)
        .bind(counts.changed as i64)
        .bind(counts.revived as i64)
        .bind(wm)
        .bind(wm_source)
        .bind(run)
        .execute(&mut *tx)
        .await
        .map_err(s.err(doing("record the page")))?;

        let until = self.now() + chrono::Duration::from_std(self.opts.lease).unwrap_or_default();
        let renewed = sqlx::query(&s.sql(
            "UPDATE leases SET expires_at = $1 WHERE connection = $2 AND kind = $3 AND holder = $4",
        ))
        .bind(rows::ts(until))
        .bind(self.connection.clone())
        .bind(kind.as_str().to_string())
        .bind(self.holder.clone())
        .execute(&mut *tx)
        .await
        .map_err(s.err(doing("renew the lease")))?;
        if renewed.rows_affected() != 1 {
            return Err(Error::config(
                format!("{} {kind}", self.connection),
                format!(
                    "this sync's lease expired and another took it over (no page committed for {} s); the other sync goes on, this one stops without writing page {}",
                    self.opts.lease.as_secs(),
                    index + 1
                ),
            ));
        }
        tx.commit().await.map_err(s.err(doing("commit")))?;
        Ok(counts)
    }

    /// What the store holds for `ids` of `kind` under this connection.
    async fn stored(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        kind: Kind,
        ids: &[String],
        doing: &str,
    ) -> Result<HashMap<String, Held>> {
        let s = self.store;
        let table = rows::table(kind);
        let vcol = rows::version_column(kind);
        let backend = s.backend();
        let mut stored: HashMap<String, Held> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| mark(backend, i + 2)).collect();
            let version = vcol.map_or("NULL".to_string(), |v| format!("t.{v}"));
            let sql = match backend {
                // SQLite: one row holding a JSON array of the page's stored
                // rows. Each result row is a hand-over from SQLite's worker
                // thread (a channel message and a wake-up): 250 of them a
                // page were a fifth of an unchanged sync's time.
                Backend::Sqlite => format!(
                    "SELECT json_group_array(json_array(t.id, t.hash, t.deleted_at IS NOT NULL, {version})) FROM {table} t WHERE t.connection = {} AND t.id IN ({})",
                    mark(backend, 1),
                    marks.join(", ")
                ),
                // PostgreSQL: the ids as a VALUES list joined on the primary
                // key. Without statistics (a table that grew in this very
                // sync, not yet analyzed) `id IN (…)` was planned as a scan
                // of every row of the connection through the
                // (connection, customer_id) index, filtering on id: 17 ms a
                // page at 75,000 rows, quadratic over a first sync. The join
                // is planned as one primary-key probe per id (0.3 ms).
                Backend::Postgres => format!(
                    "SELECT t.id, t.hash, t.deleted_at, {version} FROM (VALUES {}) AS v(id) JOIN {table} t ON t.connection = {} AND t.id = v.id",
                    marks
                        .iter()
                        .map(|m| format!("({m})"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    mark(backend, 1)
                ),
            };
            // PostgreSQL: planned for these ids each time. A prepared
            // statement's generic plan, chosen while a first sync's table
            // was still empty, stayed a sequential scan as the table grew
            // (75 ms a page at 30,000 rows: quadratic over a first sync).
            let mut q = sqlx::query(&sql)
                .persistent(backend == Backend::Sqlite)
                .bind(self.connection.clone());
            for id in chunk {
                q = q.bind(id.clone());
            }
            if backend == Backend::Sqlite {
                let row = q
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(s.err(doing.to_string()))?;
                let text: String = row.try_get(0).map_err(s.err(doing.to_string()))?;
                let found: Vec<(String, String, i64, serde_json::Value)> =
                    serde_json::from_str(&text).map_err(|e| {
                        rows::damaged("stored records", format!("{e} in what SQLite returned"))
                    })?;
                for (id, hash, deleted, version) in found {
                    let version = match version {
                        serde_json::Value::Null => None,
                        serde_json::Value::String(v) => Some(v),
                        other => Some(other.to_string()),
                    };
                    stored.insert(id, (hash, deleted != 0, version));
                }
                continue;
            }
            for r in q
                .fetch_all(&mut **tx)
                .await
                .map_err(s.err(doing.to_string()))?
            {
                let id: String = r.try_get(0).map_err(s.err(doing.to_string()))?;
                let hash: String = r.try_get(1).map_err(s.err(doing.to_string()))?;
                let deleted = r
                    .try_get::<Option<String>, _>(2)
                    .map_err(s.err(doing.to_string()))?
                    .is_some();
                let version = r.try_get::<Option<String>, _>(3).ok().flatten();
                stored.insert(id, (hash, deleted, version));
            }
        }
        Ok(stored)
    }

    /// Writes the current hash of unchanged rows that hold a hash of the
    /// first definition (see [`hash`]).
    async fn rehash(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        table: &str,
        rehash: &[(String, String)],
        doing: &str,
    ) -> Result<()> {
        let s = self.store;
        let backend = s.backend();
        for chunk in rehash.chunks(CHUNK) {
            let pairs: Vec<String> = (0..chunk.len())
                .map(|i| {
                    format!(
                        "({}, {})",
                        mark(backend, 2 * i + 1),
                        mark(backend, 2 * i + 2)
                    )
                })
                .collect();
            // Placeholders in the order they appear (see `mark`): the
            // connection's comes last.
            let sql = format!(
                "WITH v(id, hash) AS (VALUES {}) UPDATE {table} SET hash = (SELECT v.hash FROM v WHERE v.id = {table}.id) WHERE id IN (SELECT id FROM v) AND connection = {}",
                pairs.join(", "),
                mark(backend, 2 * chunk.len() + 1)
            );
            let mut q = sqlx::query(&sql);
            for (id, h) in chunk {
                q = q.bind(id.clone()).bind(h.clone());
            }
            q.bind(self.connection.clone())
                .execute(&mut **tx)
                .await
                .map_err(s.err(doing.to_string()))?;
        }
        Ok(())
    }
}
