//! # vectis-datto-rmm
//!
//! [Datto RMM](https://www.datto.com/products/rmm/) REST API v2 as a Vectis
//! [`Connector`]: sites (customers), devices and alerts — open **and**
//! resolved, every page to the last — plus resolving an alert. Datto RMM
//! removed muting in release 8.9.0, so [`Connector::acknowledge_alert`]
//! returns [`Error::Unsupported`] saying so.
//!
//! Add `vectis-datto-rmm = "0.1"` and `vectis-core = "0.1"` (the [`Connector`]
//! trait, settings, errors) to `Cargo.toml`, with an async runtime and
//! `futures`. TLS: the same features as `vectis-core` (`rustls`, the
//! default; `rustls-native-roots`; `native-tls`).
//!
//! **Layout.** A declaration of Datto RMM's API, run by `vectis-core`:
//! `info` (its facts: [`INFO`]), `listings` (its lists and the capped-page
//! hook), `raw` (its JSON) and [`map`] (records → model), the `builder` and
//! the `connector`, and what is Datto's alone: `throttle` (the 429 → IP-block
//! classifier), `page_max` (the account's page maximum) and `explain`
//! (token and platform errors in Datto's terms).
//!
//! Building a connector sends nothing (the token is asked for on first use);
//! what it can do, and why it cannot do the rest, is known without the
//! network:
//!
//! ```
//! use vectis_core::{Connector, Error, SecretString, Vendor, Verb};
//! use vectis_datto_rmm::DattoRmmConnector;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! let datto = DattoRmmConnector::new(
//!     "merlot", // the platform: https://merlot-api.centrastage.net
//!     SecretString::from("your-api-key"),
//!     SecretString::from("your-api-secret"),
//! )?;
//! assert_eq!(datto.vendor(), Vendor::DattoRmm);
//! assert!(datto.capabilities().supports(Verb::ResolveAlert));
//!
//! // Muting was removed from Datto RMM: refused before anything is sent.
//! let err = datto.acknowledge_alert("any-alert-uid").await.unwrap_err();
//! assert!(matches!(err, Error::Unsupported { .. }));
//! println!("{err}");
//! # Ok(()) }
//! ```
//!
//! Talking to Datto RMM:
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use vectis_core::{Connector, ListOptions, SecretString};
//! use vectis_datto_rmm::DattoRmmConnector;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vectis_core::Error> {
//! let (key, secret) = (std::env::var("DATTO_KEY").unwrap_or_default(), std::env::var("DATTO_SECRET").unwrap_or_default());
//! let datto = DattoRmmConnector::new("merlot", SecretString::from(key), SecretString::from(secret))?;
//! println!("{}", datto.check().await?); // Connected to Datto RMM: <account name>
//!
//! let sites: Vec<_> = datto.customers(&ListOptions::default()).try_collect().await?;
//! assert!(sites.iter().all(|s| s.name != "Deleted Devices"));
//! let alerts: Vec<_> = datto.alerts(&ListOptions::default()).try_collect().await?;
//! println!("{} sites, {} alerts", sites.len(), alerts.len());
//! # Ok(()) }
//! ```
//!
//! **Authentication.** An API key and secret, generated for an API user in
//! Datto RMM (Setup → Users), exchanged for a token with the OAuth2 password
//! grant at `/auth/oauth/token` (client `public-client:public`). The token
//! lives 100 hours; it is cached, requested once however many requests run at
//! once, renewed a few minutes before it expires and once more on a 401.
//!
//! **Platforms.** Every Datto RMM account lives on one platform: `pinotage`,
//! `merlot`, `concord`, `vidal`, `zinfandel` or `syrah`, the first part of the
//! API URL (`https://<platform>-api.centrastage.net`). A wrong platform shows
//! up as a 404 or a failed connection on the token endpoint, a refused key
//! pair, or a 404 on `GET /api/v2/account`; each error names the platform
//! used (and the six), and a 404 on the token endpoint is not asked twice.
//! A 404 on a later page of a listing is not the platform: it names the
//! next-page link that failed.
//!
//! **What is listed.** Customers are sites, without the built-in "Deleted
//! Devices" site (Datto's recycle bin, recognized by its name; its uid is not
//! a GUID and no per-site call may use it). Any other site whose uid is not a
//! GUID is dropped too, with a `warn` event that counts them. A record with
//! no uid (Datto's spec requires none) is skipped with a `warn` naming the
//! endpoint and index; a listing where no record has one is an error. Devices marked `deleted` (the ones in that site) are
//! dropped too, unless [`DattoRmmBuilder::keep_deleted_devices`] asks for
//! them, in which case they come with no customer and `raw.deleted: true`.
//! Alerts come from `/alerts/open` then `/alerts/resolved`; unknown
//! `alertContext` classes are kept in `raw`.
//!
//! **Quota.** Datto RMM allows 600 reads per rolling 60 seconds **per
//! account** — every API key and script on the account together — slows
//! answers by a second past 90 %, answers 429 past the limit, and blocks the
//! IP address for at least 5 minutes (403) when a client keeps going after a
//! 429. The default client-side quota is [`DEFAULT_QUOTA_PER_MINUTE`] (90 %
//! of the limit), shared by every connector built with the same key in this
//! process; lower it with [`EngineSettings::quota`] when other integrations
//! use the same account, or share it across processes with
//! [`EngineSettings::shared_quota`]. A 429 pauses every request on the
//! credential for a minute; a 403 right after a 429 is reported as
//! [`Error::RateLimited`] with a 5-minute wait, not as a permission problem.
//! Writes (resolving an alert) have their own per-operation buckets at Datto
//! (`alert-resolve`); the client-side quota counts them with the reads, which
//! only errs on the safe side.
//!
//! Incremental sync: Datto RMM has no "changed since" filter, so
//! `ListOptions::since` is ignored and every listing is complete.
//!
//! [`Connector`]: vectis_core::Connector
//! [`Connector::acknowledge_alert`]: vectis_core::Connector::acknowledge_alert
//! [`EngineSettings::quota`]: vectis_core::EngineSettings::quota
//! [`EngineSettings::shared_quota`]: vectis_core::EngineSettings::shared_quota
//! [`Error::RateLimited`]: vectis_core::Error::RateLimited
//! [`Error::Unsupported`]: vectis_core::Error::Unsupported
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod builder;
mod connector;
mod explain;
mod info;
mod listings;
pub mod map;
mod page_max;
pub mod raw;
mod throttle;

pub use builder::DattoRmmBuilder;
pub use connector::DattoRmmConnector;
pub use info::{
    ACCOUNT_READ_LIMIT_PER_MINUTE, API_KEY_VAR, API_ROOT, API_SECRET_VAR, DEFAULT_PAGE_SIZE,
    DEFAULT_QUOTA_PER_MINUTE, INFO, IP_BLOCK, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, PLATFORM_VAR,
    PLATFORMS, THROTTLE_WAIT, TOKEN_LIFETIME, TOKEN_PATH, platform_origin,
};
