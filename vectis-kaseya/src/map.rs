//! VSA X records → the normalized model: one plain function per type.

use crate::raw::{Asset, DeviceItem, Notification, Organization};
use vectis_core::{Alert, AlertStatus, Customer, Device, Severity, Vendor};

/// VSA X's notification priorities, by the word it sends (any case).
const PRIORITIES: &[(&str, Severity)] = &[
    ("critical", Severity::Critical),
    ("elevated", Severity::High),
    ("high", Severity::High),
    ("normal", Severity::Medium),
    ("medium", Severity::Medium),
    ("low", Severity::Low),
];

/// `Organization` → [`Customer`].
pub fn organization(o: Organization, raw: serde_json::Value) -> Customer {
    let mut customer = Customer::new(Vendor::Kaseya, o.id.to_string(), o.name.unwrap_or_default());
    customer.raw = raw;
    customer
}

/// A device list item → [`Device`], with OS, online and last-seen from its
/// asset when one is given (enrichment on and the asset found).
pub fn device(d: DeviceItem, raw: serde_json::Value, asset: Option<&Asset>) -> Device {
    let os = asset
        .and_then(|a| a.description.clone())
        .filter(|s| !s.trim().is_empty());
    let mut device = Device::new(Vendor::Kaseya, d.identifier, d.name.unwrap_or_default());
    device.customer_id = d.organization_id.map(|id| id.to_string());
    device.set_agent_state(
        os,
        asset.and_then(|a| a.is_online),
        asset.and_then(|a| a.last_seen_online),
    );
    device.raw = raw;
    device
}

/// `critical` / `elevated` / `normal` / `low`, in any case → critical, high,
/// medium, low. Anything else is medium (the original stays in `raw`).
pub fn severity(p: Option<&str>) -> Severity {
    Severity::from_word_or_medium(Vendor::Kaseya, "Priority", p, PRIORITIES)
}

fn title(message: Option<&str>) -> String {
    let line = message
        .and_then(|m| m.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("VSA X notification");
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// A notification → [`Alert`]. VSA X has no acknowledge or close: every
/// notification that exists is open (a deleted one is gone). `device_id`
/// and `customer_id` come from the linking (`None` when linking is off or
/// the device is unknown).
pub fn notification(
    n: Notification,
    raw: serde_json::Value,
    device_id: Option<String>,
    customer_id: Option<String>,
) -> Alert {
    let mut alert = Alert::new(
        Vendor::Kaseya,
        n.id.to_string(),
        severity(n.priority.as_deref()),
        AlertStatus::Open,
        title(n.message.as_deref()),
    );
    alert.customer_id = customer_id;
    alert.device_id = device_id;
    alert.created_at = n.date_time;
    alert.raw = raw;
    alert
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vectis_core::OsFamily;

    #[test]
    fn priorities_map_in_any_case() {
        assert_eq!(severity(Some("critical")), Severity::Critical);
        assert_eq!(severity(Some("Elevated")), Severity::High);
        assert_eq!(severity(Some("NORMAL")), Severity::Medium);
        assert_eq!(severity(Some(" low ")), Severity::Low);
        assert_eq!(severity(Some("bogus")), Severity::Medium);
        assert_eq!(severity(None), Severity::Medium);
    }

    #[test]
    fn a_device_takes_os_online_and_last_seen_from_its_asset() {
        let raw = json!({"Identifier": "g-1", "Name": "ACME-DC01", "OrganizationId": 101});
        let d: DeviceItem = serde_json::from_value(raw.clone()).unwrap();
        let a: Asset = serde_json::from_value(json!({
            "Identifier": "g-1", "Description": "Windows Server 2019 Standard",
            "IsOnline": true, "LastSeenOnline": "2017-08-11T15:10:06Z"
        }))
        .unwrap();
        let dev = device(d, raw, Some(&a));
        assert_eq!(dev.customer_id.as_deref(), Some("101"));
        assert_eq!(dev.os_family, Some(OsFamily::Windows));
        assert_eq!(dev.online, Some(true));
        assert_eq!(
            dev.last_seen.unwrap().to_rfc3339(),
            "2017-08-11T15:10:06+00:00"
        );
    }

    #[test]
    fn notification_dates_parse_from_epoch_seconds_iso_and_empty() {
        for (v, want) in [
            (json!(1463473104), Some("2016-05-17T08:18:24+00:00")),
            (
                json!("2023-07-12T16:15:02Z"),
                Some("2023-07-12T16:15:02+00:00"),
            ),
            (
                json!("2023-07-12T16:15:02"),
                Some("2023-07-12T16:15:02+00:00"),
            ),
            (json!(""), None),
        ] {
            let raw = json!({"Id": 1, "Message": "m\nmore", "DateTime": v, "Priority": "low"});
            let n: Notification = serde_json::from_value(raw.clone()).unwrap();
            let a = notification(n, raw, None, None);
            assert_eq!(a.created_at.map(|t| t.to_rfc3339()).as_deref(), want);
            assert_eq!(a.title, "m");
            assert_eq!(a.status, AlertStatus::Open);
        }
    }
}
