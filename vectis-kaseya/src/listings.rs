//! VSA X's lists, declared: every one is `$skip`/`$top` against
//! `Meta.TotalCount` in a `{"Data": […], "Meta": {…}}` envelope, ordered by
//! a stable `$orderby`, 100 records a page at most.

use crate::info::PAGE_SIZE;
use crate::raw::{Asset, DeviceItem, Notification, Organization};
use vectis_core::{Envelope, Listing, Pager};

const PAGER: Pager = Pager::offset("$skip", "$top");

/// `Data` may be missing or null only when `Meta.TotalCount` is 0.
const ENVELOPE: Envelope = Envelope::object("Data").total("Meta.TotalCount");

/// A VSA X list of `path`; offset paging shifts records onto the next page
/// when one is inserted before them, so every list drops repeats.
const fn list<R>(path: &'static str) -> Listing<R> {
    Listing::new(path, PAGER, ENVELOPE)
        .page_size(PAGE_SIZE, PAGE_SIZE)
        .unique()
}

/// `GET /organizations` (customers).
pub(crate) const ORGANIZATIONS: Listing<Organization> =
    list("/organizations").query(&[("$orderby", "Id")]);

/// `GET /devices`: no OS, online flag or last-seen (see `ASSETS`).
pub(crate) const DEVICES: Listing<DeviceItem> =
    list("/devices").query(&[("$orderby", "Identifier")]);

/// `GET /assets`: the inventory view of each device, ordered like `DEVICES`.
pub(crate) const ASSETS: Listing<Asset> = list("/assets").query(&[("$orderby", "Identifier")]);

/// `GET /notifications` (alerts, without their device).
pub(crate) const NOTIFICATIONS: Listing<Notification> =
    list("/notifications").query(&[("$orderby", "Id")]);

/// `GET /devices/{identifier}/notifications`: one device's alerts.
pub(crate) const DEVICE_NOTIFICATIONS: Listing<Notification> =
    list("/devices/{identifier}/notifications").query(&[("$orderby", "Id")]);
