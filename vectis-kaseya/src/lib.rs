//! # vectis-kaseya
//!
//! [Kaseya VSA X](https://www.kaseya.com/products/vsa/) (VSA 10) REST API v3
//! as a Vectis [`Connector`]: organizations (customers), devices (enriched
//! with OS, online state and last-seen from the asset inventory) and
//! notifications (alerts), each alert linked to its device and organization.
//! VSA X has no acknowledge or close verb, so both return
//! [`Error::Unsupported`] and send nothing.
//!
//! Add to `Cargo.toml`: `vectis-kaseya = "0.1"` and `vectis-core = "0.1"`
//! (the [`Connector`] trait, settings and errors), plus an async runtime
//! (`tokio = { version = "1", features = ["macros", "rt-multi-thread"] }`)
//! and `futures = "0.3"` for `TryStreamExt`.
//! TLS is rustls with the webpki roots by default; the features
//! `rustls-native-roots` (the OS trust store too) and `native-tls` (the
//! platform's TLS, with `default-features = false`) choose otherwise, and
//! `EngineSettings::extra_root_certificates` adds a proxy's CA.
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
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod info;
pub mod map;
pub mod raw;

pub use info::{
    API_ROOT, DEFAULT_QUOTA_PER_HOUR, INFO, PAGE_SIZE, TENANT_URL_VAR, TOKEN_ID_VAR,
    TOKEN_SECRET_VAR,
};

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use vectis_core::credential::Basic;
use vectis_core::error::Result;
use vectis_core::http::{RequestSpec, Response, encode_segment};
use vectis_core::paginate::{
    Cursor, ListRequest, Offset, Page, PageMeta, PageStream, RawPage, decode_item, error_stream,
    page_stream, typed,
};
use vectis_core::{
    Alert, BaseUrl, ConnectionInfo, Connector, Customer, Device, EngineSettings, Error, ErrorKind,
    HttpClient, InfoRules, ListOptions, SecretString, Vendor, VendorInfo,
};

/// How far (in assets) the join reads past a device's position in the list
/// looking for its asset before it gives up on that device.
const ASSET_LOOKAHEAD: u64 = 1_000;

/// The asset side of the device ↔ asset join (see [`KaseyaConnector`]'s
/// `device_pages`): the asset list read in step with the device list.
struct AssetJoin {
    /// The rest of the asset list; `None` once it has ended.
    assets: Option<PageStream<raw::Asset>>,
    /// Assets read but not yet matched, by identifier.
    unmatched: HashMap<String, raw::Asset>,
    /// Assets read so far.
    read: u64,
    /// Devices asked for so far.
    wanted: u64,
    /// Devices given no asset.
    missing: u64,
}

impl AssetJoin {
    /// The asset of the device `identifier`, reading ahead as far as
    /// [`ASSET_LOOKAHEAD`] past this device's position for it.
    async fn take(&mut self, identifier: &str) -> Result<Option<raw::Asset>> {
        self.wanted += 1;
        let k = key(identifier);
        loop {
            if let Some(a) = self.unmatched.remove(&k) {
                return Ok(Some(a));
            }
            let ahead = self.read.saturating_sub(self.wanted);
            let Some(assets) = self.assets.as_mut().filter(|_| ahead < ASSET_LOOKAHEAD) else {
                self.missing += 1;
                return Ok(None);
            };
            match assets.try_next().await? {
                Some(page) => {
                    for a in page.items {
                        self.read += 1;
                        self.unmatched.insert(key(&a.identifier), a);
                    }
                }
                None => self.assets = None,
            }
        }
    }

    /// Reports devices that went without an asset.
    fn finish(&self) {
        if self.missing > 0 {
            tracing::debug!(
                target: "vectis::kaseya",
                devices_without_asset = self.missing,
                assets_unmatched = self.unmatched.len(),
                "some devices had no asset within the look-ahead: their OS, online state and last-seen are empty"
            );
        }
    }
}

/// Normalizes a tenant URL: trims it, drops a trailing slash, doubled slashes
/// and a pasted `/api/v3` (or `/api`), and validates it (https, or http on
/// loopback; no query). Returns the tenant root, without `/api/v3`.
pub fn normalize_tenant_url(raw: &str) -> Result<BaseUrl> {
    Ok(INFO.base_url(raw, TENANT_URL_VAR)?.site)
}

