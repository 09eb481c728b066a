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
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use wiremock::http::Method;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fake::{Rng, mount_catch_all};
use crate::names::{customer_names, device_name};

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

const CONTENT_TYPE: &str = "application/vnd.connectwise.com+json; version=2025.8; charset=utf-8";

/// The "now" of generated data (2026-05-01T12:00:00Z).
pub fn data_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_777_636_800, 0).unwrap_or_default()
}

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

const BOARDS: &[(i64, &str)] = &[(1, "Help Desk"), (2, "Alerts"), (3, "Projects")];
const STATUSES: &[(i64, &str, bool)] = &[
    (16, "New", false),
    (17, "In Progress", false),
    (18, "Waiting on Client", false),
    (19, "Completed", true),
    (20, ">Closed", true),
];
const PRIORITIES: &[(i64, &str, &str)] = &[
    (1, "Priority 1 - Emergency Response", "High"),
    (2, "Priority 2 - Quick Response", "High"),
    (4, "Priority 3 - Normal Response", "Medium"),
    (5, "Priority 4 - Schedule Maintenance", "Low"),
];
const CONFIG_TYPES: &[(i64, &str)] = &[
    (12, "Managed Workstation"),
    (13, "Managed Server"),
    (14, "Firewall"),
    (15, "Network Printer"),
];
const OSES: &[(&str, &str)] = &[
    ("Windows 11", "Microsoft Windows 11 Pro 23H2"),
    ("Windows 10", "Microsoft Windows 10 Pro 22H2"),
    (
        "Windows Server 2019",
        "Microsoft Windows Server 2019 Standard",
    ),
    (
        "Windows Server 2022",
        "Microsoft Windows Server 2022 Datacenter",
    ),
    ("macOS", "macOS Sonoma 14.4"),
    ("Linux", "Ubuntu 22.04.4 LTS"),
];
const SUMMARIES: &[&str] = &[
    "Printer offline on 2nd floor",
    "New starter: create M365 account",
    "Backup failed on {D}",
    "Device {D} offline",
    "Outlook keeps asking for password",
    "Disk C: below 10% on {D}",
    "VPN not connecting from home",
    "Renew SSL certificate",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Springfield", "IL", "62701"),
    ("Austin", "TX", "78701"),
    ("Leeds", "", "LS1 1AA"),
    ("Toronto", "ON", "M5H 2N2"),
    ("Sydney", "NSW", "2000"),
];

impl ConnectWiseData {
    /// Realistic, deterministic data: `companies` companies (names from
    /// [`customer_names`]), `configurations` spread over them (each company
    /// gets one before any gets a second), and `tickets` on random companies,
    /// open and closed, on every board, status and priority.
    pub fn generate(companies: usize, configurations: usize, tickets: usize, seed: u64) -> Self {
        let n = if configurations + tickets > 0 {
            companies.max(1)
        } else {
            companies
        };
        Self::generate_for(&customer_names(n, seed), configurations, tickets, seed)
    }

    /// Like [`generate`](Self::generate), with companies named exactly `names`.
    pub fn generate_for(
        names: &[String],
        configurations: usize,
        tickets: usize,
        seed: u64,
    ) -> Self {
        let mut rng = Rng::new(seed ^ 0x4357_5F4D_414E_4147); // "CW_MANAG"
        let companies = gen_companies(&mut rng, names);
        let configurations = gen_configurations(&mut rng, &companies, configurations);
        let tickets = gen_tickets(&mut rng, &companies, &configurations, tickets);
        ConnectWiseData {
            companies,
            configurations,
            tickets,
            boards: BOARDS
                .iter()
                .map(|(id, name)| json!({"id": id, "name": name}))
                .collect(),
            statuses: STATUSES
                .iter()
                .enumerate()
                .map(|(i, (id, name, closed))| {
                    json!({"id": id, "name": name, "sort": i, "closed": closed})
                })
                .collect(),
            priorities: PRIORITIES
                .iter()
                .enumerate()
                .map(|(i, (id, name, level))| {
                    json!({"id": id, "name": name, "sort": i * 2, "level": level})
                })
                .collect(),
            notes: Vec::new(),
            time_entries: Vec::new(),
        }
    }

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

fn identifier_for(name: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let base: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(25)
        .collect();
    let base = if base.is_empty() {
        "Company".to_string()
    } else {
        base
    };
    let mut id = base.clone();
    let mut k = 2;
    while !taken.insert(id.to_ascii_lowercase()) {
        id = format!("{base}{k}");
        k += 1;
    }
    id
}

fn gen_companies(rng: &mut Rng, names: &[String]) -> Vec<Value> {
    let now = data_now();
    let mut taken = std::collections::HashSet::new();
    let mut id: i64 = 249;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        id += if rng.chance(0.15) {
            rng.between(2, 5)
        } else {
            1
        };
        let entered = now - Duration::seconds(rng.between(86_400 * 30, 86_400 * 365 * 8));
        let updated = entered + Duration::seconds(rng.between(0, (now - entered).num_seconds()));
        let identifier = identifier_for(name, &mut taken);
        let (city, state, zip) = *rng.pick(CITIES);
        let mut c = company(id, &identifier, name, updated);
        set(
            &mut c,
            "_info",
            json!({
                "lastUpdated": iso(updated), "updatedBy": "jdoe", "dateEntered": iso(entered), "enteredBy": "admin1",
                "contacts_href": format!("https://na.myconnectwise.net/v4_6_release/apis/3.0/company/contacts?conditions=company/id={id}")
            }),
        );
        set(
            &mut c,
            "addressLine1",
            json!(format!("{} Main St", rng.between(1, 999))),
        );
        set(&mut c, "addressLine2", Value::Null);
        set(&mut c, "city", json!(city));
        set(
            &mut c,
            "state",
            if state.is_empty() {
                Value::Null
            } else {
                json!(state)
            },
        );
        set(&mut c, "zip", json!(zip));
        set(
            &mut c,
            "phoneNumber",
            json!(format!("555{:07}", rng.between(0, 9_999_999))),
        );
        set(&mut c, "faxNumber", json!(""));
        set(&mut c, "mobileGuid", json!(rng.guid()));
        // Custom field values are polymorphic: text, number, bool or null.
        let value = match rng.below(4) {
            0 => json!("Gold"),
            1 => json!(rng.between(1, 5)),
            2 => json!(rng.chance(0.5)),
            _ => Value::Null,
        };
        set(
            &mut c,
            "customFields",
            json!([{"id": 4, "caption": "Tier", "type": "Text", "entryMethod": "List", "numberOfDecimals": 0, "value": value}]),
        );
        out.push(c);
    }
    out
}

