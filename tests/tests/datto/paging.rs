//! Listings: every device once, the account's page maximum, next-page URLs,
//! sites that are not customers, and records without a uid.

use super::*;

#[tokio::test]
async fn a_751_device_account_arrives_exactly_once_across_four_pages() {
    let data = DattoData::generate(30, 751, 0, 5);
    let fake = DattoFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    for concurrency in [1, 4] {
        let datto = builder(&fake, &t, API_SECRET)
            .settings(settings(&t, concurrency))
            .build()
            .unwrap();
        let before = fake.requests_to("/api/v2/account/devices").await.len();
        let devices: Vec<_> = datto.all_devices().await.unwrap();
        let got: Vec<&str> = devices.iter().map(|d| d.id.as_str()).collect();
        let want: Vec<&str> = data
            .live_devices()
            .iter()
            .map(|d| d["uid"].as_str().unwrap())
            .collect();
        assert_eq!(
            got, want,
            "every live device once, in order ({concurrency})"
        );
        let pages = fake.requests_to("/api/v2/account/devices").await;
        let pages = &pages[before..];
        assert_eq!(
            pages.len(),
            4,
            "751 live + 37 deleted devices at 250 a page"
        );
        let mut seen: Vec<String> = pages
            .iter()
            .map(|r| {
                let q: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
                assert!(q.contains(&("max".into(), "250".into())), "{q:?}");
                q.into_iter().find(|(k, _)| k == "page").unwrap().1
            })
            .collect();
        seen.sort();
        assert_eq!(seen, ["0", "1", "2", "3"], "pages from 0");
    }
    // Deleted devices are dropped by default, kept on request without a customer.
    let all: Vec<_> = builder(&fake, &t, API_SECRET)
        .keep_deleted_devices(true)
        .build()
        .unwrap()
        .all_devices()
        .await
        .unwrap();
    assert_eq!(all.len(), data.devices.len());
    assert_eq!(all.iter().filter(|d| d.customer_id.is_none()).count(), 37);
}

#[tokio::test]
async fn the_page_size_is_capped_by_the_accounts_maximum() {
    let fake = DattoFake::with_data(DattoData::generate(5, 120, 0, 2)).await;
    fake.set_page_max(50);
    let t = RecordingTime::new();
    let c = connector(&fake, &t);
    let devices: Vec<_> = c.all_devices().await.unwrap();
    assert_eq!(devices.len(), 120);
    let mut ids: Vec<_> = devices.iter().map(|d| d.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 120, "nothing delivered twice");
    // Page 0 was asked at the documented 250 alongside /system/pagination;
    // the account's 50 then restarted the listing at 50: page 0 (and the
    // page it had already started fetching ahead) spent, at most two.
    let pages = fake.requests_to("/api/v2/account/devices").await;
    let spent = pages.len() - 3;
    assert!((1..=2).contains(&spent), "{} requests spent", spent);
    let at_50 = pages
        .iter()
        .filter(|r| r.url.query().unwrap().contains("max=50"))
        .count();
    assert!(at_50 >= 3);
    assert_eq!(fake.requests_to("/api/v2/system/pagination").await.len(), 1);
    // The maximum is known now: the next listing asks at 50 from the start.
    let again: Vec<_> = c.all_devices().await.unwrap();
    assert_eq!(again.len(), 120);
    let after = fake.requests_to("/api/v2/account/devices").await;
    assert_eq!(
        after.len(),
        pages.len() + 3,
        "the second listing asks at 50 only"
    );
    assert!(
        after[pages.len()..]
            .iter()
            .all(|r| r.url.query().unwrap().contains("max=50"))
    );
}

#[tokio::test]
async fn page_0_is_asked_alongside_the_page_maximum_and_kept_when_it_is_250() {
    let fake = DattoFake::with_data(DattoData::generate(5, 600, 0, 2)).await;
    let t = RecordingTime::new();
    let devices: Vec<_> = connector(&fake, &t).all_devices().await.unwrap();
    assert_eq!(devices.len(), 600);
    let pages = fake.requests_to("/api/v2/account/devices").await;
    assert_eq!(pages.len(), 3, "600 devices at 250: no request spent");
    assert!(
        pages
            .iter()
            .all(|r| r.url.query().unwrap().contains("max=250"))
    );
    assert_eq!(fake.requests_to("/api/v2/system/pagination").await.len(), 1);
}

