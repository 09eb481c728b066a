//! # vectis-kaseya
//!
//! [Kaseya VSA X](https://www.kaseya.com/products/vsa/) (VSA 10) REST API v3
//! as a Vectis [`Connector`]: organizations (customers), devices (enriched
//! with OS, online state and last-seen from the asset inventory) and
//! notifications (alerts), each alert linked to its device and organization.
//! VSA X has no acknowledge or close verb, so both return
//! [`Error::Unsupported`] and send nothing.
//!
//! Add `vectis-kaseya = "0.1"` and `vectis-core = "0.1"` (the [`Connector`]
//! trait, settings, errors) to `Cargo.toml`, with an async runtime and
//! `futures`. TLS: the same features as `vectis-core` (`rustls`, the
//! default; `rustls-native-roots`; `native-tls`).
//!
//! **Layout.** A declaration of VSA X's API, run by `vectis-core`: `info`
//! (its facts: [`INFO`]), `listings` (its five lists), `raw` (its JSON) and
//! [`map`] (records → model), the `builder` and the `connector`, and its
//! two bespoke operations: `assets` (the device ↔ asset join) and `alerts`
//! (linking each notification to its device and organization).
//!
//! Building a connector sends nothing; what it can do, and why it cannot do
//! the rest, is known without the network:
//!
//! ```
//! use vectis_core::{Connector, Error, SecretString, Vendor, Verb};
//! use vectis_kaseya::KaseyaConnector;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! let vsa = KaseyaConnector::new(
//!     "https://example.vsax.net", // your tenant
//!     "token-id",
//!     SecretString::from("token-secret"),
//! )?;
//! assert_eq!(vsa.vendor(), Vendor::Kaseya);
//! assert!(vsa.capabilities().supports(Verb::ListAlerts));
//!
//! // VSA X has no close verb: refused before anything is sent, saying why.
//! let err = vsa.resolve_alert("any-notification-id").await.unwrap_err();
//! assert!(matches!(err, Error::Unsupported { .. }));
//! println!("{err}");
//!
//! // A tenant URL that is not https is a configuration error.
//! let bad = KaseyaConnector::new("http://example.vsax.net", "id", SecretString::from("s"));
//! assert!(matches!(bad, Err(Error::Config { .. })));
//! # Ok(()) }
//! ```
//!
//! Talking to VSA X:
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use vectis_core::{Connector, ListOptions, SecretString};
//! use vectis_kaseya::KaseyaConnector;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vectis_core::Error> {
//! let secret = std::env::var("VSAX_TOKEN_SECRET").unwrap_or_default();
//! let vsa = KaseyaConnector::new("https://example.vsax.net", "token-id", SecretString::from(secret))?;
//! println!("{}", vsa.check().await?); // Connected to Kaseya VSA: <n> organizations
//!
//! let alerts: Vec<_> = vsa.alerts(&ListOptions::default()).try_collect().await?;
//! assert!(alerts.iter().all(|a| a.device_id.is_some() && a.customer_id.is_some()));
//! # Ok(()) }
//! ```
//!
//! **Tenant URL.** Any https URL; usually `https://<name>.vsax.net`. A
//! trailing slash, doubled slashes or a pasted `/api/v3` are tidied away; a
//! URL that is not https (except on loopback), is not a URL, or has a query
//! is a configuration error. On-premises VSA 9 has a different API and is not
//! supported: a 404 says the tenant URL is wrong or the server is VSA 9.
//!
//! **Authentication.** HTTP Basic with an API token's id and secret (VSA →
//! Settings → API Access → Tokens). The secret is a `SecretString`, never
//! shown.
//!
//! **What a sync costs** (N organizations, D devices, A notifications; VSA X
//! pages hold at most 100 items):
//! - customers: ⌈N/100⌉ requests;
//! - devices: ⌈D/100⌉, plus ⌈D/100⌉ for `GET /api/v3/assets` when enrichment
//!   is on (the default; [`KaseyaBuilder::enrich_devices`]). The device list
//!   has no OS, online flag or last-seen; the asset list has them, joined by
//!   identifier — never one call per device. Both lists are ordered by
//!   identifier, so the asset list is read in step with the device list and
//!   only assets not yet matched are held: memory stays flat in tenant size.
//!   A device whose asset is not within 1,000 assets of its own position
//!   (none exists, or the lists disagree on order) arrives without OS,
//!   online state and last-seen; a `debug` event on `vectis::kaseya` counts
//!   them.
//! - alerts, linked (the default): the notification list carries no device,
//!   so the connector reads the device list (⌈D/100⌉, for the organization of
//!   each device) and then whichever costs fewer requests: the notification
//!   list plus one detail call per notification (⌈A/100⌉ + A, the detail has
//!   `ComputerIdentifier`), or one notification list per device (about D).
//!   The per-device way then sweeps the global list (⌈A/100⌉) for ids no
//!   device list had, with a detail call each, so none is lost — always,
//!   since counts agreeing prove nothing (a notification created during the
//!   sync can stand in for an older one never seen).
//! - alerts, unlinked ([`KaseyaBuilder::link_alerts`]`(false)`): ⌈A/100⌉,
//!   with `device_id` and `customer_id` null.
//!
//! Paging is `$top` (100) and `$skip` against `Meta.TotalCount` with a stable
//! `$orderby`; after the first page the rest are fetched concurrently, in
//! order.
//!
//! **Quota.** VSA X publishes no figure; the default is 3,600 requests per
//! hour (the figure MSP tools use), shared by every connector built with the
//! same token in this process, and overridable with
//! [`EngineSettings::quota`]. A 429 honours `Retry-After` and pauses every
//! request on the token.
//!
//! [`Connector`]: vectis_core::Connector
//! [`EngineSettings::quota`]: vectis_core::EngineSettings::quota
//! [`Error::Unsupported`]: vectis_core::Error::Unsupported
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod alerts;
mod assets;
mod builder;
mod connector;
mod info;
mod listings;
pub mod map;
pub mod raw;

pub use builder::{KaseyaBuilder, normalize_tenant_url};
pub use connector::KaseyaConnector;
pub use info::{
    API_ROOT, DEFAULT_QUOTA_PER_HOUR, INFO, PAGE_SIZE, TENANT_URL_VAR, TOKEN_ID_VAR,
    TOKEN_SECRET_VAR,
};
