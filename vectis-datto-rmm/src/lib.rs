//! # vectis-datto-rmm
//!
//! [Datto RMM](https://www.datto.com/products/rmm/) REST API v2 as a Vectis
//! [`Connector`]: sites (customers), devices and alerts — open **and**
//! resolved, every page to the last — plus resolving an alert. Datto RMM
//! removed muting in release 8.9.0, so [`Connector::acknowledge_alert`]
//! returns [`Error::Unsupported`] saying so.
//!
//! Add to `Cargo.toml`: `vectis-datto-rmm = "0.1"` and `vectis-core = "0.1"`
//! (the [`Connector`] trait, settings and errors), plus an async runtime
//! (`tokio = { version = "1", features = ["macros", "rt-multi-thread"] }`)
//! and `futures = "0.3"` for `TryStreamExt`.
//! TLS is rustls with the webpki roots by default; the features
//! `rustls-native-roots` (the OS trust store too) and `native-tls` (the
//! platform's TLS, with `default-features = false`) choose otherwise, and
//! `EngineSettings::extra_root_certificates` adds a proxy's CA.
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
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod info;
pub mod map;
pub mod raw;

pub use info::{
    ACCOUNT_READ_LIMIT_PER_MINUTE, API_KEY_VAR, API_ROOT, API_SECRET_VAR, DEFAULT_PAGE_SIZE,
    DEFAULT_QUOTA_PER_MINUTE, INFO, IP_BLOCK, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, PLATFORM_VAR,
    PLATFORMS, THROTTLE_WAIT, TOKEN_LIFETIME, TOKEN_PATH, platform_origin,
};
use info::{platform_list, wrong_platform_hint};

use async_trait::async_trait;
use futures::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vectis_core::credential::OAuth2Password;
use vectis_core::error::Result;
use vectis_core::http::{Outcome, RequestSpec, Response, encode_segment};
use vectis_core::paginate::{
    Cursor, ListRequest, NextUrl, PageMeta, PageNumber, PageStream, RawPage, decode_item,
    error_stream, page_stream,
};
use vectis_core::record_ids::IdCheck;
use vectis_core::retry::parse_retry_after;
use vectis_core::{
    ActionOutcome, Alert, ConnectionInfo, Connector, Customer, Device, EngineSettings, Error,
    ErrorKind, HttpClient, InfoRules, ListOptions, SecretString, Time, Vendor, VendorInfo,
};

/// A 403 this soon after a 429 (or an earlier block) is taken for an IP block.
const BLOCK_MEMORY: Duration = Duration::from_secs(900);

/// The rules for an account on `platform`, reached at `host` (the origin,
/// e.g. `https://merlot-api.centrastage.net`), reading the clock through
/// `time` (the engine's): the table's hints, and Datto's throttle → IP-block
/// classifier.
pub(crate) fn rules(platform: &str, host: &str, time: Time) -> InfoRules {
    let memory = ThrottleMemory::new(time);
    InfoRules::new(&INFO)
        .var("wrong_platform", wrong_platform_hint(platform, host))
        .var("host", host)
        .var("limit", ACCOUNT_READ_LIMIT_PER_MINUTE.to_string())
        .classify(move |resp, _| memory.classify(resp))
}

/// When this credential last saw a 429, so that a 403 soon after is
/// reported as Datto's IP block rather than as a missing permission.
#[derive(Debug)]
struct ThrottleMemory {
    time: Time,
    last_throttle: Mutex<Option<Duration>>,
}

impl ThrottleMemory {
    fn new(time: Time) -> ThrottleMemory {
        ThrottleMemory {
            time,
            last_throttle: Mutex::new(None),
        }
    }

    fn note_throttle(&self) {
        let now = self.time.now();
        *self.last_throttle.lock().unwrap_or_else(|p| p.into_inner()) = Some(now);
    }

    fn throttled_recently(&self) -> bool {
        let last = *self.last_throttle.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.time.now();
        last.is_some_and(|t| now.saturating_sub(t) <= BLOCK_MEMORY)
    }

