//! # vectis-connectwise
//!
//! [ConnectWise Manage](https://www.connectwise.com/platform/psa) (ConnectWise
//! PSA) REST API 3.0 as a Vectis [`Connector`]: companies (customers),
//! configurations (devices) and service tickets, every page to the last, and
//! opening a ticket that is never created twice. A PSA has tickets, not
//! monitoring alerts: [`Connector::alerts`] returns [`Error::Unsupported`].
//!
//! Add to `Cargo.toml`: `vectis-connectwise = "0.1"` and `vectis-core =
//! "0.1"` (the [`Connector`] trait, settings and errors), plus an async
//! runtime (`tokio = { version = "1", features = ["macros",
//! "rt-multi-thread"] }`) and `futures = "0.3"` for `TryStreamExt`.
//! TLS is rustls with the webpki roots by default; the features
//! `rustls-native-roots` (the OS trust store too) and `native-tls` (the
//! platform's TLS, with `default-features = false`) choose otherwise, and
//! `EngineSettings::extra_root_certificates` adds a proxy's CA.
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
//! **Incremental sync.** [`ListOptions::since`](field@ListOptions::since) becomes
//! `conditions=lastUpdated > [<UTC>]`, joined with `and` to any conditions
//! set with [`ConnectWiseBuilder::conditions`]. Deleted companies
//! (`deletedFlag`) are left out unless
//! [`ConnectWiseBuilder::include_deleted_companies`] is set.
//!
//! **Quota.** ConnectWise publishes none; Cloudflare in front of the cloud
//! answers 429 with `Retry-After`, which is honoured. The default client-side
//! quota is a conservative 60 requests/minute (60,000 records/minute at 1,000
//! a page), shared by every connector using the same API member; override it
//! with [`EngineSettings::quota`].
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod info;
pub mod map;
pub mod raw;
mod workflow;

use info::CLIENT_ID_HINT;
pub use info::{
    API_ROOT, CLIENT_ID_VAR, CLOSED_STATUS_NAMES, COMPANY_ID_VAR, DEFAULT_CODEBASE,
    DEFAULT_QUOTA_PER_MINUTE, INFO, MARKER_PREFIX, MAX_EXTERNAL_REF_CHARS, MAX_PAGE_SIZE,
    MAX_SUMMARY_CHARS, PAGINATION_TYPE_HEADER, PRIVATE_KEY_VAR, PUBLIC_KEY_VAR, SITE_URL_VAR,
};

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use vectis_core::credential::Basic;
use vectis_core::error::Result;
use vectis_core::http::{
    Method, Outcome, RequestSpec, Response, Situation, VendorRules, encode_segment,
};
use vectis_core::paginate::{
    LinkHeader, ListRequest, PageMeta, PageStream, RawPage, decode_item, page_stream, set_query,
};
use vectis_core::{
    BaseUrl, ConnectionInfo, Connector, Customer, Device, EngineSettings, Error, ExposeSecret,
    HttpClient, InfoRules, ListOptions, RetryPolicy, SecretString, Ticket, TicketDraft, Vendor,
    VendorInfo,
};

const EP_COMPANY_INFO: &str = "/login/companyinfo/{companyId}";
const EP_SYSTEM_INFO: &str = "/apis/3.0/system/info";
const EP_COMPANIES: &str = "/apis/3.0/company/companies";
const EP_CONFIGURATIONS: &str = "/apis/3.0/company/configurations";
const EP_TICKETS: &str = "/apis/3.0/service/tickets";
const EP_TICKET: &str = "/apis/3.0/service/tickets/{id}";
const EP_NOTES: &str = "/apis/3.0/service/tickets/{id}/notes";
const EP_TIME_ENTRIES: &str = "/apis/3.0/time/entries";
const EP_BOARDS: &str = "/apis/3.0/service/boards";
const EP_BOARD_STATUSES: &str = "/apis/3.0/service/boards/{id}/statuses";
const EP_PRIORITIES: &str = "/apis/3.0/service/priorities";
/// How lists are paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paging {
    /// `pagination-type: forward-only`: the server's `pageId` cursor, stable
    /// while records are added or changed during the sync. The default.
    #[default]
    ForwardOnly,
    /// Numbered pages (`page`, `pageSize`, ordered by `id asc`), following
    /// `Link: rel="next"`; can skip a record deleted mid-sync.
    Navigable,
}

/// The lists this connector reads, for per-list settings such as
/// [`ConnectWiseBuilder::conditions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Listing {
    /// `/company/companies` (customers).
    Companies,
    /// `/company/configurations` (devices).
    Configurations,
    /// `/service/tickets` (tickets).
    Tickets,
}

