//! A URL given on the command line that may carry a password (a store's
//! `postgres://USER:PASSWORD@…`, a Redis `redis://:PASSWORD@…`): its `Debug`
//! shows only the scheme and host, so a derived `Debug` of the arguments
//! never prints the secret.

use std::fmt;

/// A command-line URL whose `Debug` is `scheme://host` only.
#[derive(Clone, PartialEq, Eq)]
pub struct UrlArg(String);

impl UrlArg {
    /// The URL as given (may hold a password: never print it).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for UrlArg {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(UrlArg(s.to_string()))
    }
}

impl fmt::Debug for UrlArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UrlArg({})", redacted(&self.0))
    }
}

/// `scheme://host` of a URL that may hold a password (nothing else of it).
pub fn redacted(raw: &str) -> String {
    vectis_core::http::scheme_and_host(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        for raw in [
            "postgres://vectis:hunter2@db.example:5432/vectis",
            "redis://:hunter2@127.0.0.1:6379",
            "sqlite:///tmp/x.db",
        ] {
            let u: UrlArg = raw.parse().unwrap();
            let shown = format!("{u:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert_eq!(u.as_str(), raw);
        }
    }
}
