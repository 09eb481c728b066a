//! The connector: what Atera's listings and its one action are, on the
//! engine in `vectis-core`.

use crate::info::{API_ROOT, INFO, MAX_PAGE_SIZE};
use crate::{map, raw};
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
    ActionOutcome, Alert, ConnectionInfo, Connector, Customer, Device, Error, ErrorKind,
    HttpClient, ListOptions, Vendor, VendorInfo,
};

/// One Atera account.
#[derive(Debug, Clone)]
pub struct AteraConnector {
    pub(crate) client: HttpClient,
}

impl AteraConnector {
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
