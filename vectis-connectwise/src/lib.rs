//! # vectis-connectwise
//!
//! [ConnectWise Manage](https://www.connectwise.com/platform/psa) (ConnectWise
//! PSA) REST API 3.0 as a Vectis [`Connector`]: companies (customers),
//! configurations (devices) and service tickets, every page to the last, and
//! opening a ticket that is never created twice. A PSA has tickets, not
//! monitoring alerts: [`Connector::alerts`] returns [`Error::Unsupported`].
//!
//! Add `vectis-connectwise = "0.1"` and `vectis-core = "0.1"` (the [`Connector`]
//! trait, settings, errors) to `Cargo.toml`, with an async runtime and
//! `futures`. TLS: the same features as `vectis-core` (`rustls`, the
//! default; `rustls-native-roots`; `native-tls`).
//!
//! **Layout.** A declaration of ConnectWise's API, run by `vectis-core`:
//! `info` ([`INFO`]), `listings`, `raw`, [`map`], `builder`, `connector`, and
//! what is ConnectWise's alone: `codebase` (discovery), `classify` (its
//! refusals explained), `once` (no record twice), `tickets` (no ticket
//! twice) and `workflow` (the [`Psa`](vectis_core::Psa) verbs).
//!
//! Building a connector sends nothing (the codebase is looked up on first
//! use); what it can do, and why it cannot do the rest, is known without the
//! network:
//!
//! ```
//! use vectis_connectwise::ConnectWiseConnector;
//! use vectis_core::{Connector, Error, SecretString, Vendor, Verb};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! let cw = ConnectWiseConnector::builder(
//!     "https://na.myconnectwise.net",
//!     "mycompany", // the short login company id, case-sensitive
//!     "public-key",
//!     SecretString::from("private-key"),
//!     "00000000-0000-0000-0000-000000000000", // the clientId GUID from developer.connectwise.com
//! )
//! .build()?;
//! assert_eq!(cw.vendor(), Vendor::ConnectWise);
//! assert!(cw.capabilities().supports(Verb::CreateTicket));
//!
//! // A PSA has tickets, not alerts: refused before anything is sent.
//! let err = cw.resolve_alert("42").await.unwrap_err();
//! assert!(matches!(err, Error::Unsupported { .. }));
//! println!("{err}");
//! # Ok(()) }
//! ```
//!
//! Talking to ConnectWise Manage:
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use vectis_connectwise::ConnectWiseConnector;
//! use vectis_core::{Connector, ListOptions, SecretString, TicketDraft};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vectis_core::Error> {
//! let private_key = std::env::var("CW_PRIVATE_KEY").unwrap_or_default();
//! let cw = ConnectWiseConnector::builder(
//!     "https://na.myconnectwise.net",
//!     "mycompany",
//!     "public-key",
//!     SecretString::from(private_key),
//!     "00000000-0000-0000-0000-000000000000",
//! )
//! .build()?;
//! println!("{}", cw.check().await?); // Connected to ConnectWise: v2025.1.12345
//!
//! let companies: Vec<_> = cw.customers(&ListOptions::default()).try_collect().await?;
//! let mut draft = TicketDraft::new(&companies[0].id, "Backup failed on FAB-SRV-01");
//! draft.description = Some("Nightly job exited with code 3".into());
//! let ticket = cw.create_ticket(&draft).await?;
//! println!("opened ticket {}", ticket.id);
//! # Ok(()) }
//! ```
//!
//! **Configuration.** The site URL (`https://na.myconnectwise.net`,
//! `https://eu.myconnectwise.net`, `https://au.myconnectwise.net` or an
//! on-premises host; the scheme is required), the company id you log in with
//! (short and case-sensitive, not the display name), an API member's public
//! and private key, and a `clientId` GUID registered at the ConnectWise
//! developer portal. Requests carry `Authorization: Basic
//! base64(company+public:private)` and `clientId`.
//!
//! **Codebase.** The API root is `https://<site>/<codebase>/apis/3.0`. The
//! codebase is discovered once, on first use, with the unauthenticated
//! `GET /login/companyinfo/<companyId>` (its `Codebase`, slashes stripped;
//! nothing else of that answer is read). Only `v<digits>_<digits>` codebases
//! (`v2025_1`) and `v4_6_release` are accepted. When the lookup fails or
//! answers no usable codebase, that is an error saying how to give it: a site
//! URL that already ends in `/<codebase>/apis/3.0`, or
//! [`ConnectWiseBuilder::codebase`], skips the lookup.
//!
//! **Ticket workflow** (the [`vectis_core::Psa`] trait, and inherent methods
//! of the same names): a [`TicketDraft::external_ref`] replaces the random
//! marker in `externalXRef` (at most 100 characters) and finds the ticket
//! again with [`ConnectWiseConnector::find_open_tickets`]
//! (`externalXRef = "…" and closedFlag = false`); notes (`POST
//! /service/tickets/{id}/notes`, never retried) and time entries with their
//! members; close and reopen by JSON Patch on `status`, the closed status
//! found by name among the ticket's board's statuses
//! ([`ConnectWiseBuilder::closed_status`]); boards and priorities by name.
//!
//! **Paging.** `pageSize=1000` (ConnectWise's maximum), following the
//! `Link: <…>; rel="next"` header with every query parameter kept. By
//! default lists page *forward-only* (`pagination-type: forward-only`, the
//! server's `pageId` cursor, an empty `Link` at the end): numbered pages skip
//! or repeat records while the table changes under a long sync, forward-only
//! pages do not. [`Paging::Navigable`] selects numbered pages (ordered by
//! `id asc`). Either way, a record that arrives twice fails the sync instead
//! of being delivered twice.
//!
//! **Incremental sync.** [`ListOptions::since`](field@vectis_core::ListOptions::since) becomes
//! `conditions=lastUpdated > [<UTC>]`, joined with `and` to any conditions
//! set with [`ConnectWiseBuilder::conditions`]. Deleted companies
//! (`deletedFlag`) are left out unless
//! [`ConnectWiseBuilder::include_deleted_companies`] is set.
//!
//! **Quota.** ConnectWise publishes none (Cloudflare answers 429 with
//! `Retry-After`, which is honoured); the default is a conservative 60
//! requests/minute, shared by every connector using the same API member
//! ([`EngineSettings::quota`] overrides it).
//!
//! [`Connector`]: vectis_core::Connector
//! [`Connector::alerts`]: vectis_core::Connector::alerts
//! [`EngineSettings::quota`]: vectis_core::EngineSettings::quota
//! [`Error::Unsupported`]: vectis_core::Error::Unsupported
//! [`TicketDraft::external_ref`]: vectis_core::TicketDraft::external_ref
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod builder;
mod classify;
mod codebase;
mod connector;
mod info;
mod listings;
pub mod map;
mod once;
pub mod raw;
mod tickets;
mod workflow;

pub use builder::ConnectWiseBuilder;
pub use connector::{ConnectWiseConnector, Listing, Paging};
pub use info::{
    API_ROOT, CLIENT_ID_VAR, CLOSED_STATUS_NAMES, COMPANY_ID_VAR, DEFAULT_CODEBASE,
    DEFAULT_QUOTA_PER_MINUTE, INFO, MARKER_PREFIX, MAX_EXTERNAL_REF_CHARS, MAX_PAGE_SIZE,
    MAX_SUMMARY_CHARS, PAGINATION_TYPE_HEADER, PRIVATE_KEY_VAR, PUBLIC_KEY_VAR, SITE_URL_VAR,
};
pub use once::HasId;
