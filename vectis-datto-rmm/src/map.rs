//! Datto RMM records → the normalized model: one plain function per type.

use crate::raw::{DattoAlert, DattoDevice, DattoSite};
use vectis_core::{Alert, AlertStatus, Customer, Device, Result, Severity, Vendor};

/// Datto RMM's alert priorities, by the word it sends (any case).
const PRIORITIES: &[(&str, Severity)] = &[
    ("critical", Severity::Critical),
    ("high", Severity::High),
    ("moderate", Severity::Medium),
    ("medium", Severity::Medium),
    ("low", Severity::Low),
    ("information", Severity::Info),
    ("info", Severity::Info),
];

/// Whether `s` is a GUID (`8-4-4-4-12` hex digits). Every real site uid is
/// one; the built-in "Deleted Devices" site's is not, and per-site calls made
/// with it fail.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The name Datto RMM gives its built-in recycle-bin site.
pub const DELETED_DEVICES_SITE: &str = "Deleted Devices";

/// Whether a site is Datto's built-in "Deleted Devices" site, recognized by
/// its name (its uid is not a GUID either, but a non-GUID uid alone does not
/// say which site it is).
pub fn is_deleted_devices_site(s: &DattoSite) -> bool {
    s.name
        .as_deref()
        .is_some_and(|n| n.trim().eq_ignore_ascii_case(DELETED_DEVICES_SITE))
}

/// The trimmed, non-empty uid of a site, if it has one.
pub fn site_uid(s: &DattoSite) -> Option<&str> {
    s.uid.as_deref().map(str::trim).filter(|u| !u.is_empty())
}

/// `Site` → [`Customer`], or `None` for a site that is not a customer: the
/// built-in "Deleted Devices" site (Datto's recycle bin, by name), a site
/// without a uid, or one whose uid is not a GUID (per-site calls made with
/// it fail). The connector counts and reports which it was.
pub fn site(s: DattoSite, raw: serde_json::Value) -> Result<Option<Customer>> {
    if is_deleted_devices_site(&s) {
        return Ok(None);
    }
    let Some(uid) = site_uid(&s).filter(|u| is_guid(u)).map(str::to_string) else {
        return Ok(None);
    };
    let mut customer = Customer::new(Vendor::DattoRmm, uid, s.name.unwrap_or_default());
    customer.raw = raw;
    Ok(Some(customer))
}

/// A site uid that can be a customer id: a GUID (so never the Deleted
/// Devices site, which is not a customer).
fn customer_of(site_uid: Option<&str>) -> Option<String> {
    site_uid
        .map(str::trim)
        .filter(|u| is_guid(u))
        .map(str::to_string)
}

/// `Device` → [`Device`]. A device marked `deleted` (it sits in the Deleted
/// Devices site) is dropped (`None`) unless `keep_deleted`, in which case it
/// is kept with no customer; `raw.deleted` says which it is.
pub fn device(d: DattoDevice, raw: serde_json::Value, keep_deleted: bool) -> Option<Device> {
    let deleted = d.deleted.unwrap_or(false);
    if deleted && !keep_deleted {
        return None;
    }
    let id = d
        .uid
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())?
        .to_string();
    let customer_id = if deleted {
        None
    } else {
        customer_of(d.site_uid.as_deref())
    };
    let name = d
        .hostname
        .filter(|h| !h.trim().is_empty())
        .or(d.description)
        .unwrap_or_default();
    let mut device = Device::new(Vendor::DattoRmm, id, name);
    device.customer_id = customer_id;
    device.set_agent_state(d.operating_system, d.online, d.last_seen);
    device.raw = raw;
    Some(device)
}

/// Datto's priorities: `Critical`, `High`, `Moderate`, `Low`, `Information`
/// → critical, high, medium, low, info. `Unknown` (also in Datto's enum) and
/// anything newer are `medium`, neither hidden nor over-alarmed; the
/// original stays in `raw`.
pub fn severity(p: Option<&str>) -> Severity {
    Severity::from_word_or_medium(Vendor::DattoRmm, "priority", p, PRIORITIES)
}