    fn classify(&self, resp: &Response) -> Option<Outcome> {
        match resp.status.as_u16() {
            429 => {
                self.note_throttle();
                // Datto names no wait; its window is a rolling minute.
                let after = resp
                    .header("retry-after")
                    .and_then(|v| parse_retry_after(v, self.time.wall()))
                    .unwrap_or(THROTTLE_WAIT);
                Some(Outcome::Retry {
                    after: Some(after),
                    throttled: true,
                })
            }
            403 if self.throttled_recently() => {
                self.note_throttle();
                Some(Outcome::Fail(Error::RateLimited {
                    vendor: Vendor::DattoRmm,
                    endpoint: resp.endpoint.clone(),
                    retry_after: Some(IP_BLOCK),
                    attempts: 1,
                    hint: format!(
                        "403 right after a 429: Datto RMM has blocked this IP address for at least {} minutes because requests went on past its limit of {ACCOUNT_READ_LIMIT_PER_MINUTE} reads per minute per account — stop every script using this account, wait, then run with a lower --rate-limit",
                        IP_BLOCK.as_secs() / 60
                    ),
                }))
            }
            _ => None,
        }
    }
}

/// Builds a [`DattoRmmConnector`].
#[derive(Debug)]
pub struct DattoRmmBuilder {
    platform: String,
    api_key: SecretString,
    api_secret: SecretString,
    base_url: Option<String>,
    settings: EngineSettings,
    keep_deleted_devices: bool,
}

impl DattoRmmBuilder {
    /// Another origin instead of the platform's host (a proxy, a fake); the
    /// vendor paths (`/api/v2/…`, `/auth/oauth/token`) are appended.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(url.to_string());
        self
    }

    /// Engine settings: quota, retries, timeout, concurrency, time.
    pub fn settings(mut self, settings: EngineSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Also list devices marked `deleted` (in the Deleted Devices site), with
    /// no customer. Default: they are dropped.
    pub fn keep_deleted_devices(mut self, yes: bool) -> Self {
        self.keep_deleted_devices = yes;
        self
    }

    /// Validates the configuration.
    pub fn build(self) -> Result<DattoRmmConnector> {
        use vectis_core::ExposeSecret;
        let platform = self.platform.trim().to_ascii_lowercase();
        if !PLATFORMS.contains(&platform.as_str()) {
            return Err(Error::config(
                PLATFORM_VAR,
                format!(
                    "`{}` is not a Datto RMM platform; use one of {} (the first part of your API URL, https://<platform>-api.centrastage.net)",
                    self.platform.trim(),
                    platform_list()
                ),
            ));
        }
        let key = self.api_key.expose_secret().trim();
        if key.is_empty() {
            return Err(INFO.missing(API_KEY_VAR));
        }
        let secret = self.api_secret.expose_secret().trim();
        if secret.is_empty() {
            return Err(INFO.missing(API_SECRET_VAR));
        }
        let raw = self
            .base_url
            .clone()
            .unwrap_or_else(|| platform_origin(&platform));
        let base = INFO.base_url(&raw, "Datto RMM base URL")?;
        let token_url = base.site.join(TOKEN_PATH)?;
        let host = base.site.as_str().to_string();
        let custom_host = self.base_url.is_some();
        let time = self.settings.time.clone();
        let credential = OAuth2Password::new(
            Vendor::DattoRmm,
            token_url,
            OAUTH_CLIENT_ID,
            SecretString::from(OAUTH_CLIENT_SECRET),
            SecretString::from(key.to_string()),
            SecretString::from(secret.to_string()),
        )
        .with_bad_credentials_hint(format!(
            "the API key or secret is wrong — re-copy the key pair, or generate a new one under the API user in Datto RMM (Setup → Users); also check that API access is on (Setup → Global Settings → Access Control) and that the platform `{platform}` is the one your API URL names"
        ))
        .with_default_lifetime(TOKEN_LIFETIME)
        .with_time(time.clone());
        let rules = rules(&platform, &host, time);
        let client = HttpClient::try_new(
            Arc::new(rules),
            base.api,
            Arc::new(credential),
            self.settings,
        )?;
        Ok(DattoRmmConnector {
            client,
            platform,
            host,
            custom_host,
            keep_deleted_devices: self.keep_deleted_devices,
            page_max: Arc::new(futures::lock::Mutex::new(None)),
        })
    }
}

/// One Datto RMM account.
#[derive(Debug, Clone)]
pub struct DattoRmmConnector {
    client: HttpClient,
    platform: String,
    host: String,
    /// Whether the host came from a base URL rather than the platform.
    custom_host: bool,
    keep_deleted_devices: bool,
    /// The account's page-size maximum, asked once.
    page_max: Arc<futures::lock::Mutex<Option<u32>>>,
}

