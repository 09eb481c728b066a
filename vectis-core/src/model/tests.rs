//! Unit tests of `model`.

use super::*;
use chrono::TimeZone;

#[test]
fn serde_form_matches_the_design_examples() {
    let c = Record::Customer(Customer::new(Vendor::Atera, "42", "Acme Ltd"));
    assert_eq!(
        serde_json::to_string(&c).unwrap(),
        r#"{"type":"customer","vendor":"atera","id":"42","name":"Acme Ltd"}"#
    );
    let mut alert = Alert::new(
        Vendor::DattoRmm,
        "9001",
        Severity::Critical,
        AlertStatus::Open,
        "Disk C: below 5%",
    );
    alert.customer_id = Some("42".into());
    alert.created_at = Some(Utc.with_ymd_and_hms(2026, 5, 1, 11, 58, 3).unwrap());
    let a = Record::Alert(alert);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        r#"{"type":"alert","vendor":"datto-rmm","id":"9001","customer_id":"42","device_id":null,"severity":"critical","status":"open","title":"Disk C: below 5%","created_at":"2026-05-01T11:58:03Z"}"#
    );
}

#[test]
fn vendor_slugs_round_trip() {
    for v in Vendor::ALL {
        assert_eq!(Vendor::from_slug(v.slug()), Some(v));
        assert_eq!(serde_json::to_value(v).unwrap(), v.slug());
    }
}

#[test]
fn os_family_from_vendor_text() {
    assert_eq!(
        OsFamily::from_os_name("Windows Server 2019 Standard"),
        OsFamily::Windows
    );
    assert_eq!(OsFamily::from_os_name("macOS Sonoma 14.4"), OsFamily::Macos);
    assert_eq!(
        OsFamily::from_os_name("Ubuntu 22.04.3 LTS"),
        OsFamily::Linux
    );
    assert_eq!(OsFamily::from_os_name("FreeBSD"), OsFamily::Other);
}
