//! A fake of ConnectWise Manage (PSA) REST API 3.0, as far as the vendor's
//! OpenAPI document (2025.8), the peer libraries and observed behaviour tell:
//! the unauthenticated codebase lookup, Basic `company+public:private` plus
//! a mandatory `clientId` header, bare-array pages with the paging in the
//! `Link` header (navigable and forward-only), `conditions` / `orderBy`, the
//! `{code, message, errors[]}` error envelope, and ticket creation.
//!
//! Served (API paths under `/<codebase>/apis/3.0`, where the codebase is
//! [`CODEBASE`] or the alias `v4_6_release`):
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /login/companyinfo/{companyId}` (no auth) | `{CompanyName, Codebase: "v2025_1/", …}`; `null` for an unknown company |
//! | `GET /system/info` | `Info` (`version` `v2025.1.12345`) |
//! | `GET /company/companies` | bare array of `Company` |
//! | `GET /company/companies/count` | `{"count": n}` |
//! | `GET /company/companies/{id}` | `Company` or 404 |
//! | `GET /company/configurations` (+ `/count`, `/{id}`) | `Company.Configuration` |
//! | `GET /service/tickets` (+ `/count`, `/{id}`) | `Service.Ticket` |
//! | `POST /service/tickets` | 201 with the created `Service.Ticket`, or 400 `InvalidObject` |
//! | `PATCH /service/tickets/{id}` | JSON Patch `replace` of `status` (by `id` or `name`): 200 with the ticket, `closedFlag` following the status; 400 `InvalidObject` for another status or op |
//! | `GET` / `POST /service/tickets/{id}/notes` | `Service.ServiceNote` (a POST needs `text` and one of the three flags; its `member` is [`API_MEMBER`]) |
//! | `GET /time/entries` | `Time.TimeEntry` (filter with `chargeToType` / `chargeToId`) |
//! | `GET /service/boards`, `/service/boards/{id}/statuses`, `/service/priorities` | boards; a board's statuses (`closedStatus`, `defaultFlag`); priorities |
//!
//! Lists take `conditions` (`and`, `or`, `not`, parentheses; `= != < <= > >=
//! contains like in`; strings in quotes, dates in `[…]`, nested fields with
//! `/`, `lastUpdated` read from `_info`), `orderBy` (`field asc|desc`),
//! `page` (from 1), `pageSize` (default 25, at most 1,000). Navigable pages
//! carry `Link` with `first`/`prev`/`next`/`last`. With the request header
//! `pagination-type: forward-only` lists page by `pageId` (records with
//! `id > pageId`, in id order), every page but the last linking
//! `rel="next"`, the last sending an empty `Link:`.
//!
//! Failures, in ConnectWise's shapes: no or unregistered `clientId` → 400
//! mentioning `clientId`; wrong Basic credentials → 401 `Unauthorized`; a
//! table denied with [`ConnectWiseFake::deny`] → 403 `Security`. Tests can
//! insert a record while a sync runs ([`ConnectWiseFake::insert_after_pages`])
//! and make ticket POSTs fail after (or before) creating the ticket
//! ([`ConnectWiseFake::fail_ticket_posts`]). Anything else reaches
//! [`crate::fake::mount_catch_all`]'s loud 418.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::fake::FakeServer;

mod answers;
pub mod conditions;
mod data;
mod paging;
mod routes;

#[doc(inline)]
pub use crate::fake::data_now;

/// The login company id the fake accepts (case-sensitive).
pub const COMPANY_ID: &str = "contoso";
/// The API member's public key.
pub const PUBLIC_KEY: &str = "Xq3pR7vL2mK9tW4b";
/// The API member's private key.
pub const PRIVATE_KEY: &str = "s3CrEt-8fJ2nQ5zH1wY6";
/// The registered integration `clientId`.
pub const CLIENT_ID: &str = "7a9e3c1d-5b2f-4e8a-9c6d-1f0e2b3a4c5d";
/// The codebase `/login/companyinfo` reports (it answers `v2025_1/`).
pub const CODEBASE: &str = "v2025_1";
/// The codebase alias every cloud instance also serves.
pub const CODEBASE_ALIAS: &str = "v4_6_release";
/// `GET /system/info`'s `version`.
pub const VERSION: &str = "v2025.1.12345";
/// Page size when the request has none.
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// The largest page size; larger values are clamped to it.
pub const MAX_PAGE_SIZE: usize = 1000;

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The three tables the fake lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// `/company/companies`.
    Companies,
    /// `/company/configurations`.
    Configurations,
    /// `/service/tickets`.
    Tickets,
}

