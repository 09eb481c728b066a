//! Generated ConnectWise Manage data: companies, configurations and
//! tickets on every board, status and priority, as ConnectWise's JSON.

use std::collections::HashSet;

use chrono::Duration;
use serde_json::{Value, json};

use super::{ConnectWiseData, company, data_now, iso, reference, set};
use crate::fake::Rng;
use crate::names::{customer_names, device_name};

pub(super) const BOARDS: &[(i64, &str)] = &[(1, "Help Desk"), (2, "Alerts"), (3, "Projects")];
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
        // Configurations and tickets belong to a company: at least one.
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
}

fn identifier_for(name: &str, taken: &mut HashSet<String>) -> String {
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
    let mut taken = HashSet::new();
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

pub(super) fn company_ref(c: &Value, bare: bool) -> Value {
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
        let ci = rng.owner_of(i, companies.len());
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
