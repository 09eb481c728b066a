//! vectis-datto-rmm against the Datto RMM fake: OAuth, paging, the Deleted
//! Devices site, resolve, the 8.9.0 acknowledge, throttling, secrets.

use futures::TryStreamExt;
use std::time::Duration;
use vectis_core::{
    AlertStatus, Connector, EngineSettings, Error, ErrorKind, ListOptions, SecretString, Severity,
};
use vectis_datto_rmm::{DattoRmmBuilder, DattoRmmConnector};
use vectis_testkit::ListAll;
use vectis_testkit::RecordingTime;
use vectis_testkit::conformance::assert_capabilities_agree;
use vectis_testkit::datto::{
    ACCOUNT_NAME, API_KEY, API_SECRET, DELETED_DEVICES_UID, DattoData, DattoFake, PLATFORM,
};
use vectis_testkit::fake::mount_sequence;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn settings(time: &RecordingTime, concurrency: usize) -> EngineSettings {
    vectis_testkit::unthrottled(time, concurrency)
}

fn builder(fake: &DattoFake, time: &RecordingTime, secret: &str) -> DattoRmmBuilder {
    DattoRmmConnector::builder(
        PLATFORM,
        SecretString::from(API_KEY),
        SecretString::from(secret),
    )
    .base_url(&fake.uri())
    .settings(settings(time, 4))
}

fn connector(fake: &DattoFake, time: &RecordingTime) -> DattoRmmConnector {
    builder(fake, time, API_SECRET).build().unwrap()
}

#[tokio::test]
async fn check_names_the_account() {
    let fake = DattoFake::start().await;
    let t = RecordingTime::new();
    let info = connector(&fake, &t).check().await.unwrap();
    assert_eq!(
        info.to_string(),
        format!("Connected to Datto RMM: {ACCOUNT_NAME}")
    );
}

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
async fn a_token_that_expires_mid_sync_is_renewed_once_and_the_sync_completes() {
    let data = DattoData::generate(10, 600, 0, 8);
    let fake = DattoFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let datto = builder(&fake, &t, API_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap();
    datto.check().await.unwrap();
    assert_eq!(fake.tokens_issued(), 1);
    // Pagination config + the first page pass; the second page finds the token expired.
    fake.expire_token_after(2);
    let devices: Vec<_> = datto.all_devices().await.unwrap();
    assert_eq!(devices.len(), data.live_devices().len());
    assert_eq!(
        fake.tokens_issued(),
        2,
        "one new token, not one per request"
    );
}

#[tokio::test]
async fn ten_concurrent_streams_cause_one_token_request() {
    let fake = DattoFake::with_data(DattoData::generate(20, 60, 20, 4)).await;
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let runs = (0..10).map(|i| {
        let d = datto.clone();
        async move {
            match i % 3 {
                0 => d.all_customers().await.map(|v| v.len()),
                1 => d.all_devices().await.map(|v| v.len()),
                _ => d.all_alerts().await.map(|v| v.len()),
            }
        }
    });
    for n in futures::future::join_all(runs).await {
        assert!(n.unwrap() > 0);
    }
    assert_eq!(fake.tokens_issued(), 1);
    assert_eq!(fake.requests_to("/auth/oauth/token").await.len(), 1);
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
async fn a_404_on_the_account_names_the_platform_used() {
    let fake = DattoFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v2/account",
        vec![ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "timestamp": 1, "status": 404, "error": "Not Found", "message": "No message available", "path": "/api/v2/account"
        }))],
    )
    .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).check().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let text = e.to_string();
    assert!(text.contains(PLATFORM), "{text}");
    assert!(text.contains("platform"), "{text}");
}

#[tokio::test]
async fn a_wrong_key_pair_is_an_auth_error_saying_to_recopy_or_regenerate() {
    let fake = DattoFake::start().await;
    let t = RecordingTime::new();
    let e = builder(&fake, &t, "not-the-secret")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
    let text = e.to_string();
    assert!(text.contains("re-copy the key pair"), "{text}");
    assert!(text.contains(PLATFORM), "{text}");
    assert!(!text.contains("not-the-secret"));
}