fn company_ref(c: &Value, bare: bool) -> Value {
    if bare {
        // "Under unknown circumstances, a CW instance might just give id and name."
        json!({"id": c["id"], "name": c["name"]})
    } else {
        json!({"id": c["id"], "identifier": c["identifier"], "name": c["name"],
            "_info": {"company_href": format!("https://na.myconnectwise.net/v4_6_release/apis/3.0/company/companies/{}", c["id"])}})
    }
}

fn gen_configurations(rng: &mut Rng, companies: &[Value], n: usize) -> Vec<Value> {
    let now = data_now();
    let mut counts = vec![0usize; companies.len()];
    let mut out = Vec::with_capacity(n);
    let mut id: i64 = 7000;
    for i in 0..n {
        if companies.is_empty() {
            break;
        }
        let ci = if i < companies.len() {
            i
        } else {
            rng.below(companies.len())
        };
        let c = &companies[ci];
        let k = counts[ci];
        counts[ci] += 1;
        id += 1;
        let cname = c["name"].as_str().unwrap_or("Company");
        let (os_type, os_info) = *rng.pick(OSES);
        let (tid, tname) = if k == 0 {
            CONFIG_TYPES[1]
        } else {
            *rng.pick(&CONFIG_TYPES[..2])
        };
        let updated = now - Duration::seconds(rng.between(60, 86_400 * 400));
        let custom = match rng.below(4) {
            0 => json!([]),
            1 => {
                json!([{"id": 9, "caption": "RAM (GB)", "type": "Number", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": 16}])
            }
            2 => {
                json!([{"id": 10, "caption": "Encrypted", "type": "Checkbox", "entryMethod": "EntryField", "numberOfDecimals": 0, "value": true}])
            }
            _ => Value::Null,
        };
        out.push(json!({
            "id": id,
            "name": device_name(cname, k),
            "type": reference(tid, tname, None),
            "status": {"id": 2, "name": "Active", "_info": null},
            "company": company_ref(c, rng.chance(0.1)),
            "deviceIdentifier": rng.guid(),
            "serialNumber": format!("PF{:06X}", rng.between(0, 0xFF_FFFF)),
            "modelNumber": *rng.pick(&["ThinkPad T14", "OptiPlex 7090", "PowerEdge R650", "MacBook Pro 14"]),
            "tagNumber": format!("Asset-{:04}", id % 10_000),
            "macAddress": format!("00:11:22:{:02x}:{:02x}:{:02x}", rng.below(256), rng.below(256), rng.below(256)),
            "ipAddress": format!("10.0.{}.{}", rng.below(255), rng.below(254) + 1),
            "osType": os_type,
            "osInfo": os_info,
            "lastLoginName": "jdoe",
            "activeFlag": !rng.chance(0.05),
            "billFlag": false,
            "warrantyExpirationDate": if rng.chance(0.5) { json!(iso(now + Duration::days(rng.between(-300, 900)))) } else { Value::Null },
            "questions": [],
            "_info": {"lastUpdated": iso(updated), "updatedBy": "api"},
            "customFields": custom,
        }));
    }
    out
}

fn gen_tickets(
    rng: &mut Rng,
    companies: &[Value],
    configurations: &[Value],
    n: usize,
) -> Vec<Value> {
    let now = data_now();
    let mut out = Vec::with_capacity(n);
    let mut id: i64 = 4200;
    for i in 0..n {
        if companies.is_empty() {
            break;
        }
        id += 1;
        let c = rng.pick(companies);
        let device = configurations
            .iter()
            .find(|d| d["company"]["id"] == c["id"])
            .and_then(|d| d["name"].as_str())
            .unwrap_or("WS001");
        let summary = rng.pick(SUMMARIES).replace("{D}", device);
        let (bid, bname) = BOARDS[i % BOARDS.len()];
        let (sid, sname, closed) = STATUSES[(i / BOARDS.len()) % STATUSES.len()];
        let (pid, pname, level) = PRIORITIES[i % PRIORITIES.len()];
        let entered = now - Duration::seconds(rng.between(3_600, 86_400 * 200));
        let updated = entered + Duration::seconds(rng.between(0, (now - entered).num_seconds()));
        out.push(json!({
            "id": id,
            "summary": summary,
            "recordType": "ServiceTicket",
            "board": reference(bid, bname, None),
            "status": {"id": sid, "name": sname, "sort": 0, "_info": null},
            "company": company_ref(c, false),
            "priority": {"id": pid, "name": pname, "sort": 6, "level": level, "_info": null},
            "severity": "Medium",
            "impact": "Medium",
            "externalXRef": null,
            "closedFlag": closed,
            "closedDate": if closed { json!(iso(updated)) } else { Value::Null },
            "customFields": [],
            "_info": {"lastUpdated": iso(updated), "updatedBy": "jdoe", "dateEntered": iso(entered), "enteredBy": "jdoe",
                "notes_href": format!("https://na.myconnectwise.net/v4_6_release/apis/3.0/service/tickets/{id}/notes")},
        }));
    }
    out
}

// ---------------------------------------------------------------- the fake

struct State {
    data: ConnectWiseData,
    post_failures: VecDeque<PostFailure>,
    inserts: Vec<(Table, usize, Value)>,
    pages_served: [usize; 3],
    denied: Vec<Table>,
    links_drop_query: bool,
    created: Vec<i64>,
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake ConnectWise Manage (a wiremock [`MockServer`] plus the
/// data it serves). API calls need Basic
/// `base64("`[`COMPANY_ID`]`+`[`PUBLIC_KEY`]`:`[`PRIVATE_KEY`]`")` and
/// `clientId: `[`CLIENT_ID`]. See the [module docs](self).
pub struct ConnectWiseFake {
    server: MockServer,
    state: Shared,
    latency: crate::fake::Latency,
}

impl std::fmt::Debug for ConnectWiseFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectWiseFake")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl ConnectWiseFake {
    /// A fake serving [`ConnectWiseData::small`].
    pub async fn start() -> Self {
        Self::with_data(ConnectWiseData::small()).await
    }

    /// A fake serving `data`.
    pub async fn with_data(data: ConnectWiseData) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            data,
            post_failures: VecDeque::new(),
            inserts: Vec::new(),
            pages_served: [0; 3],
            denied: Vec::new(),
            links_drop_query: false,
            created: Vec::new(),
        }));
        let latency = crate::fake::Latency::default();
        Mock::given(Routes)
            .respond_with(crate::fake::Delayed {
                inner: Api {
                    state: Arc::clone(&state),
                    origin: server.uri(),
                },
                latency: latency.clone(),
            })
            .named("vectis-testkit ConnectWise Manage 3.0")
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        Self {
            server,
            state,
            latency,
        }
    }

    /// The origin, `http://127.0.0.1:PORT` (the "site URL"); the API root is
    /// `{uri}/v2025_1/apis/3.0`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every later answer waits `d` first (the network's round trip, for
    /// runs that measure what latency costs); zero by default.
    pub fn set_latency(&self, d: std::time::Duration) {
        self.latency.set(d);
    }

    /// The API root, `{uri}/{CODEBASE}/apis/3.0`.
    pub fn api_root(&self) -> String {
        format!("{}/{CODEBASE}/apis/3.0", self.server.uri())
    }

    /// The underlying server, for extra mocks (priority 1–4 answers first).
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// Every request received so far, in order.
    pub async fn received(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// A snapshot of the data as it is now.
    pub fn data(&self) -> ConnectWiseData {
        lock(&self.state).data.clone()
    }

    /// One ticket as stored now.
    pub fn ticket(&self, id: i64) -> Option<Value> {
        lock(&self.state)
            .data
            .tickets
            .iter()
            .find(|t| t["id"].as_i64() == Some(id))
            .cloned()
    }

    /// Changes one ticket in place (a person editing it in ConnectWise).
    pub fn edit_ticket(&self, id: i64, edit: impl FnOnce(&mut Value)) {
        let mut st = lock(&self.state);
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
        lock(&self.state)
            .data
            .notes
            .iter()
            .filter(|n| n["ticketId"].as_i64() == Some(ticket_id))
            .cloned()
            .collect()
    }

    /// A person (`member`) adds a note to a ticket.
    pub fn add_note_by(&self, ticket_id: i64, member: &str, text: &str) {
        let mut st = lock(&self.state);
        let id = next_id(&st.data.notes).max(1);
        st.data.notes.push(note(id, ticket_id, member, text));
    }

    /// A person (`member`) logs time on a ticket.
    pub fn add_time_entry_by(&self, ticket_id: i64, member: &str) {
        let mut st = lock(&self.state);
        let id = next_id(&st.data.time_entries).max(1);
        st.data.time_entries.push(time_entry(id, ticket_id, member));
    }

    /// Ids of tickets created by POST so far, in order.
    pub fn created_ticket_ids(&self) -> Vec<i64> {
        lock(&self.state).created.clone()
    }

    /// The next ticket POSTs fail as scripted, one failure each, in order.
    pub fn fail_ticket_posts(&self, failures: Vec<PostFailure>) {
        lock(&self.state).post_failures.extend(failures);
    }

    /// After the fake has served `pages` list pages of `table` (counting
    /// from when this is called), `record` is added to it: a record created
    /// while a sync runs.
    pub fn insert_after_pages(&self, table: Table, pages: usize, record: Value) {
        let mut st = lock(&self.state);
        let at = st.pages_served[table as usize] + pages;
        st.inserts.push((table, at, record));
    }

    /// Adds `record` to `table` now.
    pub fn insert(&self, table: Table, record: Value) {
        insert_sorted(lock(&self.state).data.table_mut(table), record);
    }

    /// Answers 403 `Security` on `table` from now on (a role without access).
    pub fn deny(&self, table: Table) {
        lock(&self.state).denied.push(table);
    }

    /// Whether `Link` URLs leave out every query parameter but the paging
    /// ones (what a client that rebuilds URLs must survive). Default `false`.
    pub fn set_links_drop_query(&self, yes: bool) {
        lock(&self.state).links_drop_query = yes;
    }

    /// List pages served so far for `table`.
    pub fn pages_served(&self, table: Table) -> usize {
        lock(&self.state).pages_served[table as usize]
    }
}

fn insert_sorted(records: &mut Vec<Value>, record: Value) {
    let id = record["id"].as_i64().unwrap_or(0);
    let at = records.partition_point(|r| r["id"].as_i64().unwrap_or(0) < id);
    records.insert(at, record);
}

#[derive(Debug, Clone, PartialEq)]
enum Route {
    CompanyInfo(String),
    SystemInfo,
    Boards,
    BoardStatuses(String),
    Priorities,
    Notes(String),
    AddNote(String),
    TimeEntries,
    PatchTicket(String),
    List(Table),
    Count(Table),
    One(Table, String),
    CreateTicket,
}

fn table_of(a: &str, b: &str) -> Option<Table> {
    match (
        a.to_ascii_lowercase().as_str(),
        b.to_ascii_lowercase().as_str(),
    ) {
        ("company", "companies") => Some(Table::Companies),
        ("company", "configurations") => Some(Table::Configurations),
        ("service", "tickets") => Some(Table::Tickets),
        _ => None,
    }
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let get = method == Method::GET;
    if get
        && segs.len() == 3
        && segs[0].eq_ignore_ascii_case("login")
        && segs[1].eq_ignore_ascii_case("companyinfo")
    {
        return Some(Route::CompanyInfo(segs[2].to_string()));
    }
    if segs.len() < 5 {
        return None;
    }
    let codebase_ok =
        segs[0].eq_ignore_ascii_case(CODEBASE) || segs[0].eq_ignore_ascii_case(CODEBASE_ALIAS);
    if !codebase_ok || !segs[1].eq_ignore_ascii_case("apis") || segs[2] != "3.0" {
        return None;
    }
    let rest = &segs[3..];
    if get
        && rest.len() == 2
        && rest[0].eq_ignore_ascii_case("system")
        && rest[1].eq_ignore_ascii_case("info")
    {
        return Some(Route::SystemInfo);
    }
    let lower: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let post = method == Method::POST;
    let patch = method == Method::PATCH;
    match lower.as_slice() {
        ["service", "boards"] if get => return Some(Route::Boards),
        ["service", "boards", id, "statuses"] if get => {
            return Some(Route::BoardStatuses(id.to_string()));
        }
        ["service", "priorities"] if get => return Some(Route::Priorities),
        ["service", "tickets", id, "notes"] if get => return Some(Route::Notes(id.to_string())),
        ["service", "tickets", id, "notes"] if post => {
            return Some(Route::AddNote(id.to_string()));
        }
        ["time", "entries"] if get => return Some(Route::TimeEntries),
        ["service", "tickets", id] if patch => return Some(Route::PatchTicket(id.to_string())),
        _ => {}
    }
    let table = table_of(rest[0], rest.get(1)?)?;
    match (rest.len(), get) {
        (2, true) => Some(Route::List(table)),
        (2, false) if method == Method::POST && table == Table::Tickets => {
            Some(Route::CreateTicket)
        }
        (3, true) if rest[2].eq_ignore_ascii_case("count") => Some(Route::Count(table)),
        (3, true) => Some(Route::One(table, rest[2].to_string())),
        _ => None,
    }
}

struct Routes;

impl Match for Routes {
    fn matches(&self, request: &Request) -> bool {
        route(&request.method, request.url.path()).is_some()
    }
}

struct Api {
    state: Shared,
    origin: String,
}

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    let ct = if status < 300 {
        CONTENT_TYPE
    } else {
        "application/json; charset=utf-8"
    };
    ResponseTemplate::new(status)
        .set_body_raw(body.to_string(), ct)
        .insert_header("api-current-version", "2025.8")
}