impl DattoRmmConnector {
    /// A connector for `platform`'s host with default settings.
    pub fn new(
        platform: &str,
        api_key: SecretString,
        api_secret: SecretString,
    ) -> Result<DattoRmmConnector> {
        DattoRmmConnector::builder(platform, api_key, api_secret).build()
    }

    /// A builder, to set the base URL or engine settings.
    pub fn builder(
        platform: &str,
        api_key: SecretString,
        api_secret: SecretString,
    ) -> DattoRmmBuilder {
        DattoRmmBuilder {
            platform: platform.to_string(),
            api_key,
            api_secret,
            base_url: None,
            settings: EngineSettings::default(),
            keep_deleted_devices: false,
        }
    }

    /// The platform this connector was built for.
    pub fn platform(&self) -> &str {
        &self.platform
    }

    /// The engine underneath (for its limiter or base URL).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// The account's largest page (`GET /api/v2/system/pagination`), asked
    /// once per connector; [`DEFAULT_PAGE_SIZE`] when Datto does not say.
    /// A refused credential, throttling or a network failure is an error
    /// (the listing would fail the same way).
    pub async fn account_page_max(&self) -> Result<u32> {
        let mut slot = self.page_max.lock().await;
        if let Some(max) = *slot {
            return Ok(max);
        }
        let max = match self
            .client
            .get_json::<raw::PaginationConfiguration>(
                "/system/pagination",
                "/api/v2/system/pagination",
            )
            .await
        {
            Ok(c) => c.max.filter(|m| *m > 0).unwrap_or(DEFAULT_PAGE_SIZE),
            // A token failure is the listing's failure too: asking the token
            // endpoint again for the listing would only repeat it.
            Err(e)
                if is_token_error(&e)
                    || matches!(
                        e.kind(),
                        ErrorKind::Auth
                            | ErrorKind::Throttled
                            | ErrorKind::Transient
                            | ErrorKind::Config
                    ) =>
            {
                return Err(self.explain(e));
            }
            Err(e) => {
                tracing::debug!(target: "vectis::datto", error = %e, "no pagination configuration; using the documented 250");
                DEFAULT_PAGE_SIZE
            }
        };
        *slot = Some(max);
        Ok(max)
    }

