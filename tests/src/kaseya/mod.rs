//! A fake of Kaseya VSA X's REST API v3 that speaks VSA X as far as the
//! Pulseway/VSA X reference and the research tell: HTTP Basic with an API
//! token's id and secret, PascalCase records in the
//! `{"Data": …, "Meta": {"ResponseCode", "TotalCount"}}` envelope, OData
//! `$top` (default and maximum 100, larger values clamped) / `$skip` /
//! `$orderby`, error bodies `{"Data": null, "Meta": {"ResponseCode",
//! "ErrorMessage"}}`, a device list without OS, online flag or last-seen
//! (the asset list has them), a notification list without the device (the
//! detail adds `ComputerIdentifier` and `Read`), lower-case priorities, and
//! `DateTime` as epoch seconds in the global notification list but ISO 8601
//! elsewhere, as the reference's own examples disagree.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/v3/organizations` (`$top`, `$skip`, `$orderby`) | organizations page |
//! | `GET /api/v3/organizations/{id}` | one organization |
//! | `GET /api/v3/devices` | device list items |
//! | `GET /api/v3/devices/{identifier}` | device detail (OS, `IsOnline`, counts) |
//! | `GET /api/v3/devices/{identifier}/notifications` | that device's notifications |
//! | `GET /api/v3/assets` | assets (`Description` = OS, `IsOnline`, `LastSeenOnline`) |
//! | `GET /api/v3/notifications` | notifications, without the device |
//! | `GET /api/v3/notifications/{id}` | detail with `ComputerIdentifier` and `Read` |
//! | `DELETE /api/v3/notifications/{id}` | deletes it (recorded: Vectis must never send it) |
//!
//! Unknown ids answer `404 "Entity is not found."`; a `$filter` answers 400
//! (the fake does not evaluate OData filters — it says so rather than
//! ignoring one). Anything else reaches [`crate::fake::mount_catch_all`]'s
//! loud 418. Tests script failures with
//! [`mount_sequence`](crate::fake::mount_sequence) on [`KaseyaFake::server`]:
//! its steps outrank the fake.

use serde_json::Value;

use crate::fake::FakeServer;

mod data;
mod routes;

#[doc(inline)]
pub use crate::fake::data_now;
pub use routes::error_body;

/// The API token id the fake accepts (the Basic user name).
pub const TOKEN_ID: &str = "7d3c9a41-5be2-4f0e-9a6c-2b8e1f4d7c30";
/// The API token secret the fake accepts (the Basic password).
pub const TOKEN_SECRET: &str = "vsax-SECRET-4e8b1c7f92a04d36b5e0";
/// The largest page VSA X serves (`$top` is clamped to it).
pub const MAX_TOP: usize = 100;

/// The records a [`KaseyaFake`] serves, as VSA X's JSON.
#[derive(Debug, Clone)]
pub struct KaseyaData {
    /// `Organization`s.
    pub organizations: Vec<Value>,
    /// Device details (`GET devices/{id}`); the list serves the list fields
    /// of each.
    pub devices: Vec<Value>,
    /// `Asset`s, one per device (same `Identifier`).
    pub assets: Vec<Value>,
    /// Notification details (with `ComputerIdentifier` and `Read`); lists
    /// serve `Id`, `Message`, `DateTime`, `Priority` of each.
    pub notifications: Vec<Value>,
}

impl KaseyaData {
    /// A small tenant: 6 organizations, 24 devices, 20 notifications.
    pub fn small() -> Self {
        Self::generate(6, 24, 20, 11)
    }

    /// The organization id of the device `identifier`, when the device is
    /// known.
    pub fn organization_of(&self, identifier: &str) -> Option<i64> {
        self.devices
            .iter()
            .find(|d| d["Identifier"] == identifier)
            .and_then(|d| d["OrganizationId"].as_i64())
    }
}

/// The VSA X tenant behind a [`KaseyaFake`]: its routes and answers (its
/// [`Vendor`](crate::fake::Vendor) impl) and what tests set or read back.
#[derive(Debug, Default)]
pub struct Kaseya {
    /// `DateTime` in `GET /notifications` is ISO throughout (see
    /// [`epoch_dates_in_list`](KaseyaFake::epoch_dates_in_list)).
    iso_in_list: bool,
    deleted: Vec<i64>,
}

/// A running fake VSA X tenant. [`uri`](FakeServer::uri) is the tenant URL,
/// `http://127.0.0.1:PORT` (standing in for `https://<name>.vsax.net`); the
/// API is under `/api/v3`. Every request needs Basic
/// [`TOKEN_ID`]`:`[`TOKEN_SECRET`]. See the [module docs](self).
pub type KaseyaFake = FakeServer<Kaseya>;

impl FakeServer<Kaseya> {
    /// Whether `GET /notifications` gives `DateTime` as epoch seconds on
    /// even ids (as the reference's example does) and ISO on odd ones (the
    /// default), or ISO throughout (`false`). Details and per-device lists
    /// are always ISO.
    pub fn epoch_dates_in_list(&self, yes: bool) {
        self.state().vendor.iso_in_list = !yes;
    }

    /// The ids of the notifications deleted through the API.
    pub fn deleted_notification_ids(&self) -> Vec<i64> {
        self.state().vendor.deleted.clone()
    }
}
