//! Store URLs: `sqlite://PATH`, `sqlite:///ABSOLUTE`, `sqlite::memory:`,
//! `postgres://…`; shown everywhere with the password redacted.

use crate::error::{Error, Result};
use std::fmt;

/// Which database a store is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite: one file (or memory), nothing to install.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A parsed store URL. `Display` and `Debug` never show a password.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl {
    backend: Backend,
    /// What sqlx connects to (may hold a password: never print it).
    connect: String,
    /// What people see.
    shown: String,
    memory: bool,
    /// SQLite: how long a statement waits for another process's lock.
    busy_timeout: std::time::Duration,
}

/// How long a SQLite store waits for the write lock (held by another
/// process, or by another kind of the same sync), unless its URL says
/// `busy_timeout=MILLISECONDS`.
pub const DEFAULT_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl StoreUrl {
    /// Parses a store URL.
    pub fn parse(raw: &str) -> Result<StoreUrl> {
        let raw = raw.trim();
        if raw == "sqlite::memory:" || raw == "sqlite://:memory:" {
            return Ok(StoreUrl {
                backend: Backend::Sqlite,
                connect: "sqlite::memory:".into(),
                shown: "sqlite::memory:".into(),
                memory: true,
                busy_timeout: DEFAULT_BUSY_TIMEOUT,
            });
        }
        if let Some(rest) = raw.strip_prefix("sqlite://") {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            if path.is_empty() {
                return Err(Error::config(
                    "store URL",
                    "`sqlite://` needs a file path: sqlite://vectis.db (relative) or sqlite:///var/lib/vectis.db (absolute)",
                ));
            }
            // `busy_timeout=MS` is the store's own; SQLite's parameters
            // (`mode=ro`, `immutable=1`, …) are kept; without a `mode` the
            // file is created when missing.
            let mut busy_timeout = DEFAULT_BUSY_TIMEOUT;
            let mut kept = Vec::new();
            for kv in query.split('&').filter(|kv| !kv.is_empty()) {
                match kv.split_once('=') {
                    Some(("busy_timeout", ms)) => {
                        let ms = ms.parse::<u32>().map_err(|_| {
                            Error::config(
                                "store URL",
                                format!(
                                    "busy_timeout=`{ms}` is not a number of milliseconds; give one like busy_timeout=5000 (0 fails at once when another process holds the store)"
                                ),
                            )
                        })?;
                        busy_timeout = std::time::Duration::from_millis(u64::from(ms));
                    }
                    _ => kept.push(kv),
                }
            }
            let query = kept.join("&");
            let query = query.as_str();
            let has_mode = query
                .split('&')
                .any(|kv| kv.split('=').next() == Some("mode"));
            let query = match (query.is_empty(), has_mode) {
                (true, _) => "mode=rwc".to_string(),
                (false, true) => query.to_string(),
                (false, false) => format!("{query}&mode=rwc"),
            };
            let shown = if query == "mode=rwc" {
                format!("sqlite://{path}")
            } else {
                format!("sqlite://{path}?{query}")
            };
            return Ok(StoreUrl {
                backend: Backend::Sqlite,
                connect: format!("sqlite://{path}?{query}"),
                shown,
                memory: false,
                busy_timeout,
            });
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let shown = match url::Url::parse(raw) {
                Ok(mut u) => {
                    // A password that cannot be masked is never shown: then
                    // only the scheme and host are.
                    let masked = u.password().is_none() || u.set_password(Some("***")).is_ok();
                    u.set_query(None);
                    if masked {
                        u.to_string()
                    } else {
                        vectis_core::http::scheme_and_host(raw)
                    }
                }
                Err(e) => {
                    return Err(Error::config(
                        "store URL",
                        format!(
                            "postgres://… is not a valid URL ({e}); the form is postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters in the password)"
                        ),
                    ));
                }
            };
            return Ok(StoreUrl {
                backend: Backend::Postgres,
                connect: raw.to_string(),
                shown,
                memory: false,
                busy_timeout: DEFAULT_BUSY_TIMEOUT,
            });
        }
        let scheme = raw.split(':').next().unwrap_or_default();
        Err(Error::config(
            "store URL",
            format!(
                "`{scheme}:` is not a store this build knows; use sqlite://PATH, sqlite::memory: or postgres://USER@HOST/DB"
            ),
        ))
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether this is an in-memory SQLite database (gone when closed).
    pub fn is_memory(&self) -> bool {
        self.memory
    }

    /// SQLite: how long a statement waits for the write lock before it
    /// fails with "database is locked" ([`DEFAULT_BUSY_TIMEOUT`], or the
    /// URL's `busy_timeout=MILLISECONDS`). SQLite has one writer at a time:
    /// the wait is for another process, and for this sync's other kinds,
    /// whose pages take turns — a very short timeout fails them too.
    pub fn busy_timeout(&self) -> std::time::Duration {
        self.busy_timeout
    }

    pub(crate) fn connect_string(&self) -> &str {
        &self.connect
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({})", self.shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_timeout_is_the_stores_own_parameter_not_sqlites() {
        let u = StoreUrl::parse("sqlite://x.db?busy_timeout=250&mode=ro").unwrap();
        assert_eq!(u.busy_timeout(), std::time::Duration::from_millis(250));
        assert_eq!(u.connect_string(), "sqlite://x.db?mode=ro");
        let u = StoreUrl::parse("sqlite://x.db?busy_timeout=0").unwrap();
        assert_eq!(u.busy_timeout(), std::time::Duration::ZERO);
        assert_eq!(u.connect_string(), "sqlite://x.db?mode=rwc");
        assert_eq!(u.to_string(), "sqlite://x.db");
        let u = StoreUrl::parse("sqlite://x.db").unwrap();
        assert_eq!(u.busy_timeout(), DEFAULT_BUSY_TIMEOUT);
        let e = StoreUrl::parse("sqlite://x.db?busy_timeout=soon").unwrap_err();
        assert!(e.to_string().contains("milliseconds"), "{e}");
    }

    #[test]
    fn postgres_passwords_are_never_shown() {
        let u = StoreUrl::parse("postgres://vectis:s3cret@db.example:5432/vectis?sslmode=require")
            .unwrap();
        assert_eq!(u.backend(), Backend::Postgres);
        assert!(!u.to_string().contains("s3cret"));
        assert!(!format!("{u:?}").contains("s3cret"));
        assert!(u.to_string().contains("db.example:5432/vectis"));
    }

    #[test]
    fn sqlite_forms() {
        let rel = StoreUrl::parse("sqlite://vectis.db").unwrap();
        assert_eq!(rel.connect_string(), "sqlite://vectis.db?mode=rwc");
        let abs = StoreUrl::parse("sqlite:///tmp/x.db").unwrap();
        assert_eq!(abs.to_string(), "sqlite:///tmp/x.db");
        assert!(StoreUrl::parse("sqlite::memory:").unwrap().is_memory());
    }

    #[test]
    fn unknown_schemes_and_broken_urls_name_no_secret() {
        let e = StoreUrl::parse("mysql://u:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("mysql:") && !e.contains("pw"), "{e}");
        let e = StoreUrl::parse("postgres://u:p/w@h:x/db")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("p/w"), "{e}");
        assert!(StoreUrl::parse("sqlite://").is_err());
    }
}