impl Listing {
    fn path(self) -> &'static str {
        match self {
            Listing::Companies => "company/companies",
            Listing::Configurations => "company/configurations",
            Listing::Tickets => "service/tickets",
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Listing::Companies => EP_COMPANIES,
            Listing::Configurations => EP_CONFIGURATIONS,
            Listing::Tickets => EP_TICKETS,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Listing::Companies => "company",
            Listing::Configurations => "configuration",
            Listing::Tickets => "ticket",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The rules: the table's hints, and how ConnectWise's refusals read.
pub(crate) fn rules() -> InfoRules {
    InfoRules::new(&INFO).classify(classify)
}

/// The modules the API member's role needs for `endpoint`.
fn role_hint(endpoint: &str) -> String {
    if endpoint.contains("/service/tickets") {
        "Service Desk → Service Tickets (Inquire to list, Add to create)".into()
    } else if endpoint.contains("/company/configurations") {
        "Companies → Configurations (Inquire)".into()
    } else if endpoint.contains("/company/companies") {
        "Companies → Company Maintenance (Inquire)".into()
    } else {
        INFO.text("{modules}", &[])
    }
}

/// What ConnectWise said in an error answer, if it said anything.
fn vendor_said(resp: &Response, rules: &InfoRules) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    rules.error_body(&v).map(|(_, m)| m)
}

/// A missing `clientId`, a refused key and a refused role, each explained.
fn classify(resp: &Response, rules: &InfoRules) -> Option<Outcome> {
    let status = resp.status.as_u16();
    let vendor = INFO.vendor;
    let said = || {
        vendor_said(resp, rules)
            .map(|m| format!(" (ConnectWise said: {m})"))
            .unwrap_or_default()
    };
    match status {
        400 | 401
            if String::from_utf8_lossy(&resp.body)
                .to_ascii_lowercase()
                .contains("clientid") =>
        {
            Some(Outcome::Fail(Error::Auth {
                vendor,
                status: Some(status),
                hint: format!("{}{}", rules.text(CLIENT_ID_HINT), said()),
            }))
        }
        401 => Some(Outcome::Fail(Error::Auth {
            vendor,
            status: Some(401),
            hint: format!("{}{}", rules.hint(Situation::Unauthorized), said()),
        })),
        403 => Some(Outcome::Fail(Error::Forbidden {
            vendor,
            endpoint: resp.endpoint.clone(),
            hint: format!(
                "the API member's security role lacks access{}; in {} give its role {}",
                said(),
                rules.text("{roles}"),
                role_hint(&resp.endpoint)
            ),
        })),
        _ => None,
    }
}

/// Builds a [`ConnectWiseConnector`].
pub struct ConnectWiseBuilder {
    site_url: String,
    base_url: Option<String>,
    company_id: String,
    public_key: String,
    private_key: SecretString,
    client_id: String,
    codebase: Option<String>,
    paging: Paging,
    conditions: [Option<String>; 3],
    include_deleted_companies: bool,
    closed_status: Option<String>,
    settings: EngineSettings,
}

impl fmt::Debug for ConnectWiseBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectWiseBuilder")
            .field("site_url", &self.site_url)
            .field("base_url", &self.base_url)
            .field("company_id", &self.company_id)
            .field("public_key", &"[redacted]")
            .field("private_key", &"[redacted]")
            .field("codebase", &self.codebase)
            .field("paging", &self.paging)
            .finish_non_exhaustive()
    }
}

impl ConnectWiseBuilder {
    /// Another origin instead of the site URL (a proxy, a fake);
    /// `/login/companyinfo/…` and `/<codebase>/apis/3.0` go under it.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(url.to_string());
        self
    }

    /// Engine settings: quota, retries, timeout, concurrency, time.
    pub fn settings(mut self, settings: EngineSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Forward-only (the default) or navigable paging.
    pub fn paging(mut self, paging: Paging) -> Self {
        self.paging = paging;
        self
    }

    /// Uses this codebase (`v2025_1`) instead of asking `/login/companyinfo`.
    pub fn codebase(mut self, codebase: &str) -> Self {
        self.codebase = Some(codebase.to_string());
        self
    }

    /// ConnectWise `conditions` for one list, in its own syntax
    /// (`board/name="Help Desk" and closedFlag=false`); kept on every page
    /// and joined with `and` to the connector's own conditions.
    pub fn conditions(mut self, listing: Listing, conditions: &str) -> Self {
        let c = conditions.trim();
        self.conditions[listing.index()] = (!c.is_empty()).then(|| c.to_string());
        self
    }

    /// The name of the status that closes a ticket, on every board (default:
    /// the board's `>Closed` or `Closed` status, else its first status marked
    /// `closedStatus`).
    pub fn closed_status(mut self, name: &str) -> Self {
        let n = name.trim();
        self.closed_status = (!n.is_empty()).then(|| n.to_string());
        self
    }

    /// Lists companies marked `deletedFlag` too (left out by default).
    pub fn include_deleted_companies(mut self, yes: bool) -> Self {
        self.include_deleted_companies = yes;
        self
    }

    /// Validates the configuration. No request is made: the codebase is
    /// looked up on first use.
    pub fn build(self) -> Result<ConnectWiseConnector> {
        let company = self.company_id.trim();
        if company.is_empty() || company.contains(|c: char| c.is_whitespace() || c == ':') {
            return Err(Error::config(COMPANY_ID_VAR, INFO.env_help(COMPANY_ID_VAR)));
        }
        let public = self.public_key.trim();
        if public.is_empty() || public.contains(':') {
            return Err(Error::config(
                PUBLIC_KEY_VAR,
                format!(
                    "the public key is empty or malformed; {}",
                    INFO.env_help(PUBLIC_KEY_VAR)
                ),
            ));
        }
        if self.private_key.expose_secret().trim().is_empty() {
            return Err(INFO.missing(PRIVATE_KEY_VAR));
        }
        let client_id = parse_guid(&self.client_id).ok_or_else(|| {
            Error::config(
                CLIENT_ID_VAR,
                format!(
                    "`{}` is not a GUID; {}",
                    self.client_id.trim(),
                    INFO.env_help(CLIENT_ID_VAR)
                ),
            )
        })?;
        let (raw_site, what) = match &self.base_url {
            Some(b) => (b.as_str(), "ConnectWise base URL"),
            None => (self.site_url.as_str(), SITE_URL_VAR),
        };
        let (site, found_codebase) = parse_site(raw_site, what)?;
        let codebase = match self.codebase.as_deref().or(found_codebase.as_deref()) {
            Some(c) => Some(clean_codebase(c).ok_or_else(|| {
                Error::config(
                    "ConnectWise codebase",
                    format!("`{c}` is not a codebase (like v2025_1 or v4_6_release)"),
                )
            })?),
            None => None,
        };
        let credential = Basic::new(
            Vendor::ConnectWise,
            format!("{company}+{public}"),
            self.private_key,
        )
        .with_header("clientid", &client_id)?;
        let retry = self.settings.retry;
        let client =
            HttpClient::try_new(Arc::new(rules()), site, Arc::new(credential), self.settings)?;
        let api = match codebase {
            Some(cb) => OnceCell::from(api_root(&client, &cb)),
            None => OnceCell::new(),
        };
        Ok(ConnectWiseConnector {
            inner: Arc::new(Inner {
                client,
                company_id: company.to_string(),
                api,
                paging: self.paging,
                conditions: self.conditions,
                include_deleted_companies: self.include_deleted_companies,
                closed_status: self.closed_status,
                retry,
            }),
        })
    }
}

