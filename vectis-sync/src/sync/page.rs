//! One page into the store: its records, the ids it saw and the run's
//! resume cursor in one transaction.
//!
//! The CPU work on the records — dropping repeated ids, hashing every record
//! and, while pages are mostly written (a first sync), making every row's
//! values (the vendor JSON as text above all) — runs on the syncer's own
//! thread ([`Worker`]) as soon as the page arrives, beside the commit of the
//! page before. Comparing with the stored hashes stays on the listing's
//! side ([`classify`]); rows not made ahead are made on the worker then.
//! Records are dropped in a task on the runtime, where they were parsed
//! ([`drop_on_runtime`]).
//!
//! The stored hashes are read before the page's transaction (only this run
//! writes these rows, a page after the one before). The writes — rows, ids
//! seen, the run's counters and cursor — then go in one call: on SQLite
//! `BEGIN IMMEDIATE; …; COMMIT`, on PostgreSQL one statement. A page that
//! renews the lease or rewrites old hashes takes an explicit transaction
//! instead (the lease is checked before the commit).

use super::stored::{Classified, classify};
use super::worker::{Entry, Hashing, Prepared, drop_on_runtime, row_values};
use super::*;
use sqlx::Any;
use sqlx::pool::PoolConnection;
use std::sync::Arc;

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

/// Statements: text and values.
type Statements = Vec<(Arc<str>, Vec<Val>)>;

/// The upserts of `writes`: statement text (`sql`, one for each [`CHUNK`]
/// of rows) and values, and the written records, to be dropped. Rows not
/// made ahead on the worker are made here.
fn upserts(
    kind: Kind,
    sql: Vec<Arc<str>>,
    connection: &str,
    now: &str,
    writes: Vec<Entry>,
) -> (Statements, Vec<Record>) {
    let per_row = 3 + rows::columns(kind).len() + 5;
    let mut statements = Vec::with_capacity(sql.len());
    let mut records = Vec::with_capacity(writes.len());
    let mut sql = sql.into_iter();
    let mut raw_len = 0;
    let mut writes = writes.into_iter().peekable();
    while writes.peek().is_some() {
        let Some(text) = sql.next() else { break };
        let mut vals: Vec<Val> = Vec::with_capacity(CHUNK * per_row);
        for entry in writes.by_ref().take(CHUNK) {
            let row = match entry.row {
                Some(row) => row,
                None => row_values(&entry.rec, &entry.hash, &mut raw_len),
            };
            vals.push(Val::Text(Some(connection.to_string())));
            vals.extend(row);
            vals.push(Val::Text(Some(now.to_string())));
            vals.push(Val::Text(Some(now.to_string())));
            vals.push(Val::Text(None));
            records.push(entry.rec);
        }
        statements.push((text, vals));
    }
    (statements, records)
}

/// `sql` (placeholders `$1`, `$2`, … each once, in order) for `backend`:
/// on SQLite bare `?`, which sqlx binds relative to the statement's place
/// in a multi-statement query (a numbered `?NNN` counts from the query's
/// first value).
fn placeholders(backend: Backend, sql: &str) -> Arc<str> {
    match backend {
        Backend::Postgres => sql.into(),
        Backend::Sqlite => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' {
                    out.push('?');
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                } else {
                    out.push(c);
                }
            }
            out.into()
        }
    }
}

/// PostgreSQL: `writes` as one statement, the others as data-modifying
/// `WITH` parts before the last (each runs once, to completion, read or
/// not), their placeholders numbered on.
fn one_statement(writes: Statements) -> (String, Vec<Val>) {
    let n = writes.len();
    let mut sql = String::new();
    let mut vals: Vec<Val> = Vec::new();
    for (i, (text, v)) in writes.into_iter().enumerate() {
        let text = numbered_from(&text, vals.len());
        if i + 1 < n {
            sql.push_str(if i == 0 { "WITH " } else { ", " });
            sql.push_str(&format!("w{i} AS ({text})"));
        } else {
            sql.push(' ');
            sql.push_str(&text);
        }
        vals.extend(v);
    }
    (sql, vals)
}

