//! The connector: VSA X's listings on the engine in `vectis-core`; the
//! asset join is in `assets`, the alert linking in `alerts`.

use crate::info::{INFO, PAGE_SIZE};
use crate::{map, raw};
use async_trait::async_trait;
use futures::StreamExt;
use serde::Deserialize;
use vectis_core::error::Result;
use vectis_core::http::{RequestSpec, Response};
use vectis_core::paginate::{
    Cursor, ListRequest, Offset, PageMeta, PageStream, RawPage, error_stream, page_stream, typed,
};
use vectis_core::{
    Alert, ConnectionInfo, Connector, Customer, Device, HttpClient, ListOptions, Vendor, VendorInfo,
};

/// One VSA X tenant.
#[derive(Debug, Clone)]
pub struct KaseyaConnector {
    pub(crate) client: HttpClient,
    pub(crate) enrich_devices: bool,
    pub(crate) link_alerts: bool,
}

/// A list envelope: `{"Data": [...], "Meta": {"ResponseCode", "TotalCount"}}`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListBody {
    #[serde(default)]
    pub(crate) data: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub(crate) meta: raw::Meta,
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
pub(crate) fn key(identifier: &str) -> String {
    identifier.trim().to_ascii_lowercase()
}

impl KaseyaConnector {
    /// The engine underneath (for its limiter or base URL).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// A `$top`/`$skip` listing of `path` ordered by `orderby`.
    pub(crate) fn list<T: Send + 'static>(
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
        self.joined_device_pages(opts)
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