/// ConnectWise's error envelope.
fn error(status: u16, code: &str, message: &str, errors: Value) -> ResponseTemplate {
    let mut body = json!({"code": code, "message": message});
    if !errors.is_null() {
        set(&mut body, "errors", errors);
    }
    json_response(status, &body)
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

fn basic_ok(request: &Request) -> bool {
    let Some(v) = header(request, "authorization") else {
        return false;
    };
    let Some(b64) = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
        return false;
    };
    raw == format!("{COMPANY_ID}+{PUBLIC_KEY}:{PRIVATE_KEY}").as_bytes()
}

fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

impl Api {
    fn company_info(&self, company: &str) -> ResponseTemplate {
        if company.eq_ignore_ascii_case(COMPANY_ID) {
            json_response(
                200,
                &json!({"CompanyName": "Contoso MSP", "Codebase": format!("{CODEBASE}/"), "VersionCode": "v2025.1",
                    "VersionNumber": "v4.6", "CompanyID": COMPANY_ID, "IsCloud": true, "SiteUrl": "na.myconnectwise.net"}),
            )
        } else {
            json_response(200, &Value::Null)
        }
    }

    fn list(&self, request: &Request, table: Table, st: &mut State) -> ResponseTemplate {
        let filter = match query(request, "conditions").filter(|c| !c.trim().is_empty()) {
            Some(c) => match conditions::parse(&c) {
                Ok(e) => Some(e),
                Err(why) => {
                    return error(
                        400,
                        "InvalidObject",
                        &format!("conditions: {why}"),
                        Value::Null,
                    );
                }
            },
            None => None,
        };
        let size = query(request, "pageSize")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let mut rows: Vec<&Value> = st
            .data
            .table(table)
            .iter()
            .filter(|r| filter.as_ref().is_none_or(|f| f.eval(r)))
            .collect();
        let forward_only = header(request, "pagination-type")
            .is_some_and(|v| v.eq_ignore_ascii_case("forward-only"));
        let (page, link) = if forward_only {
            let after = query(request, "pageId")
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            rows.retain(|r| r["id"].as_i64().unwrap_or(0) > after);
            let more = rows.len() > size;
            let page: Vec<Value> = rows.into_iter().take(size).cloned().collect();
            let link = match page.last().and_then(|r| r["id"].as_i64()) {
                Some(last) if more => format!(
                    "<{}>; rel=\"next\"",
                    self.link(
                        request,
                        st.links_drop_query,
                        &[("pageId", last.to_string())]
                    )
                ),
                _ => String::new(),
            };
            (page, Some(link))
        } else {
            if let Some(order) = query(request, "orderBy") {
                let mut parts = order.split_whitespace();
                let field = parts.next().unwrap_or("id").to_string();
                let desc = parts.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                rows.sort_by(|a, b| {
                    let o = conditions::compare_fields(a, b, &field);
                    if desc { o.reverse() } else { o }
                });
            }
            let number = query(request, "page")
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let last = rows.len().div_ceil(size).max(1);
            let page: Vec<Value> = rows
                .into_iter()
                .skip((number - 1) * size)
                .take(size)
                .cloned()
                .collect();
            let mut links = Vec::new();
            let mk = |n: usize, rel: &str| {
                format!(
                    "<{}>; rel=\"{rel}\"",
                    self.link(
                        request,
                        st.links_drop_query,
                        &[("page", n.to_string()), ("pageSize", size.to_string())]
                    )
                )
            };
            if last > 1 {
                if number > 1 {
                    links.push(mk(1, "first"));
                    links.push(mk(number - 1, "prev"));
                }
                if number < last {
                    links.push(mk(number + 1, "next"));
                    links.push(mk(last, "last"));
                }
            }
            (page, (!links.is_empty()).then(|| links.join(", ")))
        };
        // Count the page and apply inserts due after it.
        let i = table as usize;
        st.pages_served[i] += 1;
        let served = st.pages_served[i];
        let due: Vec<Value> = st
            .inserts
            .iter()
            .filter(|(t, at, _)| *t == table && *at == served)
            .map(|(_, _, r)| r.clone())
            .collect();
        st.inserts
            .retain(|(t, at, _)| !(*t == table && *at == served));
        for r in due {
            insert_sorted(st.data.table_mut(table), r);
        }
        let mut resp = json_response(200, &Value::Array(page));
        if let Some(l) = link {
            resp = resp.insert_header("Link", l.as_str());
        }
        resp
    }