/// Reads a GUID, with or without braces; `None` if it is not one.
fn parse_guid(raw: &str) -> Option<String> {
    let s = raw.trim().trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| s.to_string())
}

/// Validates a site URL (see [`VendorInfo::base_url`]); a path ending in
/// `/<codebase>/apis/3.0` gives the codebase and is cut off.
fn parse_site(raw: &str, what: &str) -> Result<(BaseUrl, Option<String>)> {
    let base = INFO.base_url(raw, what)?;
    if base.had_root {
        let site = base.site.as_str();
        if let Some((prefix, codebase)) = site.rsplit_once('/')
            && !prefix.ends_with('/')
        {
            return Ok((BaseUrl::parse(prefix, what)?, Some(codebase.to_string())));
        }
    }
    Ok((BaseUrl::parse(raw, what)?, None))
}

/// A codebase as a path segment, slashes stripped: `v<digits>_<digits>`
/// (`v2025_1`) or `v4_6_release`, nothing else. The codebase comes from an
/// unauthenticated answer and becomes part of the authenticated API root, so
/// `..` or any other path trick is refused.
fn clean_codebase(raw: &str) -> Option<String> {
    let c = raw.trim().trim_matches('/');
    if c == DEFAULT_CODEBASE {
        return Some(c.to_string());
    }
    let (major, minor) = c.strip_prefix('v')?.split_once('_')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 8 && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| c.to_string())
}

fn api_root(client: &HttpClient, codebase: &str) -> BaseUrl {
    client
        .base()
        .with_path_suffix(&format!("{codebase}/{API_ROOT}"))
}

/// One ConnectWise Manage company (tenant), seen through one API member.
#[derive(Clone)]
pub struct ConnectWiseConnector {
    inner: Arc<Inner>,
}

struct Inner {
    client: HttpClient,
    company_id: String,
    api: OnceCell<BaseUrl>,
    paging: Paging,
    conditions: [Option<String>; 3],
    include_deleted_companies: bool,
    closed_status: Option<String>,
    retry: RetryPolicy,
}

impl fmt::Debug for ConnectWiseConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectWiseConnector")
            .field("site", self.inner.client.base())
            .field("company_id", &self.inner.company_id)
            .field("api", &self.inner.api.get())
            .field("paging", &self.inner.paging)
            .finish_non_exhaustive()
    }
}

impl ConnectWiseConnector {
    /// A builder: site URL (`https://na.myconnectwise.net`), login company
    /// id, the API member's public and private key, and the integration's
    /// registered `clientId` GUID.
    pub fn builder(
        site_url: &str,
        company_id: &str,
        public_key: &str,
        private_key: SecretString,
        client_id: &str,
    ) -> ConnectWiseBuilder {
        ConnectWiseBuilder {
            site_url: site_url.to_string(),
            base_url: None,
            company_id: company_id.to_string(),
            public_key: public_key.to_string(),
            private_key,
            client_id: client_id.to_string(),
            codebase: None,
            paging: Paging::default(),
            conditions: [None, None, None],
            include_deleted_companies: false,
            closed_status: None,
            settings: EngineSettings::default(),
        }
    }

    /// The engine underneath (its limiter, its base URL = the site).
    pub fn client(&self) -> &HttpClient {
        &self.inner.client
    }

    /// The paging mode.
    pub fn paging(&self) -> Paging {
        self.inner.paging
    }

