//! The connector: ConnectWise's three listings on the engine in
//! `vectis-core`, with the conditions each is filtered by.

use crate::info::{INFO, PAGINATION_TYPE_HEADER};
use crate::listings::{COMPANIES, CONFIGURATIONS, TICKETS};
use crate::once::{HasId, once_each};
use crate::{map, raw};
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use tokio::sync::OnceCell;
use vectis_core::error::Result;
use vectis_core::http::Method;
use vectis_core::listing::lazy;
use vectis_core::model::VendorId;
use vectis_core::paginate::PageStream;
use vectis_core::{
    BaseUrl, ConnectionInfo, Connector, Customer, Device, HttpClient, ListOptions, RetryPolicy,
    Ticket, TicketDraft,
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

    /// A list at the API root (looked up first if need be), filtered by its
    /// conditions, paged the configured way, every record delivered once.
    fn list<R, T>(
        &self,
        which: Listing,
        listing: vectis_core::Listing<R>,
        opts: &ListOptions,
        map: fn(R, serde_json::Value) -> Option<T>,
    ) -> PageStream<T>
    where
        R: serde::de::DeserializeOwned + HasId + 'static,
        T: VendorId + Send + 'static,
    {
        let me = self.clone();
        let opts = opts.clone();
        lazy(async move {
            let api = me.api_root().await?;
            let mut call = me.inner.client.list(&listing, &opts).at(&api);
            if let Some(c) = me.conditions_for(which, &opts) {
                call = call.query("conditions", c);
            }
            let paging = me.inner.paging;
            call = match paging {
                Paging::ForwardOnly => call.header(PAGINATION_TYPE_HEADER, "forward-only"),
                Paging::Navigable => call.query("orderBy", "id asc").query("page", "1"),
            };
            let once = once_each(which.noun(), call.endpoint(), paging, map);
            Ok(call.try_map(once).pages())
        })
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

#[async_trait]
impl Connector for ConnectWiseConnector {
    vectis_core::connector_basics!(INFO, inner.client);

    async fn check(&self) -> Result<ConnectionInfo> {
        let api = self.api_root().await?;
        let client = &self.inner.client;
        let resp = client
            .execute(client.spec_at(&api, Method::GET, "/system/info", &[])?)
            .await?;
        let info: raw::SystemInfo = resp.json()?;
        let version = info
            .version
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| resp.unexpected("/system/info has no `version`"))?;
        Ok(ConnectionInfo::named(self.vendor(), version))
    }

    fn customer_pages(&self, opts: &ListOptions) -> PageStream<Customer> {
        let keep = keep_company(self.inner.include_deleted_companies);
        self.list(Listing::Companies, COMPANIES, opts, keep)
    }

    fn device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        let map = |c, v| Some(map::device(c, v));
        self.list(Listing::Configurations, CONFIGURATIONS, opts, map)
    }

    fn ticket_pages(&self, opts: &ListOptions) -> PageStream<Ticket> {
        let map = |t, v| Some(map::ticket(t, v));
        self.list(Listing::Tickets, TICKETS, opts, map)
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