/// Builds a [`KaseyaConnector`].
pub struct KaseyaBuilder {
    tenant_url: String,
    /// What an error about `tenant_url` calls it.
    url_setting: &'static str,
    token_id: String,
    token_secret: SecretString,
    settings: EngineSettings,
    enrich_devices: bool,
    link_alerts: bool,
}

impl std::fmt::Debug for KaseyaBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token id is half of the Basic credential: shown as a
        // fingerprint only, like the secret is never shown.
        f.debug_struct("KaseyaBuilder")
            .field("tenant_url", &self.tenant_url)
            .field(
                "token_id",
                &vectis_core::credential::fingerprint(&SecretString::from(self.token_id.clone())),
            )
            .field("token_secret", &"[redacted]")
            .field("settings", &self.settings)
            .field("enrich_devices", &self.enrich_devices)
            .field("link_alerts", &self.link_alerts)
            .finish()
    }
}

impl KaseyaBuilder {
    /// Another address instead of the tenant URL given to
    /// [`KaseyaConnector::builder`] (a proxy, a fake); `/api/v3` is appended.
    pub fn base_url(mut self, url: &str) -> Self {
        self.tenant_url = url.to_string();
        self.url_setting = "base URL";
        self
    }

    /// Engine settings: quota, retries, timeout, concurrency, time.
    pub fn settings(mut self, settings: EngineSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Whether devices get OS, online and last-seen from `GET /api/v3/assets`
    /// (one extra request per 100 devices). Default: on.
    pub fn enrich_devices(mut self, yes: bool) -> Self {
        self.enrich_devices = yes;
        self
    }

    /// Whether every alert carries its device and organization (costs in the
    /// crate docs). Off: a fast listing with `device_id` and `customer_id`
    /// null. Default: on.
    pub fn link_alerts(mut self, yes: bool) -> Self {
        self.link_alerts = yes;
        self
    }

    /// Validates the configuration.
    pub fn build(self) -> Result<KaseyaConnector> {
        use vectis_core::ExposeSecret;
        let base = INFO.base_url(&self.tenant_url, self.url_setting)?;
        let id = self.token_id.trim();
        if id.is_empty() {
            return Err(INFO.missing(TOKEN_ID_VAR));
        }
        if self.token_secret.expose_secret().trim().is_empty() {
            return Err(INFO.missing(TOKEN_SECRET_VAR));
        }
        let secret = SecretString::from(self.token_secret.expose_secret().trim().to_string());
        let credential = Basic::new(Vendor::Kaseya, id, secret);
        let rules = InfoRules::new(&INFO).var("tenant", base.site.as_str());
        let client = HttpClient::new(
            Arc::new(rules),
            base.api,
            Arc::new(credential),
            self.settings,
        );
        Ok(KaseyaConnector {
            client,
            enrich_devices: self.enrich_devices,
            link_alerts: self.link_alerts,
        })
    }
}

/// One VSA X tenant.
#[derive(Debug, Clone)]
pub struct KaseyaConnector {
    client: HttpClient,
    enrich_devices: bool,
    link_alerts: bool,
}

/// A list envelope: `{"Data": [...], "Meta": {"ResponseCode", "TotalCount"}}`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListBody {
    #[serde(default)]
    data: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    meta: raw::Meta,
}

fn parse_page(resp: &Response) -> Result<RawPage> {
    let body: ListBody = resp.json()?;
    let items = match body.data {
        Some(items) => items,
        None if body.meta.total_count.unwrap_or(0) == 0 => Vec::new(),
        None => {
            return Err(resp.unexpected(format!(
                "the answer has no `Data` list although its Meta.TotalCount is {}",
                body.meta.total_count.unwrap_or(0)
            )));
        }
    };
    Ok(RawPage {
        meta: PageMeta {
            items: items.len(),
            total_items: body.meta.total_count,
            total_pages: None,
            next_url: None,
            link_next: None,
        },
        items,
    })
}

/// A GUID as a map key (case-insensitive).
fn key(identifier: &str) -> String {
    identifier.trim().to_ascii_lowercase()
}

