//! The rules engine's errors: what failed, for which key, and what to do.

use crate::config::ConfigError;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a rules run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rules file is wrong (nothing was sent).
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] vectis_sync::Error),
    /// A rules table could not be read or written.
    #[error(
        "store {store}: could not {doing}: {source} — check the store is reachable and writable, then run again"
    )]
    Database {
        /// The store URL, password redacted.
        store: String,
        /// What we were doing.
        doing: String,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
    /// The PSA failed while working on one key.
    #[error("key {key}: {doing} failed: {source} — {hint}")]
    Psa {
        /// The key (`vectis:…`, the ticket's `externalXRef`).
        key: String,
        /// What we were doing.
        doing: String,
        /// What to do next.
        hint: String,
        /// The connector's error.
        #[source]
        source: vectis_core::Error,
    },
}