/// How one ticket POST goes wrong (see [`ConnectWiseFake::fail_ticket_posts`]).
#[derive(Debug, Clone)]
pub enum PostFailure {
    /// The ticket is created, then the answer is this status (a 502/504
    /// from Cloudflare while the origin finished the work).
    StatusAfterCreate(u16),
    /// Nothing is created; the answer is this status.
    StatusBeforeCreate(u16),
    /// The ticket is created, and the 201 comes after this delay (longer
    /// than the client's timeout).
    DelayAfterCreate(std::time::Duration),
    /// The ticket is created, and the 201 carries only the first half of
    /// its JSON (a connection cut mid-body, a proxy that truncates).
    TruncatedAfterCreate,
}

/// The records a [`ConnectWiseFake`] serves, as ConnectWise's JSON, in id order.
#[derive(Debug, Clone)]
pub struct ConnectWiseData {
    /// `Company.Company` records.
    pub companies: Vec<Value>,
    /// `Company.Configuration` records.
    pub configurations: Vec<Value>,
    /// `Service.Ticket` records.
    pub tickets: Vec<Value>,
    /// Service boards (`{id, name}`).
    pub boards: Vec<Value>,
    /// Ticket statuses (`{id, name, sort, closed}`).
    pub statuses: Vec<Value>,
    /// Priorities (`{id, name, sort, level}`).
    pub priorities: Vec<Value>,
    /// `Service.ServiceNote` records (each with its `ticketId`).
    pub notes: Vec<Value>,
    /// `Time.TimeEntry` records (`chargeToType`, `chargeToId`, `member`).
    pub time_entries: Vec<Value>,
}

impl ConnectWiseData {
    /// A small data set: `generate(3, 7, 5, 1)`.
    pub fn small() -> Self {
        Self::generate(3, 7, 5, 1)
    }

    /// Appends `n` companies marked `deletedFlag: true` (ConnectWise keeps
    /// deleted companies listed).
    pub fn with_deleted_companies(mut self, n: usize) -> Self {
        let first = next_id(&self.companies);
        for (i, id) in (0..n).zip(first..) {
            let name = format!("zz Deleted Client {}", i + 1);
            let mut c = company(id, &format!("DeletedClient{}", i + 1), &name, data_now());
            set(&mut c, "deletedFlag", json!(true));
            set(&mut c, "dateDeleted", json!(iso(data_now())));
            set(&mut c, "deletedBy", json!("admin1"));
            self.companies.push(c);
        }
        self
    }

    /// The companies not marked deleted.
    pub fn live_companies(&self) -> Vec<&Value> {
        self.companies
            .iter()
            .filter(|c| c["deletedFlag"] != json!(true))
            .collect()
    }

    fn table(&self, t: Table) -> &Vec<Value> {
        match t {
            Table::Companies => &self.companies,
            Table::Configurations => &self.configurations,
            Table::Tickets => &self.tickets,
        }
    }

    fn table_mut(&mut self, t: Table) -> &mut Vec<Value> {
        match t {
            Table::Companies => &mut self.companies,
            Table::Configurations => &mut self.configurations,
            Table::Tickets => &mut self.tickets,
        }
    }
}

/// One id above the highest in `records`.
pub fn next_id(records: &[Value]) -> i64 {
    records
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .max()
        .unwrap_or(0)
        + 1
}

fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_string(), value);
    }
}

fn reference(id: i64, name: &str, href: Option<String>) -> Value {
    match href {
        Some(h) => json!({"id": id, "name": name, "_info": {"href": h}}),
        None => json!({"id": id, "name": name, "_info": null}),
    }
}

/// A minimal, valid company record (what a test inserts mid-sync).
pub fn company(id: i64, identifier: &str, name: &str, updated: DateTime<Utc>) -> Value {
    json!({
        "id": id,
        "identifier": identifier,
        "name": name,
        "status": {"id": 1, "name": "Active", "_info": null},
        "types": [{"id": 1, "name": "Client", "_info": null}],
        "deletedFlag": false,
        "dateDeleted": null,
        "deletedBy": null,
        "_info": {"lastUpdated": iso(updated), "updatedBy": "api", "dateEntered": iso(updated), "enteredBy": "api"},
        "customFields": []
    })
}

/// The API member the fake's credentials belong to.
pub const API_MEMBER: &str = "apiuser";

/// A service note as ConnectWise returns it.
pub fn note(id: i64, ticket_id: i64, member: &str, text: &str) -> Value {
    json!({"id": id, "ticketId": ticket_id, "text": text, "detailDescriptionFlag": true,
        "internalAnalysisFlag": false, "resolutionFlag": false,
        "member": {"id": 100 + member.len() as i64, "identifier": member, "name": member},
        "createdBy": member, "dateCreated": iso(data_now()),
        "_info": {"lastUpdated": iso(data_now()), "updatedBy": member}})
}

/// A time entry on a service ticket, as ConnectWise returns it.
pub fn time_entry(id: i64, ticket_id: i64, member: &str) -> Value {
    json!({"id": id, "chargeToId": ticket_id, "chargeToType": "ServiceTicket",
        "member": {"id": 100 + member.len() as i64, "identifier": member, "name": member},
        "timeStart": iso(data_now()), "actualHours": 0.25, "notes": "Looked at it",
        "_info": {"lastUpdated": iso(data_now()), "enteredBy": member}})
}