impl KaseyaConnector {
    /// A connector for the tenant at `tenant_url` with default settings.
    pub fn new(
        tenant_url: &str,
        token_id: &str,
        token_secret: SecretString,
    ) -> Result<KaseyaConnector> {
        KaseyaConnector::builder(tenant_url, token_id, token_secret).build()
    }

    /// A builder, for engine settings, enrichment and linking.
    pub fn builder(tenant_url: &str, token_id: &str, token_secret: SecretString) -> KaseyaBuilder {
        KaseyaBuilder {
            tenant_url: tenant_url.to_string(),
            url_setting: TENANT_URL_VAR,
            token_id: token_id.to_string(),
            token_secret,
            settings: EngineSettings::default(),
            enrich_devices: true,
            link_alerts: true,
        }
    }

    /// The engine underneath (for its limiter or base URL).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// A `$top`/`$skip` listing of `path` ordered by `orderby`.
    fn list<T: Send + 'static>(
        &self,
        path: &str,
        endpoint: &'static str,
        orderby: &'static str,
        opts: (Option<u32>, Option<Cursor>),
        map: impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static,
        unique: Option<vectis_core::paginate::IdFn<T>>,
    ) -> PageStream<T> {
        let mut url = match self.client.base().join(path) {
            Ok(u) => u,
            Err(e) => return error_stream(e),
        };
        url.query_pairs_mut().append_pair("$orderby", orderby);
        let size = opts.0.unwrap_or(PAGE_SIZE).clamp(1, PAGE_SIZE);
        let paginator = Offset {
            skip_param: "$skip",
            top_param: "$top",
            size,
        };
        let mut req = ListRequest::new(endpoint, url, paginator, parse_page, map).resume(opts.1);
        if let Some(id) = unique {
            // Offset paging shifts records onto the next page when one is
            // inserted before them while the listing is read.
            req = req.unique_by(id);
        }
        page_stream(self.client.clone(), req)
    }

    /// The asset list, ordered like the device list, from `skip` on.
    fn asset_pages(&self, skip: u64) -> PageStream<raw::Asset> {
        let resume = (skip > 0)
            .then(|| self.client.base().join("/assets").ok())
            .flatten()
            .map(|mut url| {
                url.query_pairs_mut()
                    .append_pair("$orderby", "Identifier")
                    .append_pair("$top", &PAGE_SIZE.to_string())
                    .append_pair("$skip", &skip.to_string());
                Cursor {
                    next: url.to_string(),
                }
            });
        self.list(
            "/assets",
            "/api/v3/assets",
            "Identifier",
            (None, resume),
            typed(Vendor::Kaseya, "/api/v3/assets", |a: raw::Asset, _| a),
            Some(vectis_core::model::VendorId::vendor_id),
        )
    }

    /// Every device's identifier and organization, in list order.
    async fn device_organizations(&self) -> Result<Vec<(String, Option<String>)>> {
        let mut pages = self.list(
            "/devices",
            "/api/v3/devices",
            "Identifier",
            (None, None),
            typed(
                Vendor::Kaseya,
                "/api/v3/devices",
                |d: raw::DeviceItem, _| (d.identifier, d.organization_id.map(|o| o.to_string())),
            ),
            Some(first_id),
        );
        let mut out = Vec::new();
        while let Some(page) = pages.try_next().await? {
            out.extend(page.items);
        }
        Ok(out)
    }

    /// How many notifications the tenant has (one request).
    async fn notification_count(&self) -> Result<u64> {
        let body: ListBody = self
            .client
            .get_json(
                "/notifications?$top=1&$skip=0&$orderby=Id",
                "/api/v3/notifications",
            )
            .await?;
        Ok(body.meta.total_count.unwrap_or(0))
    }

    /// One notification's detail mapped to a linked alert; `None` when it
    /// was deleted since it was listed.
    async fn detailed_alert(
        &self,
        id: i64,
        orgs: &HashMap<String, Option<String>>,
    ) -> Result<Option<Alert>> {
        let path = format!("/notifications/{}", encode_segment(&id.to_string()));
        let detail: std::result::Result<raw::One<serde_json::Value>, Error> = self
            .client
            .get_json(&path, "/api/v3/notifications/{id}")
            .await;
        let raw_detail = match detail {
            Ok(one) => one.data,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                tracing::debug!(target: "vectis::kaseya", id, "notification deleted while listing; skipped");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let n: raw::Notification =
            decode_item(Vendor::Kaseya, "/api/v3/notifications/{id}", 0, &raw_detail)?;
        let device = n
            .computer_identifier
            .clone()
            .filter(|d| !d.trim().is_empty());
        let customer = device
            .as_deref()
            .and_then(|d| orgs.get(&key(d)).cloned().flatten());
        Ok(Some(map::notification(n, raw_detail, device, customer)))
    }

    /// The notification list, each item linked through its detail; ids in
    /// `skip` are left out (already delivered).
    fn alerts_by_detail(
        &self,
        opts: (Option<u32>, Option<Cursor>),
        orgs: Arc<HashMap<String, Option<String>>>,
        skip: Option<Arc<HashSet<i64>>>,
    ) -> PageStream<Alert> {
        let pages = self.list(
            "/notifications",
            "/api/v3/notifications",
            "Id",
            opts,
            |i, v| {
                let n: raw::Notification =
                    decode_item(Vendor::Kaseya, "/api/v3/notifications", i, &v)?;
                Ok(Some(n.id))
            },
            None,
        );
        let me = self.clone();
        pages
            .and_then(move |page| {
                let me = me.clone();
                let orgs = Arc::clone(&orgs);
                let skip = skip.clone();
                async move {
                    let wanted: Vec<i64> = page
                        .items
                        .into_iter()
                        .filter(|id| skip.as_ref().is_none_or(|s| !s.contains(id)))
                        .collect();
                    let width = me.client.concurrency().max(1);
                    let alerts: Vec<Option<Alert>> = futures::stream::iter(wanted)
                        .map(|id| {
                            let me = me.clone();
                            let orgs = Arc::clone(&orgs);
                            async move { me.detailed_alert(id, &orgs).await }
                        })
                        .buffered(width)
                        .try_collect()
                        .await?;
                    Ok(Page {
                        items: alerts.into_iter().flatten().collect(),
                        index: page.index,
                        total: page.total,
                        resume: page.resume,
                    })
                }
            })
            .boxed()
    }

    /// One notification list per device (the device link is the path), then
    /// a sweep of the global list for every id no device list had (a
    /// notification of a device removed or added since the device list was
    /// read), each with a detail call. The sweep always runs: comparing
    /// counts cannot tell, since a notification created during the sync
    /// makes them agree while an older one was never seen. It costs the
    /// global list's pages (⌈A/100⌉) plus one detail per missing id.
    fn alerts_by_device(
        &self,
        devices: Vec<(String, Option<String>)>,
        orgs: Arc<HashMap<String, Option<String>>>,
    ) -> PageStream<Alert> {
        let seen: Arc<Mutex<HashSet<i64>>> = Arc::default();
        let width = self.client.concurrency().max(1);
        let me = self.clone();
        let seen_in = Arc::clone(&seen);
        let per_device = futures::stream::iter(devices)
            .map(move |(device, org)| {
                let path = format!("/devices/{}/notifications", encode_segment(&device));
                let seen = Arc::clone(&seen_in);
                let pages = me.list(
                    &path,
                    "/api/v3/devices/{identifier}/notifications",
                    "Id",
                    (None, None),
                    move |i, v| {
                        let n: raw::Notification = decode_item(
                            Vendor::Kaseya,
                            "/api/v3/devices/{identifier}/notifications",
                            i,
                            &v,
                        )?;
                        if !seen
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(n.id)
                        {
                            return Ok(None);
                        }
                        Ok(Some(map::notification(
                            n,
                            v,
                            Some(device.clone()),
                            org.clone(),
                        )))
                    },
            Some(vectis_core::model::VendorId::vendor_id),
        );
                async move {
                    match pages.try_collect::<Vec<Page<Alert>>>().await {
                        // Removed since the device list was read: whatever
                        // notifications it had are swept up below.
                        Err(Error::NotFound { .. }) => {
                            tracing::debug!(target: "vectis::kaseya", "a device's notification list answered 404 (device removed); its notifications come from the sweep");
                            Ok(Vec::new())
                        }
                        other => other,
                    }
                }
            })
            .buffered(width)
            .map_ok(|pages| futures::stream::iter(pages.into_iter().map(Ok)))
            .try_flatten();
        let me = self.clone();
        let sweep = futures::stream::once(async move {
            let seen: HashSet<i64> = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
            tracing::debug!(target: "vectis::kaseya", seen = seen.len(), "sweeping the global notification list for ids no device list had");
            me.alerts_by_detail((None, None), orgs, Some(Arc::new(seen)))
        })
        .flatten();
        let mut index = 0u64;
        per_device
            .chain(sweep)
            .map_ok(move |mut page: Page<Alert>| {
                // Page numbers restart per device; renumber, and give no
                // resume cursor (it would resume one device's list only).
                page.index = index;
                page.resume = None;
                index += 1;
                page
            })
            .boxed()
    }

    /// Linked alerts: the device → organization map, then the cheaper way.
    async fn linked_alerts(&self, opts: &ListOptions) -> Result<PageStream<Alert>> {
        let devices = self.device_organizations().await?;
        let orgs: Arc<HashMap<String, Option<String>>> =
            Arc::new(devices.iter().map(|(d, o)| (key(d), o.clone())).collect());
        let resume = opts.resume.clone();
        if resume.is_some() {
            // A cursor points into the notification list.
            return Ok(self.alerts_by_detail((opts.page_size, resume), orgs, None));
        }
        let total = self.notification_count().await?;
        // `total` came over the network: saturate, never overflow.
        let by_detail = total.div_ceil(u64::from(PAGE_SIZE)).saturating_add(total);
        let by_device = devices.len() as u64;
        tracing::debug!(target: "vectis::kaseya", notifications = total, devices = by_device, by_detail, by_device, "linking alerts");
        if by_detail <= by_device {
            Ok(self.alerts_by_detail((opts.page_size, None), orgs, None))
        } else {
            Ok(self.alerts_by_device(devices, orgs))
        }
    }
}

