//! # vectis-core
//!
//! The core of the Vectis connectors: the normalized model ([`model`]), the
//! [`Connector`] trait, and the one HTTP engine every vendor crate runs on —
//! credentials, pagination, rate limiting, retries and errors.
//!
//! Vendor crates (`vectis-atera`, …) declare their endpoints; this crate
//! runs them. Most users only touch [`Connector`], the model and [`Error`]:
//!
//! ```
//! use vectis_core::{ConnectionInfo, Error, Quota, Vendor};
//!
//! // Quotas parse from the same text the examples' `--rate-limit` takes.
//! let q: Quota = "700/min".parse()?;
//! assert_eq!(q, Quota::per_minute(700));
//!
//! // Connection checks print one line people can read.
//! let info = ConnectionInfo::counted(Vendor::Atera, 42, "customers");
//! assert_eq!(info.to_string(), "Connected to Atera: 42 customers");
//!
//! // Errors say what failed and what to do.
//! let e = Error::config("ATERA_API_KEY", "not set; create a key in Atera → Admin → API");
//! assert!(e.to_string().contains("ATERA_API_KEY"));
//! # Ok::<(), Error>(())
//! ```
//!
//! Modules, one concept each: [`model`], [`connector`], [`credential`],
//! [`paginate`], [`rate_limit`], [`retry`], [`http`], [`error`], [`time`],
//! [`timestamp`], [`psa`] (the ticket workflow a PSA adds), [`vendor_info`]
//! (a vendor's facts as one table). Linking RMM
//! customers to PSA companies by name is the `vectis-match` crate.
//!
//! Cargo features:
//!
//! - `rustls` (on by default): TLS with rustls and the webpki (Mozilla)
//!   root certificates bundled in.
//! - `rustls-native-roots`: rustls trusting the operating system's store as
//!   well (a company CA installed on the machine).
//! - `native-tls`: the platform's TLS (OpenSSL on Linux, needing its
//!   headers to build; Schannel; Secure Transport), used instead of rustls
//!   when on.
//!
//! Behind a proxy that inspects TLS, or against a server with a private CA,
//! add the CA's certificate (PEM) with [`EngineSettings::extra_root_certificates`],
//! or bring your own `reqwest::Client` with [`EngineSettings::http_client`]
//! (it must not follow redirects; that is checked before its first request).
//! - `redis` (off by default): `redis_quota`, a quota kept in Redis and
//!   shared by every process using one credential (set it with
//!   [`EngineSettings::shared_quota`]).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod builder;
pub mod connector;
pub mod credential;
pub mod endpoint;
pub mod envelope;
pub mod error;
pub mod http;
pub mod listing;
pub mod model;
pub mod paginate;
pub mod psa;
pub mod rate_limit;
pub mod record_ids;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis_quota;
pub mod retry;
pub mod time;
pub mod timestamp;
pub mod vendor_info;

pub use connector::{
    ActionOutcome, Capabilities, ConnectionInfo, Connector, ListOptions, Observed,
};
pub use credential::Credential;
pub use envelope::Envelope;
pub use error::{Error, ErrorKind, Result, TransportError, Verb};
pub use http::{BaseUrl, EngineSettings, HttpClient};
pub use listing::{ListCall, ListRun, Listing, Pager};
pub use model::{
    Alert, AlertStatus, Customer, Device, Kind, OsFamily, Record, Severity, Ticket, TicketDraft,
    Vendor, VendorId,
};
pub use paginate::{Cursor, ItemStream, Page, PageStream};
pub use psa::{Activity, ActivityKind, Named, Psa, TicketState};
pub use rate_limit::{Pacing, Quota, RateLimit};
pub use retry::RetryPolicy;
pub use time::{ManualTime, Time};
pub use vendor_info::{EnvVar, Hints, InfoRules, VendorInfo, with_api_root};

/// Re-exported so users need no direct `secrecy` dependency (and cannot mix
/// incompatible versions).
pub use secrecy::{ExposeSecret, SecretString};

/// The HTTP library the engine is built on (0.12), re-exported so a client
/// you give in [`EngineSettings::http_client`] is built with exactly the
/// version the engine takes: `vectis_core::reqwest::Client::builder()`.
pub use reqwest;
