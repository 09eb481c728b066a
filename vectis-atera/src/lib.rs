//! # vectis-atera
//!
//! [Atera](https://www.atera.com) REST API v3 as a Vectis [`Connector`]:
//! customers, agents (devices) and alerts — open **and** resolved, every page
//! to the last — plus resolving an alert. Atera has no acknowledge verb, so
//! [`Connector::acknowledge_alert`] returns [`Error::Unsupported`].
//!
//! Add to `Cargo.toml`: `vectis-atera = "0.1"` and `vectis-core = "0.1"`
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
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod info;
pub mod map;
pub mod raw;

pub use info::{
    API_KEY_VAR, API_ROOT, DEFAULT_BASE_URL, DEFAULT_QUOTA_PER_MINUTE, INFO, MAX_PAGE_SIZE,
};

use async_trait::async_trait;
use futures::StreamExt;
use std::sync::Arc;
use vectis_core::error::Result;
use vectis_core::http::{RequestSpec, Response, encode_segment};
use vectis_core::paginate::{
    ListRequest, NextUrl, PageMeta, PageNumber, PageStream, RawPage, decode_item, page_stream,
};
use vectis_core::record_ids::IdCheck;
use vectis_core::{
    ActionOutcome, Alert, ConnectionInfo, Connector, Customer, Device, EngineSettings, Error,
    ErrorKind, HttpClient, InfoRules, ListOptions, SecretString, Vendor, VendorInfo,
};

/// Builds an [`AteraConnector`].
#[derive(Debug)]
pub struct AteraBuilder {
    api_key: SecretString,
    base_url: String,
    settings: EngineSettings,
}

impl AteraBuilder {
    /// Another origin instead of `https://app.atera.com` (a proxy, a fake);
    /// `/api/v3` is appended unless already there.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = url.to_string();
        self
    }

    /// Engine settings: quota, retries, timeout, concurrency, time.
    pub fn settings(mut self, settings: EngineSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Validates the configuration.
    pub fn build(self) -> Result<AteraConnector> {
        use vectis_core::ExposeSecret;
        let key = self.api_key.expose_secret().trim();
        if key.is_empty() {
            return Err(INFO.missing(API_KEY_VAR));
        }
        let base = INFO.base_url(&self.base_url, "Atera base URL")?.api;
        let credential: Arc<dyn vectis_core::Credential> = if looks_like_jwt(key) {
            Arc::new(vectis_core::credential::BearerToken::new(
                Vendor::Atera,
                SecretString::from(key.to_string()),
            ))
        } else {
            Arc::new(vectis_core::credential::ApiKeyHeader::new(
                Vendor::Atera,
                "x-api-key",
                SecretString::from(key.to_string()),
            ))
        };
        let rules = InfoRules::new(&INFO);
        let client = HttpClient::try_new(Arc::new(rules), base, credential, self.settings)?;
        Ok(AteraConnector { client })
    }
}

/// Whether a key is one of Atera's newer JWT keys (sent as Bearer).
pub fn looks_like_jwt(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    let b64url = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    key.len() > 100 || (parts.len() == 3 && parts.iter().all(|p| b64url(p)))
}

/// One Atera account.
#[derive(Debug, Clone)]
pub struct AteraConnector {
    client: HttpClient,
}

impl AteraConnector {
    /// A connector for `https://app.atera.com` with default settings.
    pub fn new(api_key: SecretString) -> Result<AteraConnector> {
        AteraConnector::builder(api_key).build()
    }

    /// A builder, to set the base URL or engine settings.
    pub fn builder(api_key: SecretString) -> AteraBuilder {
        AteraBuilder {
            api_key,
            base_url: DEFAULT_BASE_URL.to_string(),
            settings: EngineSettings::default(),
        }
    }

