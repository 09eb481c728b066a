//! [`Store`]: opening a database from a URL, applying the schema, and the
//! plain reads (records, runs) every other part builds on.

use crate::error::{Error, Result, db};
use crate::rows::Val;
use crate::schema::{self, SCHEMA_VERSION};
use crate::url::{Backend, StoreUrl};
use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::{Any, AnyPool, Row};
use std::borrow::Cow;
use vectis_core::Vendor;

mod records;
pub use records::{EXPORT_CHUNK, RecordFilter, StoredRecord};

/// A query with its arguments bound later.
pub(crate) type Query<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// A store: one database holding any number of connections' records, their
/// runs, links and decisions. Cheap to clone (a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    url: StoreUrl,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("url", &self.url).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the store at `url` and applies the schema.
    ///
    /// `sqlite://PATH` (relative), `sqlite:///ABSOLUTE`, `sqlite::memory:` or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_url(StoreUrl::parse(url)?).await
    }

    /// Opens a parsed URL.
    pub async fn open_url(url: StoreUrl) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let shown = url.to_string();
        let mut opts = AnyPoolOptions::new();
        if url.backend() == Backend::Sqlite {
            let busy = format!("PRAGMA busy_timeout = {}", url.busy_timeout().as_millis());
            // One connection for memory (each would be its own database);
            // a few for a file, whose writers SQLite serializes anyway.
            opts = opts
                .max_connections(if url.is_memory() { 1 } else { 4 })
                // A file's connection does not go stale like a server's: no
                // ping (a round trip to its worker thread) before every
                // page's transaction.
                .test_before_acquire(false)
                .after_connect(move |conn, _meta| {
                    let busy = busy.clone();
                    Box::pin(async move {
                        use sqlx::Executor;
                        conn.execute(busy.as_str()).await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        // A page's multi-row upsert keeps its statement
                        // journal in memory: on disk, SQLite created and
                        // deleted a temporary file for every page.
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                        // 16 KiB pages for a new store (an existing one keeps
                        // its own): a quarter of the WAL frames and of their
                        // write calls for rows of a kilobyte and more (the
                        // vendor's JSON). Measured on the store bench.
                        conn.execute("PRAGMA page_size = 16384").await?;
                        // Checkpoints every 32 MiB of WAL instead of 4 MiB:
                        // a page written by several commits is copied into
                        // the database once, and less often synced.
                        conn.execute("PRAGMA wal_autocheckpoint = 2048").await?;
                        Ok(())
                    })
                });
        } else {
            opts = opts.max_connections(8);
        }
        // One direct attempt first: a pool retries a refused connection
        // until its acquire timeout; a person wants the refusal at once.
        {
            use sqlx::Connection;
            let probe = sqlx::AnyConnection::connect(url.connect_string())
                .await
                .map_err(|e| db(&shown, "open it", e))?;
            let _ = probe.close().await;
        }
        let pool = opts
            .acquire_timeout(std::time::Duration::from_secs(60))
            .connect(url.connect_string())
            .await
            .map_err(|e| db(&shown, "open it", e))?;
        let store = Store { pool, url };
        if store.url.backend() == Backend::Sqlite && !store.url.is_memory() {
            // WAL: readers never block the writer, and a killed writer
            // leaves the last committed page intact.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&store.pool)
                .await
                .map_err(|e| db(&shown, "switch it to WAL mode", e))?;
        }
        store.migrate().await?;
        Ok(store)
    }

    /// The URL, password redacted when displayed.
    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// The pool, for your own read queries over the documented schema.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) fn shown(&self) -> String {
        self.url.to_string()
    }

    /// `q` for this backend: write placeholders as `$1, $2, …` (PostgreSQL's
    /// form); on SQLite they become `?1, ?2, …`, the same numbering. For
    /// crates that keep their own tables in the store (vectis-rules).
    pub fn sql<'a>(&self, q: &'a str) -> Cow<'a, str> {
        if self.backend() == Backend::Sqlite && q.contains('$') {
            Cow::Owned(q.replace('$', "?"))
        } else {
            Cow::Borrowed(q)
        }
    }

    pub(crate) fn err(&self, doing: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Error + '_ {
        let doing = doing.into();
        move |e| db(&self.shown(), doing, e)
    }

    /// A write transaction: on SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a writer waits its turn instead of failing
    /// when another committed since its snapshot.
    pub(crate) async fn write_tx(
        &self,
        doing: impl Into<String>,
    ) -> Result<sqlx::Transaction<'static, Any>> {
        let r = match self.backend() {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        r.map_err(self.err(doing))
    }

    /// A write transaction on `conn` (see [`Store::write_tx`]).
    pub(crate) async fn begin_on<'c>(
        &self,
        conn: &'c mut sqlx::pool::PoolConnection<Any>,
        doing: impl Into<String>,
    ) -> Result<sqlx::Transaction<'c, Any>> {
        use sqlx::Connection;
        let r = match self.backend() {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => conn.begin().await,
        };
        r.map_err(self.err(doing))
    }

    /// Creates a companion crate's own tables (`CREATE TABLE IF NOT
    /// EXISTS …` statements) in one write transaction; on PostgreSQL under
    /// the advisory lock `lock_key`, so two processes opening a new store at
    /// once do not collide in the catalog.
    pub async fn create_tables(&self, lock_key: i64, statements: &[&str]) -> Result<()> {
        let mut tx = self.write_tx("start creating tables").await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock_key)
                .execute(&mut *tx)
                .await
                .map_err(self.err("lock the schema"))?;
        }
        for stmt in statements {
            sqlx::query(stmt)
                .execute(&mut *tx)
                .await
                .map_err(self.err("create tables"))?;
        }
        tx.commit()
            .await
            .map_err(self.err("commit the new tables"))?;
        Ok(())
    }

    async fn migrate(&self) -> Result<()> {
        let mut tx = self.write_tx("start the schema update").await?;
        if self.backend() == Backend::Postgres {
            // Two workers opening a new database at once: one applies it.
            sqlx::query("SELECT pg_advisory_xact_lock(7263540001)")
                .execute(&mut *tx)
                .await
                .map_err(self.err("lock the schema"))?;
        }
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS vectis_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .map_err(self.err("create its tables"))?;
        let found: Option<String> =
            sqlx::query(&self.sql("SELECT value FROM vectis_meta WHERE key = 'schema_version'"))
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err("read its schema version"))?
                .map(|r| r.try_get::<String, _>(0))
                .transpose()
                .map_err(self.err("read its schema version"))?;
        let found: i64 = match found {
            None => 0,
            Some(v) => v.parse().map_err(|_| {
                Error::config(
                    format!("store {}", self.shown()),
                    format!("schema version `{v}` is not a number: this is not a Vectis store; point --store (or VECTIS_STORE) at a Vectis store, or at a new file or database"),
                )
            })?,
        };
        if found > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                store: self.shown(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < SCHEMA_VERSION {
            let mut statements = schema::v1(self.backend());
            statements.extend(schema::v2(self.backend()));
            for stmt in statements {
                sqlx::query(&stmt)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err("create its tables"))?;
            }
            sqlx::query(&self.sql(
                "INSERT INTO vectis_meta (key, value) VALUES ('schema_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            ))
            .bind(SCHEMA_VERSION.to_string())
            .execute(&mut *tx)
            .await
            .map_err(self.err("record its schema version"))?;
        }
        tx.commit().await.map_err(self.err("commit the schema"))?;
        Ok(())
    }

    /// The vendor a connection was first synced from, if it exists.
    pub async fn connection_vendor(&self, name: &str) -> Result<Option<Vendor>> {
        let row = sqlx::query(&self.sql("SELECT vendor FROM connections WHERE name = $1"))
            .bind(name.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err("read the connections"))?;
        Ok(row
            .and_then(|r| r.try_get::<String, _>(0).ok())
            .and_then(|s| Vendor::from_slug(&s)))
    }

    /// Every connection with its vendor, by name.
    pub async fn connections(&self) -> Result<Vec<(String, Vendor)>> {
        let rows = sqlx::query("SELECT name, vendor FROM connections ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err("read the connections"))?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let name: String = r.try_get(0).ok()?;
                let vendor: String = r.try_get(1).ok()?;
                Some((name, Vendor::from_slug(&vendor)?))
            })
            .collect())
    }

    pub(crate) fn bind_vals<'q>(mut q: Query<'q>, vals: Vec<Val>) -> Query<'q> {
        for v in vals {
            q = match v {
                Val::Text(t) => q.bind(t),
                Val::Int(i) => q.bind(i),
            };
        }
        q
    }
}
