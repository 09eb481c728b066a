//! The rules engine's errors: what failed, for which key, and what to do.

use crate::config::ConfigError;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a rules run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rules file is wrong (nothing was sent).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store failed.
    #[error(transparent)]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message in `e`'s source chain, outermost first.
    fn chain(e: &dyn std::error::Error) -> Vec<String> {
        let mut out = vec![e.to_string()];
        let mut cur = e.source();
        while let Some(c) = cur {
            out.push(c.to_string());
            cur = c.source();
        }
        out
    }

    #[test]
    fn a_wrapped_error_is_said_once_along_the_chain() {
        // `{0}` with `#[from]` showed the inner message and handed it out
        // again as source(): a reporter printing the chain said it twice.
        let e = Error::from(vectis_sync::Error::config("--store", "not a store URL"));
        let shown = chain(&e);
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(shown[0].contains("not a store URL"), "{shown:?}");
    }
}
