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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use wiremock::http::Method;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fake::{Rng, mount_catch_all};
use crate::names::{customer_names, device_name};

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

/// The "now" of generated data (2026-05-01T12:00:00Z): every generated
/// timestamp is before it, so data is the same whenever it is generated.
pub fn data_now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_777_636_800, 0).unwrap_or_default()
}

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
        let n_agents = if alerts > 0 { agents.max(1) } else { agents };
        let n_customers = if n_agents > 0 {
            customers.max(1)
        } else {
            customers
        };
        Self::generate_for(&customer_names(n_customers, seed), n_agents, alerts, seed)
    }

    /// Like [`generate`](Self::generate), with customers named exactly
    /// `names` (in this order). With no names and some agents or alerts,
    /// one customer gets a generated name.
    pub fn generate_for(names: &[String], agents: usize, alerts: usize, seed: u64) -> Self {
        let n_agents = if alerts > 0 { agents.max(1) } else { agents };
        let names = if names.is_empty() && n_agents > 0 {
            customer_names(1, seed)
        } else {
            names.to_vec()
        };
        let mut rng = Rng::new(seed ^ 0x4154_4552_415F_7631); // "ATERA_v1"
        let customers = gen_customers(&mut rng, &names);
        let agents = gen_agents(&mut rng, &customers, n_agents);
        let alerts = gen_alerts(&mut rng, &agents, alerts);
        AteraData {
            account: account(),
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

// ---------------------------------------------------------------- generation

fn account() -> Value {
    json!({
        "AccountID": "118734",
        "Country": "United States",
        "CompanyName": "Northwind Managed IT",
        "CreatedOn": "2019-03-11T14:22:05",
        "State": "IL",
        "TimeZoneName": "UTC",
        "City": "Springfield",
        "Address": "400 Commerce Blvd, Suite 210",
        "PostalCode": "62704",
        "Phone": "+1 555 0199",
        "IsITDepartment": false,
        "Plan": "Power"
    })
}

/// Atera sends timestamps with and without `Z`, with 0, 3 or 7 fractional
/// digits (.NET `DateTime`).
fn ts(rng: &mut Rng, t: DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S");
    match rng.below(10) {
        0..=3 => format!("{base}Z"),
        4 | 5 => format!("{base}.{:03}", t.timestamp_subsec_millis()),
        6 | 7 => base.to_string(),
        _ => format!("{base}.{:07}Z", t.timestamp_subsec_nanos() / 100),
    }
}

fn maybe<T: Into<Value>>(rng: &mut Rng, p: f64, v: T) -> Value {
    if rng.chance(p) { v.into() } else { Value::Null }
}

fn secs(rng: &mut Rng, lo: i64, hi: i64) -> Duration {
    Duration::seconds(rng.between(lo, hi)) + Duration::milliseconds(rng.between(0, 999))
}

struct Location {
    city: &'static str,
    state: Option<&'static str>,
    country: &'static str,
    zip: &'static str,
    lat: f64,
    lon: f64,
    phone: &'static str,
    tld: &'static str,
    business_number: &'static str,
}

#[rustfmt::skip]
const LOCATIONS: &[Location] = &[
    Location { city: "Springfield", state: Some("IL"), country: "United States", zip: "62701", lat: 39.80, lon: -89.64, phone: "+1 555 01", tld: "com", business_number: "EIN 37-" },
    Location { city: "Austin", state: Some("TX"), country: "United States", zip: "78701", lat: 30.27, lon: -97.74, phone: "(512) 555-01", tld: "com", business_number: "EIN 74-" },
    Location { city: "Portland", state: Some("OR"), country: "United States", zip: "97204", lat: 45.52, lon: -122.68, phone: "503-555-01", tld: "com", business_number: "EIN 93-" },
    Location { city: "Columbus", state: Some("OH"), country: "United States", zip: "43215", lat: 39.96, lon: -82.99, phone: "+1 (614) 555-01", tld: "net", business_number: "EIN 31-" },
    Location { city: "London", state: None, country: "United Kingdom", zip: "EC1A 1BB", lat: 51.52, lon: -0.10, phone: "+44 20 7946 00", tld: "co.uk", business_number: "GB" },
    Location { city: "Manchester", state: Some("Greater Manchester"), country: "United Kingdom", zip: "M1 1AE", lat: 53.48, lon: -2.24, phone: "0161 496 00", tld: "co.uk", business_number: "GB" },
    Location { city: "München", state: Some("Bayern"), country: "Germany", zip: "80331", lat: 48.14, lon: 11.58, phone: "+49 89 2019 5", tld: "de", business_number: "DE" },
    Location { city: "Toronto", state: Some("ON"), country: "Canada", zip: "M5H 2N2", lat: 43.65, lon: -79.38, phone: "+1 416 555 01", tld: "ca", business_number: "BN " },
    Location { city: "Sydney", state: Some("NSW"), country: "Australia", zip: "2000", lat: -33.87, lon: 151.21, phone: "+61 2 5550 01", tld: "com.au", business_number: "ABN 51 " },
    Location { city: "Dublin", state: None, country: "Ireland", zip: "D02 X285", lat: 53.34, lon: -6.26, phone: "+353 1 555 00", tld: "ie", business_number: "IE" },
];

#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Main St", "High Street", "Oak Avenue", "Industrial Park Rd", "Church Lane", "Market Square",
    "Hauptstraße", "Station Road", "Harbour View", "Commerce Dr", "King St W", "Elm Court",
];

const NOTES: &[&str] = &[
    "Contract renews in March.",
    "After-hours support billable. Call office manager first.",
    "Key holder: see password vault entry.",
    "Migrating to M365 Q3.",
    "DO NOT reboot DC during business hours!",
    "Merged with branch office; see new record.",
];

fn slug(name: &str) -> String {
    const SKIP: &[&str] = &[
        "the", "zz", "st.", "&", "-", "inc.", "llc", "llp", "ltd", "gmbh",
    ];
    let words: Vec<String> = name
        .split_whitespace()
        .filter(|w| !SKIP.contains(&w.to_lowercase().as_str()))
        .take(2)
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase()
        })
        .collect();
    let s = words.concat();
    if s.is_empty() {
        "customer".to_string()
    } else {
        s
    }
}

