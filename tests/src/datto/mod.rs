//! A fake of Datto RMM's REST API v2 that speaks Datto as far as its
//! OpenAPI 3.1 document and the research tell: an OAuth2 password grant at
//! `/auth/oauth/token` (Basic `public-client:public`, Spring Security OAuth
//! error bodies), Bearer tokens on `/api/v2`, camelCase records, the
//! `pageDetails {count, totalCount, prevPageUrl, nextPageUrl}` envelope with
//! **absolute** `nextPageUrl`s and `null` at the end, `page` from 0 and `max`
//! clamped to the account's maximum, timestamps as epoch milliseconds, a
//! polymorphic `alertContext` (known and unknown `@class`es), the built-in
//! "Deleted Devices" site whose uid is not a GUID, and a mute endpoint that
//! answers 200 and does nothing (Datto removed muting in 8.9.0).
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /auth/oauth/token` | token, `400 invalid_grant`, or `401` without the client's Basic |
//! | `GET /api/v2/account` | `Account` |
//! | `GET /api/v2/system/pagination` | `{"max": …}` |
//! | `GET /api/v2/account/sites` (`page`, `max`) | sites page (Deleted Devices included) |
//! | `GET /api/v2/account/devices` (`page`, `max`) | devices page (deleted ones included) |
//! | `GET /api/v2/account/alerts/open` and `/resolved` | alerts pages |
//! | `GET /api/v2/site/{siteUid}` and `/site/{siteUid}/devices` | site / devices, `500` for a non-GUID uid |
//! | `POST /api/v2/alert/{alertUid}/resolve` | `200`, the alert becomes resolved; `404` if unknown |
//! | `POST /api/v2/alert/{alertUid}/mute` | `200`, nothing changes |
//!
//! Anything else reaches [`crate::fake::mount_catch_all`]'s loud 418. Tests
//! script failures with [`mount_sequence`](crate::fake::mount_sequence) on
//! [`DattoFake::server`]: its steps outrank the fake.

use serde_json::Value;

use crate::fake::FakeServer;

mod data;
mod routes;

#[doc(inline)]
pub use crate::fake::data_now;

/// The platform the fake stands in for (its connector is built with it).
pub const PLATFORM: &str = "merlot";
/// The API key the fake accepts (the OAuth `username`).
pub const API_KEY: &str = "K7QH2M9XRTV4C8LPWN3B6DYF5JZA";
/// The API secret the fake accepts (the OAuth `password`).
pub const API_SECRET: &str = "s3cr3t-DATTO-7f9c2e41b8d04a6e9c1f";
/// The account name `GET /api/v2/account` answers.
pub const ACCOUNT_NAME: &str = "Northwind MSP";
/// The uid of the built-in "Deleted Devices" site (not a GUID).
pub const DELETED_DEVICES_UID: &str = "deleted-devices-4821";
/// The account's page maximum (`GET /api/v2/system/pagination`) by default.
pub const PAGE_MAX: u32 = 250;
/// `expires_in` of the tokens the fake hands out (100 hours, less a second).
pub const TOKEN_EXPIRES_IN: u64 = 359_999;

/// The OAuth client every API user authenticates the token request as
/// (HTTP Basic `public-client:public`).
const OAUTH_CLIENT: (&str, &str) = ("public-client", "public");

const ACCOUNT_UID: &str = "a1b2c3d4-0000-4000-8000-000000004821";

/// The records a [`DattoFake`] serves, as Datto's JSON.
#[derive(Debug, Clone)]
pub struct DattoData {
    /// `Account` for `GET /api/v2/account`.
    pub account: Value,
    /// `Site`s, the built-in "Deleted Devices" site last.
    pub sites: Vec<Value>,
    /// `Device`s; those in the Deleted Devices site have `deleted: true`.
    pub devices: Vec<Value>,
    /// `Alert`s, open and resolved.
    pub alerts: Vec<Value>,
}

impl DattoData {
    /// A small data set: `generate(3, 7, 6, 1)`.
    pub fn small() -> Self {
        Self::generate(3, 7, 6, 1)
    }

    /// Alerts with `resolved: false`.
    pub fn open_alerts(&self) -> Vec<&Value> {
        self.alerts
            .iter()
            .filter(|a| a["resolved"] != true)
            .collect()
    }

    /// Alerts with `resolved: true`.
    pub fn resolved_alerts(&self) -> Vec<&Value> {
        self.alerts
            .iter()
            .filter(|a| a["resolved"] == true)
            .collect()
    }

    /// Sites that are customers (a GUID uid: all but Deleted Devices).
    pub fn real_sites(&self) -> Vec<&Value> {
        self.sites
            .iter()
            .filter(|s| s["uid"] != DELETED_DEVICES_UID)
            .collect()
    }

    /// Devices not marked `deleted`.
    pub fn live_devices(&self) -> Vec<&Value> {
        self.devices
            .iter()
            .filter(|d| d["deleted"] != true)
            .collect()
    }
}

/// What a [`DattoFake`] holds: the account's data, the token in force and
/// what tests set or read back.
#[derive(Debug, Default)]
pub struct Datto {
    /// The account's page maximum when not [`PAGE_MAX`].
    page_max: Option<u32>,
    tokens_issued: u64,
    /// The token API calls must carry; `None` until one is issued.
    current_token: Option<String>,
    /// API calls left before the current token expires (`None`: never).
    token_calls_left: Option<u64>,
    next_url_drops_max: bool,
    next_url_origin: Option<String>,
    omit_total_count: bool,
    resolved: Vec<String>,
    mutes: Vec<String>,
    bad_site_calls: Vec<String>,
}

/// A running fake Datto RMM account. [`uri`](FakeServer::uri) is the origin,
/// `http://127.0.0.1:PORT`, standing in for
/// `https://merlot-api.centrastage.net`. See the [module docs](self).
pub type DattoFake = FakeServer<Datto>;