    /// The API root (`https://<site>/<codebase>/apis/3.0`), looking the
    /// codebase up on the first call.
    pub async fn api_root(&self) -> Result<BaseUrl> {
        self.inner
            .api
            .get_or_try_init(|| self.discover())
            .await
            .cloned()
    }

    async fn discover(&self) -> Result<BaseUrl> {
        let client = &self.inner.client;
        let company = &self.inner.company_id;
        let path = format!("login/companyinfo/{}", encode_segment(company));
        let url = client.base().join(&path)?;
        let how_to_skip = "or give the codebase yourself: a site URL ending in /<codebase>/apis/3.0 (e.g. https://na.myconnectwise.net/v2025_1/apis/3.0), or ConnectWiseBuilder::codebase";
        let resp = client
            .execute(RequestSpec::get(url, EP_COMPANY_INFO))
            .await
            .map_err(|e| match e {
                Error::NotFound {
                    vendor, endpoint, ..
                } => Error::NotFound {
                    vendor,
                    endpoint,
                    hint: format!(
                        "this site has no company info for `{company}`, so the API codebase cannot be discovered — check CONNECTWISE_SITE_URL and CONNECTWISE_COMPANY_ID, {how_to_skip}"
                    ),
                },
                other => other,
            })?;
        // Only `Codebase` is read, whatever the rest looks like (ConnectWise's
        // own example sends `"IsCloud": "True"`).
        let info: serde_json::Value = resp.json()?;
        if info.is_null() {
            return Err(Error::config(
                "CONNECTWISE_COMPANY_ID",
                format!(
                    "ConnectWise at {} knows no company `{company}` (/login/companyinfo answered null); use the company id you log in with, {how_to_skip}",
                    client.base().as_str()
                ),
            ));
        }
        let found = info.get("Codebase").and_then(|c| c.as_str());
        match found.and_then(clean_codebase) {
            Some(c) => Ok(api_root(client, &c)),
            None => Err(resp.unexpected(format!(
                "its `Codebase` is {} — not a codebase like v2025_1 or v4_6_release, so the API root is unknown; {how_to_skip}",
                match found {
                    Some(c) => format!("`{}`", c.chars().take(40).collect::<String>()),
                    None => "missing".to_string(),
                }
            ))),
        }
    }

