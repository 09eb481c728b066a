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
//! ## A vendor is a declaration
//!
//! A vendor crate states its facts once, in a [`VendorInfo`] table, and its
//! lists as [`Listing`]s; [`HttpClient::list`] runs any of them (paging,
//! concurrency, resume cursors, records without ids, repeats, errors).
//! Adding a listing to a vendor is a declaration, a raw struct and a map
//! function — here Datto RMM's sites:
//!
//! ```
//! use vectis_core::{Customer, Envelope, HttpClient, ListOptions, Listing, PageStream, Pager, Vendor};
//! # use std::sync::Arc;
//! # use vectis_core::vendor_info::{Hints, VendorInfo, quota_per};
//! # use vectis_core::{BaseUrl, EngineSettings, InfoRules, SecretString, credential::BearerToken};
//! # static INFO: VendorInfo = VendorInfo { vendor: Vendor::DattoRmm, product: "Datto RMM",
//! #     example_url: "https://merlot-api.centrastage.net", api_root: "/api/v2", api_root_aliases: &["/api"],
//! #     env: &[], consoles: &[], hints: Hints { unauthorized: "", forbidden: "", not_found: "",
//! #     rate_limited: "", timeout: "" }, supports: &[], since_kinds: &[], unsupported: &[],
//! #     default_quota: quota_per(540, 60), error_body: None };
//!
//! // 1. The vendor's JSON, mirrored and lenient.
//! #[derive(serde::Deserialize)]
//! struct Site {
//!     uid: Option<String>,
//!     name: Option<String>,
//! }
//!
//! // 2. One plain function to the model (`None` skips the record).
//! fn site(s: Site, raw: serde_json::Value) -> Option<Customer> {
//!     let mut customer = Customer::new(Vendor::DattoRmm, s.uid?, s.name.unwrap_or_default());
//!     customer.raw = raw;
//!     Some(customer)
//! }
//!
//! // 3. The listing: path, paging, envelope, page size, ids, repeats.
//! const SITES: Listing<Site> = Listing::new(
//!     "/account/sites",
//!     Pager::next_url("page", "max", 0),
//!     Envelope::object("sites")
//!         .require("pageDetails")
//!         .total("pageDetails.totalCount")
//!         .next("pageDetails.nextPageUrl"),
//! )
//! .page_size(250, 250)
//! .ids("uid", |s: &Site| s.uid.is_some())
//! .unique();
//!
//! // The connector's `customer_pages` is then one line.
//! fn customer_pages(client: &HttpClient, opts: &ListOptions) -> PageStream<Customer> {
//!     client.list(&SITES, opts).map(site).pages()
//! }
//!
//! // Nothing is sent to build the first request, so it is checked offline.
//! # let base = BaseUrl::parse("https://merlot-api.centrastage.net/api/v2", "base URL")?;
//! # let token = Arc::new(BearerToken::new(Vendor::DattoRmm, SecretString::from("t")));
//! # let client = HttpClient::new(Arc::new(InfoRules::new(&INFO)), base, token, EngineSettings::default());
//! let call = client.list(&SITES, &ListOptions::default().page_size(100));
//! assert_eq!(call.endpoint(), "/api/v2/account/sites");
//! assert_eq!(
//!     call.first_url()?.as_str(),
//!     "https://merlot-api.centrastage.net/api/v2/account/sites?page=0&max=100"
//! );
//! # let _ = customer_pages;
//! # Ok::<(), vectis_core::Error>(())
//! ```
//!
//! Modules, one concept each: [`model`], [`connector`], [`credential`],
//! [`paginate`], [`rate_limit`], [`retry`], [`http`], [`error`], [`time`],
//! [`timestamp`], [`psa`] (the ticket workflow a PSA adds), [`vendor_info`]
//! (a vendor's facts as one table), [`listing`] and [`envelope`] (lists as
//! data), [`endpoint`] (request paths as templates), [`builder`] (what every
//! vendor's builder shares). Linking RMM
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
pub use vendor_info::{EnvVar, Hints, InfoRules, VendorInfo, WithBaseUrl, with_api_root};

/// Re-exported so users need no direct `secrecy` dependency (and cannot mix
/// incompatible versions).
pub use secrecy::{ExposeSecret, SecretString};

/// The HTTP library the engine is built on (0.12), re-exported so a client
/// you give in [`EngineSettings::http_client`] is built with exactly the
/// version the engine takes: `vectis_core::reqwest::Client::builder()`.
pub use reqwest;
