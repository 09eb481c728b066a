//! Atera's lists, declared: path, paging, envelope, page size, ids.

use crate::info::MAX_PAGE_SIZE;
use crate::map;
use crate::raw::{AteraAgent, AteraAlert, AteraCustomer};
use vectis_core::{Envelope, Listing, Pager};

/// `page`/`itemsInPage` from 1, then each page's `nextLink`.
const PAGER: Pager = Pager::next_url("page", "itemsInPage", 1);

/// `*DtoPagedResult`. Only what paging reads is decoded: `page` and
/// `itemsInPage` are echoes of the request (and have been seen negative), so
/// their shape never fails a page; `items: null` is an empty page only when
/// `totalItemCount` says so.
const ENVELOPE: Envelope = Envelope::object("items")
    .total("totalItemCount")
    .pages("totalPages")
    .next("nextLink");

/// `GET /customers` (`FromLastModifiedDate` is added for `since`).
pub(crate) const CUSTOMERS: Listing<AteraCustomer> = Listing::new("/customers", PAGER, ENVELOPE)
    .page_size(MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    .ids("CustomerID", |c: &AteraCustomer| c.customer_id.is_some())
    .unique();

/// `GET /agents`.
pub(crate) const AGENTS: Listing<AteraAgent> = Listing::new("/agents", PAGER, ENVELOPE)
    .page_size(MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    .ids("AgentID", map::has_device_key)
    .unique();

/// `GET /alerts`: without `alertStatus` Atera's answer is undocumented, so
/// it is asked for each status.
const ALERTS: Listing<AteraAlert> = Listing::new("/alerts", PAGER, ENVELOPE)
    .page_size(MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    .ids("AlertID", |a: &AteraAlert| a.alert_id.is_some())
    .unique();

/// `GET /alerts?alertStatus=Open`.
pub(crate) const OPEN_ALERTS: Listing<AteraAlert> = ALERTS.query(&[("alertStatus", "Open")]);

/// `GET /alerts?alertStatus=Resolved`.
pub(crate) const RESOLVED_ALERTS: Listing<AteraAlert> =
    ALERTS.query(&[("alertStatus", "Resolved")]);
