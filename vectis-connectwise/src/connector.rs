//! The connector: ConnectWise's three listings on the engine in
//! `vectis-core`, with the conditions each is filtered by.

use crate::info::{
    EP_COMPANIES, EP_CONFIGURATIONS, EP_SYSTEM_INFO, EP_TICKETS, INFO, MAX_PAGE_SIZE,
    PAGINATION_TYPE_HEADER,
};
use crate::once::{HasId, once_each};
use crate::{map, raw};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use std::fmt;
use std::sync::Arc;
use tokio::sync::OnceCell;
use vectis_core::error::Result;
use vectis_core::http::{RequestSpec, Response};
use vectis_core::paginate::{
    LinkHeader, ListRequest, PageMeta, PageStream, RawPage, page_stream, set_query,
};
use vectis_core::{
    BaseUrl, ConnectionInfo, Connector, Customer, Device, HttpClient, ListOptions, RetryPolicy,
    Ticket, TicketDraft, Vendor, VendorInfo,
};

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
/// [`ConnectWiseBuilder::conditions`](crate::ConnectWiseBuilder::conditions).
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
    pub(crate) fn path(self) -> &'static str {
        match self {
            Listing::Companies => "company/companies",
            Listing::Configurations => "company/configurations",
            Listing::Tickets => "service/tickets",
        }
    }

    pub(crate) fn endpoint(self) -> &'static str {
        match self {
            Listing::Companies => EP_COMPANIES,
            Listing::Configurations => EP_CONFIGURATIONS,
            Listing::Tickets => EP_TICKETS,
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Listing::Companies => "company",
            Listing::Configurations => "configuration",
            Listing::Tickets => "ticket",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// One ConnectWise Manage company (tenant), seen through one API member.
#[derive(Clone)]
pub struct ConnectWiseConnector {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) client: HttpClient,
    pub(crate) company_id: String,
    pub(crate) api: OnceCell<BaseUrl>,
    pub(crate) paging: Paging,
    pub(crate) conditions: [Option<String>; 3],
    pub(crate) include_deleted_companies: bool,
    pub(crate) closed_status: Option<String>,
    pub(crate) retry: RetryPolicy,
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
    /// The engine underneath (its limiter, its base URL = the site).
    pub fn client(&self) -> &HttpClient {
        &self.inner.client
    }

    /// The paging mode.
    pub fn paging(&self) -> Paging {
        self.inner.paging
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

fn keep_company(include_deleted: bool) -> fn(raw::Company, serde_json::Value) -> Option<Customer> {
    if include_deleted {
        |c, v| Some(map::customer(c, v))
    } else {
        // Also filtered by `deletedFlag = false` on the server; this is
        // the safety net for an instance that ignores it.
        |c, v| (c.deleted_flag != Some(true)).then(|| map::customer(c, v))
    }
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
        self.create(draft).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use vectis_core::SecretString;

    const GUID: &str = "7a9e3c1d-5b2f-4e8a-9c6d-1f0e2b3a4c5d";

    fn builder(site: &str) -> crate::ConnectWiseBuilder {
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
}