    /// The `conditions` for a list: the caller's (parenthesized when
    /// joined), the connector's own, and `lastUpdated > [since]`.
    fn conditions_for(&self, listing: Listing, opts: &ListOptions) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        if let Some(user) = &self.inner.conditions[listing.index()] {
            parts.push(user.clone());
        }
        if listing == Listing::Companies && !self.inner.include_deleted_companies {
            parts.push("deletedFlag = false".into());
        }
        if let Some(since) = opts.since {
            parts.push(format!(
                "lastUpdated > [{}]",
                since.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => {
                if self.inner.conditions[listing.index()].is_some() {
                    parts[0] = format!("({})", parts[0]);
                }
                Some(parts.join(" and "))
            }
        }
    }

    fn list<R, T>(
        &self,
        listing: Listing,
        opts: &ListOptions,
        map: fn(R, serde_json::Value) -> Option<T>,
    ) -> PageStream<T>
    where
        R: serde::de::DeserializeOwned + HasId + Send + 'static,
        T: Send + 'static,
    {
        let me = self.clone();
        let opts = opts.clone();
        futures::stream::once(async move {
            let api = me.api_root().await?;
            me.list_at(&api, listing, &opts, map)
        })
        .try_flatten()
        .boxed()
    }

    fn list_at<R, T>(
        &self,
        api: &BaseUrl,
        listing: Listing,
        opts: &ListOptions,
        map: fn(R, serde_json::Value) -> Option<T>,
    ) -> Result<PageStream<T>>
    where
        R: serde::de::DeserializeOwned + HasId + Send + 'static,
        T: Send + 'static,
    {
        let mut url = api.join(listing.path())?;
        if let Some(c) = self.conditions_for(listing, opts) {
            url.query_pairs_mut().append_pair("conditions", &c);
        }
        let size = opts
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let first_params = match self.inner.paging {
            Paging::ForwardOnly => vec![("pageSize", size.to_string())],
            Paging::Navigable => vec![
                ("orderBy", "id asc".to_string()),
                ("page", "1".to_string()),
                ("pageSize", size.to_string()),
            ],
        };
        let paging = self.inner.paging;
        let mut req = ListRequest::new(
            listing.endpoint(),
            url,
            LinkHeader { first_params },
            move |resp: &Response| parse_page(resp, size),
            once_each(listing, paging, map),
        )
        .resume(opts.resume.clone());
        if paging == Paging::ForwardOnly {
            req = req.header(PAGINATION_TYPE_HEADER, "forward-only");
        }
        Ok(page_stream(self.inner.client.clone(), req))
    }

    /// The ticket a `POST` answered 2xx for with an unreadable body, found by
    /// its marker; an error saying so (and what to search for) when it
    /// cannot be found.
    async fn adopt_after_unreadable(
        &self,
        api: &BaseUrl,
        marker: &str,
        open_only: bool,
        unreadable: Error,
    ) -> Result<Ticket> {
        match self.find_by_marker(api, marker, open_only).await {
            Ok(Some(t)) => {
                tracing::warn!(target: "vectis::connectwise", ticket = %t.id, error = %unreadable, "the ticket was created but its answer was unreadable; found it by its marker");
                Ok(t)
            }
            Ok(None) => Err(Error::Inconsistent {
                vendor: Vendor::ConnectWise,
                endpoint: EP_TICKETS.into(),
                detail: format!(
                    "the ticket POST was accepted but its answer was unreadable ({unreadable}), and no ticket with externalXRef \"{marker}\" is listed yet — search ConnectWise for it before creating the ticket again"
                ),
            }),
            Err(lookup) => Err(Error::Inconsistent {
                vendor: Vendor::ConnectWise,
                endpoint: EP_TICKETS.into(),
                detail: format!(
                    "the ticket POST was accepted but its answer was unreadable ({unreadable}), and looking it up failed too ({lookup}) — search ConnectWise for externalXRef \"{marker}\" before creating the ticket again"
                ),
            }),
        }
    }

    /// Looks up the ticket carrying `marker` in `externalXRef` (only open
    /// ones when `open_only`: a caller's reference is reused across tickets).
    async fn find_by_marker(
        &self,
        api: &BaseUrl,
        marker: &str,
        open_only: bool,
    ) -> Result<Option<Ticket>> {
        let mut url = api.join(Listing::Tickets.path())?;
        let mut conditions = format!("externalXRef = \"{marker}\"");
        if open_only {
            conditions.push_str(" and closedFlag = false");
        }
        url.query_pairs_mut()
            .append_pair("conditions", &conditions)
            .append_pair("pageSize", "10");
        let resp = self
            .inner
            .client
            .execute(RequestSpec::get(url, EP_TICKETS))
            .await?;
        let items: Vec<serde_json::Value> = resp.json()?;
        for (i, v) in items.into_iter().enumerate() {
            let t: raw::Ticket = decode_item(Vendor::ConnectWise, EP_TICKETS, i, &v)?;
            // Trust the marker, not the server's filtering.
            if t.external_x_ref.as_deref() == Some(marker)
                && !(open_only && t.closed_flag == Some(true))
            {
                return Ok(Some(map::ticket(t, v)));
            }
        }
        Ok(None)
    }
}

/// The id every ConnectWise record has, for the exactly-once check.
pub trait HasId {
    /// The record id.
    fn id(&self) -> i64;
}

impl HasId for raw::Company {
    fn id(&self) -> i64 {
        self.id
    }
}
impl HasId for raw::Configuration {
    fn id(&self) -> i64 {
        self.id
    }
}
impl HasId for raw::Ticket {
    fn id(&self) -> i64 {
        self.id
    }
}

/// Reads one page: a bare JSON array, paging facts in the `Link` header.
fn parse_page(resp: &Response, size: u32) -> Result<RawPage> {
    let first = resp.body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return Err(resp.unexpected(
            "expected a JSON array of records (ConnectWise lists have no envelope) but got an object",
        ));
    }
    let items: Vec<serde_json::Value> = resp.json()?;
    let mut link_next = PageMeta::link_next_from(resp);
    if link_next.is_none() && resp.header("link").is_none() && items.len() >= size as usize {
        // A full page and no `Link` at all: this list does not page by
        // link (christaylorcodes sees this where forward-only is not
        // supported); go on by page number. Short or empty pages end it.
        let page: u64 = resp
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        // The page number came back from the server: never overflow it.
        let next = page
            .checked_add(1)
            .ok_or_else(|| resp.unexpected(format!("page {page} has no next page number")))?;
        link_next = Some(set_query(&resp.url, "page", &next.to_string()).to_string());
    }
    Ok(RawPage {
        meta: PageMeta {
            items: items.len(),
            link_next,
            ..PageMeta::default()
        },
        items,
    })
}

/// Pages come in id order in both modes (forward-only pages by id; navigable
/// pages are asked `orderBy=id asc`): every id must be above the previous
/// page's highest and unique on its page. So a record is never delivered
/// twice, with constant memory whatever the tenant's size.
#[derive(Default)]
struct OnceGuard {
    floor: Option<i64>,
    page_max: Option<i64>,
    page_ids: HashSet<i64>,
}

fn once_each<R, T>(
    listing: Listing,
    paging: Paging,
    map: fn(R, serde_json::Value) -> Option<T>,
) -> impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static
where
    R: serde::de::DeserializeOwned + HasId + 'static,
    T: 'static,
{
    let guard = Mutex::new(OnceGuard::default());
    move |i, v| {
        let r: R = decode_item(Vendor::ConnectWise, listing.endpoint(), i, &v)?;
        let id = r.id();
        {
            let mut g = guard.lock().unwrap_or_else(|p| p.into_inner());
            if i == 0 {
                g.floor = g.floor.max(g.page_max);
                g.page_ids.clear();
            }
            let repeat = g.floor.is_some_and(|f| id <= f) || !g.page_ids.insert(id);
            if repeat {
                let why = match paging {
                    Paging::Navigable => {
                        "the list changed while it was paged by page number; run the sync again, or use forward-only paging (the default), which is stable while records change"
                    }
                    Paging::ForwardOnly => {
                        "forward-only pages should never repeat a record; please report this"
                    }
                };
                return Err(Error::Inconsistent {
                    vendor: Vendor::ConnectWise,
                    endpoint: listing.endpoint().to_string(),
                    detail: format!("{} {id} arrived twice: {why}", listing.noun()),
                });
            }
            g.page_max = g.page_max.max(Some(id));
        }
        Ok(map(r, v))
    }
}