    /// The request's URL on the fake's origin with `set` replacing those
    /// parameters (and, if asked, dropping every other one).
    fn link(&self, request: &Request, drop_others: bool, set: &[(&str, String)]) -> String {
        let mut url = request.url.clone();
        let keep: Vec<(String, String)> = if drop_others {
            Vec::new()
        } else {
            request
                .url
                .query_pairs()
                .filter(|(k, _)| !set.iter().any(|(s, _)| k.eq_ignore_ascii_case(s)))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        };
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            for (k, v) in &keep {
                q.append_pair(k, v);
            }
            for (k, v) in set {
                q.append_pair(k, v);
            }
        }
        format!(
            "{}{}?{}",
            self.origin,
            url.path(),
            url.query().unwrap_or("")
        )
    }

    fn one(&self, st: &State, table: Table, raw: &str) -> ResponseTemplate {
        let noun = match table {
            Table::Companies => "Company",
            Table::Configurations => "Configuration",
            Table::Tickets => "Ticket",
        };
        let found = raw.parse::<i64>().ok().and_then(|id| {
            st.data
                .table(table)
                .iter()
                .find(|r| r["id"].as_i64() == Some(id))
        });
        match found {
            Some(r) => json_response(200, r),
            None => error(
                404,
                "NotFound",
                &format!("{noun} with id {raw} not found."),
                Value::Null,
            ),
        }
    }

    fn create_ticket(&self, request: &Request, st: &mut State) -> ResponseTemplate {
        let failure = st.post_failures.pop_front();
        if let Some(PostFailure::StatusBeforeCreate(s)) = failure {
            return error(s, "ServerError", "An error occurred.", Value::Null);
        }
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return error(
                400,
                "InvalidObject",
                "ticket object is invalid",
                json!([{"code": "InvalidJson", "message": "The request body is not valid JSON.", "resource": "ticket"}]),
            );
        };
        let invalid = |code: &str, message: String, field: &str| {
            error(
                400,
                "InvalidObject",
                "ticket object is invalid",
                json!([{"code": code, "message": message, "resource": "ticket", "field": field}]),
            )
        };
        let summary = body["summary"].as_str().unwrap_or("").to_string();
        if summary.trim().is_empty() {
            return invalid(
                "MissingRequiredField",
                "The summary field is required.".into(),
                "summary",
            );
        }
        if summary.chars().count() > 100 {
            return invalid(
                "MaxLengthField",
                "The field summary must be a string with a maximum length of 100.".into(),
                "summary",
            );
        }
        let company = st.data.companies.iter().find(|c| {
            (body["company"]["id"].is_i64() && c["id"] == body["company"]["id"])
                || body["company"]["identifier"].as_str().is_some_and(|i| {
                    c["identifier"]
                        .as_str()
                        .is_some_and(|ci| ci.eq_ignore_ascii_case(i))
                })
        });
        let Some(company) = company.cloned() else {
            return invalid(
                "NotFound",
                format!("Company {} not found", body["company"]),
                "company",
            );
        };
        // `Err` holds the field that names nothing known.
        let pick = |list: &[Value], key: &str| -> Result<Option<Value>, String> {
            let r = &body[key];
            if r.is_null() {
                return Ok(None);
            }
            list.iter()
                .find(|x| {
                    (r["id"].is_i64() && x["id"] == r["id"])
                        || r["name"].as_str().is_some_and(|n| {
                            x["name"]
                                .as_str()
                                .is_some_and(|xn| xn.eq_ignore_ascii_case(n))
                        })
                })
                .cloned()
                .map(Some)
                .ok_or_else(|| key.to_string())
        };
        let missing = |key: String| {
            invalid(
                "NotFound",
                format!("{key} {} not found", body[key.as_str()]),
                &format!("{key}/id"),
            )
        };
        let board = match pick(&st.data.boards, "board") {
            Ok(b) => b.unwrap_or_else(|| json!({"id": 1, "name": "Help Desk"})),
            Err(key) => return missing(key),
        };
        let status = match pick(&st.data.statuses, "status") {
            Ok(s) => s.unwrap_or_else(|| json!({"id": 16, "name": "New", "sort": 0})),
            Err(key) => return missing(key),
        };
        let priority = match pick(&st.data.priorities, "priority") {
            Ok(p) => p.unwrap_or_else(|| json!({"id": 4, "name": "Priority 3 - Normal Response", "sort": 6, "level": "Medium"})),
            Err(key) => return missing(key),
        };
        let id = next_id(&st.data.tickets).max(4201);
        let now = iso(data_now() + Duration::seconds(st.created.len() as i64 + 1));
        let ticket = json!({
            "id": id,
            "summary": summary,
            "recordType": "ServiceTicket",
            "board": {"id": board["id"], "name": board["name"], "_info": {"board_href": format!("https://na.myconnectwise.net/v4_6_release/apis/3.0/service/boards/{}", board["id"])}},
            "status": {"id": status["id"], "name": status["name"], "sort": status["sort"], "_info": null},
            "company": company_ref(&company, false),
            "priority": {"id": priority["id"], "name": priority["name"], "sort": priority["sort"], "level": priority["level"], "_info": null},
            "severity": "Medium",
            "impact": "Medium",
            "externalXRef": body["externalXRef"].clone(),
            "closedFlag": false,
            "closedDate": null,
            "customFields": [],
            "_info": {"lastUpdated": now, "updatedBy": "apiuser", "dateEntered": now, "enteredBy": "apiuser",
                "notes_href": format!("https://na.myconnectwise.net/v4_6_release/apis/3.0/service/tickets/{id}/notes")},
        });
        st.data.tickets.push(ticket.clone());
        st.created.push(id);
        match failure {
            Some(PostFailure::StatusAfterCreate(s)) => ResponseTemplate::new(s).set_body_raw(
                "<html><body><h1>504 Gateway Time-out</h1></body></html>",
                "text/html",
            ),
            Some(PostFailure::DelayAfterCreate(d)) => json_response(201, &ticket).set_delay(d),
            Some(PostFailure::TruncatedAfterCreate) => {
                let text = ticket.to_string();
                let mut cut = text.len() / 2;
                while cut > 0 && !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                ResponseTemplate::new(201).set_body_raw(
                    text.get(..cut).unwrap_or_default().to_owned(),
                    "application/json",
                )
            }
            _ => json_response(201, &ticket),
        }
    }
}