    /// The engine underneath (for its limiter or base URL).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    fn list<T: vectis_core::model::VendorId + Send + 'static>(
        &self,
        path: &str,
        query: &[(&str, String)],
        opts: &ListOptions,
        map: impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static,
    ) -> PageStream<T> {
        let endpoint = format!("{API_ROOT}{path}");
        let mut url = match self.client.base().join(path) {
            Ok(u) => u,
            Err(e) => return vectis_core::paginate::error_stream(e),
        };
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        let size = opts
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let parse_endpoint = endpoint.clone();
        let paginator = NextUrl {
            first: PageNumber {
                page_param: "page",
                size_param: "itemsInPage",
                size,
                first_page: 1,
            },
        };
        let req = ListRequest::new(
            endpoint,
            url,
            paginator,
            move |resp: &Response| parse_page(resp, &parse_endpoint),
            map,
        )
        .resume(opts.resume.clone())
        .unique_by(vectis_core::model::VendorId::vendor_id);
        page_stream(self.client.clone(), req)
    }
}

impl AteraConnector {
    /// `GET /alerts?alertStatus=<status>`, every page, records without an
    /// `AlertID` skipped and counted.
    fn alert_list(&self, status: &str, opts: &ListOptions) -> PageStream<Alert> {
        let ids = IdCheck::new(Vendor::Atera, "/api/v3/alerts", "AlertID");
        let pages = self.list(
            "/alerts",
            &[("alertStatus", status.to_string())],
            opts,
            mapper("/api/v3/alerts", &ids, map::alert),
        );
        ids.guard(pages)
    }
}

/// Reads Atera's paged envelope.
fn parse_page(resp: &Response, endpoint: &str) -> Result<RawPage> {
    let env: raw::PagedResult = resp.json()?;
    let Some(items) = env.items else {
        // `items: null` is allowed by the spec only for an empty result.
        if env.total_item_count.unwrap_or(0) > 0 {
            return Err(resp.unexpected(format!(
                "{endpoint} answered `items: null` but says there are {} records",
                env.total_item_count.unwrap_or(0)
            )));
        }
        return Ok(RawPage::default());
    };
    Ok(RawPage {
        meta: PageMeta {
            items: items.len(),
            total_items: env.total_item_count,
            total_pages: env.total_pages,
            next_url: env.next_link,
            link_next: None,
        },
        items,
    })
}

