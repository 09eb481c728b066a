//! The store's errors: what failed, on which store (password never shown),
//! the cause underneath, and what to do next.

use vectis_core::Kind;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong opening or writing a store, or syncing into it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store URL or a setting is wrong; nothing was opened or written.
    #[error("configuration: {what}: {reason}")]
    Config {
        /// What is wrong (`--store`, `connection name`).
        what: String,
        /// Why, and what to do.
        reason: String,
    },
    /// The database refused or failed an operation.
    #[error("store {store}: could not {doing}: {source} — {hint}")]
    Database {
        /// The store URL, password redacted.
        store: String,
        /// What we were doing (`open it`, `commit page 3 of atera devices`).
        doing: String,
        /// What to do next.
        hint: String,
        /// The database's own error.
        #[source]
        source: sqlx::Error,
    },
    /// The store was written by a newer version of this crate.
    #[error(
        "store {store} has schema version {found}; this build knows up to {supported} — upgrade vectis-sync, or use another store"
    )]
    SchemaTooNew {
        /// The store URL, password redacted.
        store: String,
        /// The version found in the store.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },
    /// Another process is syncing this connection and kind right now.
    #[error(
        "{connection} {kind}: another sync holds it (lease {holder} until {until}); wait for it to finish — if that process is gone, its lease expires then"
    )]
    Busy {
        /// The connection name.
        connection: String,
        /// The kind.
        kind: Kind,
        /// Who holds the lease.
        holder: String,
        /// When the lease expires (RFC 3339).
        until: String,
    },
    /// The vendor (or the network to it) failed.
    #[error(transparent)]
    Vendor(#[from] vectis_core::Error),
}

impl Error {
    /// A configuration error.
    pub fn config(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Config {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Whether this is bad usage or configuration (the examples exit 2)
    /// rather than a failure of the store or the vendor (exit 1).
    pub fn is_config(&self) -> bool {
        match self {
            Error::Config { .. } => true,
            Error::Vendor(e) => e.kind() == vectis_core::ErrorKind::Config,
            _ => false,
        }
    }
}

/// Turns a sqlx error into [`Error::Database`] with a hint chosen by its kind.
pub(crate) fn db(store: &str, doing: impl Into<String>, source: sqlx::Error) -> Error {
    let text = source.to_string().to_ascii_lowercase();
    let hint = if text.contains("readonly") || text.contains("read-only") {
        "the store is read-only: check the file's and its folder's permissions"
    } else if text.contains("locked") || text.contains("busy") {
        "another process holds the database: wait for it, or use another store"
    } else if text.contains("unable to open") || text.contains("no such file") {
        "the file cannot be created or opened: check that its folder exists and is writable"
    } else if text.contains("full") || text.contains("no space") {
        "the disk is full: free space, then run again (the run resumes where it stopped)"
    } else if text.contains("refused")
        || text.contains("timed out")
        || text.contains("connect")
        || text.contains("resolve")
    {
        "the database server cannot be reached: check host, port and that it is running"
    } else if text.contains("password") || text.contains("authentication") {
        "the database rejected the user or password in the URL: fix them in --store (or VECTIS_STORE), or grant the user access"
    } else if text.contains("does not exist") {
        "create the database (createdb NAME) or fix the name in the URL"
    } else {
        "the run was not completed; run the same command again to resume"
    };
    Error::Database {
        store: store.to_string(),
        doing: doing.into(),
        hint: hint.to_string(),
        source,
    }
}
