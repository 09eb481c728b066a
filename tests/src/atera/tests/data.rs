//! Generated data follows Atera's spec.

use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

use crate::atera::{AteraData, parse_timestamp};

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