fn insert_sorted(records: &mut Vec<Value>, record: Value) {
    let id = record["id"].as_i64().unwrap_or(0);
    let at = records.partition_point(|r| r["id"].as_i64().unwrap_or(0) < id);
    records.insert(at, record);
}

// ---------------------------------------------------------------- the fake

/// The ConnectWise Manage behind a [`ConnectWiseFake`]: its routes and
/// answers (its [`Vendor`](crate::fake::Vendor) impl) and what tests set or
/// read back (scripted POST failures, pending inserts, pages served, denied
/// tables, created tickets).
#[derive(Debug, Default)]
pub struct ConnectWise {
    post_failures: VecDeque<PostFailure>,
    inserts: Vec<(Table, usize, Value)>,
    pages_served: [usize; 3],
    denied: Vec<Table>,
    links_drop_query: bool,
    created: Vec<i64>,
}

/// A running fake ConnectWise Manage (a wiremock server plus the data it
/// serves). [`uri`](FakeServer::uri) is the origin, `http://127.0.0.1:PORT`
/// (the "site URL"); the API root is `{uri}/v2025_1/apis/3.0`
/// ([`api_root`](ConnectWiseFake::api_root)). API calls need Basic
/// `base64("`[`COMPANY_ID`]`+`[`PUBLIC_KEY`]`:`[`PRIVATE_KEY`]`")` and
/// `clientId: `[`CLIENT_ID`]. See the [module docs](self).
pub type ConnectWiseFake = FakeServer<ConnectWise>;

impl FakeServer<ConnectWise> {
    /// The API root, `{uri}/{CODEBASE}/apis/3.0`.
    pub fn api_root(&self) -> String {
        format!("{}/{CODEBASE}/apis/3.0", self.uri())
    }

    /// One ticket as stored now.
    pub fn ticket(&self, id: i64) -> Option<Value> {
        self.state()
            .data
            .tickets
            .iter()
            .find(|t| t["id"].as_i64() == Some(id))
            .cloned()
    }

    /// Changes one ticket in place (a person editing it in ConnectWise).
    pub fn edit_ticket(&self, id: i64, edit: impl FnOnce(&mut Value)) {
        let mut st = self.state();
        if let Some(t) = st
            .data
            .tickets
            .iter_mut()
            .find(|t| t["id"].as_i64() == Some(id))
        {
            edit(t);
        }
    }

    /// The notes on one ticket, in order.
    pub fn notes(&self, ticket_id: i64) -> Vec<Value> {
        self.state()
            .data
            .notes
            .iter()
            .filter(|n| n["ticketId"].as_i64() == Some(ticket_id))
            .cloned()
            .collect()
    }

    /// A person (`member`) adds a note to a ticket.
    pub fn add_note_by(&self, ticket_id: i64, member: &str, text: &str) {
        let mut st = self.state();
        let id = next_id(&st.data.notes).max(1);
        st.data.notes.push(note(id, ticket_id, member, text));
    }

    /// A person (`member`) logs time on a ticket.
    pub fn add_time_entry_by(&self, ticket_id: i64, member: &str) {
        let mut st = self.state();
        let id = next_id(&st.data.time_entries).max(1);
        st.data.time_entries.push(time_entry(id, ticket_id, member));
    }

    /// Ids of tickets created by POST so far, in order.
    pub fn created_ticket_ids(&self) -> Vec<i64> {
        self.state().vendor.created.clone()
    }

    /// The next ticket POSTs fail as scripted, one failure each, in order.
    pub fn fail_ticket_posts(&self, failures: Vec<PostFailure>) {
        self.state().vendor.post_failures.extend(failures);
    }

    /// After the fake has served `pages` list pages of `table` (counting
    /// from when this is called), `record` is added to it: a record created
    /// while a sync runs.
    pub fn insert_after_pages(&self, table: Table, pages: usize, record: Value) {
        let mut st = self.state();
        let at = st.vendor.pages_served[table as usize] + pages;
        st.vendor.inserts.push((table, at, record));
    }

    /// Adds `record` to `table` now.
    pub fn insert(&self, table: Table, record: Value) {
        insert_sorted(self.state().data.table_mut(table), record);
    }

    /// Answers 403 `Security` on `table` from now on (a role without access).
    pub fn deny(&self, table: Table) {
        self.state().vendor.denied.push(table);
    }

    /// Whether `Link` URLs leave out every query parameter but the paging
    /// ones (what a client that rebuilds URLs must survive). Default `false`.
    pub fn set_links_drop_query(&self, yes: bool) {
        self.state().vendor.links_drop_query = yes;
    }

    /// List pages served so far for `table`.
    pub fn pages_served(&self, table: Table) -> usize {
        self.state().vendor.pages_served[table as usize]
    }
}