#[async_trait]
impl Connector for KaseyaConnector {
    fn info(&self) -> &'static VendorInfo {
        &INFO
    }

    fn observed(&self) -> vectis_core::Observed {
        self.client.observed()
    }

    async fn check(&self) -> Result<ConnectionInfo> {
        let url = self
            .client
            .base()
            .join("/organizations?$top=1&$skip=0&$orderby=Id")?;
        let resp = self
            .client
            .execute(RequestSpec::get(url, "/api/v3/organizations"))
            .await?;
        let body: ListBody = resp.json()?;
        let n = body
            .meta
            .total_count
            .ok_or_else(|| resp.unexpected("the organization list has no Meta.TotalCount"))?;
        Ok(ConnectionInfo::counted(Vendor::Kaseya, n, "organizations"))
    }

    fn customer_pages(&self, opts: &ListOptions) -> PageStream<Customer> {
        self.list(
            "/organizations",
            "/api/v3/organizations",
            "Id",
            (opts.page_size, opts.resume.clone()),
            typed(Vendor::Kaseya, "/api/v3/organizations", map::organization),
            Some(vectis_core::model::VendorId::vendor_id),
        )
    }

    fn device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        let opts = (opts.page_size, opts.resume.clone());
        if !self.enrich_devices {
            return self.list(
                "/devices",
                "/api/v3/devices",
                "Identifier",
                opts,
                typed(Vendor::Kaseya, "/api/v3/devices", |d, v| {
                    map::device(d, v, None)
                }),
                Some(vectis_core::model::VendorId::vendor_id),
            );
        }
        // Both lists are ordered by identifier, so device n's asset is
        // (nearly always) asset n: the join reads the asset list alongside
        // the device list and holds only the assets not yet matched.
        let skip = opts
            .1
            .as_ref()
            .and_then(|c| url::Url::parse(&c.next).ok())
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "$skip")
                    .and_then(|(_, v)| v.parse::<u64>().ok())
            })
            .unwrap_or(0);
        let devices = self.list(
            "/devices",
            "/api/v3/devices",
            "Identifier",
            opts,
            typed(
                Vendor::Kaseya,
                "/api/v3/devices",
                |d: raw::DeviceItem, v| (d, v),
            ),
            Some(device_item_id),
        );
        let join = AssetJoin {
            assets: Some(self.asset_pages(skip)),
            unmatched: HashMap::new(),
            read: 0,
            wanted: 0,
            missing: 0,
        };
        futures::stream::try_unfold((devices, join), |(mut devices, mut join)| async move {
            let Some(page) = devices.try_next().await? else {
                join.finish();
                return Ok(None);
            };
            let mut items = Vec::with_capacity(page.items.len());
            for (d, v) in page.items {
                let asset = join.take(&d.identifier).await?;
                items.push(map::device(d, v, asset.as_ref()));
            }
            let page = Page {
                items,
                index: page.index,
                total: page.total,
                resume: page.resume,
            };
            Ok(Some((page, (devices, join))))
        })
        .boxed()
    }

    fn alert_pages(&self, opts: &ListOptions) -> PageStream<Alert> {
        if !self.link_alerts {
            return self.list(
                "/notifications",
                "/api/v3/notifications",
                "Id",
                (opts.page_size, opts.resume.clone()),
                typed(Vendor::Kaseya, "/api/v3/notifications", |n, v| {
                    map::notification(n, v, None, None)
                }),
                Some(vectis_core::model::VendorId::vendor_id),
            );
        }
        let me = self.clone();
        let opts = opts.clone();
        futures::stream::once(async move {
            match me.linked_alerts(&opts).await {
                Ok(pages) => pages,
                Err(e) => error_stream(e),
            }
        })
        .flatten()
        .boxed()
    }
}

