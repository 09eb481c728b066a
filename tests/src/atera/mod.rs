//! A fake of Atera's REST API v3 that speaks Atera exactly (as far as Atera's
//! OpenAPI document and observed behaviour tell): PascalCase items
//! (`CustomerID`, `AgentID`, but `AgentId` on alerts), the camelCase paging
//! envelope with absolute `nextLink`s and `""` at the end, both key styles
//! (`X-API-KEY` and JWT `Authorization: Bearer`), a 401 with an empty body,
//! ASP.NET ProblemDetails on 400/404, and resolving an alert with a bodyless
//! `PUT`.
//!
//! Served (everything under `/api/v3`, path literals case-insensitive like
//! ASP.NET routing, query names case-insensitive like ASP.NET binding):
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /account` | `AccountInfoResponse` |
//! | `GET /customers` (`page`, `itemsInPage`, `FromLastModifiedDate`, `SortBy`) | `CustomerDtoPagedResult` |
//! | `GET /customers/{customerId}` | `CustomerDto` or 404 |
//! | `GET /agents` (`page`, `itemsInPage`) | `AgentDtoPagedResult` |
//! | `GET /agents/customer/{customerId}` (`page`, `itemsInPage`) | `AgentDtoPagedResult` (empty for an unknown customer) |
//! | `GET /agents/{agentId}` | `AgentDto` or 404 |
//! | `GET /alerts` (`page`, `itemsInPage`, `alertStatus`) | `AlertDtoPagedResult` |
//! | `GET /alerts/{alertId}` | `AlertDto` or 404 |
//! | `PUT /alerts/{alertId}` (no body) | 204, the alert becomes `Archived`; 404 if unknown |
//!
//! Anything else reaches [`crate::fake::mount_catch_all`]'s
//! loud 418. Tests can script failures with
//! [`mount_sequence`](crate::fake::mount_sequence) on [`AteraFake::server`]:
//! its steps outrank the fake.

use std::sync::atomic::AtomicU64;

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::fake::{FakeServer, Rng};
use crate::names::{customer_names, names_or_one};

mod agents;
mod answers;
mod generate;
mod routes;
#[cfg(test)]
mod tests;

#[doc(inline)]
pub use crate::fake::data_now;

/// A classic Atera API key (32 hex characters) the fake accepts in
/// `X-API-KEY`.
pub const ATERA_API_KEY: &str = "54150a5bb36eed06cbda146d365b5f8d";

/// A new-style, JWT-shaped Atera API key (three base64url segments, 252
/// characters) the fake accepts as `Authorization: Bearer <key>`.
pub const ATERA_JWT_KEY: &str = concat!(
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    ".eyJpc3MiOiJodHRwczovL2FwcC5hdGVyYS5jb20iLCJzdWIiOiJ2ZWN0aXMtdGVzdGtpdCIsImF1ZCI6ImF0ZXJhLXB1",
    "YmxpYy1hcGkiLCJhY2MiOiIxMTg3MzQiLCJpYXQiOjE3NjcyMjU2MDAsImV4cCI6NDEwMjQ0NDgwMH0",
    ".4KeQR6Rgj6lUnM7Kai8DbNRdMOKsSCIgjngXZLYXsBY",
);

/// The API root under [`AteraFake::uri`].
pub const API_ROOT: &str = "/api/v3";

/// `itemsInPage` when the request has none ("default is 20").
pub const DEFAULT_ITEMS_IN_PAGE: i32 = 20;

/// The largest `itemsInPage`; larger values are clamped to it ("max is 50").
pub const MAX_ITEMS_IN_PAGE: i32 = 50;

/// The records an [`AteraFake`] serves, as Atera's JSON (`serde_json::Value`
/// objects with exactly the spec's PascalCase fields), in id order.
#[derive(Debug, Clone)]
pub struct AteraData {
    /// `AccountInfoResponse` for `GET /account`.
    pub account: Value,
    /// `CustomerDto`s, by `CustomerID`.
    pub customers: Vec<Value>,
    /// `AgentDto`s, by `AgentID`.
    pub agents: Vec<Value>,
    /// `AlertDto`s, by `AlertID`.
    pub alerts: Vec<Value>,
}

impl AteraData {
    /// Realistic, deterministic data: `customers` customers (names from
    /// [`customer_names`]), `agents` agents spread unevenly over them (each
    /// customer gets one before any gets a second), and `alerts` alerts on
    /// random agents, carrying that agent's `DeviceGuid`, `AgentId`,
    /// `CustomerID`, `CustomerName` and `DeviceName`. About a third of the
    /// alerts are archived (resolved); with two or more there is always at
    /// least one open and one resolved. Timestamps come with and without `Z`
    /// and with 0, 3 or 7 fractional digits, as Atera sends them; nullable
    /// fields are sometimes null. Machine names repeat across customers.
    ///
    /// Agents need a customer and alerts an agent: asking for alerts with no
    /// agents makes one agent, and asking for agents with no customers makes
    /// one customer.
    pub fn generate(customers: usize, agents: usize, alerts: usize, seed: u64) -> Self {
        Self::generate_for(&customer_names(customers, seed), agents, alerts, seed)
    }

    /// Like [`generate`](Self::generate), with customers named exactly
    /// `names` (in this order). With no names and some agents or alerts,
    /// one customer gets a generated name.
    pub fn generate_for(names: &[String], agents: usize, alerts: usize, seed: u64) -> Self {
        let n_agents = if alerts > 0 { agents.max(1) } else { agents };
        let names = names_or_one(names, n_agents > 0, seed);
        let mut rng = Rng::new(seed ^ 0x4154_4552_415F_7631); // "ATERA_v1"
        let customers = generate::customers(&mut rng, &names);
        let agents = agents::generate(&mut rng, &customers, n_agents);
        let alerts = generate::alerts(&mut rng, &agents, alerts);
        AteraData {
            account: generate::account(),
            customers,
            agents,
            alerts,
        }
    }

    /// A small data set: `generate(3, 7, 5, 1)`.
    pub fn small() -> Self {
        Self::generate(3, 7, 5, 1)
    }

    /// Alerts whose `Archived` is not `true` (what `alertStatus=Open` lists).
    pub fn open_alerts(&self) -> Vec<&Value> {
        self.alerts.iter().filter(|a| !is_archived(a)).collect()
    }

    /// Alerts whose `Archived` is `true` (what `alertStatus=Resolved` lists).
    pub fn resolved_alerts(&self) -> Vec<&Value> {
        self.alerts.iter().filter(|a| is_archived(a)).collect()
    }
}

// ------------------------------------------------------------ shared helpers

fn set(v: &mut Value, key: &str, new: Value) {
    if let Some(slot) = v.get_mut(key) {
        *slot = new;
    }
}

fn is_archived(alert: &Value) -> bool {
    alert
        .get("Archived")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn id_of(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

/// A stored timestamp, with or without `Z` and fractional digits, as a naive
/// date-time (the fake's account time zone is UTC).
fn parse_timestamp(s: &str) -> Option<NaiveDateTime> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
}

// -------------------------------------------------------------------- server

/// The Atera behind an [`AteraFake`]: its routes and answers (its
/// [`Vendor`](crate::fake::Vendor) impl), what tests set or read back, and
/// the counter behind ProblemDetails' `traceId`s.
#[derive(Debug, Default)]
pub struct Atera {
    resolved: Vec<i64>,
    null_links: bool,
    trace: AtomicU64,
}

/// A running fake Atera (a wiremock server plus the data it serves).
/// [`uri`](FakeServer::uri) is the origin, `http://127.0.0.1:PORT`; the API
/// root is this plus [`API_ROOT`] (`/api/v3`), like `https://app.atera.com`.
/// Every request needs `X-API-KEY: `[`ATERA_API_KEY`] or
/// `Authorization: Bearer `[`ATERA_JWT_KEY`]; anything else gets a 401 with an
/// empty body. See the [module docs](self) for the endpoints.
pub type AteraFake = FakeServer<Atera>;

impl FakeServer<Atera> {
    /// The ids of alerts resolved with `PUT /alerts/{id}` so far, in order
    /// (an alert resolved twice is listed twice).
    pub fn resolved_alert_ids(&self) -> Vec<i64> {
        self.state().vendor.resolved.clone()
    }

    /// Whether absent links (`nextLink` on the last page, `prevLink` on the
    /// first) are `null` instead of `""`. Default `false`: `""`, what Atera
    /// sends and PSAtera relies on.
    pub fn set_null_next_link_at_end(&self, yes: bool) {
        self.state().vendor.null_links = yes;
    }
}