/// A listing's item mapper: decodes each item into `R` and maps it with `f`;
/// an item `f` cannot identify (`None`: its id is null or missing, as Atera's
/// spec allows) is skipped and counted by `ids` instead of failing the page.
fn mapper<R, T>(
    endpoint: &'static str,
    ids: &Arc<IdCheck>,
    f: fn(R, serde_json::Value) -> Option<T>,
) -> impl Fn(usize, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static
where
    R: serde::de::DeserializeOwned + 'static,
    T: 'static,
{
    let ids = Arc::clone(ids);
    move |i, v| {
        let r: R = decode_item(Vendor::Atera, endpoint, i, &v)?;
        let mapped = f(r, v);
        ids.keep(i, mapped.is_some());
        Ok(mapped)
    }
}

#[async_trait]
impl Connector for AteraConnector {
    fn info(&self) -> &'static VendorInfo {
        &INFO
    }

    fn observed(&self) -> vectis_core::Observed {
        self.client.observed()
    }

    async fn check(&self) -> Result<ConnectionInfo> {
        let _account: serde_json::Value =
            self.client.get_json("/account", "/api/v3/account").await?;
        let mut url = self.client.base().join("/customers")?;
        url.query_pairs_mut()
            .append_pair("page", "1")
            .append_pair("itemsInPage", "1");
        let resp = self
            .client
            .execute(RequestSpec::get(url, "/api/v3/customers"))
            .await?;
        let env: raw::PagedResult = resp.json()?;
        let n = env
            .total_item_count
            .ok_or_else(|| resp.unexpected("the customer list has no totalItemCount"))?;
        Ok(ConnectionInfo::counted(Vendor::Atera, n, "customers"))
    }

    fn customer_pages(&self, opts: &ListOptions) -> vectis_core::PageStream<Customer> {
        let mut query = Vec::new();
        // Atera reads this in the account's time zone, which we cannot
        // know: ask from the earliest zone's view (UTC−14h margin).
        let from = match opts.since_minus(chrono::Duration::hours(14)) {
            Ok(from) => from,
            Err(e) => return vectis_core::paginate::error_stream(e),
        };
        if let Some(from) = from {
            query.push((
                "FromLastModifiedDate",
                from.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ));
        }
        let ids = IdCheck::new(Vendor::Atera, "/api/v3/customers", "CustomerID");
        let pages = self.list(
            "/customers",
            &query,
            opts,
            mapper("/api/v3/customers", &ids, map::customer),
        );
        ids.guard(pages)
    }

    fn device_pages(&self, opts: &ListOptions) -> vectis_core::PageStream<Device> {
        let ids = IdCheck::new(Vendor::Atera, "/api/v3/agents", "AgentID");
        let pages = self.list(
            "/agents",
            &[],
            opts,
            mapper("/api/v3/agents", &ids, map::device),
        );
        ids.guard(pages)
    }

    fn alert_pages(&self, opts: &ListOptions) -> vectis_core::PageStream<Alert> {
        // Without `alertStatus` Atera's answer is undocumented: ask for each.
        // A cursor into the resolved list resumes there (the open list was
        // delivered before it); any other cursor resumes the open list, and
        // the resolved list follows in full.
        let resuming_resolved = opts
            .resume
            .as_ref()
            .and_then(|c| url::Url::parse(&c.next).ok())
            .is_some_and(|u| {
                u.query_pairs().any(|(k, v)| {
                    k.eq_ignore_ascii_case("alertStatus") && v.eq_ignore_ascii_case("Resolved")
                })
            });
        if resuming_resolved {
            return self.alert_list("Resolved", opts);
        }
        let open = self.alert_list("Open", opts);
        let mut resolved_opts = opts.clone();
        resolved_opts.resume = None;
        let me = self.clone();
        let resolved =
            futures::stream::once(async move { me.alert_list("Resolved", &resolved_opts) })
                .flatten()
                .boxed();
        // The resolved list's first page travels while the open list is read.
        vectis_core::paginate::chain_ahead(Vendor::Atera, "/api/v3/alerts", open, resolved)
    }

    async fn resolve_alert(&self, id: &str) -> Result<ActionOutcome> {
        let id = id.trim();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidInput {
                what: "Atera alert id".into(),
                reason: format!("`{id}` is not an Atera alert id (a number such as 9001)"),
            });
        }
        let url = self
            .client
            .base()
            .join(&format!("/alerts/{}", encode_segment(id)))?;
        let spec = RequestSpec::new(vectis_core::http::Method::PUT, url, "/api/v3/alerts/{id}");
        self.client.execute(spec).await.map_err(|e| {
            e.with_hint(
                ErrorKind::NotFound,
                format!("there is no alert {id} in this Atera account; list alerts to find its id"),
            )
        })?;
        Ok(ActionOutcome::new(
            Vendor::Atera,
            id,
            format!("alert {id} resolved"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_jwt_keys_from_classic_keys() {
        assert!(!looks_like_jwt("0123456789abcdef0123456789abcdef"));
        assert!(looks_like_jwt(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
        ));
        assert!(looks_like_jwt(&"a".repeat(101)));
    }

    #[test]
    fn base_url_gets_the_api_root_once() {
        for raw in [
            "https://app.atera.com",
            "https://app.atera.com/",
            "https://app.atera.com/api/v3/",
            "https://app.atera.com//api//v3",
        ] {
            let c = AteraConnector::builder(SecretString::from("k"))
                .base_url(raw)
                .build()
                .unwrap();
            assert_eq!(
                c.client().base().as_str(),
                "https://app.atera.com/api/v3",
                "{raw}"
            );
        }
        let err = AteraConnector::builder(SecretString::from("k"))
            .base_url("http://app.atera.com")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
        assert!(
            AteraConnector::builder(SecretString::from("k"))
                .base_url("http://127.0.0.1:9")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn empty_key_is_a_config_error_naming_the_variable() {
        let err = AteraConnector::new(SecretString::from("  ")).unwrap_err();
        assert!(err.to_string().contains("ATERA_API_KEY"));
    }
}