#[tokio::test]
async fn the_deleted_devices_site_is_no_customer_and_its_uid_reaches_no_per_site_call() {
    let data = DattoData::generate(12, 40, 15, 9);
    let fake = DattoFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let customers: Vec<_> = datto.all_customers().await.unwrap();
    assert_eq!(customers.len(), 12);
    assert!(customers.iter().all(|c| c.name != "Deleted Devices"));
    assert!(customers.iter().all(|c| c.id != DELETED_DEVICES_UID));
    let devices: Vec<_> = datto.all_devices().await.unwrap();
    assert!(
        devices
            .iter()
            .all(|d| d.customer_id.as_deref() != Some(DELETED_DEVICES_UID))
    );
    let _: Vec<_> = datto.all_alerts().await.unwrap();
    assert!(fake.bad_site_calls().is_empty());
    for r in fake.received().await {
        assert!(!r.url.as_str().contains(DELETED_DEVICES_UID), "{}", r.url);
        assert!(!r.url.path().starts_with("/api/v2/site/"), "{}", r.url);
    }
}

#[tokio::test]
async fn a_next_page_url_without_max_still_pages_with_the_asked_size() {
    let data = DattoData::generate(10, 300, 0, 3);
    let fake = DattoFake::with_data(data.clone()).await;
    // No totalCount: the connector must follow nextPageUrl.
    fake.omit_total_count(true);
    fake.next_url_drops_max(true);
    let t = RecordingTime::new();
    let opts = ListOptions::default().page_size(100);
    let devices: Vec<_> = connector(&fake, &t)
        .devices(&opts)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(devices.len(), 300);
    let pages = fake.requests_to("/api/v2/account/devices").await;
    assert_eq!(pages.len(), 4, "315 devices at 100 a page");
    for r in &pages {
        assert!(r.url.query().unwrap().contains("max=100"), "{}", r.url);
    }
}

#[tokio::test]
async fn a_foreign_origin_next_page_url_is_refused() {
    let fake = DattoFake::with_data(DattoData::generate(10, 300, 0, 3)).await;
    fake.omit_total_count(true);
    fake.next_url_origin("https://attacker.example");
    let t = RecordingTime::new();
    let e = connector(&fake, &t).all_devices().await.unwrap_err();
    let text = e.to_string();
    assert!(text.contains("attacker.example"), "{text}");
    assert_eq!(
        fake.requests_to("/api/v2/account/devices").await.len(),
        1,
        "only the first page was fetched"
    );
}

#[tokio::test]
async fn epoch_milliseconds_map_to_the_right_utc_times_and_priorities_to_severities() {
    let data = DattoData::generate(6, 30, 40, 12);
    let fake = DattoFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let devices: Vec<_> = datto.all_devices().await.unwrap();
    for (d, raw) in devices.iter().zip(data.live_devices()) {
        let ms = raw["lastSeen"].as_i64().unwrap();
        assert_eq!(d.last_seen.unwrap().timestamp_millis(), ms);
        assert_eq!(d.customer_id.as_deref(), raw["siteUid"].as_str());
    }
    let alerts: Vec<_> = datto.all_alerts().await.unwrap();
    assert_eq!(alerts.len(), 40, "open and resolved");
    for sev in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        assert!(alerts.iter().any(|a| a.severity == sev), "{sev:?}");
    }
    for a in &alerts {
        let raw = data
            .alerts
            .iter()
            .find(|r| r["alertUid"] == a.id.as_str())
            .unwrap();
        assert_eq!(
            a.created_at.map(|t| t.timestamp_millis()),
            raw["timestamp"].as_i64()
        );
        assert!(a.device_id.is_some() && a.customer_id.is_some());
    }
    // Unknown alertContext classes are kept, not fatal.
    assert!(
        alerts
            .iter()
            .any(|a| a.raw["alertContext"]["@class"] == "srvc_status_ctx")
    );
}