fn gen_customers(rng: &mut Rng, names: &[String]) -> Vec<Value> {
    let n = names.len();
    let now = data_now();
    let span: i64 = 6 * 365 * 86_400;
    let step = span / (n as i64 + 1);
    let mut id: i64 = 10_000 + rng.between(0, 4_000);
    let mut out = Vec::with_capacity(n);
    for (i, name) in names.iter().cloned().enumerate() {
        id += if rng.chance(0.2) {
            rng.between(2, 6)
        } else {
            1
        };
        let created = now - Duration::seconds(span)
            + Duration::seconds(step * i as i64)
            + secs(rng, 0, step / 2 + 1);
        let modified = if rng.chance(0.2) {
            created
        } else {
            created + secs(rng, 60, (now - created).num_seconds().max(61) - 1)
        };
        let loc = rng.pick(LOCATIONS);
        let has_address = !rng.chance(0.15);
        let phone_suffix = rng.between(0, 99);
        let address = format!("{} {}", rng.between(1, 998), rng.pick(STREETS));
        let domain = format!("{}.{}", slug(&name), loc.tld);
        let bn = format!(
            "{}{:07}",
            loc.business_number,
            rng.between(1_000_000, 9_999_999)
        );
        let (lat, lon) = (
            loc.lat + rng.next_f64() / 10.0,
            loc.lon - rng.next_f64() / 10.0,
        );
        let with_coords = rng.chance(0.2);
        let created_s = ts(rng, created);
        let modified_s = if modified == created {
            created_s.clone()
        } else {
            ts(rng, modified)
        };
        let note = *rng.pick(NOTES);
        let v = json!({
            "CustomerID": id,
            "CustomerName": name,
            "CreatedOn": created_s,
            "LastModified": modified_s,
            "BusinessNumber": maybe(rng, 0.3, bn),
            "Domain": maybe(rng, 0.65, domain),
            "Address": if has_address { Value::from(address) } else { Value::Null },
            "City": if has_address { Value::from(loc.city) } else { Value::Null },
            "State": if has_address { loc.state.map_or(Value::Null, Value::from) } else { Value::Null },
            "Country": if has_address { Value::from(loc.country) } else { Value::Null },
            "Phone": maybe(rng, 0.75, format!("{}{phone_suffix:02}", loc.phone)),
            "Fax": maybe(rng, 0.08, format!("{}{:02}", loc.phone, (phone_suffix + 1) % 100)),
            "Notes": maybe(rng, 0.15, note),
            "Logo": Value::Null,
            "Links": maybe(rng, 0.05, "https://portal.example.com/kb"),
            "Longitude": if with_coords { Value::from((lon * 1e4).round() / 1e4) } else { Value::Null },
            "Latitude": if with_coords { Value::from((lat * 1e4).round() / 1e4) } else { Value::Null },
            "ZipCodeStr": if has_address { Value::from(loc.zip) } else { Value::Null },
        });
        out.push(v);
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    DomainController,
    FileServer,
    Workstation,
    Laptop,
}

struct Hardware {
    vendor: &'static str,
    model: &'static str,
    board: &'static str,
    cpu: &'static str,
    cores: i64,
    clock: &'static str,
    memory: &'static [i64],
    bios: &'static str,
}

#[rustfmt::skip]
const SERVERS: &[Hardware] = &[
    Hardware { vendor: "Dell Inc.", model: "PowerEdge R440", board: "Dell Inc. 0XYZ12", cpu: "Intel(R) Xeon(R) Silver 4210 CPU @ 2.20GHz", cores: 10, clock: "2200", memory: &[32768, 65536], bios: "2.12.2" },
    Hardware { vendor: "HPE", model: "ProLiant DL360 Gen10", board: "HPE ProLiant DL360 Gen10", cpu: "Intel(R) Xeon(R) Gold 5218 CPU @ 2.30GHz", cores: 16, clock: "2300", memory: &[65536, 131072], bios: "U32 v2.68" },
    Hardware { vendor: "VMware, Inc.", model: "VMware7,1", board: "Intel Corporation 440BX Desktop Reference Platform", cpu: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", cores: 4, clock: "2400", memory: &[16384, 24576], bios: "VMW71.00V.21100432.B64.2301110304" },
];

#[rustfmt::skip]
const DESKTOPS: &[Hardware] = &[
    Hardware { vendor: "Dell Inc.", model: "OptiPlex 7090", board: "Dell Inc. 0M7R8D", cpu: "11th Gen Intel(R) Core(TM) i7-11700 @ 2.50GHz", cores: 8, clock: "2496", memory: &[16384, 32768], bios: "1.19.0" },
    Hardware { vendor: "HP", model: "HP EliteDesk 800 G6 Desktop Mini PC", board: "HP 8715", cpu: "Intel(R) Core(TM) i5-10500T CPU @ 2.30GHz", cores: 6, clock: "2304", memory: &[8192, 16384], bios: "S21 Ver. 02.14.01" },
    Hardware { vendor: "LENOVO", model: "ThinkCentre M70q", board: "LENOVO 3139", cpu: "Intel(R) Core(TM) i5-10400T CPU @ 2.00GHz", cores: 6, clock: "1992", memory: &[8192, 16384], bios: "M2WKT4AA" },
];

#[rustfmt::skip]
const LAPTOPS: &[Hardware] = &[
    Hardware { vendor: "LENOVO", model: "ThinkPad T14 Gen 3", board: "LENOVO 21AHCTO1WW", cpu: "12th Gen Intel(R) Core(TM) i7-1260P", cores: 12, clock: "2100", memory: &[16384, 32768], bios: "N3MET18W (1.17 )" },
    Hardware { vendor: "Dell Inc.", model: "Latitude 5430", board: "Dell Inc. 0J1FPP", cpu: "12th Gen Intel(R) Core(TM) i5-1245U", cores: 10, clock: "1600", memory: &[16384], bios: "1.21.0" },
    Hardware { vendor: "HP", model: "HP EliteBook 840 G8 Notebook PC", board: "HP 880D", cpu: "11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz", cores: 4, clock: "2611", memory: &[8192, 16384], bios: "T37 Ver. 01.16.00" },
];

const FIRST: &[&str] = &["j", "m", "s", "a", "d", "k", "r", "l", "t", "e"];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "smith", "patel", "nguyen", "mueller", "obrien", "garcia", "chen", "kelly", "young",
    "frontdesk",
];

fn gen_agents(rng: &mut Rng, customers: &[Value], n: usize) -> Vec<Value> {
    let now = data_now();
    let mut per_customer = vec![0usize; customers.len()];
    let mut id: i64 = 1_000 + rng.between(0, 500);
    let mut out = Vec::with_capacity(n);
    for j in 0..n {
        let ci = if j < customers.len() {
            j
        } else {
            // Skewed: a few big customers, a long tail of small ones.
            let cap = rng.below(customers.len()) + 1;
            rng.below(cap)
        };
        let Some(customer) = customers.get(ci) else {
            break;
        };
        let k = per_customer.get(ci).copied().unwrap_or(0);
        if let Some(c) = per_customer.get_mut(ci) {
            *c += 1;
        }
        id += if rng.chance(0.15) {
            rng.between(2, 9)
        } else {
            1
        };
        let customer_id = customer.get("CustomerID").cloned().unwrap_or(Value::Null);
        let customer_name = customer
            .get("CustomerName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let customer_created = customer
            .get("CreatedOn")
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .map(|t| t.and_utc())
            .unwrap_or(now - Duration::days(365));
        let name = device_name(customer_name, k);
        let kind = match k {
            0 => Kind::DomainController,
            1 => Kind::FileServer,
            k if k % 7 == 6 => Kind::Laptop,
            _ => Kind::Workstation,
        };
        let prefix = name.split('-').next().unwrap_or("PC").to_string();
        let mac = kind == Kind::Laptop && rng.chance(0.2);
        let hw = match kind {
            Kind::DomainController | Kind::FileServer => rng.pick(SERVERS),
            Kind::Workstation => rng.pick(DESKTOPS),
            Kind::Laptop => rng.pick(LAPTOPS),
        };
        let (os, os_type, os_version, os_build, os_num, device_type) = match kind {
            Kind::DomainController | Kind::FileServer => {
                let (os, ver, build) = *rng.pick(&[
                    ("Windows Server 2019 Standard", "10.0.17763", "17763"),
                    ("Windows Server 2022 Standard", "10.0.20348", "20348"),
                    ("Windows Server 2016 Standard", "10.0.14393", "14393"),
                ]);
                let t = if kind == Kind::DomainController {
                    "Domain Controller"
                } else {
                    "Server"
                };
                (os, t, ver, build, 10.0, "Server")
            }
            _ if mac => (
                "macOS Sonoma 14.4.1",
                "Work Station",
                "14.4.1",
                "23E224",
                14.4,
                "Laptop",
            ),
            _ => {
                let (os, ver, build) = *rng.pick(&[
                    ("Windows 11 Pro", "10.0.22631", "22631"),
                    ("Windows 11 Pro", "10.0.26100", "26100"),
                    ("Windows 10 Pro", "10.0.19045", "19045"),
                ]);
                let dt = if kind == Kind::Laptop {
                    "Laptop"
                } else {
                    "Workstation"
                };
                (os, "Work Station", ver, build, 10.0, dt)
            }
        };
        let (vendor, model, board, cpu, cores, clock, bios) = if mac {
            (
                "Apple Inc.",
                "MacBookPro18,3",
                "Apple Inc. Mac-XXXX",
                "Apple M1 Pro",
                10,
                "3228",
                "10151.101.3",
            )
        } else {
            (
                hw.vendor, hw.model, hw.board, hw.cpu, hw.cores, hw.clock, hw.bios,
            )
        };
        let memory = *rng.pick(hw.memory);
        let device_guid = rng.guid();
        let machine_id = rng.guid();
        let created = customer_created
            + secs(
                rng,
                3_600,
                (now - customer_created).num_seconds().max(3_601),
            );
        let created = created.min(now - Duration::hours(1));
        let online = rng.chance(0.7);
        let last_seen = if online {
            now - secs(rng, 0, 300)
        } else {
            now - secs(rng, 3_600, 60 * 86_400)
        };
        let modified = created + secs(rng, 0, (now - created).num_seconds().max(1));
        let reboot = now - secs(rng, 3_600, 40 * 86_400);
        let bios_date = now - Duration::days(rng.between(200, 1_500));
        let user = format!("{}.{}", rng.pick(FIRST), rng.pick(LAST));
        let folder = match kind {
            Kind::DomainController | Kind::FileServer => (11, "Servers"),
            Kind::Workstation => (12, "Workstations"),
            Kind::Laptop => (13, "Laptops"),
        };
        let subnet = rng.between(0, 254);
        let disk_total = match kind {
            Kind::DomainController | Kind::FileServer => 476_837.0,
            _ => 243_541.0,
        };
        let disk_free = (disk_total * (0.03 + rng.next_f64() * 0.7)).round();
        let mut disks = vec![json!({
            "Drive": if mac { "/" } else { "C:" },
            "Free": disk_free,
            "Used": disk_total - disk_free,
            "Total": disk_total
        })];
        if kind == Kind::FileServer {
            let total = 3_814_697.0;
            let free = (total * rng.next_f64() * 0.5).round();
            disks.push(json!({"Drive": "D:", "Free": free, "Used": total - free, "Total": total}));
        }
        let battery = if kind == Kind::Laptop {
            let designed = *rng.pick(&[52_000, 57_000, 63_000]);
            let full = designed - rng.between(0, 15_000);
            json!({
                "Id": 1,
                "Name": "Primary",
                "BatteryHealth": ((full as f64 / designed as f64) * 1000.0).round() / 10.0,
                "DesignedCapacity": designed,
                "FullChargeCapacity": full,
                "CycleCount": rng.between(5, 600)
            })
        } else {
            json!({"Id": 0, "Name": null, "BatteryHealth": 0.0, "DesignedCapacity": 0, "FullChargeCapacity": 0, "CycleCount": 0})
        };
        let has_office = !mac && kind != Kind::DomainController && rng.chance(0.7);
        let created_s = ts(rng, created);
        let modified_s = ts(rng, modified);
        let last_seen_s = ts(rng, last_seen);
        let last_seen_v = maybe(rng, 0.97, last_seen_s);
        let reboot_s = ts(rng, reboot);
        let reboot_v = maybe(rng, 0.95, reboot_s);
        let description = *rng.pick(&[
            "Reception PC",
            "Scanner station",
            "Old server - do not patch",
            "CEO laptop",
        ]);
        let threshold = rng.between(1, 6);
        let bios_date_s = format!("{}T00:00:00", bios_date.format("%Y-%m-%d"));
        let serial: String = (0..7)
            .map(|_| {
                *rng.pick(&[
                    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'B', 'C', 'D', 'F', 'G', 'H',
                    'J', 'K', 'L',
                ])
            })
            .collect();
        let logged_on = match (online, kind) {
            (false, _) => Value::Null,
            (true, Kind::DomainController | Kind::FileServer) => {
                if rng.chance(0.5) {
                    Value::from("")
                } else {
                    Value::from(format!("{prefix}\\administrator"))
                }
            }
            (true, _) if mac => Value::from(user.clone()),
            (true, _) => Value::from(format!("{prefix}\\{user}")),
        };
        let in_folder = rng.chance(0.6);
        let mac_address = format!(
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            0x00,
            0x1A,
            rng.below(256),
            rng.below(256),
            rng.below(256),
            rng.below(256)
        );
        let v = json!({
            "MachineID": machine_id,
            "AgentID": id,
            "DeviceGuid": device_guid,
            "FolderID": if in_folder { Value::from(folder.0) } else { Value::Null },
            "FolderName": if in_folder { Value::from(folder.1) } else { Value::Null },
            "CustomerID": customer_id,
            "CustomerName": customer_name,
            "AgentName": name,
            "SystemName": name,
            "MachineName": name,
            "DomainName": if mac { Value::Null } else if rng.chance(0.85) { Value::from(format!("{}.local", prefix.to_lowercase())) } else { Value::from("WORKGROUP") },
            "CurrentLoggedUsers": logged_on,
            "ComputerDescription": maybe(rng, 0.1, description),
            "Monitored": !rng.chance(0.05),
            "AgentVersion": format!("2.0.{}.{}", rng.between(1, 9), rng.between(1, 60)),
            "Favorite": rng.chance(0.05),
            "ThresholdID": maybe(rng, 0.8, threshold),
            "MonitoredAgentID": id,
            "Created": created_s,
            "Modified": modified_s,
            "Online": online,
            "LastSeen": last_seen_v,
        });
        // Two halves: one `json!` this big overflows the macro recursion limit.
        let hardware = json!({
            "ReportedFromIP": format!("203.0.113.{}", rng.between(1, 254)),
            "AppViewUrl": format!("https://app.atera.com/Admin#/rmm/device/{device_guid}/agent"),
            "Motherboard": board,
            "Processor": cpu,
            "Memory": memory,
            "Display": if kind == Kind::Workstation || kind == Kind::Laptop { Value::from("Intel(R) UHD Graphics") } else { Value::Null },
            "Sound": if kind == Kind::Workstation || kind == Kind::Laptop { maybe(rng, 0.8, "Realtek High Definition Audio") } else { Value::Null },
            "ProcessorCoresCount": cores,
            "SystemDrive": if mac { "/" } else { "C:" },
            "ProcessorClock": clock,
            "Vendor": vendor,
            "VendorSerialNumber": serial,
            "VendorBrandModel": model,
            "ProductName": model,
            "BiosManufacturer": vendor,
            "BiosVersion": bios,
            "BiosReleaseDate": bios_date_s,
            "MacAddresses": [mac_address],
            "IpAddresses": [format!("10.{}.{}.{}", ci % 250, subnet, k % 250 + 10), format!("fe80::{:x}:{:x}", rng.below(0xffff), rng.below(0xffff))],
            "HardwareDisks": disks,
            "BatteryInfo": battery,
            "OS": os,
            "OSType": os_type,
            "WindowsSerialNumber": if mac { Value::Null } else { Value::from(format!("00330-{:05}-{:05}-AA{:03}", rng.below(100_000), rng.below(100_000), rng.below(1000))) },
            "Office": if has_office { Value::from("Microsoft 365 Apps for business") } else { Value::Null },
            "OfficeSP": Value::Null,
            "OfficeOEM": if has_office { Value::from(false) } else { Value::Null },
            "OfficeSerialNumber": Value::Null,
            "OSNum": os_num,
            "LastRebootTime": reboot_v,
            "OSVersion": os_version,
            "OSBuild": os_build,
            "OfficeFullVersion": if has_office { Value::from("16.0.17328.20184") } else { Value::Null },
            "LastLoginUser": if kind == Kind::DomainController || kind == Kind::FileServer { Value::from("administrator") } else { maybe(rng, 0.9, user) },
            "DeviceType": device_type,
        });
        let mut v = v;
        if let (Value::Object(map), Value::Object(rest)) = (&mut v, hardware) {
            map.extend(rest);
        }
        out.push(v);
    }
    out
}

struct AlertKind {
    source: &'static str,
    title: &'static str,
    category: &'static str,
    code: i64,
    message: &'static str,
    severities: &'static [&'static str],
}

#[rustfmt::skip]
const ALERT_KINDS: &[AlertKind] = &[
    AlertKind { source: "Disk Usage", title: "Disk C: free space below 10%", category: "Disk", code: 1503, message: "Free space on C: is {n} GB", severities: &["Warning", "Critical"] },
    AlertKind { source: "Machine Status", title: "Machine is offline", category: "Availability", code: 1001, message: "The agent has not reported for {n} minutes", severities: &["Critical", "Warning"] },
    AlertKind { source: "CPU", title: "CPU utilization above 90%", category: "Performance", code: 2001, message: "CPU usage was above 90% for {n} minutes", severities: &["Warning"] },
    AlertKind { source: "Memory", title: "Memory usage above 95%", category: "Performance", code: 2002, message: "Available memory is {n} MB", severities: &["Warning", "Information"] },
    AlertKind { source: "Hardware", title: "Hard disk failure predicted (S.M.A.R.T.)", category: "Hardware", code: 3001, message: "Disk 0 reported {n} reallocated sectors", severities: &["Critical"] },
    AlertKind { source: "Event Log", title: "Service 'Print Spooler' stopped", category: "General", code: 4001, message: "The Print Spooler service terminated unexpectedly. It has done this {n} time(s).", severities: &["Warning", "Information"] },
    AlertKind { source: "Patch Management", title: "Pending reboot for Windows updates", category: "General", code: 4102, message: "{n} updates are waiting for a reboot", severities: &["Information"] },
    AlertKind { source: "Exchange", title: "Exchange mail queue above 100", category: "Exchange", code: 5001, message: "The submission queue holds {n} messages", severities: &["Warning", "Critical"] },
    AlertKind { source: "Backup", title: "Backup job failed", category: "General", code: 6001, message: "Nightly backup failed with error 0x800{n}", severities: &["Critical"] },
];

fn gen_alerts(rng: &mut Rng, agents: &[Value], n: usize) -> Vec<Value> {
    let now = data_now();
    let mut id: i64 = 9_000 + rng.between(0, 900);
    let mut out: Vec<Value> = Vec::with_capacity(n);
    for _ in 0..n {
        if agents.is_empty() {
            break;
        }
        let agent = rng.pick(agents);
        let kind = rng.pick(ALERT_KINDS);
        id += if rng.chance(0.3) {
            rng.between(2, 40)
        } else {
            1
        };
        let created = now - secs(rng, 600, 30 * 86_400);
        let archived = rng.chance(0.35);
        let archived_at = (created + secs(rng, 300, 3 * 86_400)).min(now);
        let created_s = ts(rng, created);
        let archived_s = ts(rng, archived_at);
        let ticket = rng.between(5_000, 5_999);
        let cycles = rng.between(1, 12);
        let field = |name: &str| agent.get(name).cloned().unwrap_or(Value::Null);
        let v = json!({
            "AlertID": id,
            "Code": kind.code,
            "Source": kind.source,
            "Title": kind.title,
            "Severity": *rng.pick(kind.severities),
            "Created": created_s,
            "SnoozedEndDate": Value::Null,
            "DeviceGuid": field("DeviceGuid"),
            "AgentId": field("AgentID"),
            "AdditionalInfo": maybe(rng, 0.2, "Threshold profile: Default"),
            "Archived": archived,
            "AlertCategoryID": kind.category,
            "ArchivedDate": if archived { Value::from(archived_s) } else { Value::Null },
            "TicketID": maybe(rng, 0.15, ticket),
            "AlertMessage": kind.message.replace("{n}", &rng.between(2, 99).to_string()),
            "DeviceName": field("MachineName"),
            "CustomerID": field("CustomerID"),
            "CustomerName": field("CustomerName"),
            "FolderID": field("FolderID"),
            "PollingCyclesCount": maybe(rng, 0.8, cycles),
            "DeviceType": "Agent",
        });
        out.push(v);
    }
    // Both states must exist so a sync that forgets one of them fails.
    if out.len() >= 2 {
        if out.iter().all(is_archived) {
            if let Some(first) = out.first_mut() {
                set(first, "Archived", Value::from(false));
                set(first, "ArchivedDate", Value::Null);
            }
        } else if !out.iter().any(is_archived)
            && let Some(last) = out.last_mut()
        {
            let at = (now - Duration::minutes(5))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            set(last, "Archived", Value::from(true));
            set(last, "ArchivedDate", Value::from(at));
        }
    }
    out
}

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

struct State {
    data: AteraData,
    resolved: Vec<i64>,
    null_links: bool,
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake Atera (a wiremock [`MockServer`] plus the data it serves).
/// Every request needs `X-API-KEY: `[`ATERA_API_KEY`] or
/// `Authorization: Bearer `[`ATERA_JWT_KEY`]; anything else gets a 401 with an
/// empty body. See the [module docs](self) for the endpoints.
pub struct AteraFake {
    server: MockServer,
    state: Shared,
    latency: crate::fake::Latency,
}

impl std::fmt::Debug for AteraFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AteraFake")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl AteraFake {
    /// A fake serving [`AteraData::small`].
    pub async fn start() -> Self {
        Self::with_data(AteraData::small()).await
    }

    /// A fake serving `data`.
    pub async fn with_data(data: AteraData) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            data,
            resolved: Vec::new(),
            null_links: false,
        }));
        let latency = crate::fake::Latency::default();
        Mock::given(AteraRoutes)
            .respond_with(crate::fake::Delayed {
                inner: AteraApi {
                    state: Arc::clone(&state),
                    origin: server.uri(),
                    trace: AtomicU64::new(1),
                },
                latency: latency.clone(),
            })
            .named("vectis-testkit Atera v3")
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        Self {
            server,
            state,
            latency,
        }
    }

    /// The origin, `http://127.0.0.1:PORT`; the API root is this plus
    /// [`API_ROOT`] (`/api/v3`), like `https://app.atera.com`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every later answer waits `d` first (the network's round trip, for
    /// runs that measure what latency costs); zero by default.
    pub fn set_latency(&self, d: std::time::Duration) {
        self.latency.set(d);
    }

    /// The underlying server, for mounting extra mocks: a mock mounted with
    /// `with_priority(1..=4)` (1 is the highest; the fake uses the default,
    /// 5), e.g. by [`mount_sequence`](crate::fake::mount_sequence), answers
    /// before the fake.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// Every request received so far, in order.
    pub async fn received(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// The ids of alerts resolved with `PUT /alerts/{id}` so far, in order
    /// (an alert resolved twice is listed twice).
    pub fn resolved_alert_ids(&self) -> Vec<i64> {
        lock(&self.state).resolved.clone()
    }

    /// Whether absent links (`nextLink` on the last page, `prevLink` on the
    /// first) are `null` instead of `""`. Default `false`: `""`, what Atera
    /// sends and PSAtera relies on.
    pub fn set_null_next_link_at_end(&self, yes: bool) {
        lock(&self.state).null_links = yes;
    }

    /// A snapshot of the data as it is now (resolved alerts archived).
    pub fn data(&self) -> AteraData {
        lock(&self.state).data.clone()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Route {
    Account,
    Customers,
    Customer(String),
    Agents,
    AgentsOfCustomer(String),
    Agent(String),
    Alerts,
    Alert(String),
    ResolveAlert(String),
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let rest = strip_prefix_ignore_case(path, API_ROOT)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let rest = rest.strip_prefix('/')?;
    let segs: Vec<&str> = rest.split('/').collect();
    let lit = |i: usize, s: &str| segs.get(i).is_some_and(|x| x.eq_ignore_ascii_case(s));
    let arg = |i: usize| segs.get(i).map(|s| (*s).to_string());
    let get = method == Method::GET;
    match segs.len() {
        1 if get && lit(0, "account") => Some(Route::Account),
        1 if get && lit(0, "customers") => Some(Route::Customers),
        1 if get && lit(0, "agents") => Some(Route::Agents),
        1 if get && lit(0, "alerts") => Some(Route::Alerts),
        2 if get && lit(0, "customers") => arg(1).map(Route::Customer),
        2 if get && lit(0, "agents") => arg(1).map(Route::Agent),
        2 if get && lit(0, "alerts") => arg(1).map(Route::Alert),
        2 if method == Method::PUT && lit(0, "alerts") => arg(1).map(Route::ResolveAlert),
        3 if get && lit(0, "agents") && lit(1, "customer") => arg(2).map(Route::AgentsOfCustomer),
        _ => None,
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// Matches exactly the requests the fake serves, so everything else falls
/// through to the catch-all.
struct AteraRoutes;

impl Match for AteraRoutes {
    fn matches(&self, request: &Request) -> bool {
        route(&request.method, request.url.path()).is_some()
    }
}

struct AteraApi {
    state: Shared,
    origin: String,
    trace: AtomicU64,
}

/// `*DtoPagedResult`, in the spec's property order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PagedResult {
    items: Vec<Value>,
    page: i32,
    items_in_page: i32,
    total_item_count: i32,
    total_pages: i32,
    prev_link: Option<String>,
    next_link: Option<String>,
}

fn authorized(request: &Request) -> bool {
    let header = |name: &str| {
        request
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::trim)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let key_ok = header("x-api-key").iter().any(|k| k == ATERA_API_KEY);
    let bearer_ok = header("authorization").iter().any(|v| {
        let mut parts = v.splitn(2, ' ');
        let scheme = parts.next().unwrap_or("");
        let token = parts.next().unwrap_or("").trim();
        scheme.eq_ignore_ascii_case("bearer") && token == ATERA_JWT_KEY
    });
    key_ok || bearer_ok
}

fn json_response(status: u16, body: &impl Serialize) -> ResponseTemplate {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            ResponseTemplate::new(status).set_body_raw(bytes, "application/json; charset=utf-8")
        }
        Err(_) => ResponseTemplate::new(500),
    }
}

/// Query parameters, looked up by name case-insensitively (ASP.NET binding).
struct Query(Vec<(String, String)>);

impl Query {
    fn of(request: &Request) -> Self {
        Self(
            request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first non-empty value of `name` (ASP.NET binds `?page=` as absent).
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

impl AteraApi {
    fn trace_id(&self) -> String {
        let n = self.trace.fetch_add(1, Ordering::SeqCst);
        let mut rng = Rng::new(n);
        format!(
            "00-{:016x}{:016x}-{:016x}-00",
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64()
        )
    }

    /// ASP.NET Core `ProblemDetails` with `traceId`.
    fn problem(&self, status: u16, title: &str, extra: Value) -> ResponseTemplate {
        let section = match status {
            400 => "15.5.1",
            404 => "15.5.5",
            409 => "15.5.10",
            _ => "15.6.1",
        };
        let mut body = Map::new();
        body.insert(
            "type".into(),
            Value::from(format!(
                "https://tools.ietf.org/html/rfc9110#section-{section}"
            )),
        );
        body.insert("title".into(), Value::from(title));
        body.insert("status".into(), Value::from(status));
        if let Value::Object(extra) = extra {
            body.extend(extra);
        }
        body.insert("traceId".into(), Value::from(self.trace_id()));
        match serde_json::to_vec(&body) {
            Ok(bytes) => {
                ResponseTemplate::new(status).set_body_raw(bytes, "application/problem+json")
            }
            Err(_) => ResponseTemplate::new(500),
        }
    }

    fn not_found(&self) -> ResponseTemplate {
        self.problem(404, "Not Found", Value::Null)
    }

    fn bad_request(&self, detail: &str) -> ResponseTemplate {
        self.problem(400, "Bad Request", json!({ "detail": detail }))
    }

    /// What ASP.NET's model binding answers for a value it cannot convert.
    fn invalid_value(&self, name: &str, value: &str) -> ResponseTemplate {
        self.problem(
            400,
            "One or more validation errors occurred.",
            json!({ "errors": { name: [format!("The value '{value}' is not valid.")] } }),
        )
    }

    fn int_param(&self, q: &Query, name: &str) -> Result<Option<i32>, Box<ResponseTemplate>> {
        match q.get(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i32>()
                .map(Some)
                .map_err(|_| Box::new(self.invalid_value(name, v))),
        }
    }

    fn id(&self, raw: &str, name: &str) -> Result<i64, Box<ResponseTemplate>> {
        raw.parse::<i64>()
            .map_err(|_| Box::new(self.invalid_value(name, raw)))
    }

    /// Absolute URL of `page`: this server's origin, the request's path and
    /// query with only `page` changed (added if the request had none).
    fn link(&self, request: &Request, page: i64) -> String {
        let q = Query::of(request);
        let mut pairs = q.0;
        let mut found = false;
        for (k, v) in &mut pairs {
            if k.eq_ignore_ascii_case("page") {
                *v = page.to_string();
                found = true;
            }
        }
        if !found {
            pairs.push(("page".to_string(), page.to_string()));
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        format!("{}{}?{query}", self.origin, request.url.path())
    }

    fn paged(
        &self,
        request: &Request,
        q: &Query,
        items: &[&Value],
        null_links: bool,
    ) -> ResponseTemplate {
        let page = match self.int_param(q, "page") {
            Ok(p) => p.unwrap_or(1),
            Err(e) => return *e,
        };
        let size = match self.int_param(q, "itemsInPage") {
            Ok(s) => s.unwrap_or(DEFAULT_ITEMS_IN_PAGE),
            Err(e) => return *e,
        };
        if page < 1 {
            return self.bad_request("page must be 1 or more.");
        }
        if size < 1 {
            return self.bad_request(&format!(
                "itemsInPage must be between 1 and {MAX_ITEMS_IN_PAGE}."
            ));
        }
        let size = size.min(MAX_ITEMS_IN_PAGE);
        let total = items.len();
        let size_u = size as usize;
        let total_pages = total.div_ceil(size_u);
        let start = (page as usize - 1).saturating_mul(size_u);
        let page_items: Vec<Value> = items
            .iter()
            .skip(start)
            .take(size_u)
            .map(|v| (*v).clone())
            .collect();
        let absent = if null_links {
            None
        } else {
            Some(String::new())
        };
        let page_i = i64::from(page);
        let next_link = if (page as usize) < total_pages {
            Some(self.link(request, page_i + 1))
        } else {
            absent.clone()
        };
        let prev_link = if page > 1 {
            Some(self.link(request, page_i - 1))
        } else {
            absent
        };
        json_response(
            200,
            &PagedResult {
                items: page_items,
                page,
                items_in_page: size,
                total_item_count: i32::try_from(total).unwrap_or(i32::MAX),
                total_pages: i32::try_from(total_pages).unwrap_or(i32::MAX),
                prev_link,
                next_link,
            },
        )
    }

    fn customers(&self, request: &Request, st: &State) -> ResponseTemplate {
        let q = Query::of(request);
        let since = match q.get("FromLastModifiedDate") {
            None => None,
            Some(raw) => {
                let parsed = if raw.len() == 10 {
                    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                } else {
                    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok()
                };
                match parsed {
                    Some(t) => Some(t),
                    None => {
                        return self.bad_request(&format!(
                            "Invalid FromLastModifiedDate '{raw}'. Use yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss (no time zone offset)."
                        ));
                    }
                }
            }
        };
        let by_modified = match q.get("SortBy") {
            None => false,
            Some(s) if s.eq_ignore_ascii_case("Creation") => false,
            Some(s) if s.eq_ignore_ascii_case("LastModified") => true,
            Some(s) => return self.invalid_value("SortBy", s),
        };
        let modified = |c: &Value| {
            c.get("LastModified")
                .and_then(Value::as_str)
                .and_then(parse_timestamp)
        };
        let mut items: Vec<&Value> = st
            .data
            .customers
            .iter()
            .filter(|c| match since {
                None => true,
                Some(t) => modified(c).is_some_and(|m| m >= t),
            })
            .collect();
        if by_modified {
            items.sort_by_key(|c| (modified(c), id_of(c, "CustomerID")));
        }
        self.paged(request, &q, &items, st.null_links)
    }

    fn alerts(&self, request: &Request, st: &State) -> ResponseTemplate {
        let q = Query::of(request);
        let filter: fn(&Value) -> bool = match q.get("alertStatus") {
            None => |_| true,
            Some(s) if s.eq_ignore_ascii_case("Open") || s == "0" => |a| !is_archived(a),
            Some(s) if s.eq_ignore_ascii_case("Resolved") || s == "1" => is_archived,
            // The fake never snoozes alerts.
            Some(s) if s.eq_ignore_ascii_case("Snoozed") || s == "2" => |_| false,
            Some(s) => return self.invalid_value("alertStatus", s),
        };
        let items: Vec<&Value> = st.data.alerts.iter().filter(|a| filter(a)).collect();
        self.paged(request, &q, &items, st.null_links)
    }

    fn one(&self, items: &[Value], key: &str, raw: &str, name: &str) -> ResponseTemplate {
        let id = match self.id(raw, name) {
            Ok(id) => id,
            Err(e) => return *e,
        };
        match items.iter().find(|v| id_of(v, key) == Some(id)) {
            Some(v) => json_response(200, v),
            None => self.not_found(),
        }
    }

    fn resolve(&self, raw: &str, st: &mut State) -> ResponseTemplate {
        let id = match self.id(raw, "alertId") {
            Ok(id) => id,
            Err(e) => return *e,
        };
        let Some(alert) = st
            .data
            .alerts
            .iter_mut()
            .find(|a| id_of(a, "AlertID") == Some(id))
        else {
            return self.not_found();
        };
        if !is_archived(alert) {
            let now = Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            set(alert, "Archived", Value::from(true));
            set(alert, "ArchivedDate", Value::from(now));
        }
        st.resolved.push(id);
        ResponseTemplate::new(204)
    }
}

impl Respond for AteraApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !authorized(request) {
            // Atera: empty body, `Content-Length: 0`, no `WWW-Authenticate`.
            return ResponseTemplate::new(401);
        }
        let Some(route) = route(&request.method, request.url.path()) else {
            return ResponseTemplate::new(crate::fake::UNEXPECTED_STATUS);
        };
        let mut st = lock(&self.state);
        let q = Query::of(request);
        match route {
            Route::Account => json_response(200, &st.data.account),
            Route::Customers => self.customers(request, &st),
            Route::Customer(raw) => self.one(&st.data.customers, "CustomerID", &raw, "customerId"),
            Route::Agents => {
                let items: Vec<&Value> = st.data.agents.iter().collect();
                self.paged(request, &q, &items, st.null_links)
            }
            Route::AgentsOfCustomer(raw) => {
                let id = match self.id(&raw, "customerId") {
                    Ok(id) => id,
                    Err(e) => return *e,
                };
                let items: Vec<&Value> = st
                    .data
                    .agents
                    .iter()
                    .filter(|a| id_of(a, "CustomerID") == Some(id))
                    .collect();
                self.paged(request, &q, &items, st.null_links)
            }
            Route::Agent(raw) => self.one(&st.data.agents, "AgentID", &raw, "agentId"),
            Route::Alerts => self.alerts(request, &st),
            Route::Alert(raw) => self.one(&st.data.alerts, "AlertID", &raw, "alertId"),
            Route::ResolveAlert(raw) => self.resolve(&raw, &mut st),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashSet};

    enum Auth {
        Key,
        Jwt,
        None,
        Header(&'static str, String),
    }

    struct Reply {
        status: u16,
        headers: reqwest::header::HeaderMap,
        text: String,
    }

    impl Reply {
        fn json(&self) -> Value {
            serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
        }
    }

    async fn send(method: reqwest::Method, url: &str, auth: Auth) -> Reply {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let req = client.request(method, url);
        let req = match auth {
            Auth::Key => req.header("X-API-KEY", ATERA_API_KEY),
            Auth::Jwt => req.bearer_auth(ATERA_JWT_KEY),
            Auth::None => req,
            Auth::Header(k, v) => req.header(k, v),
        };
        let resp = req.send().await.unwrap();
        Reply {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            text: resp.text().await.unwrap(),
        }
    }

    async fn get(fake: &AteraFake, path_and_query: &str) -> Reply {
        send(
            reqwest::Method::GET,
            &format!("{}{path_and_query}", fake.uri()),
            Auth::Key,
        )
        .await
    }

    fn ids(page: &Value, key: &str) -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v[key].as_i64().unwrap())
            .collect()
    }

    fn assert_problem(r: &Reply, status: u16) -> Value {
        assert_eq!(r.status, status, "{}", r.text);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        let p = r.json();
        assert_eq!(p["status"], status);
        assert!(
            p["type"]
                .as_str()
                .unwrap()
                .starts_with("https://tools.ietf.org/html/rfc9110#section-15.")
        );
        assert!(p["title"].is_string());
        assert!(p["traceId"].as_str().unwrap().starts_with("00-"));
        p
    }

    #[test]
    fn keys_have_the_right_shape() {
        assert_eq!(ATERA_API_KEY.len(), 32);
        assert!(ATERA_API_KEY.chars().all(|c| c.is_ascii_hexdigit()));
        let parts: Vec<&str> = ATERA_JWT_KEY.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert!(ATERA_JWT_KEY.len() > 100);
        assert!(parts.iter().all(|p| {
            p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }));
    }

    #[tokio::test]
    async fn auth_both_ways_and_empty_401() {
        let fake = AteraFake::start().await;
        let url = format!("{}/api/v3/account", fake.uri());
        for auth in [
            Auth::Key,
            Auth::Jwt,
            // Lower-case scheme is fine, as in ASP.NET.
            Auth::Header("authorization", format!("bearer {ATERA_JWT_KEY}")),
        ] {
            let r = send(reqwest::Method::GET, &url, auth).await;
            assert_eq!(r.status, 200);
            let a = r.json();
            assert_eq!(a["AccountID"], "118734");
            assert!(a["CompanyName"].is_string());
            assert_eq!(a["IsITDepartment"], false);
            assert!(
                r.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json")
            );
        }
        for auth in [
            Auth::None,
            Auth::Header("X-API-KEY", "0123456789abcdef0123456789abcdef".into()),
            Auth::Header("X-API-KEY", ATERA_JWT_KEY.into()),
            Auth::Header("X-API-KEY", String::new()),
            Auth::Header("Authorization", format!("Bearer {ATERA_API_KEY}")),
            Auth::Header("Authorization", "Bearer".into()),
            Auth::Header("Authorization", format!("Basic {ATERA_JWT_KEY}")),
        ] {
            let r = send(reqwest::Method::GET, &url, auth).await;
            assert_eq!(r.status, 401);
            assert_eq!(r.text, "");
            assert_eq!(
                r.headers.get("content-length").map(|v| v.to_str().unwrap()),
                Some("0")
            );
            assert!(r.headers.get("www-authenticate").is_none());
        }
        // A resolve without credentials changes nothing.
        let open = fake.data().open_alerts()[0]["AlertID"].as_i64().unwrap();
        let r = send(
            reqwest::Method::PUT,
            &format!("{}/api/v3/alerts/{open}", fake.uri()),
            Auth::None,
        )
        .await;
        assert_eq!(r.status, 401);
        assert!(fake.resolved_alert_ids().is_empty());
    }

    #[tokio::test]
    async fn customers_page_across_three_pages_following_next_link() {
        let data = AteraData::generate(45, 60, 30, 3);
        let expected: Vec<i64> = data
            .customers
            .iter()
            .map(|c| c["CustomerID"].as_i64().unwrap())
            .collect();
        let fake = AteraFake::with_data(data).await;

        let first = get(&fake, "/api/v3/customers?page=1&itemsInPage=20").await;
        assert_eq!(first.status, 200);
        let mut page = first.json();
        let keys: BTreeSet<&str> = page
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "items",
                "page",
                "itemsInPage",
                "totalItemCount",
                "totalPages",
                "prevLink",
                "nextLink"
            ])
        );
        assert_eq!(page["totalItemCount"], 45);
        assert_eq!(page["totalPages"], 3);
        assert_eq!(page["prevLink"], "");
        // Envelope keys come in the spec's order.
        assert!(first.text.starts_with("{\"items\":["));
        assert!(first.text.find("\"page\"").unwrap() < first.text.find("\"nextLink\"").unwrap());

        let mut seen = ids(&page, "CustomerID");
        let mut pages = 1;
        loop {
            let next = page["nextLink"].as_str().unwrap().to_string();
            if next.is_empty() {
                break;
            }
            assert!(
                next.starts_with(&format!("{}/api/v3/customers?", fake.uri())),
                "{next}"
            );
            assert!(
                next.contains(&format!("page={}", pages + 1)) && next.contains("itemsInPage=20"),
                "{next}"
            );
            let r = send(reqwest::Method::GET, &next, Auth::Key).await;
            assert_eq!(r.status, 200);
            page = r.json();
            pages += 1;
            assert_eq!(page["page"], pages);
            let prev = page["prevLink"].as_str().unwrap();
            assert!(
                prev.starts_with(&fake.uri()) && prev.contains(&format!("page={}", pages - 1)),
                "{prev}"
            );
            seen.extend(ids(&page, "CustomerID"));
        }
        assert_eq!(pages, 3);
        assert_eq!(page["items"].as_array().unwrap().len(), 5);
        assert_eq!(page["nextLink"], "");
        assert_eq!(seen, expected);

        // Switch to null links at the ends.
        fake.set_null_next_link_at_end(true);
        let last = get(&fake, "/api/v3/customers?page=3&itemsInPage=20")
            .await
            .json();
        assert!(last["nextLink"].is_null());
        let first = get(&fake, "/api/v3/customers?itemsInPage=20").await.json();
        assert!(first["prevLink"].is_null());
        // No `page` in the request: the link adds one.
        assert_eq!(
            first["nextLink"],
            format!("{}/api/v3/customers?itemsInPage=20&page=2", fake.uri())
        );
    }

    #[tokio::test]
    async fn items_in_page_default_clamp_and_errors() {
        let fake = AteraFake::with_data(AteraData::generate(5, 120, 0, 4)).await;
        let p = get(&fake, "/api/v3/agents").await.json();
        assert_eq!(p["itemsInPage"], 20);
        assert_eq!(p["page"], 1);
        assert_eq!(p["items"].as_array().unwrap().len(), 20);
        assert_eq!(p["totalPages"], 6);

        let p = get(&fake, "/api/v3/agents?itemsInPage=500").await.json();
        assert_eq!(p["itemsInPage"], 50);
        assert_eq!(p["items"].as_array().unwrap().len(), 50);
        assert_eq!(p["totalPages"], 3);
        assert_eq!(p["totalItemCount"], 120);

        // Query names bind case-insensitively, as in ASP.NET.
        let p = get(&fake, "/api/v3/agents?Page=2&ItemsInPage=50")
            .await
            .json();
        assert_eq!(p["page"], 2);
        assert!(
            p["nextLink"]
                .as_str()
                .unwrap()
                .ends_with("?Page=3&ItemsInPage=50")
        );

        for bad in ["itemsInPage=0", "itemsInPage=-5", "page=0"] {
            let r = get(&fake, &format!("/api/v3/agents?{bad}")).await;
            let p = assert_problem(&r, 400);
            assert_eq!(p["title"], "Bad Request");
        }
        let r = get(&fake, "/api/v3/agents?page=two").await;
        let p = assert_problem(&r, 400);
        assert!(p["errors"]["page"].is_array());

        let r = get(&fake, "/api/v3/agents?page=99&itemsInPage=50").await;
        assert_eq!(r.status, 200);
        let p = r.json();
        assert_eq!(p["items"], json!([]));
        assert_eq!(p["nextLink"], "");
        assert_eq!(p["totalItemCount"], 120);
    }

    #[tokio::test]
    async fn agents_of_a_customer() {
        let data = AteraData::generate(4, 30, 0, 5);
        let fake = AteraFake::with_data(data.clone()).await;
        let mut all = Vec::new();
        for c in &data.customers {
            let cid = c["CustomerID"].as_i64().unwrap();
            let p = get(
                &fake,
                &format!("/api/v3/agents/customer/{cid}?itemsInPage=50"),
            )
            .await
            .json();
            let items = p["items"].as_array().unwrap();
            assert!(!items.is_empty());
            assert!(
                items
                    .iter()
                    .all(|a| a["CustomerID"] == cid && a["CustomerName"] == c["CustomerName"])
            );
            all.extend(ids(&p, "AgentID"));
        }
        all.sort_unstable();
        let expected: Vec<i64> = data
            .agents
            .iter()
            .map(|a| a["AgentID"].as_i64().unwrap())
            .collect();
        assert_eq!(all, expected);
        let p = get(&fake, "/api/v3/agents/customer/1").await.json();
        assert_eq!(p["items"], json!([]));
        assert_eq!(p["totalPages"], 0);
        let one = get(&fake, &format!("/api/v3/agents/{}", expected[3]))
            .await
            .json();
        assert_eq!(one["AgentID"], expected[3]);
        assert_problem(&get(&fake, "/api/v3/agents/1").await, 404);
    }

    #[tokio::test]
    async fn alert_status_filtering_keeps_the_filter_in_links() {
        let data = AteraData::generate(5, 20, 25, 6);
        let open: Vec<i64> = data
            .open_alerts()
            .iter()
            .map(|a| a["AlertID"].as_i64().unwrap())
            .collect();
        let resolved: Vec<i64> = data
            .resolved_alerts()
            .iter()
            .map(|a| a["AlertID"].as_i64().unwrap())
            .collect();
        assert!(
            open.len() >= 5 && resolved.len() >= 3,
            "{open:?} {resolved:?}"
        );
        let fake = AteraFake::with_data(data).await;

        for (status, expected, archived) in [("Open", &open, false), ("Resolved", &resolved, true)]
        {
            let mut url = format!(
                "{}/api/v3/alerts?alertStatus={status}&page=1&itemsInPage=2",
                fake.uri()
            );
            let mut seen = Vec::new();
            loop {
                let p = send(reqwest::Method::GET, &url, Auth::Key).await.json();
                assert!(
                    p["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|a| a["Archived"] == archived)
                );
                seen.extend(ids(&p, "AlertID"));
                let next = p["nextLink"].as_str().unwrap();
                if next.is_empty() {
                    break;
                }
                assert!(next.contains(&format!("alertStatus={status}")), "{next}");
                url = next.to_string();
            }
            assert_eq!(&seen, expected);
        }
        let p = get(&fake, "/api/v3/alerts?alertStatus=Snoozed")
            .await
            .json();
        assert_eq!(p["items"], json!([]));
        assert_eq!(p["totalItemCount"], 0);
        let p = get(&fake, "/api/v3/alerts?itemsInPage=50").await.json();
        assert_eq!(p["totalItemCount"], 25);
        let p = get(&fake, "/api/v3/alerts?alertStatus=open").await.json();
        assert_eq!(p["totalItemCount"], open.len());
        assert_problem(
            &get(&fake, "/api/v3/alerts?alertStatus=Acknowledged").await,
            400,
        );
    }

    #[tokio::test]
    async fn resolve_archives_the_alert() {
        let fake = AteraFake::start().await;
        let data = fake.data();
        let id = data.open_alerts()[0]["AlertID"].as_i64().unwrap();
        let open_before = data.open_alerts().len();

        let r = send(
            reqwest::Method::PUT,
            &format!("{}/api/v3/alerts/{id}", fake.uri()),
            Auth::Jwt,
        )
        .await;
        assert_eq!(r.status, 204);
        assert_eq!(r.text, "");
        assert_eq!(fake.resolved_alert_ids(), vec![id]);

        let a = get(&fake, &format!("/api/v3/alerts/{id}")).await.json();
        assert_eq!(a["Archived"], true);
        let archived_date = a["ArchivedDate"].as_str().unwrap();
        assert!(parse_timestamp(archived_date).is_some(), "{archived_date}");

        let p = get(&fake, "/api/v3/alerts?alertStatus=Open&itemsInPage=50")
            .await
            .json();
        assert_eq!(p["totalItemCount"], open_before - 1);
        assert!(!ids(&p, "AlertID").contains(&id));
        let p = get(&fake, "/api/v3/alerts?alertStatus=Resolved&itemsInPage=50")
            .await
            .json();
        assert!(ids(&p, "AlertID").contains(&id));

        let r = send(
            reqwest::Method::PUT,
            &format!("{}/api/v3/alerts/424242", fake.uri()),
            Auth::Key,
        )
        .await;
        assert_problem(&r, 404);
        assert_eq!(fake.resolved_alert_ids(), vec![id]);
    }

    #[tokio::test]
    async fn not_found_is_problem_details() {
        let fake = AteraFake::start().await;
        for path in ["/api/v3/customers/999999", "/api/v3/alerts/1"] {
            let p = assert_problem(&get(&fake, path).await, 404);
            assert_eq!(
                p["type"],
                "https://tools.ietf.org/html/rfc9110#section-15.5.5"
            );
            assert_eq!(p["title"], "Not Found");
            let trace = p["traceId"].as_str().unwrap();
            assert_eq!(trace.len(), 55, "{trace}");
        }
        let c = fake.data().customers[1].clone();
        let got = get(&fake, &format!("/api/v3/customers/{}", c["CustomerID"]))
            .await
            .json();
        assert_eq!(got, c);
        let p = assert_problem(&get(&fake, "/api/v3/customers/abc").await, 400);
        assert_eq!(
            p["errors"]["customerId"][0],
            "The value 'abc' is not valid."
        );
    }

    #[tokio::test]
    async fn from_last_modified_date_filters_customers() {
        let data = AteraData::generate(40, 0, 0, 8);
        let mut modified: Vec<NaiveDateTime> = data
            .customers
            .iter()
            .map(|c| parse_timestamp(c["LastModified"].as_str().unwrap()).unwrap())
            .collect();
        modified.sort();
        let cut = modified[20];
        let fake = AteraFake::with_data(data).await;

        let q = cut.format("%Y-%m-%dT%H:%M:%S").to_string();
        let p = get(
            &fake,
            &format!("/api/v3/customers?FromLastModifiedDate={q}&itemsInPage=50"),
        )
        .await
        .json();
        let whole = chrono::Timelike::with_nanosecond(&cut, 0).unwrap();
        let expected = modified.iter().filter(|m| **m >= whole).count();
        assert_eq!(p["totalItemCount"], expected);

        let day = cut.format("%Y-%m-%d").to_string();
        let p = get(
            &fake,
            &format!("/api/v3/customers?fromLastModifiedDate={day}&itemsInPage=50"),
        )
        .await
        .json();
        let midnight = cut.date().and_hms_opt(0, 0, 0).unwrap();
        assert_eq!(
            p["totalItemCount"],
            modified.iter().filter(|m| **m >= midnight).count()
        );

        let p = get(
            &fake,
            "/api/v3/customers?SortBy=LastModified&itemsInPage=50",
        )
        .await
        .json();
        let got: Vec<NaiveDateTime> = p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| parse_timestamp(c["LastModified"].as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(got, modified);

        for bad in [
            "2025-01-01T08:30:00Z",
            "2025-01-01T08:30:00%2B02:00",
            "01/02/2025",
            "2025-13-01",
        ] {
            assert_problem(
                &get(
                    &fake,
                    &format!("/api/v3/customers?FromLastModifiedDate={bad}"),
                )
                .await,
                400,
            );
        }
    }

    #[tokio::test]
    async fn sequence_outranks_the_fake_then_falls_through() {
        let fake = AteraFake::start().await;
        crate::fake::mount_sequence(
            fake.server(),
            "GET",
            "/api/v3/customers",
            vec![
                crate::fake::too_many_requests(2),
                ResponseTemplate::new(503),
            ],
        )
        .await;
        let r = get(&fake, "/api/v3/customers?page=1").await;
        assert_eq!(r.status, 429);
        assert_eq!(r.headers["retry-after"], "2");
        assert_eq!(get(&fake, "/api/v3/customers?page=1").await.status, 503);
        let r = get(&fake, "/api/v3/customers?page=1").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["totalItemCount"], 3);
        assert_eq!(fake.received().await.len(), 3);
    }

    #[tokio::test]
    async fn anything_else_hits_the_catch_all() {
        let fake = AteraFake::start().await;
        for (method, path) in [
            (reqwest::Method::GET, "/api/v3/contacts"),
            (reqwest::Method::GET, "/api/v2/customers"),
            (reqwest::Method::POST, "/api/v3/alerts"),
            (reqwest::Method::DELETE, "/api/v3/alerts/1"),
            (reqwest::Method::GET, "/api/v3/tickets"),
            (reqwest::Method::GET, "/api/v3/agents/machine/ACME-DC01"),
        ] {
            let r = send(
                method.clone(),
                &format!("{}{path}?page=1", fake.uri()),
                Auth::Key,
            )
            .await;
            assert_eq!(r.status, 418, "{method} {path}");
            assert_eq!(
                r.text,
                format!("vectis-testkit: unexpected request: {method} {path}")
            );
        }
        // Routes are case-insensitive and tolerate a trailing slash, like ASP.NET.
        assert_eq!(get(&fake, "/API/V3/Customers/").await.status, 200);
    }

    #[rustfmt::skip]
    const CUSTOMER_FIELDS: &[&str] = &[
        "CustomerID", "CustomerName", "CreatedOn", "LastModified", "BusinessNumber", "Domain",
        "Address", "City", "State", "Country", "Phone", "Fax", "Notes", "Logo", "Links",
        "Longitude", "Latitude", "ZipCodeStr",
    ];
    #[rustfmt::skip]
    const AGENT_FIELDS: &[&str] = &[
        "MachineID", "AgentID", "DeviceGuid", "FolderID", "FolderName", "CustomerID",
        "CustomerName", "AgentName", "SystemName", "MachineName", "DomainName",
        "CurrentLoggedUsers", "ComputerDescription", "Monitored", "AgentVersion", "Favorite",
        "ThresholdID", "MonitoredAgentID", "Created", "Modified", "Online", "LastSeen",
        "ReportedFromIP", "AppViewUrl", "Motherboard", "Processor", "Memory", "Display", "Sound",
        "ProcessorCoresCount", "SystemDrive", "ProcessorClock", "Vendor", "VendorSerialNumber",
        "VendorBrandModel", "ProductName", "BiosManufacturer", "BiosVersion", "BiosReleaseDate",
        "MacAddresses", "IpAddresses", "HardwareDisks", "BatteryInfo", "OS", "OSType",
        "WindowsSerialNumber", "Office", "OfficeSP", "OfficeOEM", "OfficeSerialNumber", "OSNum",
        "LastRebootTime", "OSVersion", "OSBuild", "OfficeFullVersion", "LastLoginUser",
        "DeviceType",
    ];
    #[rustfmt::skip]
    const ALERT_FIELDS: &[&str] = &[
        "AlertID", "Code", "Source", "Title", "Severity", "Created", "SnoozedEndDate", "DeviceGuid",
        "AgentId", "AdditionalInfo", "Archived", "AlertCategoryID", "ArchivedDate", "TicketID",
        "AlertMessage", "DeviceName", "CustomerID", "CustomerName", "FolderID",
        "PollingCyclesCount", "DeviceType",
    ];
    #[rustfmt::skip]
    const ACCOUNT_FIELDS: &[&str] = &[
        "AccountID", "Country", "CompanyName", "CreatedOn", "State", "TimeZoneName", "City",
        "Address", "PostalCode", "Phone", "IsITDepartment", "Plan",
    ];

    fn keys(v: &Value) -> BTreeSet<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    fn field_set(fields: &[&'static str]) -> BTreeSet<&'static str> {
        fields.iter().copied().collect()
    }

    #[test]
    fn generated_data_follows_the_spec() {
        let d = AteraData::generate(30, 150, 80, 11);
        assert_eq!(
            (d.customers.len(), d.agents.len(), d.alerts.len()),
            (30, 150, 80)
        );
        assert_eq!(keys(&d.account), field_set(ACCOUNT_FIELDS));
        for c in &d.customers {
            assert_eq!(keys(c), field_set(CUSTOMER_FIELDS));
            assert!(c["CustomerID"].is_i64());
            assert!(
                parse_timestamp(c["CreatedOn"].as_str().unwrap())
                    <= parse_timestamp(c["LastModified"].as_str().unwrap())
            );
        }
        let customer_ids: HashSet<i64> = d
            .customers
            .iter()
            .map(|c| c["CustomerID"].as_i64().unwrap())
            .collect();
        assert_eq!(customer_ids.len(), 30);
        let mut by_guid = std::collections::HashMap::new();
        for a in &d.agents {
            assert_eq!(keys(a), field_set(AGENT_FIELDS));
            assert!(a["AgentID"].is_i64());
            assert!(a["Monitored"].is_boolean());
            assert!(a["CurrentLoggedUsers"].is_string() || a["CurrentLoggedUsers"].is_null());
            assert!(a["BatteryInfo"].is_object());
            assert!(customer_ids.contains(&a["CustomerID"].as_i64().unwrap()));
            let guid = a["DeviceGuid"].as_str().unwrap();
            assert_eq!(guid.len(), 36);
            assert_eq!(guid.matches('-').count(), 4);
            by_guid.insert(guid.to_string(), a);
        }
        assert_eq!(by_guid.len(), 150);
        // Every customer has at least one agent; names repeat across customers.
        let owners: HashSet<i64> = d
            .agents
            .iter()
            .map(|a| a["CustomerID"].as_i64().unwrap())
            .collect();
        assert_eq!(owners, customer_ids);
        let mut severities = BTreeSet::new();
        for al in &d.alerts {
            assert_eq!(keys(al), field_set(ALERT_FIELDS));
            let agent = by_guid[al["DeviceGuid"].as_str().unwrap()];
            assert_eq!(al["AgentId"], agent["AgentID"]);
            assert_eq!(al["CustomerID"], agent["CustomerID"]);
            assert_eq!(al["CustomerName"], agent["CustomerName"]);
            assert_eq!(al["DeviceName"], agent["MachineName"]);
            assert_eq!(al["ArchivedDate"].is_null(), al["Archived"] == false);
            severities.insert(al["Severity"].as_str().unwrap().to_string());
            assert!(
                [
                    "Hardware",
                    "Disk",
                    "Availability",
                    "Performance",
                    "Exchange",
                    "General"
                ]
                .contains(&al["AlertCategoryID"].as_str().unwrap())
            );
        }
        assert_eq!(
            severities,
            BTreeSet::from(["Critical", "Information", "Warning"].map(String::from))
        );
        // Ids ascend.
        for (list, key) in [
            (&d.customers, "CustomerID"),
            (&d.agents, "AgentID"),
            (&d.alerts, "AlertID"),
        ] {
            let ids: Vec<i64> = list.iter().map(|v| v[key].as_i64().unwrap()).collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "{key}");
        }
        // Timestamps with and without `Z`, all parseable; some nulls.
        let stamps: Vec<&str> = d
            .agents
            .iter()
            .flat_map(|a| ["Created", "Modified", "LastSeen"].map(|k| a[k].as_str()))
            .flatten()
            .collect();
        assert!(stamps.iter().any(|s| s.ends_with('Z')));
        assert!(stamps.iter().any(|s| !s.ends_with('Z')));
        assert!(
            stamps.iter().all(|s| parse_timestamp(s).is_some()),
            "{stamps:?}"
        );
        assert!(d.customers.iter().any(|c| c["Domain"].is_null()));
        assert!(d.agents.iter().any(|a| a["FolderID"].is_null()));
    }

    #[test]
    fn small_data_is_deterministic_and_has_open_and_resolved() {
        let a = AteraData::small();
        let b = AteraData::small();
        assert_eq!(a.customers, b.customers);
        assert_eq!(a.agents, b.agents);
        assert_eq!(a.alerts, b.alerts);
        assert_eq!(
            (a.customers.len(), a.agents.len(), a.alerts.len()),
            (3, 7, 5)
        );
        assert!(!a.open_alerts().is_empty() && !a.resolved_alerts().is_empty());
        assert_ne!(AteraData::generate(3, 7, 5, 2).agents, a.agents);
        let stamps: Vec<&str> = a
            .customers
            .iter()
            .flat_map(|c| {
                [
                    c["CreatedOn"].as_str().unwrap(),
                    c["LastModified"].as_str().unwrap(),
                ]
            })
            .chain(a.alerts.iter().map(|x| x["Created"].as_str().unwrap()))
            .collect();
        assert!(
            stamps.iter().any(|s| s.ends_with('Z')) && stamps.iter().any(|s| !s.ends_with('Z')),
            "{stamps:?}"
        );
        // Minimums: alerts need an agent, agents a customer.
        let d = AteraData::generate(0, 0, 2, 1);
        assert_eq!(
            (d.customers.len(), d.agents.len(), d.alerts.len()),
            (1, 1, 2)
        );
        let d = AteraData::generate(0, 0, 0, 1);
        assert!(d.customers.is_empty() && d.agents.is_empty() && d.alerts.is_empty());
    }
}
