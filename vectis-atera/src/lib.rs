//! # vectis-atera
//!
//! [Atera](https://www.atera.com) REST API v3 as a Vectis [`Connector`]:
//! customers, agents (devices) and alerts — open **and** resolved, every page
//! to the last — plus resolving an alert. Atera has no acknowledge verb, so
//! [`Connector::acknowledge_alert`] returns [`Error::Unsupported`].
//!
//! Add `vectis-atera = "0.1"` and `vectis-core = "0.1"` (the [`Connector`]
//! trait, settings, errors) to `Cargo.toml`, with an async runtime and
//! `futures`. TLS: the same features as `vectis-core` (`rustls`, the
//! default; `rustls-native-roots`; `native-tls`).
//!
//! **Layout.** A declaration of Atera's API, run by `vectis-core`: `info`
//! (its facts: [`INFO`]), `listings` (its lists: path, paging, envelope,
//! page size, ids), `raw` (its JSON) and [`map`] (records → model), the
//! `builder` (key and base URL) and the `connector` (the one action).
//!
//! Building a connector sends nothing; what it can do, and why it cannot do
//! the rest, is known without the network:
//!
//! ```
//! use vectis_atera::AteraConnector;
//! use vectis_core::{Connector, Error, SecretString, Vendor, Verb};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! let atera = AteraConnector::new(SecretString::from("your-atera-api-key"))?;
//! assert_eq!(atera.vendor(), Vendor::Atera);
//! assert!(atera.capabilities().supports(Verb::ResolveAlert));
//! assert!(!atera.capabilities().supports(Verb::AcknowledgeAlert));
//!
//! // An unsupported verb is refused before anything is sent, saying why.
//! let err = atera.acknowledge_alert("9001").await.unwrap_err();
//! assert!(matches!(err, Error::Unsupported { .. }));
//! println!("{err}");
//! # Ok(()) }
//! ```
//!
//! Talking to Atera (the key comes from Atera → Admin → API):
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use vectis_atera::AteraConnector;
//! use vectis_core::{Connector, ListOptions, SecretString};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vectis_core::Error> {
//! let key = std::env::var("ATERA_API_KEY").unwrap_or_default();
//! let atera = AteraConnector::new(SecretString::from(key))?; // https://app.atera.com
//! println!("{}", atera.check().await?); // Connected to Atera: 3 customers
//!
//! let devices: Vec<_> = atera.devices(&ListOptions::default()).try_collect().await?;
//! println!("{} devices", devices.len());
//! # Ok(()) }
//! ```
//!
//! Authentication: classic keys go in `X-API-KEY`; Atera's newer JWT keys
//! (three dot-separated base64url parts, or anything over 100 characters) go
//! in `Authorization: Bearer`. The default client-side quota is 700
//! requests/minute (Atera publishes none; this is the common figure), shared
//! by every connector built with the same key; override it with
//! [`EngineSettings::quota`].
//!
//! Atera's spec makes `CustomerID`, `AgentID` and `AlertID` nullable: a
//! record without its id is skipped with a `warn` event naming the endpoint
//! and index, and counted; a listing where no record has one is an error
//! (see `vectis_core::record_ids`).
//!
//! Incremental sync: `ListOptions::since` filters customers on Atera's side
//! (`FromLastModifiedDate`, which Atera reads in the *account's* time zone,
//! so the connector asks from 14 hours earlier: a few extra records, never a
//! missed one). Agents and alerts have no such filter and are always listed in
//! full.
//!
//! [`Connector`]: vectis_core::Connector
//! [`Connector::acknowledge_alert`]: vectis_core::Connector::acknowledge_alert
//! [`EngineSettings::quota`]: vectis_core::EngineSettings::quota
//! [`Error::Unsupported`]: vectis_core::Error::Unsupported
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod builder;
mod connector;
mod info;
mod listings;
pub mod map;
pub mod raw;

pub use builder::{AteraBuilder, looks_like_jwt};
pub use connector::AteraConnector;
pub use info::{
    API_KEY_VAR, API_ROOT, DEFAULT_BASE_URL, DEFAULT_QUOTA_PER_MINUTE, INFO, MAX_PAGE_SIZE,
};
