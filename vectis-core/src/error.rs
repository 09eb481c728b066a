//! One error type for every connector, written for the person reading it.
//!
//! Each variant carries structured data for programs (vendor, endpoint,
//! status, retry-after, the vendor's error body) and displays as one
//! sentence: what failed, in the vendor's terms, and what to do next. Request
//! headers never appear in an error; body snippets are truncated.

use crate::model::Vendor;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod text;
mod transport;

pub use text::{redact, snippet};
pub use transport::{TransportError, decode_source, network_cause};

/// `Result` with the Vectis [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An action or listing a connector may or may not support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verb {
    /// List customers.
    ListCustomers,
    /// List devices.
    ListDevices,
    /// List alerts.
    ListAlerts,
    /// List tickets.
    ListTickets,
    /// Acknowledge an alert.
    AcknowledgeAlert,
    /// Resolve (close) an alert.
    ResolveAlert,
    /// Open a ticket.
    CreateTicket,
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verb::ListCustomers => "list customers",
            Verb::ListDevices => "list devices",
            Verb::ListAlerts => "list alerts",
            Verb::ListTickets => "list tickets",
            Verb::AcknowledgeAlert => "acknowledge an alert",
            Verb::ResolveAlert => "resolve an alert",
            Verb::CreateTicket => "create a ticket",
        })
    }
}

/// Coarse classes of [`Error`], for programs that branch on the kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad configuration or input: fix it and run again.
    Config,
    /// The credential was refused.
    Auth,
    /// The credential works but lacks permission.
    Forbidden,
    /// The thing asked for does not exist.
    NotFound,
    /// The vendor throttled us beyond what retries could absorb.
    Throttled,
    /// Timeouts and connection failures.
    Transient,
    /// The vendor failed (5xx).
    Server,
    /// The vendor rejected the request (other 4xx).
    Client,
    /// The vendor answered something that is not what it documents.
    Data,
    /// The vendor has no such verb.
    Unsupported,
}

