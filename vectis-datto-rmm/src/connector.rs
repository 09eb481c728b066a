//! The connector: Datto RMM's listings on the engine in `vectis-core`; the
//! account's page maximum is in `page_max`, token and platform errors are
//! explained in `explain`.

use crate::info::{API_ROOT, DEFAULT_PAGE_SIZE, INFO, wrong_platform_hint};
use crate::page_max::cursor_size;
use crate::{map, raw};
use async_trait::async_trait;
use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use vectis_core::error::Result;
use vectis_core::http::{RequestSpec, Response, encode_segment};
use vectis_core::paginate::{
    Cursor, ListRequest, NextUrl, PageMeta, PageNumber, PageStream, RawPage, decode_item,
    error_stream, page_stream,
};
use vectis_core::record_ids::IdCheck;
use vectis_core::{
    ActionOutcome, Alert, ConnectionInfo, Connector, Customer, Device, Error, HttpClient,
    ListOptions, Vendor, VendorInfo,
};

/// One Datto RMM account.
#[derive(Debug, Clone)]
pub struct DattoRmmConnector {
    pub(crate) client: HttpClient,
    pub(crate) platform: String,
    pub(crate) host: String,
    /// Whether the host came from a base URL rather than the platform.
    pub(crate) custom_host: bool,
    pub(crate) keep_deleted_devices: bool,
    /// The account's page-size maximum, asked once.
    pub(crate) page_max: Arc<futures::lock::Mutex<Option<u32>>>,
}

impl DattoRmmConnector {
    /// The platform this connector was built for.
    pub fn platform(&self) -> &str {
        &self.platform
    }

    /// The engine underneath (for its limiter or base URL).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// A listing of `path`, `size` items a page, reading the `key` array.
    pub(crate) fn list<T: vectis_core::model::VendorId + Send + 'static>(
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