/// `sql` with each PostgreSQL placeholder `$n` made `$(n + offset)`.
fn numbered_from(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut n = 0usize;
        let mut digits = false;
        while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
            n = n * 10 + d as usize;
            digits = true;
            chars.next();
        }
        if digits {
            out.push_str(&(n + offset).to_string());
        }
    }
    out
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
        let backend = s.backend();
        let Prepared { order, records } = page.prepared.await?;
        let now = rows::ts(self.now());
        // The page's connection: the one the page before used, where it is
        // free (on SQLite its page cache stays valid: only it wrote since),
        // else one from the pool; kept after the commit. A page that
        // fails or is cancelled drops it, and its transaction is rolled back
        // (see the one-call path below).
        let mut conn = match self.take_connection() {
            Some(c) => c,
            None => s
                .pool()
                .acquire()
                .await
                .map_err(s.err(doing("start a transaction")))?,
        };
        // What the store holds, read before the page's transaction: only
        // this run writes these rows (the lease keeps every other sync of
        // this connection and kind out, and tombstones come after the last
        // page), one page after another, and the page before has committed.
        let stored = self
            .stored(&mut conn, kind, &order, &doing("read stored records"))
            .await?;
        let Classified {
            counts,
            writes,
            rehash,
            kept,
        } = classify(records, &stored);
        drop_on_runtime(kept);
        // The next pages' rows are made ahead while pages are mostly
        // written.
        let written = counts.new + counts.changed + counts.revived;
        {
            let mut writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
            writing.insert(kind, written * 2 >= counts.records);
        }
        let statements = if writes.is_empty() {
            Vec::new()
        } else {
            let sql: Vec<Arc<str>> = writes
                .chunks(CHUNK)
                .map(|c| self.upsert_text(kind, c.len()))
                .collect();
            let connection = self.connection.clone();
            let stamp = now.clone();
            if writes.iter().all(|e| e.row.is_some()) {
                // Made ahead: only the connection and times are added here.
                let (statements, records) = upserts(kind, sql, &connection, &stamp, writes);
                drop_on_runtime(records);
                statements
            } else {
                // The rows' values (the vendor JSON as text above all) are
                // made on the worker.
                let (statements, records) = self
                    .worker
                    .run(doing("prepare the rows"), move || {
                        upserts(kind, sql, &connection, &stamp, writes)
                    })
                    .await?;
                drop_on_runtime(records);
                statements
            }
        };
        let mut writes: Statements = statements;
        if mode == Mode::Full && !order.is_empty() {
            let ids = serde_json::to_string(&order).map_err(|e| {
                Error::config(doing("note the records seen"), format!("{e}; report it"))
            })?;
            writes.push((
                placeholders(
                    backend,
                    "INSERT INTO run_pages (run_id, ids) VALUES ($1, $2)",
                ),
                vec![Val::Int(Some(run)), Val::Text(Some(ids))],
            ));
        }
        let (wm, wm_source) = match watermark {
            Some((w, src)) => (Some(w), Some(src.to_string())),
            None => (None, None),
        };
        let count = |n: u64| Val::Int(Some(i64::try_from(n).unwrap_or(i64::MAX)));
        writes.push((
            placeholders(
                backend,
                "UPDATE runs SET cursor = $1, pages = pages + 1, requests = requests + $2,
                   records = records + $3, records_new = records_new + $4,
                   records_changed = records_changed + $5, records_revived = records_revived + $6,
                   next_watermark = COALESCE(next_watermark, $7),
                   watermark_source = COALESCE(watermark_source, $8)
                 WHERE id = $9",
            ),
            vec![
                Val::Text(cursor),
                count(requests),
                count(counts.records),
                count(counts.new),
                count(counts.changed),
                count(counts.revived),
                Val::Text(wm),
                Val::Text(wm_source),
                Val::Int(Some(run)),
            ],
        ));
        // The lease, renewed once a quarter of it has passed: until then
        // no other sync can have taken it over (it is taken only once
        // expired), and a page saves a statement.
        let now_t = self.now();
        let lease = chrono::Duration::from_std(self.opts.lease).unwrap_or_default();
        let due = self
            .renewed_at(kind)
            .is_none_or(|at| now_t - at >= lease / 4);
        let what = doing("write the page (records, ids seen, cursor)");
        // (Not on an in-memory SQLite store: its data lives in its one
        // connection, which the one-call path may have to close.)
        if !due && rehash.is_empty() && !s.url().is_memory() {
            // The page's writes in one call and one transaction: on SQLite
            // `BEGIN IMMEDIATE`, the statements and `COMMIT` (each call a
            // hand-over to SQLite's worker thread and back); on PostgreSQL
            // one statement, atomic by itself (each a round trip, both
            // processes idle in between).
            match backend {
                Backend::Sqlite => {
                    // Dropped during the call (a cancelled sync), the
                    // connection is closed rather than pooled: a statement
                    // that failed after `BEGIN` would leave its transaction
                    // open, and closing rolls it back.
                    conn.close_on_drop();
                    let mut sql = String::from("BEGIN IMMEDIATE;\n");
                    for (q, _) in &writes {
                        sql.push_str(q);
                        sql.push_str(";\n");
                    }
                    sql.push_str("COMMIT");
                    let vals: Vec<Val> = writes.into_iter().flat_map(|(_, v)| v).collect();
                    if let Err(e) = Store::bind_vals(sqlx::query(&sql), vals)
                        .execute(&mut *conn)
                        .await
                    {
                        // A statement failed after `BEGIN`: nothing of the
                        // page stays, and the connection leaves no
                        // transaction open.
                        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                        return Err(s.err(what)(e));
                    }
                }
                Backend::Postgres => {
                    let (sql, vals) = one_statement(writes);
                    Store::bind_vals(sqlx::query(&sql), vals)
                        .execute(&mut *conn)
                        .await
                        .map_err(s.err(what))?;
                }
            }
        } else {
            let mut tx = s.begin_on(&mut conn, doing("start a transaction")).await?;
            self.rehash(&mut tx, table, &rehash, &doing("update stored hashes"))
                .await?;
            for (sql, vals) in writes {
                Store::bind_vals(sqlx::query(&sql), vals)
                    .execute(&mut *tx)
                    .await
                    .map_err(s.err(what.clone()))?;
            }
            if due {
                let renewed = sqlx::query(&s.sql(
                    "UPDATE leases SET expires_at = $1 WHERE connection = $2 AND kind = $3 AND holder = $4",
                ))
                .bind(rows::ts(now_t + lease))
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
                            "this sync's lease expired and another took it over (not renewed for {} s: no page committed in time); the other sync goes on, this one stops without writing page {}",
                            self.opts.lease.as_secs(),
                            index + 1
                        ),
                    ));
                }
            }
            tx.commit().await.map_err(s.err(doing("commit")))?;
        }
        self.give_back_connection(conn);
        if due {
            self.set_renewed_at(kind, now_t);
        }
        Ok(counts)
    }

    /// A connection a page before gave back, if one is free.
    fn take_connection(&self) -> Option<PoolConnection<Any>> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.pop()
    }

    /// Keeps `conn` for the next page: one connection at most, and none on
    /// an in-memory store (its pool's only connection).
    fn give_back_connection(&self, conn: PoolConnection<Any>) {
        if self.store.url().is_memory() {
            return;
        }
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.is_empty() {
            held.push(conn);
        }
    }

    /// Returns the kept connection to the pool (a listing ended: the run's
    /// end needs the pool's connections).
    pub(super) fn release_connection(&self) {
        drop(self.take_connection());
    }

    /// The upsert of `n` rows of `kind` ([`upsert_sql`]), made once.
    fn upsert_text(&self, kind: Kind, n: usize) -> Arc<str> {
        let mut cache = self.upsert_sql.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry((kind, n))
            .or_insert_with(|| upsert_sql(kind, self.store.backend(), n).into())
            .clone()
    }
}