/// A one-line title: the first line of `diagnostics`, or else the alert
/// context's class in words (`online_offline_status_ctx` → `Online offline
/// status`), with the device name when known.
fn title(a: &DattoAlert) -> String {
    if let Some(line) = a
        .diagnostics
        .as_deref()
        .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
    {
        return truncate(line, 200);
    }
    let what = a
        .context_class()
        .map(|c| {
            let words = c.trim_end_matches("_ctx").replace('_', " ");
            let mut chars = words.chars();
            match chars.next() {
                Some(f) => f.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "Datto RMM alert".to_string());
    match a
        .alert_source_info
        .as_ref()
        .and_then(|s| s.device_name.as_deref())
        .filter(|n| !n.trim().is_empty())
    {
        Some(device) => format!("{what} on {device}"),
        None => what,
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `Alert` → [`Alert`]. `resolved: true` means resolved, `false` open; when
/// Datto leaves the flag out, the list it came from decides
/// (`listed_resolved`: `/alerts/resolved`). Unknown `alertContext` classes are
/// kept in `raw`. `None` without an `alertUid`.
pub fn alert(a: DattoAlert, raw: serde_json::Value, listed_resolved: bool) -> Option<Alert> {
    let resolved = a.resolved.unwrap_or(listed_resolved);
    let source = a.alert_source_info.as_ref();
    let id = a
        .alert_uid
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())?
        .to_string();
    let mut alert = Alert::new(
        Vendor::DattoRmm,
        id,
        severity(a.priority.as_deref()),
        AlertStatus::from_resolved(resolved),
        title(&a),
    );
    alert.customer_id = customer_of(source.and_then(|s| s.site_uid.as_deref()));
    alert.device_id = source
        .and_then(|s| s.device_uid.as_deref())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    alert.set_times(a.timestamp, a.resolved_on);
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

    const SITE: &str = "5f0e7a52-1c3b-4b8e-9d7a-2b6f4e1a9c01";

    #[test]
    fn guids_are_told_from_other_uids() {
        assert!(is_guid(SITE));
        assert!(is_guid("5F0E7A52-1C3B-4B8E-9D7A-2B6F4E1A9C01"));
        assert!(!is_guid("deleted-devices-4821"));
        assert!(!is_guid(""));
        assert!(!is_guid("5f0e7a52-1c3b-4b8e-9d7a-2b6f4e1a9c0"));
        assert!(!is_guid("5f0e7a52-1c3b-4b8e-9d7a-2b6f4e1a9c0z"));
    }

    #[test]
    fn maps_a_site_and_skips_the_deleted_devices_site() {
        let v = json!({"id": 101, "uid": SITE, "accountUid": "a1", "name": "Fabrikam Ltd", "onDemand": false,
            "devicesStatus": {"numberOfDevices": 42}, "portalUrl": "https://merlot.rmm.datto.com/site/101"});
        let c = site(de(&v), v.clone()).unwrap().unwrap();
        assert_eq!(c.id, SITE);
        assert_eq!(c.name, "Fabrikam Ltd");
        assert_eq!(c.vendor, Vendor::DattoRmm);
        assert_eq!(c.raw, v);
        let v = json!({"id": 102, "uid": "deleted-devices-4821", "name": "Deleted Devices"});
        assert!(site(de(&v), v.clone()).unwrap().is_none());
    }

    fn device_json(deleted: bool) -> serde_json::Value {
        json!({"id": 90311, "uid": "0b7c8d9e-2f3a-4b5c-8d6e-7f8091a2b3c4", "siteId": 101, "siteUid": SITE,
            "siteName": "Fabrikam Ltd", "deviceType": {"category": "Desktop", "type": "Desktop"},
            "hostname": "FAB-WS-014", "operatingSystem": "Microsoft Windows 11 Pro 23H2",
            "online": true, "deleted": deleted, "lastSeen": 1718035200000_i64, "lastReboot": 1717948800000_i64,
            "udf": {"udf1": "Asset-0014"}, "warrantyDate": "2026-03-31"})
    }

    #[test]
    fn maps_a_device_with_epoch_millisecond_times() {
        let v = device_json(false);
        let d = device(de(&v), v.clone(), false).unwrap();
        assert_eq!(d.id, "0b7c8d9e-2f3a-4b5c-8d6e-7f8091a2b3c4");
        assert_eq!(d.customer_id.as_deref(), Some(SITE));
        assert_eq!(d.name, "FAB-WS-014");
        assert_eq!(d.os_family, Some(OsFamily::Windows));
        assert_eq!(d.online, Some(true));
        assert_eq!(
            d.last_seen.unwrap().to_rfc3339(),
            "2024-06-10T16:00:00+00:00"
        );
    }

    #[test]
    fn times_may_also_be_iso_strings_or_epoch_seconds() {
        for t in [
            json!("2024-06-10T16:00:00Z"),
            json!(1718035200),
            json!(null),
        ] {
            let mut v = device_json(false);
            v["lastSeen"] = t.clone();
            let d = device(de(&v), v, false).unwrap();
            if t.is_null() {
                assert!(d.last_seen.is_none());
            } else {
                assert_eq!(
                    d.last_seen.unwrap().to_rfc3339(),
                    "2024-06-10T16:00:00+00:00"
                );
            }
        }
    }

    #[test]
    fn deleted_devices_are_dropped_or_kept_without_a_customer() {
        let v = device_json(true);
        assert!(device(de(&v), v.clone(), false).is_none());
        let d = device(de(&v), v.clone(), true).unwrap();
        assert_eq!(d.customer_id, None);
        assert_eq!(d.raw["deleted"], true);
    }

    fn alert_json() -> serde_json::Value {
        json!({"alertUid": "c2d3e4f5-6a7b-4c8d-9e0f-1a2b3c4d5e6f", "priority": "High",
            "diagnostics": "Device has been offline for 15 minutes\nLast seen 10:00", "resolved": false,
            "resolvedBy": null, "resolvedOn": null, "muted": false, "ticketNumber": null, "timestamp": 1718036100000_i64,
            "alertMonitorInfo": {"sendsEmails": true, "createsTicket": false},
            "alertContext": {"@class": "online_offline_status_ctx", "status": "OFFLINE"},
            "alertSourceInfo": {"deviceUid": "0b7c8d9e-2f3a-4b5c-8d6e-7f8091a2b3c4", "deviceName": "FAB-WS-014",
                "siteUid": SITE, "siteName": "Fabrikam Ltd"},
            "responseActions": [], "autoresolveMins": null})
    }

    #[test]
    fn maps_an_open_alert() {
        let v = alert_json();
        let a = alert(de(&v), v.clone(), false).unwrap();
        assert_eq!(a.id, "c2d3e4f5-6a7b-4c8d-9e0f-1a2b3c4d5e6f");
        assert_eq!(a.severity, Severity::High);
        assert_eq!(a.status, AlertStatus::Open);
        assert_eq!(a.title, "Device has been offline for 15 minutes");
        assert_eq!(a.customer_id.as_deref(), Some(SITE));
        assert_eq!(
            a.device_id.as_deref(),
            Some("0b7c8d9e-2f3a-4b5c-8d6e-7f8091a2b3c4")
        );
        assert_eq!(
            a.created_at.unwrap().to_rfc3339(),
            "2024-06-10T16:15:00+00:00"
        );
        assert!(a.resolved_at.is_none());
    }

    #[test]
    fn maps_a_resolved_alert_with_an_unknown_context_class() {
        let mut v = alert_json();
        v["resolved"] = json!(true);
        v["resolvedOn"] = json!(1718039700000_i64);
        v["diagnostics"] = json!(null);
        v["priority"] = json!("Moderate");
        v["alertContext"] =
            json!({"@class": "srvc_status_ctx", "serviceName": "Spooler", "status": "STOPPED"});
        let a = alert(de(&v), v.clone(), true).unwrap();
        assert_eq!(a.status, AlertStatus::Resolved);
        assert_eq!(a.severity, Severity::Medium);
        assert_eq!(a.title, "Srvc status on FAB-WS-014");
        assert_eq!(
            a.resolved_at.unwrap().to_rfc3339(),
            "2024-06-10T17:15:00+00:00"
        );
        assert_eq!(a.raw["alertContext"]["serviceName"], "Spooler");
        // No flag at all: the list decides.
        let v = json!({"alertUid": "x1", "priority": "Information"});
        assert_eq!(
            alert(de(&v), v.clone(), true).unwrap().status,
            AlertStatus::Resolved
        );
        assert_eq!(
            alert(de(&v), v.clone(), false).unwrap().status,
            AlertStatus::Open
        );
        assert_eq!(
            alert(de(&v), v.clone(), false).unwrap().title,
            "Datto RMM alert"
        );
    }

    #[test]
    fn every_priority_maps_per_the_vendor_table() {
        for (p, s) in [
            ("Critical", Severity::Critical),
            ("High", Severity::High),
            ("Moderate", Severity::Medium),
            ("Low", Severity::Low),
            ("Information", Severity::Info),
            ("Unknown", Severity::Medium),
        ] {
            assert_eq!(severity(Some(p)), s, "{p}");
        }
        assert_eq!(severity(None), Severity::Medium);
    }

    #[test]
    fn alerts_on_the_deleted_devices_site_have_no_customer() {
        let mut v = alert_json();
        v["alertSourceInfo"]["siteUid"] = json!("deleted-devices-4821");
        assert_eq!(alert(de(&v), v.clone(), false).unwrap().customer_id, None);
    }
}