#[tokio::test]
async fn resolve_sends_the_post_once_and_the_alert_is_resolved() {
    let data = DattoData::generate(4, 10, 8, 6);
    let fake = DattoFake::with_data(data.clone()).await;
    let uid = data.open_alerts()[0]["alertUid"]
        .as_str()
        .unwrap()
        .to_string();
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let outcome = datto.resolve_alert(&uid).await.unwrap();
    assert_eq!(
        outcome.to_string(),
        format!("Datto RMM: alert {uid} resolved")
    );
    assert_eq!(fake.resolved_alert_uids(), vec![uid.clone()]);
    let posts = fake
        .requests_to(&format!("/api/v2/alert/{uid}/resolve"))
        .await;
    assert_eq!(posts.len(), 1);
    let alerts: Vec<_> = datto.all_alerts().await.unwrap();
    let a = alerts.iter().find(|a| a.id == uid).unwrap();
    assert_eq!(a.status, AlertStatus::Resolved);
    // An unknown uid is a 404 that says how to find one.
    let e = datto
        .resolve_alert("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn acknowledge_explains_the_8_9_0_removal_and_sends_nothing() {
    let data = DattoData::small();
    let fake = DattoFake::with_data(data.clone()).await;
    let uid = data.alerts[0]["alertUid"].as_str().unwrap().to_string();
    let t = RecordingTime::new();
    let e = connector(&fake, &t)
        .acknowledge_alert(&uid)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("8.9.0"), "{e}");
    assert!(fake.muted_alert_uids().is_empty());
    assert!(fake.received().await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_403_right_after_a_429_is_the_ip_block_with_its_wait() {
    let fake = DattoFake::start().await;
    let forbidden = serde_json::json!({
        "timestamp": 1, "status": 403, "error": "Forbidden", "message": "Access Denied", "path": "/api/v2/account/sites"
    });
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v2/account/sites",
        vec![
            ResponseTemplate::new(429),
            ResponseTemplate::new(403).set_body_json(forbidden),
        ],
    )
    .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).all_customers().await.unwrap_err();
    match &e {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(300)))
        }
        other => panic!("expected the IP block, got {other:?}"),
    }
    let text = e.to_string();
    assert!(text.contains("blocked this IP address"), "{text}");
    assert!(
        t.sleeps().iter().any(|s| *s >= Duration::from_secs(60)),
        "the 429 paused"
    );
}

#[tokio::test]
async fn a_403_without_a_429_is_a_permission_problem() {
    let fake = DattoFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v2/account/sites",
        vec![ResponseTemplate::new(403)],
    )
    .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).all_customers().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
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
async fn capabilities_agree_with_what_the_connector_does() {
    let data = DattoData::small();
    let fake = DattoFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let uid = data.alerts[0]["alertUid"].as_str().unwrap().to_string();
    assert_capabilities_agree(&connector(&fake, &t), fake.server(), &uid).await;
}

#[tokio::test]
async fn the_secret_and_token_never_appear_in_output() {
    let (_guard, captured) = vectis_testkit::trace::capture();
    let fake = DattoFake::start().await;
    let t = RecordingTime::new();
    let b = builder(&fake, &t, API_SECRET);
    let builder_debug = format!("{b:?}");
    let datto = b.build().unwrap();
    datto.check().await.unwrap();
    let _: Vec<_> = datto.all_devices().await.unwrap();
    let e = builder(&fake, &t, "wrong-secret-000")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    let text = format!(
        "{builder_debug}\n{datto:?}\n{e}\n{e:?}\n{}",
        captured.text()
    );
    assert!(!captured.text().is_empty(), "tracing was captured");
    for secret in [API_SECRET, "wrong-secret-000", "datto-token-1"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
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
    assert!(
        msg.contains("/api/v2/account/devices") && msg.contains("`uid`"),
        "{msg}"
    );
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

#[tokio::test]
async fn a_404_on_the_token_endpoint_says_the_platform_is_probably_wrong_and_is_asked_once() {
    let fake = DattoFake::start().await;
    mount_sequence(
        fake.server(),
        "POST",
        "/auth/oauth/token",
        vec![ResponseTemplate::new(404); 3],
    )
    .await;
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let e = datto.all_customers().await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("probably wrong") && msg.contains(PLATFORM),
        "{msg}"
    );
    for p in vectis_datto_rmm::PLATFORMS {
        assert!(msg.contains(p), "{msg}");
    }
    assert_eq!(
        fake.requests_to("/auth/oauth/token").await.len(),
        1,
        "a 404 is not worth a second token request"
    );
    let e = datto.check().await.unwrap_err();
    assert!(e.to_string().contains("probably wrong"), "{e}");
}

#[tokio::test]
async fn a_token_endpoint_that_cannot_be_reached_says_the_platform_or_base_url_is_probably_wrong() {
    // Nothing listens on port 1 of the loopback interface.
    let t = RecordingTime::new();
    let e = DattoRmmConnector::builder(
        PLATFORM,
        SecretString::from(API_KEY),
        SecretString::from(API_SECRET),
    )
    .base_url("http://127.0.0.1:1")
    .settings(settings(&t, 1))
    .build()
    .unwrap()
    .check()
    .await
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("could not reach") && msg.contains("probably wrong"),
        "{msg}"
    );
    for p in vectis_datto_rmm::PLATFORMS {
        assert!(msg.contains(p), "{msg}");
    }
}