    /// A listing of `path`, `size` items a page, reading the `key` array.
    fn list<T: vectis_core::model::VendorId + Send + 'static>(
        &self,
        path: &'static str,
        key: &'static str,
        size: u32,
        resume: Option<Cursor>,
        map: impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static,
    ) -> PageStream<T> {
        let endpoint = format!("{API_ROOT}{path}");
        let url = match self.client.base().join(path) {
            Ok(u) => u,
            Err(e) => return error_stream(e),
        };
        let paginator = NextUrl {
            first: PageNumber {
                page_param: "page",
                size_param: "max",
                size,
                first_page: 0,
            },
        };
        let req = ListRequest::new(
            endpoint,
            url,
            paginator,
            move |resp: &Response| parse_page(resp, key),
            map,
        )
        .resume(resume)
        .unique_by(vectis_core::model::VendorId::vendor_id);
        let me = self.clone();
        let mut delivered: Option<(u64, Option<Cursor>)> = None;
        page_stream(self.client.clone(), req)
            .map(move |r| match r {
                Ok(page) => {
                    delivered = Some((page.index, page.resume.clone()));
                    Ok(page)
                }
                Err(e) => Err(me.explain_listing(e, delivered.as_ref())),
            })
            .boxed()
    }

    /// A listing failure in Datto RMM's terms: a token failure says what it
    /// means for the platform, and a 404 on a later page (a followed
    /// next-page link) names the link instead of blaming the platform, which
    /// answered the pages before it.
    fn explain_listing(&self, e: Error, delivered: Option<&(u64, Option<Cursor>)>) -> Error {
        match (e, delivered) {
            (e, Some((index, next))) if !is_token_error(&e) => {
                let link = next
                    .as_ref()
                    .map(|c| format!(" ({})", c.next))
                    .unwrap_or_default();
                e.with_hint(
                    ErrorKind::NotFound,
                    format!(
                        "the next page{link} answered 404 after page {} was read — Datto RMM's next-page link no longer works (the list changed while it was read); run the sync again",
                        index + 1
                    ),
                )
            }
            (e, _) => self.explain(e),
        }
    }

    /// A token failure explained ([`Self::explain`]); any other 404 with
    /// `hint`, which says what this call's 404 means.
    fn explain_or(&self, e: Error, hint: String) -> Error {
        if is_token_error(&e) {
            self.explain(e)
        } else {
            e.with_hint(ErrorKind::NotFound, hint)
        }
    }

    /// A token failure in Datto RMM's terms. A 404 or a failed connection on
    /// the token endpoint means its host is not a Datto RMM platform: say
    /// so, name the platform in use and list the six.
    fn explain(&self, e: Error) -> Error {
        if !is_token_error(&e) {
            return e;
        }
        let what = self.wrong_host_hint();
        match e {
            Error::Api {
                vendor,
                endpoint,
                status: 404,
                ..
            }
            | Error::NotFound {
                vendor, endpoint, ..
            } => Error::NotFound {
                vendor,
                endpoint,
                hint: format!(
                    "there is no Datto RMM token endpoint at {}: {what}",
                    self.host
                ),
            },
            Error::Network {
                endpoint, source, ..
            } if source.is_connect() => Error::Config {
                what: if self.custom_host {
                    "Datto RMM base URL".into()
                } else {
                    PLATFORM_VAR.into()
                },
                reason: format!(
                    "could not reach the token endpoint {}{endpoint} ({}): {what}; if it is right, check DNS and outbound HTTPS access",
                    self.host,
                    source_chain(&source)
                ),
            },
            other => other,
        }
    }

    fn wrong_host_hint(&self) -> String {
        if self.custom_host {
            format!(
                "the base URL is probably wrong (the platform `{}` is not used when a base URL is given) — point it at a Datto RMM API host, https://<platform>-api.centrastage.net with a platform among {}",
                self.platform,
                platform_list()
            )
        } else {
            format!(
                "the platform `{}` is probably wrong for this account — use the platform your Datto RMM API URL names (https://<platform>-api.centrastage.net): one of {}",
                self.platform,
                platform_list()
            )
        }
    }

    /// A listing whose page size is capped by the account's maximum (asked
    /// once per connector); a resumed listing keeps the cursor's size.
    ///
    /// The first time, the maximum (`/system/pagination`) and page 0 at the
    /// size the documented maximum of 250 gives are asked at once, so the
    /// listing starts one round trip sooner (token, then both, then the
    /// rest). If the account's maximum turns out smaller, that page 0 is
    /// dropped and the listing starts again at the account's size: one
    /// request spent, nothing delivered twice.
    fn capped_list<T: vectis_core::model::VendorId + Send + 'static>(
        &self,
        path: &'static str,
        key: &'static str,
        opts: &ListOptions,
        map: impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static,
    ) -> PageStream<T> {
        let me = self.clone();
        let wanted = opts.page_size;
        let resume = opts.resume.clone();
        futures::stream::once(async move {
            if let Some(size) = resume.as_ref().and_then(cursor_size) {
                return me.list(path, key, size, resume, map);
            }
            let known = *me.page_max.lock().await;
            if let Some(max) = known {
                let size = wanted.unwrap_or(max).clamp(1, max.max(1));
                return me.list(path, key, size, None, map);
            }
            let map = Arc::new(map);
            let guess = wanted
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, DEFAULT_PAGE_SIZE);
            let m = Arc::clone(&map);
            let mut speculative = me.list(path, key, guess, None, move |i, v| m(i, v));
            let (max, first) = futures::join!(me.account_page_max(), speculative.next());
            let max = match max {
                Ok(max) => max,
                Err(e) => return error_stream(e),
            };
            let size = wanted.unwrap_or(max).clamp(1, max.max(1));
            if size == guess {
                return match first {
                    Some(page) => futures::stream::iter([page]).chain(speculative).boxed(),
                    None => futures::stream::empty().boxed(),
                };
            }
            drop(speculative);
            tracing::debug!(
                target: "vectis::datto",
                account_max = max,
                "the account's page maximum is below the documented 250; listing again at its size"
            );
            me.list(path, key, size, None, move |i, v| map(i, v))
        })
        .flatten()
        .boxed()
    }

    fn alert_list(&self, path: &'static str, opts: &ListOptions) -> PageStream<Alert> {
        // The account maximum does not apply to alerts (per the spec); a
        // smaller server cap is handled by `parse_page`.
        let size = opts
            .resume
            .as_ref()
            .and_then(cursor_size)
            .unwrap_or_else(|| {
                opts.page_size
                    .unwrap_or(DEFAULT_PAGE_SIZE)
                    .clamp(1, DEFAULT_PAGE_SIZE)
            });
        let resolved = path.ends_with("/resolved");
        let endpoint: &'static str = if resolved {
            "/api/v2/account/alerts/resolved"
        } else {
            "/api/v2/account/alerts/open"
        };
        let ids = IdCheck::new(Vendor::DattoRmm, endpoint, "alertUid");
        let check = Arc::clone(&ids);
        let pages = self.list(path, "alerts", size, opts.resume.clone(), move |i, v| {
            let a: raw::DattoAlert = decode_item(Vendor::DattoRmm, endpoint, i, &v)?;
            let alert = map::alert(a, v, resolved);
            check.keep(i, alert.is_some());
            Ok(alert)
        });
        ids.guard(pages)
    }
}

