//! # vectis-sync
//!
//! Every sync of a Vectis connector kept in a real store — SQLite embedded
//! (the default: one file, nothing to install) or PostgreSQL for a fleet of
//! workers — durable, resumable and honest about deletes, with the customer
//! links and the hub that read it.
//!
//! Add `vectis-sync = "0.1"` (and a vendor crate, e.g. `vectis-atera`) to
//! `Cargo.toml`. Cargo features: `sqlite` (on by default: the embedded
//! store, bundled SQLite, nothing to install) and `postgres` (PostgreSQL,
//! for a fleet of workers sharing one database; `vectis-sync = { version =
//! "0.1", features = ["postgres"] }`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vectis_sync::Error> {
//! use vectis_sync::{RecordFilter, Store};
//!
//! // sqlite://PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST/DB
//! let store = Store::open("sqlite::memory:").await?;
//! // Any `dyn Connector` syncs into it:
//! //   let report = vectis_sync::Syncer::new(&store, &connector).run().await?;
//! //   for kind in &report.kinds { eprintln!("{kind}"); } // Atera: 500 customers (12 new, …)
//! assert!(store.records(&RecordFilter::new()).await?.is_empty());
//! assert!(store.runs(None).await?.is_empty());
//! // Passwords never show: postgres://vectis:***@db/vectis
//! let url = vectis_sync::StoreUrl::parse("postgres://vectis:secret@db/vectis")?;
//! assert!(!url.to_string().contains("secret"));
//! # Ok(()) }
//! ```
//!
//! What it guarantees, on both backends:
//!
//! - **One row per record**: each page is upserted together with the run's
//!   resume cursor in one transaction; a sync killed at any point resumes
//!   from its last committed page and never stores a record twice. An
//!   unchanged record is not rewritten (content hash); an older version never
//!   overwrites a newer one.
//! - **Deletes**: only a complete full listing tombstones (`deleted_at`); a
//!   record that comes back is revived. The **mass-delete guard** (on by
//!   default) holds a run that would tombstone more than half of a kind's
//!   live records (and more than 5).
//! - **Incremental**: the next watermark is the *vendor's* clock (its `Date`
//!   header) at the start of the last successful run, less a margin; a failed
//!   run never moves it.
//! - **Runs and leases**: every run is recorded; two runs of one connection
//!   and kind never interleave.
//!
//! **Speed: choose the allocator.** A sync hands each page between threads
//! (the listing's, the syncer's worker, SQLite's worker), so much memory is
//! freed on another thread than the one that allocated it, which glibc's
//! malloc does slowly. A program that syncs large tenants should declare a
//! global allocator built for it, as the examples do (`tikv-jemallocator`,
//! `#[global_allocator] static A: tikv_jemallocator::Jemalloc =
//! tikv_jemallocator::Jemalloc;`): on the store bench (150,000 devices) a
//! first SQLite sync took 1.76 s instead of 2.3 s and an unchanged one
//! 1.06 s instead of 1.36 s. The examples also build it with
//! `JEMALLOC_SYS_WITH_MALLOC_CONF="dirty_decay_ms:200,muzzy_decay_ms:0"`,
//! which keeps peak memory steady from run to run. A library cannot choose
//! the allocator for you.
//!
//! Layout: [`url`] (store URLs, redaction), [`store`] (open, schema, reads),
//! [`sync`] (the [`Syncer`]), [`runs`] (the run log), [`links`] (matching
//! with `vectis-match`, and decisions), [`hub`] (read models), [`error`].
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
mod hash;
pub mod hub;
pub mod links;
mod rows;
pub mod runs;
mod schema;
pub mod store;
pub mod sync;
pub mod url;

pub use error::{Error, Result};
pub use hub::{Hub, HubCompany, HubCustomer};
pub use links::{Decision, StoredLink};
pub use runs::RunRecord;
pub use schema::SCHEMA_VERSION;
pub use store::{RecordFilter, Store, StoredRecord};
pub use sync::{KindReport, Mode, Progress, RunStatus, SyncOptions, SyncReport, Syncer};
pub use url::{Backend, StoreUrl};

/// A time as the store writes it: RFC 3339 in UTC with microseconds
/// (`2026-05-01T12:00:00.000000Z`), fixed width, so it sorts as text.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    rows::ts(t)
}

/// Reads a time the store wrote ([`timestamp`]); `what` names the column in
/// the error, which says the value is damaged and what to do.
pub fn parse_timestamp(what: &str, s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| {
            rows::damaged(
                format!("store column {what}"),
                format!("`{s}` is not an RFC 3339 time ({e})"),
            )
        })
}