/// A bare array of `rows` passing the request's `conditions` (one page).
fn filtered(request: &Request, rows: impl Iterator<Item = Value>) -> ResponseTemplate {
    let filter = match query(request, "conditions").filter(|c| !c.trim().is_empty()) {
        Some(c) => match conditions::parse(&c) {
            Ok(e) => Some(e),
            Err(why) => {
                return error(
                    400,
                    "InvalidObject",
                    &format!("conditions: {why}"),
                    Value::Null,
                );
            }
        },
        None => None,
    };
    let rows: Vec<Value> = rows
        .filter(|r| filter.as_ref().is_none_or(|f| f.eval(r)))
        .collect();
    json_response(200, &Value::Array(rows))
}

fn ticket_index(st: &State, id: &str) -> Option<usize> {
    let n = id.parse::<i64>().ok()?;
    st.data
        .tickets
        .iter()
        .position(|t| t["id"].as_i64() == Some(n))
}

fn ticket_not_found(id: &str) -> ResponseTemplate {
    error(
        404,
        "NotFound",
        &format!("Ticket with id {id} not found."),
        Value::Null,
    )
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

impl Api {
    fn add_note(&self, request: &Request, st: &mut State, id: &str) -> ResponseTemplate {
        let Some(i) = ticket_index(st, id) else {
            return ticket_not_found(id);
        };
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let text = body["text"].as_str().unwrap_or("");
        if text.trim().is_empty() {
            return error(
                400,
                "InvalidObject",
                "note object is invalid",
                json!([{"code": "MissingRequiredField", "message": "The text field is required.", "resource": "note", "field": "text"}]),
            );
        }
        let flags = [
            "detailDescriptionFlag",
            "internalAnalysisFlag",
            "resolutionFlag",
        ];
        if !flags.iter().any(|f| body[*f] == json!(true)) {
            return error(
                400,
                "InvalidObject",
                "note object is invalid",
                json!([{"code": "InvalidField", "message": "One of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.", "resource": "note", "field": "detailDescriptionFlag"}]),
            );
        }
        let ticket_id = st.data.tickets[i]["id"].as_i64().unwrap_or(0);
        let nid = next_id(&st.data.notes).max(1);
        let n = note(nid, ticket_id, API_MEMBER, text);
        st.data.notes.push(n.clone());
        json_response(201, &n)
    }

    fn patch_ticket(&self, request: &Request, st: &mut State, id: &str) -> ResponseTemplate {
        let Some(i) = ticket_index(st, id) else {
            return ticket_not_found(id);
        };
        let Ok(Value::Array(ops)) = serde_json::from_slice::<Value>(&request.body) else {
            return error(
                400,
                "InvalidObject",
                "The request body must be a JSON Patch array.",
                Value::Null,
            );
        };
        let mut ticket = st.data.tickets[i].clone();
        for op in &ops {
            let path = op["path"].as_str().unwrap_or("").trim_start_matches('/');
            if op["op"] != json!("replace") || !path.eq_ignore_ascii_case("status") {
                return error(
                    400,
                    "InvalidObject",
                    "ticket object is invalid",
                    json!([{"code": "InvalidField", "message": format!("Unsupported patch {op}"), "resource": "ticket"}]),
                );
            }
            let v = &op["value"];
            let found = st.data.statuses.iter().find(|x| {
                (v["id"].is_i64() && x["id"] == v["id"])
                    || v["name"].as_str().is_some_and(|n| {
                        x["name"]
                            .as_str()
                            .is_some_and(|xn| xn.eq_ignore_ascii_case(n))
                    })
            });
            let Some(status) = found.cloned() else {
                return error(
                    400,
                    "InvalidObject",
                    "ticket object is invalid",
                    json!([{"code": "NotFound", "message": format!("Service Status {} not found for Service Board {}", v["id"], ticket["board"]["id"]), "resource": "ticket", "field": "status/id"}]),
                );
            };
            let closed = status["closed"] == json!(true);
            set(
                &mut ticket,
                "status",
                json!({"id": status["id"], "name": status["name"], "sort": status["sort"], "_info": null}),
            );
            set(&mut ticket, "closedFlag", json!(closed));
            set(
                &mut ticket,
                "closedDate",
                if closed {
                    json!(iso(data_now()))
                } else {
                    Value::Null
                },
            );
        }
        if let Some(info) = ticket["_info"].as_object_mut() {
            info.insert("lastUpdated".into(), json!(iso(data_now())));
            info.insert("updatedBy".into(), json!(API_MEMBER));
        }
        st.data.tickets[i] = ticket.clone();
        json_response(200, &ticket)
    }
}

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(route) = route(&request.method, request.url.path()) else {
            return ResponseTemplate::new(crate::fake::UNEXPECTED_STATUS);
        };
        if let Route::CompanyInfo(company) = &route {
            // Unauthenticated, as in ConnectWise.
            return self.company_info(company);
        }
        match header(request, "clientid") {
            Some(c) if c.trim().eq_ignore_ascii_case(CLIENT_ID) => {}
            Some(_) => {
                return error(
                    400,
                    "InvalidClientId",
                    "The clientId header is not a registered client id. Register your integration at developer.connectwise.com.",
                    Value::Null,
                );
            }
            None => {
                return error(
                    400,
                    "InvalidClientId",
                    "clientId header is required.",
                    Value::Null,
                );
            }
        }
        if !basic_ok(request) {
            return error(401, "Unauthorized", "UserNotAuthenticated", Value::Null);
        }
        let mut st = lock(&self.state);
        let table = match &route {
            Route::List(t) | Route::Count(t) | Route::One(t, _) => Some(*t),
            Route::CreateTicket | Route::PatchTicket(_) | Route::AddNote(_) | Route::Notes(_) => {
                Some(Table::Tickets)
            }
            _ => None,
        };
        if table.is_some_and(|t| st.denied.contains(&t)) {
            return error(
                403,
                "Security",
                "You do not have security permission to perform this action.",
                Value::Null,
            );
        }
        match route {
            Route::CompanyInfo(_) => ResponseTemplate::new(500),
            Route::SystemInfo => json_response(
                200,
                &json!({"version": VERSION, "isCloud": true, "serverTimeZone": "Eastern Standard Time",
                "licenseBits": [], "cloudRegion": "NA", "maxWorkFlowRecordsAllowed": 1000}),
            ),
            Route::List(t) => self.list(request, t, &mut st),
            Route::Count(t) => {
                let n = match query(request, "conditions").filter(|c| !c.trim().is_empty()) {
                    Some(c) => match conditions::parse(&c) {
                        Ok(f) => st.data.table(t).iter().filter(|r| f.eval(r)).count(),
                        Err(why) => {
                            return error(
                                400,
                                "InvalidObject",
                                &format!("conditions: {why}"),
                                Value::Null,
                            );
                        }
                    },
                    None => st.data.table(t).len(),
                };
                json_response(200, &json!({"count": n}))
            }
            Route::One(t, raw) => self.one(&st, t, &raw),
            Route::CreateTicket => self.create_ticket(request, &mut st),
            Route::Boards => filtered(
                request,
                st.data.boards.iter().map(|b| {
                    let mut b = b.clone();
                    set(&mut b, "inactiveFlag", json!(false));
                    b
                }),
            ),
            Route::BoardStatuses(board) => {
                let Some(b) = st
                    .data
                    .boards
                    .iter()
                    .find(|b| b["id"].as_i64().map(|i| i.to_string()) == Some(board.clone()))
                    .cloned()
                else {
                    return error(
                        404,
                        "NotFound",
                        &format!("Board with id {board} not found."),
                        Value::Null,
                    );
                };
                filtered(request, st.data.statuses.iter().map(|x| {
                    json!({"id": x["id"], "name": x["name"], "board": {"id": b["id"], "name": b["name"]},
                        "sortOrder": x["sort"], "displayOnBoard": true, "inactive": false,
                        "closedStatus": x["closed"], "defaultFlag": x["id"] == json!(16)})
                }))
            }
            Route::Priorities => filtered(request, st.data.priorities.iter().cloned()),
            Route::Notes(id) => {
                if ticket_index(&st, &id).is_none() {
                    return ticket_not_found(&id);
                }
                filtered(
                    request,
                    st.data
                        .notes
                        .iter()
                        .filter(|n| {
                            n["ticketId"].as_i64().map(|i| i.to_string()) == Some(id.clone())
                        })
                        .cloned(),
                )
            }
            Route::AddNote(id) => self.add_note(request, &mut st, &id),
            Route::TimeEntries => filtered(request, st.data.time_entries.iter().cloned()),
            Route::PatchTicket(id) => self.patch_ticket(request, &mut st, &id),
        }
    }
}