/// Whether `e` came from the token endpoint (`/auth/oauth/token`).
fn is_token_error(e: &Error) -> bool {
    match e {
        Error::Api { endpoint, .. }
        | Error::NotFound { endpoint, .. }
        | Error::Network { endpoint, .. }
        | Error::Timeout { endpoint, .. }
        | Error::UnexpectedResponse { endpoint, .. } => endpoint.ends_with(TOKEN_PATH),
        _ => false,
    }
}

/// A transport error and its causes, most specific last (`error sending
/// request: client error (Connect): Connection refused`).
fn source_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// The page size a resume cursor was made with (its `max`).
fn cursor_size(c: &Cursor) -> Option<u32> {
    let url = url::Url::parse(&c.next).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "max")
        .and_then(|(_, v)| v.parse().ok())
        .filter(|m| *m > 0)
}

/// Reads Datto's page envelope: `{"pageDetails": {…}, "<key>": […]}`.
///
/// Pages are fetched concurrently only when `totalCount` is known **and**
/// the server honoured the page size asked for; a page shorter than `max`
/// that still has a `nextPageUrl` (a server-side cap) makes the listing
/// follow `nextPageUrl` instead, so no page is skipped.
fn parse_page(resp: &Response, key: &str) -> Result<RawPage> {
    let mut body: serde_json::Map<String, serde_json::Value> = resp.json()?;
    let details: raw::PageDetails = match body.remove("pageDetails") {
        Some(v) if !v.is_null() => serde_path_to_error::deserialize(&v).map_err(|e| {
            // Name the field (`pageDetails.totalCount`), not only the object.
            let at = e.path().to_string();
            Error::Decode {
                vendor: Vendor::DattoRmm,
                endpoint: resp.endpoint.clone(),
                path: match at.as_str() {
                    "." | "" => "pageDetails".into(),
                    _ => format!("pageDetails.{at}"),
                },
                message: e.inner().to_string(),
                source: vectis_core::error::decode_source(e.into_inner()),
            }
        })?,
        _ => return Err(resp.unexpected("the answer has no `pageDetails`")),
    };
    let items = match body.remove(key) {
        Some(serde_json::Value::Array(items)) => items,
        None | Some(serde_json::Value::Null)
            if details.count.unwrap_or(0) == 0 && details.next_page_url.is_none() =>
        {
            Vec::new()
        }
        _ => return Err(resp.unexpected(format!("the answer has no `{key}` list"))),
    };
    let next = details
        .next_page_url
        .filter(|u| !u.trim().is_empty() && !u.trim().eq_ignore_ascii_case("null"));
    let asked: Option<usize> = resp
        .url
        .query_pairs()
        .find(|(k, _)| k == "max")
        .and_then(|(_, v)| v.parse().ok());
    let honoured = next.is_none() || asked.is_none_or(|m| items.len() >= m);
    Ok(RawPage {
        meta: PageMeta {
            items: items.len(),
            total_items: details.total_count.filter(|_| honoured),
            total_pages: None,
            next_url: next,
            link_next: None,
        },
        items,
    })
}