#[tokio::test]
async fn records_without_a_uid_are_skipped_and_an_unexpected_device_type_does_not_fail_the_page() {
    // Datto's spec requires no field; public samples send `deviceType` as a
    // string.
    let mut data = DattoData::generate(5, 12, 9, 41);
    let real = data
        .sites
        .iter()
        .position(|s| s["uid"] != DELETED_DEVICES_UID)
        .unwrap();
    data.sites[real]["uid"] = serde_json::Value::Null;
    data.devices[3].as_object_mut().unwrap().remove("uid");
    data.devices[4]["deviceType"] = serde_json::json!("Server");
    data.alerts[1]["alertUid"] = serde_json::Value::Null;
    let expected_sites = data.real_sites().len() - 1;
    let expected_devices = data.live_devices().len() - 1;
    let expected_alerts = data.alerts.len() - 1;
    let fake = DattoFake::with_data(data).await;
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let sites: Vec<_> = datto.all_customers().await.unwrap();
    assert_eq!(sites.len(), expected_sites);
    let devices: Vec<_> = datto.all_devices().await.unwrap();
    assert_eq!(devices.len(), expected_devices);
    let alerts: Vec<_> = datto.all_alerts().await.unwrap();
    assert_eq!(alerts.len(), expected_alerts);
}

#[tokio::test]
async fn a_listing_where_no_record_has_a_uid_is_an_error() {
    let mut data = DattoData::generate(2, 4, 0, 41);
    for d in &mut data.devices {
        d["uid"] = serde_json::Value::Null;
    }
    let fake = DattoFake::with_data(data).await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).all_devices().await.unwrap_err();
    let msg = e.to_string();
    assert_mentions(&msg, &["/api/v2/account/devices", "`uid`"]);
}

#[tokio::test]
async fn a_site_whose_uid_is_not_a_guid_is_dropped_with_a_warning_unless_it_is_deleted_devices() {
    let mut data = DattoData::generate(3, 0, 0, 7);
    let real = data
        .sites
        .iter()
        .position(|s| s["uid"] != DELETED_DEVICES_UID)
        .unwrap();
    data.sites[real]["uid"] = serde_json::json!("legacy-site-17");
    let odd_name = data.sites[real]["name"].as_str().unwrap().to_string();
    let fake = DattoFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let (guard, log) = vectis_testkit::trace::capture();
    let sites: Vec<_> = connector(&fake, &t).all_customers().await.unwrap();
    drop(guard);
    assert_eq!(sites.len(), data.real_sites().len() - 1);
    assert!(sites.iter().all(|s| s.name != "Deleted Devices"));
    let text = log.text();
    let warned: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("not a GUID"))
        .collect();
    assert_eq!(warned.len(), 1, "{text}");
    assert!(
        warned[0].contains(&odd_name) && warned[0].contains("dropped=1"),
        "{text}"
    );
}

#[tokio::test]
async fn page_details_decode_errors_name_the_field() {
    let fake = DattoFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v2/account/sites",
        vec![ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "pageDetails": {"count": "many", "totalCount": 3, "prevPageUrl": null, "nextPageUrl": null},
            "sites": []
        }))],
    )
    .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).all_customers().await.unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("pageDetails.count"), "{msg}");
    assert!(!msg.contains(".."), "{msg}");
}

#[tokio::test]
async fn a_404_on_a_followed_next_page_link_names_the_link_not_the_platform() {
    let fake = DattoFake::with_data(DattoData::generate(2, 120, 0, 3)).await;
    fake.set_page_max(50);
    fake.omit_total_count(true);
    Mock::given(method("GET"))
        .and(path("/api/v2/account/devices"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "timestamp": 1, "status": 404, "error": "Not Found", "message": "No message available", "path": "/api/v2/account/devices"
        })))
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let e = builder(&fake, &t, API_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap()
        .all_devices()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let msg = e.to_string();
    assert!(!msg.contains("platform"), "{msg}");
    assert!(msg.contains("page=1") && msg.contains("next page"), "{msg}");
}
