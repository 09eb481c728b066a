//! Generated Atera data: the account, customers and alerts (agents are in
//! [`agents`](super::agents)), with Atera's timestamp styles and nulls.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{is_archived, set};
use crate::fake::{Rng, data_now};

pub(super) fn account() -> Value {
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
pub(super) fn ts(rng: &mut Rng, t: DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S");
    match rng.below(10) {
        0..=3 => format!("{base}Z"),
        4 | 5 => format!("{base}.{:03}", t.timestamp_subsec_millis()),
        6 | 7 => base.to_string(),
        _ => format!("{base}.{:07}Z", t.timestamp_subsec_nanos() / 100),
    }
}

pub(super) fn maybe<T: Into<Value>>(rng: &mut Rng, p: f64, v: T) -> Value {
    if rng.chance(p) { v.into() } else { Value::Null }
}

pub(super) fn secs(rng: &mut Rng, lo: i64, hi: i64) -> Duration {
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

pub(super) fn customers(rng: &mut Rng, names: &[String]) -> Vec<Value> {
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

pub(super) fn alerts(rng: &mut Rng, agents: &[Value], n: usize) -> Vec<Value> {
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