#[async_trait]
impl Connector for DattoRmmConnector {
    fn info(&self) -> &'static VendorInfo {
        &INFO
    }

    fn observed(&self) -> vectis_core::Observed {
        self.client.observed()
    }

    async fn check(&self) -> Result<ConnectionInfo> {
        let account: raw::Account = self
            .client
            .get_json("/account", "/api/v2/account")
            .await
            .map_err(|e| {
                let hint = format!(
                    "Datto RMM has no account here: {}",
                    wrong_platform_hint(&self.platform, &self.host)
                );
                self.explain_or(e, hint)
            })?;
        let name = account
            .name
            .filter(|n| !n.trim().is_empty())
            .or(account.uid)
            .or(account.id.map(|id| id.to_string()))
            .unwrap_or_else(|| "account".to_string());
        Ok(ConnectionInfo::named(Vendor::DattoRmm, name))
    }

    fn customer_pages(&self, opts: &ListOptions) -> PageStream<Customer> {
        const EP: &str = "/api/v2/account/sites";
        let ids = IdCheck::new(Vendor::DattoRmm, EP, "uid");
        let check = Arc::clone(&ids);
        let odd = Arc::new(AtomicU64::new(0));
        let pages = self.capped_list("/account/sites", "sites", opts, move |i, v| {
            let s: raw::DattoSite = decode_item(Vendor::DattoRmm, EP, i, &v)?;
            if !check.keep(i, map::site_uid(&s).is_some()) {
                return Ok(None);
            }
            if map::is_deleted_devices_site(&s) {
                tracing::debug!(target: "vectis::datto", uid = ?s.uid, "skipping the built-in Deleted Devices site");
                return Ok(None);
            }
            let uid = map::site_uid(&s).unwrap_or_default().to_string();
            let name = s.name.clone().unwrap_or_default();
            let customer = map::site(s, v)?;
            if customer.is_none() {
                let n = odd.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::warn!(target: "vectis::datto", index = i, uid = %uid, name = %name, dropped = n, "Datto RMM on {EP}: site `{name}` dropped: its uid `{uid}` is not a GUID, so no per-site call can use it ({n} site(s) dropped so far)");
            }
            Ok(customer)
        });
        ids.guard(pages)
    }

    fn device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        const EP: &str = "/api/v2/account/devices";
        let keep = self.keep_deleted_devices;
        let ids = IdCheck::new(Vendor::DattoRmm, EP, "uid");
        let check = Arc::clone(&ids);
        let pages = self.capped_list("/account/devices", "devices", opts, move |i, v| {
            let d: raw::DattoDevice = decode_item(Vendor::DattoRmm, EP, i, &v)?;
            let has_uid = d.uid.as_deref().is_some_and(|u| !u.trim().is_empty());
            if !check.keep(i, has_uid) {
                return Ok(None);
            }
            Ok(map::device(d, v, keep))
        });
        ids.guard(pages)
    }

    fn alert_pages(&self, opts: &ListOptions) -> PageStream<Alert> {
        // A cursor into the resolved list resumes there; any other cursor
        // resumes the open list, and the resolved list follows in full.
        let resuming_resolved = opts
            .resume
            .as_ref()
            .and_then(|c| url::Url::parse(&c.next).ok())
            .is_some_and(|u| u.path().ends_with("/alerts/resolved"));
        if resuming_resolved {
            return self.alert_list("/account/alerts/resolved", opts);
        }
        let open = self.alert_list("/account/alerts/open", opts);
        let mut fresh = opts.clone();
        fresh.resume = None;
        let me = self.clone();
        let resolved =
            futures::stream::once(async move { me.alert_list("/account/alerts/resolved", &fresh) })
                .flatten()
                .boxed();
        // The resolved list's first page travels while the open list is read.
        vectis_core::paginate::chain_ahead(
            Vendor::DattoRmm,
            "/api/v2/account/alerts/resolved",
            open,
            resolved,
        )
    }

    async fn resolve_alert(&self, id: &str) -> Result<ActionOutcome> {
        let id = id.trim();
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::InvalidInput {
                what: "Datto RMM alert uid".into(),
                reason: format!(
                    "`{id}` is not a Datto RMM alert uid (a GUID such as c2d3e4f5-6a7b-4c8d-9e0f-1a2b3c4d5e6f)"
                ),
            });
        }
        let url = self
            .client
            .base()
            .join(&format!("/alert/{}/resolve", encode_segment(id)))?;
        // A POST, but resolving an alert twice is harmless on Datto's side
        // (it stays resolved), so a request that may not have arrived can be
        // sent again after a timeout or a 5xx.
        let spec = RequestSpec::new(
            vectis_core::http::Method::POST,
            url,
            "/api/v2/alert/{alertUid}/resolve",
        )
        .idempotent(true);
        self.client.execute(spec).await.map_err(|e| {
            let hint = format!(
                "there is no alert {id} in this Datto RMM account; list alerts to find its uid"
            );
            self.explain_or(e, hint)
        })?;
        Ok(ActionOutcome::new(
            Vendor::DattoRmm,
            id,
            format!("alert {id} resolved"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vectis_core::http::{Situation, VendorRules};
    use vectis_core::{Quota, Verb};

    fn builder(platform: &str) -> DattoRmmBuilder {
        DattoRmmConnector::builder(platform, SecretString::from("k"), SecretString::from("s"))
    }

    #[test]
    fn the_platform_picks_the_host() {
        let c = builder("Merlot").build().unwrap();
        assert_eq!(
            c.client().base().as_str(),
            "https://merlot-api.centrastage.net/api/v2"
        );
        assert_eq!(c.platform(), "merlot");
        for p in PLATFORMS {
            assert!(builder(p).build().is_ok(), "{p}");
        }
    }

    #[test]
    fn an_unknown_platform_is_a_config_error_listing_the_six() {
        let e = builder("shiraz").build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let msg = e.to_string();
        assert!(
            msg.contains("DATTO_PLATFORM") && msg.contains("shiraz"),
            "{msg}"
        );
        for p in PLATFORMS {
            assert!(msg.contains(p), "{msg}");
        }
    }

    #[test]
    fn a_base_url_overrides_the_host_and_gets_the_api_root_once() {
        for raw in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/api",
            "http://127.0.0.1:8080/api/v2/",
        ] {
            let c = builder("merlot").base_url(raw).build().unwrap();
            assert_eq!(
                c.client().base().as_str(),
                "http://127.0.0.1:8080/api/v2",
                "{raw}"
            );
        }
        let e = builder("merlot")
            .base_url("http://merlot-api.centrastage.net")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("plain http"), "{e}");
        assert_eq!(
            INFO.base_url("https://proxy.example/datto", "x")
                .unwrap()
                .site
                .as_str(),
            "https://proxy.example/datto"
        );
    }

    #[test]
    fn empty_credentials_name_their_variable() {
        let e = DattoRmmConnector::new("merlot", SecretString::from(" "), SecretString::from("s"))
            .unwrap_err();
        assert!(e.to_string().contains("DATTO_API_KEY"), "{e}");
        let e = DattoRmmConnector::new("merlot", SecretString::from("k"), SecretString::from(""))
            .unwrap_err();
        assert!(e.to_string().contains("DATTO_API_SECRET"), "{e}");
    }

    #[test]
    fn reads_both_error_body_shapes() {
        let r = rules("merlot", "https://merlot-api.centrastage.net", Time::real());
        let oauth =
            serde_json::json!({"error": "invalid_grant", "error_description": "Bad credentials"});
        assert_eq!(
            r.error_body(&oauth),
            Some((Some("invalid_grant".into()), "Bad credentials".into()))
        );
        let spring = serde_json::json!({"timestamp": 1718035200000_i64, "status": 404, "error": "Not Found",
            "message": "Device was not found.", "path": "/api/v2/device/x"});
        assert_eq!(
            r.error_body(&spring),
            Some((Some("Not Found".into()), "Device was not found.".into()))
        );
        assert_eq!(r.error_body(&serde_json::json!([1, 2])), None);
    }

    #[test]
    fn the_default_quota_is_ninety_percent_of_the_account_limit() {
        let r = rules("merlot", "h", Time::real());
        assert_eq!(r.default_quota(), Quota::per_minute(540));
        assert!(r.hint(Situation::RateLimited).contains("600"));
    }

    #[test]
    fn acknowledge_explains_the_8_9_0_removal() {
        let c = builder("merlot").build().unwrap();
        let e = c.unsupported(Verb::AcknowledgeAlert);
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.to_string().contains("8.9.0"), "{e}");
    }

    #[test]
    fn resume_cursors_keep_their_page_size() {
        let c = Cursor {
            next: "https://h/api/v2/account/devices?page=2&max=100".into(),
        };
        assert_eq!(cursor_size(&c), Some(100));
        let c = Cursor {
            next: "https://h/api/v2/account/devices?page=2".into(),
        };
        assert_eq!(cursor_size(&c), None);
    }
}
