//! What the store holds for a page's ids, and the page's records compared
//! with it ([`classify`]): new, changed, revived, unchanged.

use super::worker::Entry;
use super::*;

/// What the store holds for an id: hash, deleted, version stamp.
pub(super) type Held = (String, bool, Option<String>);

/// A page's records compared with what the store holds.
pub(super) struct Classified {
    pub(super) counts: Counters,
    /// New, changed and revived records.
    pub(super) writes: Vec<Entry>,
    /// Unchanged rows whose stored hash is of the first definition: only
    /// their hash is rewritten (once, after an upgrade).
    pub(super) rehash: Vec<(String, String)>,
    /// The records not written.
    pub(super) kept: Vec<Entry>,
}

/// Compares `records` with what the store holds: new, changed (unless
/// older than the stored version) and revived records are written.
pub(super) fn classify(records: Vec<Entry>, stored: &HashMap<String, Held>) -> Classified {
    let mut counts = Counters {
        records: records.len() as u64,
        new: 0,
        changed: 0,
        revived: 0,
    };
    let mut writes: Vec<Entry> = Vec::new();
    let mut rehash: Vec<(String, String)> = Vec::new();
    let mut kept: Vec<Entry> = Vec::new();
    for entry in records {
        match stored.get(entry.rec.id()) {
            None => {
                counts.new += 1;
                writes.push(entry);
            }
            Some((old, deleted, version)) => {
                let older = match (version, &entry.version) {
                    (Some(have), Some(got)) => got < have,
                    _ => false,
                };
                let legacy = hash::is_legacy(old);
                let same = if legacy {
                    *old == hash::legacy(&entry.rec)
                } else {
                    *old == entry.hash
                };
                if *deleted {
                    counts.revived += 1;
                    writes.push(entry);
                } else if !same && !older {
                    counts.changed += 1;
                    writes.push(entry);
                } else {
                    if same && legacy {
                        rehash.push((entry.rec.id().to_string(), entry.hash.clone()));
                    }
                    kept.push(entry);
                }
            }
        }
    }
    Classified {
        counts,
        writes,
        rehash,
        kept,
    }
}

impl Syncer<'_> {
    /// What the store holds for `ids` of `kind` under this connection.
    pub(super) async fn stored(
        &self,
        conn: &mut sqlx::AnyConnection,
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
                    .fetch_one(&mut *conn)
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
                .fetch_all(&mut *conn)
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
    pub(super) async fn rehash(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
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