/// Everything that can go wrong talking to a vendor. `Clone`, so one
/// failure can be handed to every request that waited for it (a token fetch).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The vendor refused the credential (401, or a token request refused).
    #[error("{status_text}{vendor} rejected the credentials: {hint}", status_text = status_prefix(*status))]
    Auth {
        /// Vendor that answered.
        vendor: Vendor,
        /// HTTP status, when there was one.
        status: Option<u16>,
        /// What to do, in the vendor's terms.
        hint: String,
    },
    /// The credential works but may not do this (403).
    #[error("403 from {vendor} on {endpoint}: {hint}")]
    Forbidden {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// What to do, in the vendor's terms.
        hint: String,
    },
    /// The thing asked for does not exist (404).
    #[error("404 from {vendor} on {endpoint}: {hint}")]
    NotFound {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// What to check.
        hint: String,
    },
    /// Throttled past the retry budget, or told to wait longer than we may.
    #[error("{vendor} is rate-limiting these credentials on {endpoint}{wait}: {hint}", wait = fmt_wait(*retry_after))]
    RateLimited {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// How long the vendor asked us to wait, if it said.
        retry_after: Option<Duration>,
        /// Attempts made before giving up.
        attempts: u32,
        /// What to do.
        hint: String,
    },
    /// The vendor failed with a 5xx after every retry.
    #[error("{vendor} answered {status} on {endpoint} after {attempts} attempt(s){snippet}: the vendor is failing; try again later, and check its status page if it persists", snippet = fmt_snippet(snippet))]
    Server {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// Start of the response body, truncated.
        snippet: String,
    },
    /// No answer within the request timeout, after every retry.
    #[error("{vendor} did not answer {endpoint} in time after {attempts} attempt(s): {hint}")]
    Timeout {
        /// Vendor being called.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// Attempts made.
        attempts: u32,
        /// What to check.
        hint: String,
    },
    /// The connection failed (refused, DNS, TLS, reset), after every retry.
    /// The message says which, once: `could not reach Atera at
    /// https://app.atera.com (/api/v3/customers): connection refused — …`.
    #[error(
        "could not reach {vendor} at {origin} ({endpoint}): {}",
        network_cause(source)
    )]
    Network {
        /// Vendor being called.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// Scheme, host and port called (no path, query or credentials).
        origin: String,
        /// The transport error, with its URL removed; its own `source()`
        /// chain holds the causes underneath (I/O, DNS, TLS).
        #[source]
        source: Arc<TransportError>,
    },
    /// The vendor rejected the request (a 4xx other than 401/403/404/429).
    #[error("{status} from {vendor} on {endpoint}: {message}")]
    Api {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// The vendor's error code, if its body has one.
        code: Option<String>,
        /// The vendor's message, or a description of the failure.
        message: String,
        /// The vendor's parsed error body.
        body: Option<serde_json::Value>,
    },
    /// The answer is not what the vendor documents (an HTML page, truncated
    /// JSON, a missing envelope).
    #[error("unexpected response from {vendor} on {endpoint} (status {status}, {content_type}): {reason}{snippet}; check the base URL, and that no proxy or login page sits in front of the API", snippet = fmt_snippet(snippet))]
    UnexpectedResponse {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// The response content type.
        content_type: String,
        /// What was wrong with it.
        reason: String,
        /// Start of the body, truncated.
        snippet: String,
    },
    /// A record did not have the shape the vendor documents.
    #[error(
        "could not read {vendor}'s answer on {endpoint} at {path}: {message}; the vendor may have changed its API — please report this with the path"
    )]
    Decode {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// JSON path of the bad value, e.g. `items[3].AgentID`.
        path: String,
        /// What the decoder said.
        message: String,
        /// The decoder's own error (`serde_json::Error`), when there is one
        /// (the `source()` is this `Arc`; downcast through it).
        #[source]
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// A next-page token or URL came back that was already requested.
    #[error(
        "{vendor} sent a next-page link on {endpoint} that was already followed; stopping so the sync does not loop forever — please report this"
    )]
    PaginationLoop {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
    },
    /// The data contradicts itself (a next-page URL on another host, a
    /// duplicate record, a count that does not add up).
    #[error("inconsistent answer from {vendor} on {endpoint}: {detail}")]
    Inconsistent {
        /// Vendor that answered.
        vendor: Vendor,
        /// Endpoint path template.
        endpoint: String,
        /// What did not add up.
        detail: String,
    },
    /// The vendor has no such verb.
    #[error("{vendor} cannot {verb}{why}", why = fmt_reason(reason))]
    Unsupported {
        /// Vendor asked.
        vendor: Vendor,
        /// The verb it lacks.
        verb: Verb,
        /// Why, when there is more to say.
        reason: Option<String>,
    },
    /// The store holding a quota shared by many processes (Redis) could not
    /// be reached, and the configured fallback is to fail.
    #[error(
        "the shared quota store is unavailable ({detail}); check that Redis is up and reachable, or configure the local fallback"
    )]
    SharedQuota {
        /// What went wrong.
        detail: String,
        /// The Redis client's own error, when there is one (the `source()`
        /// is this `Arc`; downcast through it to reach the Redis type).
        #[source]
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// Bad configuration: a missing variable, a bad base URL.
    #[error("configuration: {}", fmt_config(what, reason))]
    Config {
        /// What is misconfigured (a variable or field name).
        what: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Bad input to an action, refused before any request was sent.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which input.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
}

fn status_prefix(status: Option<u16>) -> String {
    status.map(|s| format!("{s}: ")).unwrap_or_default()
}

fn fmt_wait(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!(" (asked to wait {}s)", d.as_secs_f64().ceil() as u64),
        None => String::new(),
    }
}