/// ConnectWise's `conditions` language, enough of it for tests.
pub mod conditions {
    use chrono::{DateTime, Utc};
    use serde_json::Value;
    use std::cmp::Ordering;

    /// A parsed condition.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Expr {
        /// Both.
        And(Box<Expr>, Box<Expr>),
        /// Either.
        Or(Box<Expr>, Box<Expr>),
        /// Not.
        Not(Box<Expr>),
        /// `field op value`.
        Cmp(String, String, Lit),
    }

    /// A literal.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Lit {
        /// `"text"`.
        Str(String),
        /// `42`, `4.5`.
        Num(f64),
        /// `true` / `false`.
        Bool(bool),
        /// `null`.
        Null,
        /// `[2024-01-01T00:00:00Z]`.
        Date(DateTime<Utc>),
        /// `(1, 2, 3)`.
        List(Vec<Lit>),
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Tok {
        Word(String),
        Str(String),
        Date(String),
        Op(String),
        Open,
        Close,
        Comma,
    }

    fn lex(s: &str) -> Result<Vec<Tok>, String> {
        let cs: Vec<char> = s.chars().collect();
        let mut i = 0;
        let mut out = Vec::new();
        while i < cs.len() {
            let c = cs[i];
            match c {
                c if c.is_whitespace() => i += 1,
                '(' => {
                    out.push(Tok::Open);
                    i += 1;
                }
                ')' => {
                    out.push(Tok::Close);
                    i += 1;
                }
                ',' => {
                    out.push(Tok::Comma);
                    i += 1;
                }
                '"' => {
                    let mut v = String::new();
                    i += 1;
                    loop {
                        match cs.get(i) {
                            None => return Err("unterminated string".into()),
                            Some('\\') => {
                                if let Some(n) = cs.get(i + 1) {
                                    v.push(*n);
                                }
                                i += 2;
                            }
                            Some('"') => {
                                i += 1;
                                break;
                            }
                            Some(ch) => {
                                v.push(*ch);
                                i += 1;
                            }
                        }
                    }
                    out.push(Tok::Str(v));
                }
                '[' => {
                    let end = cs[i..]
                        .iter()
                        .position(|c| *c == ']')
                        .ok_or("unterminated [date]")?;
                    out.push(Tok::Date(cs[i + 1..i + end].iter().collect()));
                    i += end + 1;
                }
                '=' | '!' | '<' | '>' => {
                    let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
                    if ["!=", "<=", ">="].contains(&two.as_str()) {
                        out.push(Tok::Op(two));
                        i += 2;
                    } else if c == '!' {
                        return Err("unexpected `!`".into());
                    } else {
                        out.push(Tok::Op(c.to_string()));
                        i += 1;
                    }
                }
                _ => {
                    let start = i;
                    while i < cs.len()
                        && (cs[i].is_alphanumeric() || ['/', '_', '.', '-', ':'].contains(&cs[i]))
                    {
                        i += 1;
                    }
                    if i == start {
                        return Err(format!("unexpected `{c}`"));
                    }
                    out.push(Tok::Word(cs[start..i].iter().collect()));
                }
            }
        }
        Ok(out)
    }

    struct Parser {
        toks: Vec<Tok>,
        at: usize,
    }

    impl Parser {
        fn peek_word(&self, w: &str) -> bool {
            matches!(self.toks.get(self.at), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
        }
        fn next(&mut self) -> Option<Tok> {
            let t = self.toks.get(self.at).cloned();
            self.at += 1;
            t
        }
        fn or(&mut self) -> Result<Expr, String> {
            let mut e = self.and()?;
            while self.peek_word("or") {
                self.at += 1;
                e = Expr::Or(Box::new(e), Box::new(self.and()?));
            }
            Ok(e)
        }
        fn and(&mut self) -> Result<Expr, String> {
            let mut e = self.atom()?;
            while self.peek_word("and") {
                self.at += 1;
                e = Expr::And(Box::new(e), Box::new(self.atom()?));
            }
            Ok(e)
        }
        fn atom(&mut self) -> Result<Expr, String> {
            if self.peek_word("not") {
                self.at += 1;
                return Ok(Expr::Not(Box::new(self.atom()?)));
            }
            match self.next() {
                Some(Tok::Open) => {
                    let e = self.or()?;
                    match self.next() {
                        Some(Tok::Close) => Ok(e),
                        _ => Err("missing `)`".into()),
                    }
                }
                Some(Tok::Word(field)) => {
                    let op = match self.next() {
                        Some(Tok::Op(o)) => o,
                        Some(Tok::Word(w))
                            if ["contains", "like", "in"]
                                .contains(&w.to_ascii_lowercase().as_str()) =>
                        {
                            w.to_ascii_lowercase()
                        }
                        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") => match self.next() {
                            Some(Tok::Word(w2))
                                if ["contains", "like", "in"]
                                    .contains(&w2.to_ascii_lowercase().as_str()) =>
                            {
                                format!("not {}", w2.to_ascii_lowercase())
                            }
                            other => return Err(format!("unexpected {other:?} after not")),
                        },
                        other => {
                            return Err(format!(
                                "expected an operator after `{field}`, got {other:?}"
                            ));
                        }
                    };
                    let lit = self.literal()?;
                    Ok(Expr::Cmp(field, op, lit))
                }
                other => Err(format!("unexpected {other:?}")),
            }
        }
        fn literal(&mut self) -> Result<Lit, String> {
            match self.next() {
                Some(Tok::Str(s)) => Ok(Lit::Str(s)),
                Some(Tok::Date(d)) => vectis_core::timestamp::parse_str(&d)
                    .ok()
                    .flatten()
                    .map(Lit::Date)
                    .ok_or_else(|| format!("`[{d}]` is not a date")),
                Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                    "true" => Ok(Lit::Bool(true)),
                    "false" => Ok(Lit::Bool(false)),
                    "null" => Ok(Lit::Null),
                    _ => w
                        .parse::<f64>()
                        .map(Lit::Num)
                        .map_err(|_| format!("`{w}` is not a value (quote strings)")),
                },
                Some(Tok::Open) => {
                    let mut items = Vec::new();
                    loop {
                        items.push(self.literal()?);
                        match self.next() {
                            Some(Tok::Comma) => {}
                            Some(Tok::Close) => break,
                            other => return Err(format!("unexpected {other:?} in a list")),
                        }
                    }
                    Ok(Lit::List(items))
                }
                other => Err(format!("expected a value, got {other:?}")),
            }
        }
    }

    /// Parses a `conditions` string.
    pub fn parse(s: &str) -> Result<Expr, String> {
        let mut p = Parser {
            toks: lex(s)?,
            at: 0,
        };
        let e = p.or()?;
        if p.at < p.toks.len() {
            return Err(format!("unexpected {:?}", p.toks[p.at]));
        }
        Ok(e)
    }

    /// A field by `a/b` path; top-level names missing from the record are
    /// read from `_info` (`lastUpdated`, `dateEntered`).
    pub fn field<'a>(record: &'a Value, path: &str) -> &'a Value {
        let mut v = record;
        for seg in path.split('/') {
            let next = v.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(seg))
                    .map(|(_, x)| x)
            });
            v = match next {
                Some(x) => x,
                None if std::ptr::eq(v, record) => {
                    match record["_info"].as_object().and_then(|o| o.get(seg)) {
                        Some(x) => x,
                        None => &Value::Null,
                    }
                }
                None => &Value::Null,
            };
        }
        v
    }

    fn cmp(v: &Value, lit: &Lit) -> Option<Ordering> {
        match (v, lit) {
            (Value::Null, Lit::Null) => Some(Ordering::Equal),
            (Value::Null, _) | (_, Lit::Null) => None,
            (Value::String(s), Lit::Date(d)) => vectis_core::timestamp::parse_str(s)
                .ok()
                .flatten()
                .map(|t| t.cmp(d)),
            (Value::String(s), Lit::Str(l)) => Some(s.to_lowercase().cmp(&l.to_lowercase())),
            (Value::Number(n), Lit::Num(l)) => n.as_f64().and_then(|x| x.partial_cmp(l)),
            (Value::Bool(b), Lit::Bool(l)) => Some(b.cmp(l)),
            _ => None,
        }
    }

    /// `*` (or `%`) matches any run of characters; case-insensitive.
    fn like(s: &str, pattern: &str) -> bool {
        let s: Vec<char> = s.to_lowercase().chars().collect();
        let p: Vec<char> = pattern.to_lowercase().chars().collect();
        let (mut si, mut pi) = (0, 0);
        let (mut star, mut mark) = (None, 0);
        while si < s.len() {
            if pi < p.len() && (p[pi] == '*' || p[pi] == '%') {
                star = Some(pi);
                mark = si;
                pi += 1;
            } else if pi < p.len() && p[pi] == s[si] {
                si += 1;
                pi += 1;
            } else if let Some(st) = star {
                pi = st + 1;
                mark += 1;
                si = mark;
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|c| *c == '*' || *c == '%')
    }

    impl Expr {
        /// Whether `record` matches.
        pub fn eval(&self, record: &Value) -> bool {
            match self {
                Expr::And(a, b) => a.eval(record) && b.eval(record),
                Expr::Or(a, b) => a.eval(record) || b.eval(record),
                Expr::Not(a) => !a.eval(record),
                Expr::Cmp(f, op, lit) => {
                    let v = field(record, f);
                    let text = v.as_str().map(str::to_lowercase).unwrap_or_default();
                    match (op.as_str(), lit) {
                        ("contains", Lit::Str(s)) => text.contains(&s.to_lowercase()),
                        ("like", Lit::Str(s)) => like(&text, s),
                        ("not contains", Lit::Str(s)) => !text.contains(&s.to_lowercase()),
                        ("not like", Lit::Str(s)) => !like(&text, s),
                        ("in", Lit::List(l)) => {
                            l.iter().any(|x| cmp(v, x) == Some(Ordering::Equal))
                        }
                        ("not in", Lit::List(l)) => {
                            !l.iter().any(|x| cmp(v, x) == Some(Ordering::Equal))
                        }
                        ("=", _) => cmp(v, lit) == Some(Ordering::Equal),
                        ("!=", _) => cmp(v, lit) != Some(Ordering::Equal),
                        ("<", _) => cmp(v, lit) == Some(Ordering::Less),
                        ("<=", _) => matches!(cmp(v, lit), Some(Ordering::Less | Ordering::Equal)),
                        (">", _) => cmp(v, lit) == Some(Ordering::Greater),
                        (">=", _) => {
                            matches!(cmp(v, lit), Some(Ordering::Greater | Ordering::Equal))
                        }
                        _ => false,
                    }
                }
            }
        }
    }

    /// Orders two records by a field (numbers, then text).
    pub fn compare_fields(a: &Value, b: &Value, path: &str) -> Ordering {
        let (x, y) = (field(a, path), field(b, path));
        match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            _ => x
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .cmp(&y.as_str().unwrap_or("").to_lowercase()),
        }
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used)]
    mod tests {
        use super::*;
        use serde_json::json;

        #[test]
        fn evaluates_the_documented_forms() {
            let t = json!({"id": 5, "summary": "xyz", "board": {"id": 3, "name": "Integration"},
                "closedFlag": false, "_info": {"lastUpdated": "2024-03-01T00:00:00Z"}});
            for (c, want) in [
                (
                    r#"board/name="Integration" and summary="xyz" or board/id in (3, 2, 4) and lastUpdated > [2016-08-20T18:04:26Z]"#,
                    true,
                ),
                ("closedFlag=false", true),
                ("closedFlag = true", false),
                ("lastUpdated > [2024-03-01T00:00:00Z]", false),
                ("(id > 4 and id < 6) AND not summary contains \"q\"", true),
                ("summary like \"x*\"", true),
                ("externalXRef = \"m\"", false),
                ("deletedFlag = false", false),
            ] {
                assert_eq!(parse(c).unwrap().eval(&t), want, "{c}");
            }
            assert!(parse("summary = xyz").is_err());
            assert!(parse("(id = 1").is_err());
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_data_links_and_varies() {
        let d = ConnectWiseData::generate(50, 120, 60, 3);
        assert_eq!(d.companies.len(), 50);
        assert_eq!(d.configurations.len(), 120);
        assert_eq!(d.tickets.len(), 60);
        let ids: std::collections::HashSet<i64> = d
            .companies
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 50);
        assert!(
            d.configurations
                .iter()
                .all(|c| ids.contains(&c["company"]["id"].as_i64().unwrap()))
        );
        assert!(d.tickets.iter().any(|t| t["closedFlag"] == json!(true)));
        assert!(d.tickets.iter().any(|t| t["closedFlag"] == json!(false)));
        let names = vec!["Acme Ltd".to_string(), "Acme Ltd.".to_string()];
        let d = ConnectWiseData::generate_for(&names, 3, 2, 1);
        assert_eq!(d.companies[0]["name"], "Acme Ltd");
        assert_ne!(d.companies[0]["identifier"], d.companies[1]["identifier"]);
        assert_eq!(d.with_deleted_companies(2).live_companies().len(), 2);
    }
}