impl FakeServer<Datto> {
    /// How many tokens the token endpoint has handed out.
    pub fn tokens_issued(&self) -> u64 {
        self.state().vendor.tokens_issued
    }

    /// The current token expires after `calls` more API calls: the next one
    /// answers `401 invalid_token` until a new token is requested.
    pub fn expire_token_after(&self, calls: u64) {
        self.state().vendor.token_calls_left = Some(calls);
    }

    /// Sets the account's page maximum (`GET /api/v2/system/pagination`);
    /// larger `max` values are clamped to it.
    pub fn set_page_max(&self, max: u32) {
        self.state().vendor.page_max = Some(max.max(1));
    }

    /// `nextPageUrl`s leave out `max` (the bug DattoRMM.Core works around).
    pub fn next_url_drops_max(&self, yes: bool) {
        self.state().vendor.next_url_drops_max = yes;
    }

    /// `nextPageUrl`s point at `origin` instead of the fake.
    pub fn next_url_origin(&self, origin: &str) {
        self.state().vendor.next_url_origin = Some(origin.trim_end_matches('/').to_string());
    }

    /// `pageDetails` has no `totalCount` (older Datto builds).
    pub fn omit_total_count(&self, yes: bool) {
        self.state().vendor.omit_total_count = yes;
    }

    /// Alert uids resolved by `POST /alert/{uid}/resolve`, in order (a
    /// repeated POST appears twice).
    pub fn resolved_alert_uids(&self) -> Vec<String> {
        self.state().vendor.resolved.clone()
    }

    /// Alert uids sent to the (no-op) mute endpoint.
    pub fn muted_alert_uids(&self) -> Vec<String> {
        self.state().vendor.mutes.clone()
    }

    /// Site uids of per-site calls made with a non-GUID uid.
    pub fn bad_site_calls(&self) -> Vec<String> {
        self.state().vendor.bad_site_calls.clone()
    }
}