/// `what: reason`, or only `reason` when it already starts with `what`
/// (`ATERA_API_KEY is not set`, not `ATERA_API_KEY: ATERA_API_KEY is not set`).
fn fmt_config(what: &str, reason: &str) -> String {
    if what.is_empty() || reason.starts_with(what) {
        reason.to_string()
    } else {
        format!("{what}: {reason}")
    }
}

fn fmt_snippet(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" [body: {s}]")
    }
}

fn fmt_reason(r: &Option<String>) -> String {
    match r {
        Some(r) => format!(": {r}"),
        None => " (the vendor has no such verb)".to_string(),
    }
}

impl Error {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Auth { .. } => ErrorKind::Auth,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::RateLimited { .. } => ErrorKind::Throttled,
            Error::Server { .. } => ErrorKind::Server,
            Error::Timeout { .. } | Error::Network { .. } | Error::SharedQuota { .. } => {
                ErrorKind::Transient
            }
            Error::Api { .. } => ErrorKind::Client,
            Error::UnexpectedResponse { .. }
            | Error::Decode { .. }
            | Error::PaginationLoop { .. }
            | Error::Inconsistent { .. } => ErrorKind::Data,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::Config { .. } | Error::InvalidInput { .. } => ErrorKind::Config,
        }
    }

    /// Whether trying the same thing again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Throttled | ErrorKind::Transient | ErrorKind::Server
        )
    }

    /// How long the vendor asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status behind this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. } => *status,
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            Error::Server { status, .. }
            | Error::Api { status, .. }
            | Error::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The vendor involved, if any.
    pub fn vendor(&self) -> Option<Vendor> {
        match self {
            Error::Auth { vendor, .. }
            | Error::Forbidden { vendor, .. }
            | Error::NotFound { vendor, .. }
            | Error::RateLimited { vendor, .. }
            | Error::Server { vendor, .. }
            | Error::Timeout { vendor, .. }
            | Error::Network { vendor, .. }
            | Error::Api { vendor, .. }
            | Error::UnexpectedResponse { vendor, .. }
            | Error::Decode { vendor, .. }
            | Error::PaginationLoop { vendor, .. }
            | Error::Inconsistent { vendor, .. }
            | Error::Unsupported { vendor, .. } => Some(*vendor),
            Error::Config { .. } | Error::InvalidInput { .. } | Error::SharedQuota { .. } => None,
        }
    }

    /// Shorthand for a [`Error::Config`].
    pub fn config(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Config {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// The same error with `hint` in place of the engine's, when it is of
    /// `kind` and carries a hint (auth, forbidden, not found, throttled,
    /// timeout); any other error unchanged. For a call that knows better
    /// than the vendor's general hint what a failure means:
    ///
    /// ```
    /// use vectis_core::{Error, ErrorKind, Vendor};
    ///
    /// let e = Error::NotFound {
    ///     vendor: Vendor::Atera,
    ///     endpoint: "/api/v3/alerts/{id}".into(),
    ///     hint: "no such record in this Atera account; check the id".into(),
    /// };
    /// let e = e.with_hint(ErrorKind::NotFound, "there is no alert 9001 in this Atera account");
    /// assert!(e.to_string().ends_with("there is no alert 9001 in this Atera account"));
    /// ```
    pub fn with_hint(mut self, kind: ErrorKind, hint: impl Into<String>) -> Error {
        if self.kind() != kind {
            return self;
        }
        match &mut self {
            Error::Auth { hint: h, .. }
            | Error::Forbidden { hint: h, .. }
            | Error::NotFound { hint: h, .. }
            | Error::RateLimited { hint: h, .. }
            | Error::Timeout { hint: h, .. } => *h = hint.into(),
            _ => {}
        }
        self
    }

    /// Shorthand for an [`Error::Unsupported`] with an explanation.
    pub fn unsupported(vendor: Vendor, verb: Verb, reason: impl Into<String>) -> Error {
        Error::Unsupported {
            vendor,
            verb,
            reason: Some(reason.into()),
        }
    }
}

#[cfg(test)]
mod tests;