/// The device id of a device paired with its raw JSON (for `unique_by`).
fn device_item_id(t: &(raw::DeviceItem, serde_json::Value)) -> &str {
    &t.0.identifier
}

/// The first element of an (id, organization) pair (for `unique_by`).
fn first_id(t: &(String, Option<String>)) -> &str {
    &t.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use vectis_core::Quota;
    use vectis_core::http::{Situation, VendorRules};

    #[test]
    fn tenant_urls_are_normalized() {
        for raw in [
            "https://acme.vsax.net",
            "https://acme.vsax.net/",
            " https://acme.vsax.net//api/v3/ ",
            "https://acme.vsax.net/api/v3",
            "https://acme.vsax.net/api",
        ] {
            assert_eq!(
                normalize_tenant_url(raw).unwrap().as_str(),
                "https://acme.vsax.net",
                "{raw}"
            );
        }
        assert_eq!(
            normalize_tenant_url("https://rmm.example.com/vsa/api/v3")
                .unwrap()
                .as_str(),
            "https://rmm.example.com/vsa"
        );
    }

    #[test]
    fn bad_tenant_urls_are_config_errors() {
        for raw in [
            "http://acme.vsax.net",
            "acme.vsax.net",
            "https://acme.vsax.net/?x=1",
            "",
        ] {
            let e = normalize_tenant_url(raw).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{raw}: {e}");
            assert!(e.to_string().contains("KASEYA_TENANT_URL"), "{e}");
        }
        assert!(normalize_tenant_url("http://127.0.0.1:8080").is_ok());
    }

    #[test]
    fn empty_credentials_name_their_variable() {
        let e = KaseyaConnector::builder("https://acme.vsax.net", " ", SecretString::from("s"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("KASEYA_TOKEN_ID"), "{e}");
        let e = KaseyaConnector::builder("https://acme.vsax.net", "id", SecretString::from(""))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("KASEYA_TOKEN_SECRET"), "{e}");
    }

    #[test]
    fn reads_the_meta_error_message() {
        let rules = InfoRules::new(&INFO).var("tenant", "https://acme.vsax.net");
        let body = serde_json::json!({"Data": null, "Meta": {"ResponseCode": 404, "ErrorMessage": "Entity is not found."}});
        assert_eq!(
            rules.error_body(&body),
            Some((Some("404".into()), "Entity is not found.".into()))
        );
        assert!(rules.hint(Situation::NotFound).contains("VSA 9"));
        assert_eq!(rules.default_quota(), Quota::per_hour(3_600));
    }
}
