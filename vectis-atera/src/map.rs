//! Atera records → the normalized model: one plain function per type.

use crate::raw::{AteraAgent, AteraAlert, AteraCustomer};
use vectis_core::{Alert, AlertStatus, Customer, Device, Severity, Vendor};

/// Atera's severities, by the word it sends (any case).
const SEVERITIES: &[(&str, Severity)] = &[
    ("critical", Severity::Critical),
    ("warning", Severity::Medium),
    ("information", Severity::Info),
    ("info", Severity::Info),
];

/// `CustomerDto` → [`Customer`]; `None` without a `CustomerID`.
pub fn customer(c: AteraCustomer, raw: serde_json::Value) -> Option<Customer> {
    let mut customer = Customer::new(
        Vendor::Atera,
        c.customer_id?.to_string(),
        c.customer_name.unwrap_or_default(),
    );
    customer.updated_at = c.last_modified;
    customer.raw = raw;
    Some(customer)
}

/// A device's id: its `DeviceGuid` (what alerts reference), or the `AgentID`
/// when Atera sends no GUID. Alerts use the same rule, so they always join.
fn device_key(guid: Option<&str>, agent_id: Option<i64>) -> Option<String> {
    match guid.map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => Some(g.to_ascii_lowercase()),
        None => agent_id.map(|id| id.to_string()),
    }
}

/// Whether an agent has a `DeviceGuid` or an `AgentID` to be known by.
pub fn has_device_key(a: &AteraAgent) -> bool {
    device_key(a.device_guid.as_deref(), a.agent_id).is_some()
}

/// `AgentDto` → [`Device`]; `None` when it has neither a `DeviceGuid` nor
/// an `AgentID` to be known by.
pub fn device(a: AteraAgent, raw: serde_json::Value) -> Option<Device> {
    let id = device_key(a.device_guid.as_deref(), a.agent_id)?;
    let mut device = Device::new(
        Vendor::Atera,
        id,
        a.machine_name.or(a.agent_name).unwrap_or_default(),
    );
    device.customer_id = a.customer_id.map(|c| c.to_string());
    device.set_agent_state(a.os, a.online, a.last_seen);
    device.raw = raw;
    Some(device)
}

/// Atera's severities: `Critical`, `Warning`, `Information`. Warning is
/// `medium`: Atera has no level between it and Critical. Anything new is
/// `medium` too, so it is neither hidden nor over-alarmed; the original
/// stays in `raw`.
pub fn severity(s: Option<&str>) -> Severity {
    Severity::from_word_or_medium(Vendor::Atera, "Severity", s, SEVERITIES)
}

/// `AlertDto` → [`Alert`]; `None` without an `AlertID`. `Archived` means
/// resolved.
pub fn alert(a: AteraAlert, raw: serde_json::Value) -> Option<Alert> {
    let resolved = a.archived.unwrap_or(false);
    let mut alert = Alert::new(
        Vendor::Atera,
        a.alert_id?.to_string(),
        severity(a.severity.as_deref()),
        AlertStatus::from_resolved(resolved),
        a.title.or(a.alert_message).unwrap_or_default(),
    );
    alert.customer_id = a.customer_id.map(|c| c.to_string());
    alert.device_id = device_key(a.device_guid.as_deref(), a.agent_id);
    alert.set_times(a.created, a.archived_date);
    alert.raw = raw;
    Some(alert)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vectis_core::OsFamily;

    fn de<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> T {
        serde_json::from_value(v.clone()).unwrap()
    }

    #[test]
    fn maps_a_customer() {
        let v = json!({"CustomerID": 42, "CustomerName": "Acme Ltd", "LastModified": "2026-04-30T17:05:10"});
        let c = customer(de(&v), v.clone()).unwrap();
        assert_eq!(c.id, "42");
        assert_eq!(c.name, "Acme Ltd");
        assert_eq!(
            c.updated_at.unwrap().to_rfc3339(),
            "2026-04-30T17:05:10+00:00"
        );
        assert_eq!(c.raw, v);
    }

    #[test]
    fn maps_an_agent_by_device_guid() {
        let v = json!({"AgentID": 1187, "DeviceGuid": "6F1C2E1A-9A55-4D0B-8D0E-3C7B1F2A9E10", "CustomerID": 42,
            "MachineName": "ACME-DC01", "OS": "Windows Server 2019 Standard", "Online": true,
            "LastSeen": "2026-05-01T12:00:00Z", "Monitored": true});
        let d = device(de(&v), v.clone()).unwrap();
        assert_eq!(d.id, "6f1c2e1a-9a55-4d0b-8d0e-3c7b1f2a9e10");
        assert_eq!(d.customer_id.as_deref(), Some("42"));
        assert_eq!(d.os_family, Some(OsFamily::Windows));
        assert_eq!(d.online, Some(true));
    }

    #[test]
    fn maps_alerts_severity_and_status() {
        let v = json!({"AlertID": 9001, "Title": "Disk C: below 5%", "Severity": "Critical", "Created": "2026-05-01T11:58:03Z",
            "DeviceGuid": "6f1c2e1a-9a55-4d0b-8d0e-3c7b1f2a9e10", "AgentId": 1187, "Archived": false, "CustomerID": 42});
        let a = alert(de(&v), v.clone()).unwrap();
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.status, AlertStatus::Open);
        assert_eq!(
            a.device_id.as_deref(),
            Some("6f1c2e1a-9a55-4d0b-8d0e-3c7b1f2a9e10")
        );
        let v = json!({"AlertID": 9002, "AlertMessage": "CPU high", "Severity": "Warning", "Archived": true,
            "ArchivedDate": "2026-05-02T00:00:00Z", "AgentId": 77});
        let a = alert(de(&v), v.clone()).unwrap();
        assert_eq!(a.severity, Severity::Medium);
        assert_eq!(a.status, AlertStatus::Resolved);
        assert_eq!(a.title, "CPU high");
        assert_eq!(a.device_id.as_deref(), Some("77"));
        assert!(a.resolved_at.is_some());
        assert_eq!(severity(Some("Information")), Severity::Info);
    }

    #[test]
    fn a_record_without_its_id_maps_to_none() {
        let v = json!({"CustomerID": null, "CustomerName": "Ghost"});
        assert!(customer(de(&v), v.clone()).is_none());
        let v = json!({"AgentID": null, "MachineName": "X"});
        assert!(device(de(&v), v.clone()).is_none());
        // A GUID alone still identifies an agent.
        let v = json!({"AgentID": null, "DeviceGuid": "6f1c2e1a-9a55-4d0b-8d0e-3c7b1f2a9e10"});
        assert!(device(de(&v), v.clone()).is_some());
        let v = json!({"AlertID": null, "Title": "t"});
        assert!(alert(de(&v), v.clone()).is_none());
    }
}
