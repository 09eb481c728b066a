//! Datto RMM's lists, declared: `page`/`max` from 0, then each page's
//! `pageDetails.nextPageUrl`, in a `{"pageDetails": {…}, "<key>": […]}`
//! envelope.

use crate::info::DEFAULT_PAGE_SIZE;
use crate::map;
use crate::raw::{DattoAlert, DattoDevice, DattoSite};
use vectis_core::error::Result;
use vectis_core::http::Response;
use vectis_core::paginate::RawPage;
use vectis_core::{Envelope, Listing, Pager};

const PAGER: Pager = Pager::next_url("page", "max", 0);

/// `PaginationData` plus the list; `count` says whether a missing list is
/// an empty page.
const ENVELOPE: Envelope = Envelope::object("")
    .require("pageDetails")
    .count("pageDetails.count")
    .total("pageDetails.totalCount")
    .next("pageDetails.nextPageUrl")
    .hook(capped_page);

/// Pages are fetched concurrently only when `totalCount` is known **and**
/// the server honoured the page size asked for: a page shorter than `max`
/// that still links a next page (a server-side cap) drops the total, so the
/// listing follows `nextPageUrl` and no page is skipped.
fn capped_page(resp: &Response, page: &mut RawPage) -> Result<()> {
    let asked: Option<usize> = resp
        .url
        .query_pairs()
        .find(|(k, _)| k == "max")
        .and_then(|(_, v)| v.parse().ok());
    if page.meta.next_url.is_some() && asked.is_some_and(|m| page.items.len() < m) {
        page.meta.total_items = None;
    }
    Ok(())
}

/// A Datto RMM list of `path` with its records under `key`; page-number
/// paging shifts records when one is inserted, so every list drops repeats.
const fn list<R>(path: &'static str, key: &'static str) -> Listing<R> {
    Listing::new(path, PAGER, ENVELOPE.items(key))
        .page_size(DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        .unique()
}

/// `GET /account/sites` (customers; the page size is the account's maximum).
pub(crate) const SITES: Listing<DattoSite> =
    list("/account/sites", "sites").ids("uid", |s: &DattoSite| map::site_uid(s).is_some());

/// `GET /account/devices` (the page size is the account's maximum).
pub(crate) const DEVICES: Listing<DattoDevice> = list("/account/devices", "devices")
    .ids("uid", |d: &DattoDevice| {
        d.uid.as_deref().is_some_and(|u| !u.trim().is_empty())
    });

/// Whether an alert has its `alertUid`.
const HAS_ALERT_UID: fn(&DattoAlert) -> bool =
    |a| a.alert_uid.as_deref().is_some_and(|u| !u.trim().is_empty());

/// `GET /account/alerts/open` (the account maximum does not apply to
/// alerts, per the spec; a smaller server cap is handled by the envelope).
pub(crate) const OPEN_ALERTS: Listing<DattoAlert> =
    list("/account/alerts/open", "alerts").ids("alertUid", HAS_ALERT_UID);

/// `GET /account/alerts/resolved`.
pub(crate) const RESOLVED_ALERTS: Listing<DattoAlert> =
    list("/account/alerts/resolved", "alerts").ids("alertUid", HAS_ALERT_UID);