fn keep_company(include_deleted: bool) -> fn(raw::Company, serde_json::Value) -> Option<Customer> {
    if include_deleted {
        |c, v| Some(map::customer(c, v))
    } else {
        // Also filtered by `deletedFlag = false` on the server; this is
        // the safety net for an instance that ignores it.
        |c, v| (c.deleted_flag != Some(true)).then(|| map::customer(c, v))
    }
}

/// A reference by id (all digits) or by name.
fn reference(value: &str) -> serde_json::Value {
    let v = value.trim();
    match v.parse::<i64>() {
        Ok(id) => serde_json::json!({ "id": id }),
        Err(_) => serde_json::json!({ "name": v }),
    }
}

/// The `POST /service/tickets` body for `draft`, refused before any request
/// when ConnectWise would refuse it.
fn ticket_body(draft: &TicketDraft, marker: &str) -> Result<serde_json::Value> {
    let summary = draft.summary.trim();
    if summary.is_empty() {
        return Err(Error::InvalidInput {
            what: "ConnectWise ticket summary".into(),
            reason: "it is empty; give a one-line summary".into(),
        });
    }
    let n = summary.chars().count();
    if n > MAX_SUMMARY_CHARS {
        return Err(Error::InvalidInput {
            what: "ConnectWise ticket summary".into(),
            reason: format!(
                "it is {n} characters; ConnectWise allows at most {MAX_SUMMARY_CHARS} — shorten it and put the rest in the description"
            ),
        });
    }
    let company = draft.customer_id.trim();
    if company.is_empty() {
        return Err(Error::InvalidInput {
            what: "ConnectWise company".into(),
            reason:
                "no customer_id; give the company's id (e.g. 250) or its identifier (e.g. Fabrikam)"
                    .into(),
        });
    }
    let company = match company.parse::<i64>() {
        Ok(id) => serde_json::json!({ "id": id }),
        Err(_) => serde_json::json!({ "identifier": company }),
    };
    let n = marker.chars().count();
    if n > MAX_EXTERNAL_REF_CHARS || marker.contains('"') {
        return Err(Error::InvalidInput {
            what: "ConnectWise ticket externalXRef".into(),
            reason: format!(
                "it is {n} characters{}; ConnectWise allows at most {MAX_EXTERNAL_REF_CHARS}, and it must be searchable — use a shorter reference without quotes",
                if marker.contains('"') {
                    " with a quote"
                } else {
                    ""
                }
            ),
        });
    }
    let mut body = serde_json::json!({
        "summary": summary,
        "company": company,
        "externalXRef": marker,
    });
    if let Some(obj) = body.as_object_mut() {
        for (key, value) in [
            ("board", &draft.board),
            ("status", &draft.status),
            ("priority", &draft.priority),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                obj.insert(key.into(), reference(v));
            }
        }
        if let Some(d) = draft
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            obj.insert("initialDescription".into(), d.into());
        }
    }
    Ok(body)
}

fn new_marker() -> String {
    format!("{MARKER_PREFIX}{:016x}", fastrand::u64(..))
}

/// A failed POST whose ticket may nonetheless exist.
fn maybe_created(e: &Error) -> bool {
    matches!(
        e,
        Error::Timeout { .. }
            | Error::Network { .. }
            | Error::Server { .. }
            | Error::RateLimited { .. }
    )
}

#[async_trait]
impl Connector for ConnectWiseConnector {
    fn info(&self) -> &'static VendorInfo {
        &INFO
    }

    fn observed(&self) -> vectis_core::Observed {
        self.inner.client.observed()
    }

    async fn check(&self) -> Result<ConnectionInfo> {
        let api = self.api_root().await?;
        let url = api.join("system/info")?;
        let resp = self
            .inner
            .client
            .execute(RequestSpec::get(url, EP_SYSTEM_INFO))
            .await?;
        let info: raw::SystemInfo = resp.json()?;
        let version = info
            .version
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| resp.unexpected("/system/info has no `version`"))?;
        Ok(ConnectionInfo::named(Vendor::ConnectWise, version))
    }

    fn customer_pages(&self, opts: &ListOptions) -> PageStream<Customer> {
        let keep = keep_company(self.inner.include_deleted_companies);
        self.list(Listing::Companies, opts, keep)
    }

    fn device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        self.list(Listing::Configurations, opts, |c, v| {
            Some(map::device(c, v))
        })
    }

    fn ticket_pages(&self, opts: &ListOptions) -> PageStream<Ticket> {
        self.list(Listing::Tickets, opts, |t, v| Some(map::ticket(t, v)))
    }

    /// `POST /service/tickets`. The ticket carries a marker in
    /// `externalXRef`; when the answer is lost (timeout, 5xx, connection
    /// reset, throttling) the ticket is looked up by that marker before
    /// posting again, so it is never created twice.
    async fn create_ticket(&self, draft: &TicketDraft) -> Result<Ticket> {
        let given = draft
            .external_ref
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let marker = match given {
            Some(r) => r.to_string(),
            None => new_marker(),
        };
        let open_only = given.is_some();
        let body = ticket_body(draft, &marker)?;
        let api = self.api_root().await?;
        let url = api.join(Listing::Tickets.path())?;
        let client = &self.inner.client;
        let attempts = self.inner.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let spec = RequestSpec::new(Method::POST, url.clone(), EP_TICKETS).json(body.clone());
            let err = match client.execute(spec).await {
                Ok(resp) => {
                    let read = resp.json::<serde_json::Value>().and_then(|raw| {
                        let t: raw::Ticket = decode_item(Vendor::ConnectWise, EP_TICKETS, 0, &raw)?;
                        Ok(map::ticket(t, raw))
                    });
                    return match read {
                        Ok(t) => Ok(t),
                        // A 2xx means the ticket exists: an unreadable answer
                        // (a proxy page, truncated JSON) must not make the
                        // caller create it again.
                        Err(unreadable) => {
                            self.adopt_after_unreadable(&api, &marker, open_only, unreadable)
                                .await
                        }
                    };
                }
                Err(e) if maybe_created(&e) => e,
                Err(e) => return Err(e),
            };
            match self.find_by_marker(&api, &marker, open_only).await {
                Ok(Some(t)) => {
                    tracing::info!(target: "vectis::connectwise", ticket = %t.id, "the ticket was created although its answer was lost");
                    return Ok(t);
                }
                Ok(None) if attempt < attempts => {
                    tracing::debug!(target: "vectis::connectwise", attempt, error = %err, "ticket not created; posting again");
                    client
                        .time()
                        .sleep(self.inner.retry.delay(attempt, err.retry_after()))
                        .await;
                }
                Ok(None) => return Err(err),
                Err(lookup) => {
                    return Err(Error::Inconsistent {
                        vendor: Vendor::ConnectWise,
                        endpoint: EP_TICKETS.into(),
                        detail: format!(
                            "creating the ticket failed ({err}) and looking it up failed too ({lookup}); it may or may not exist — search ConnectWise for externalXRef \"{marker}\" before creating it again"
                        ),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const GUID: &str = "7a9e3c1d-5b2f-4e8a-9c6d-1f0e2b3a4c5d";

    fn builder(site: &str) -> ConnectWiseBuilder {
        ConnectWiseConnector::builder(site, "contoso", "pub", SecretString::from("priv"), GUID)
    }

    #[test]
    fn a_full_page_at_the_largest_page_number_is_an_error_not_an_overflow() {
        let url = url::Url::parse(&format!(
            "https://h/v4_6_release/apis/3.0/company/companies?pageSize=2&page={}",
            u64::MAX
        ))
        .unwrap();
        let resp = Response::new(
            Vendor::ConnectWise,
            "/company/companies",
            url,
            vectis_core::http::StatusCode::OK,
            br#"[{"id":1},{"id":2}]"#.to_vec(),
        );
        let e = parse_page(&resp, 2).unwrap_err();
        assert!(e.to_string().contains("no next page number"), "{e}");
    }

    #[test]
    fn site_urls_need_a_scheme_and_are_normalized() {
        let c = builder("https://na.myconnectwise.net/").build().unwrap();
        assert_eq!(c.client().base().as_str(), "https://na.myconnectwise.net");
        let e = builder("na.myconnectwise.net").build().unwrap_err();
        assert!(
            e.to_string().contains("https://na.myconnectwise.net"),
            "{e}"
        );
        assert!(e.to_string().contains("CONNECTWISE_SITE_URL"), "{e}");
        let e = builder("http://na.myconnectwise.net").build().unwrap_err();
        assert!(e.to_string().contains("plain http"), "{e}");
    }

    #[test]
    fn a_full_api_url_gives_the_codebase() {
        let c = builder("https://na.myconnectwise.net//v2025_1/apis/3.0/")
            .build()
            .unwrap();
        assert_eq!(c.client().base().as_str(), "https://na.myconnectwise.net");
        assert_eq!(
            c.inner.api.get().unwrap().as_str(),
            "https://na.myconnectwise.net/v2025_1/apis/3.0"
        );
        let c = builder("https://x.example")
            .base_url("http://127.0.0.1:9/proxy")
            .codebase("/v2024_2/")
            .build()
            .unwrap();
        assert_eq!(
            c.inner.api.get().unwrap().as_str(),
            "http://127.0.0.1:9/proxy/v2024_2/apis/3.0"
        );
    }

    #[test]
    fn client_id_must_be_a_guid() {
        let e = ConnectWiseConnector::builder(
            "https://na.myconnectwise.net",
            "contoso",
            "pub",
            SecretString::from("priv"),
            "my-app",
        )
        .build()
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("CONNECTWISE_CLIENT_ID") && msg.contains("developer"),
            "{msg}"
        );
        assert_eq!(parse_guid(&format!("{{{GUID}}}")).as_deref(), Some(GUID));
        assert_eq!(parse_guid("7a9e3c1d5b2f4e8a9c6d1f0e2b3a4c5d"), None);
    }

    #[test]
    fn empty_credentials_name_their_variable_and_hide_secrets() {
        for (company, public, private, var) in [
            ("", "p", "s", "CONNECTWISE_COMPANY_ID"),
            ("Contoso Ltd", "p", "s", "CONNECTWISE_COMPANY_ID"),
            ("c", " ", "s", "CONNECTWISE_PUBLIC_KEY"),
            ("c", "p", "  ", "CONNECTWISE_PRIVATE_KEY"),
        ] {
            let e = ConnectWiseConnector::builder(
                "https://na.myconnectwise.net",
                company,
                public,
                SecretString::from(private),
                GUID,
            )
            .build()
            .unwrap_err();
            assert!(e.to_string().contains(var), "{e}");
        }
        let b = ConnectWiseConnector::builder(
            "https://na.myconnectwise.net",
            "contoso",
            "PUBLICKEY123",
            SecretString::from("PRIVATEKEY456"),
            GUID,
        );
        let c = ConnectWiseConnector::builder(
            "https://na.myconnectwise.net",
            "contoso",
            "PUBLICKEY123",
            SecretString::from("PRIVATEKEY456"),
            GUID,
        )
        .build()
        .unwrap();
        for dump in [format!("{b:?}"), format!("{c:?}")] {
            assert!(
                !dump.contains("PRIVATEKEY456") && !dump.contains("PUBLICKEY123"),
                "{dump}"
            );
        }
    }

    #[test]
    fn since_joins_user_conditions_with_and() {
        let since = chrono::Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap();
        let opts = ListOptions::default().since(since);
        let c = builder("https://h.example")
            .conditions(Listing::Tickets, "board/name=\"Help Desk\" or board/id=3")
            .build()
            .unwrap();
        assert_eq!(
            c.conditions_for(Listing::Tickets, &opts).as_deref(),
            Some(
                "(board/name=\"Help Desk\" or board/id=3) and lastUpdated > [2024-01-02T03:04:05Z]"
            )
        );
        assert_eq!(
            c.conditions_for(Listing::Configurations, &opts).as_deref(),
            Some("lastUpdated > [2024-01-02T03:04:05Z]")
        );
        assert_eq!(
            c.conditions_for(Listing::Companies, &ListOptions::default())
                .as_deref(),
            Some("deletedFlag = false")
        );
        assert_eq!(
            c.conditions_for(Listing::Tickets, &ListOptions::default())
                .as_deref(),
            Some("board/name=\"Help Desk\" or board/id=3")
        );
        let all = builder("https://h.example")
            .include_deleted_companies(true)
            .build()
            .unwrap();
        assert_eq!(
            all.conditions_for(Listing::Companies, &ListOptions::default()),
            None
        );
    }

    #[test]
    fn ticket_body_validates_and_references_by_id_or_name() {
        let mut draft = TicketDraft::new("250", "Disk full");
        draft.board = Some("Help Desk".into());
        draft.status = Some("16".into());
        draft.description = Some("C: at 99%".into());
        let b = ticket_body(&draft, "vectis-1").unwrap();
        assert_eq!(
            b,
            serde_json::json!({"summary":"Disk full","company":{"id":250},"externalXRef":"vectis-1",
                "board":{"name":"Help Desk"},"status":{"id":16},"initialDescription":"C: at 99%"})
        );
        let mut long = draft.clone();
        long.summary = "é".repeat(101);
        let e = ticket_body(&long, "m").unwrap_err();
        assert!(e.to_string().contains("101 characters"), "{e}");
        let mut at_most = draft.clone();
        at_most.summary = "é".repeat(100);
        assert!(ticket_body(&at_most, "m").is_ok());
        let mut by_identifier = draft;
        by_identifier.customer_id = "Fabrikam".into();
        assert_eq!(
            ticket_body(&by_identifier, "m").unwrap()["company"],
            serde_json::json!({"identifier":"Fabrikam"})
        );
    }

    #[test]
    fn error_body_surfaces_field_errors() {
        let body = serde_json::json!({"code":"InvalidObject","message":"ticket object is invalid",
            "errors":[{"code":"NotFound","message":"Service Status 17 not found for Service Board 21","resource":"ticket","field":"status/id"}]});
        let (code, msg) = rules().error_body(&body).unwrap();
        assert_eq!(code.as_deref(), Some("InvalidObject"));
        assert_eq!(
            msg,
            "ticket object is invalid (status/id: Service Status 17 not found for Service Board 21)"
        );
        assert_eq!(rules().error_body(&serde_json::json!([1])), None);
    }

    #[test]
    fn repeated_ids_fail_the_listing() {
        let f = once_each::<raw::Configuration, i64>(
            Listing::Configurations,
            Paging::Navigable,
            |c, _| Some(c.id),
        );
        let item = |id: i64| serde_json::json!({"id": id});
        assert_eq!(f(0, item(1)).unwrap(), Some(1));
        assert_eq!(f(1, item(3)).unwrap(), Some(3));
        // Next page: unsorted within a page is fine, below the floor is not.
        assert_eq!(f(0, item(5)).unwrap(), Some(5));
        assert_eq!(f(1, item(4)).unwrap(), Some(4));
        assert!(f(2, item(4)).is_err());
        let e = f(0, item(2)).unwrap_err();
        assert!(
            e.to_string().contains("configuration 2 arrived twice"),
            "{e}"
        );
    }
}
