//! vectis-kaseya against the VSA X fake: paging, enrichment from assets,
//! tenant URLs, alert linking (both strategies and the sweep), no write-back,
//! dates, throttling, secrets.

use futures::TryStreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use vectis_core::{
    Alert, AlertStatus, Connector, EngineSettings, ErrorKind, ListOptions, SecretString, Severity,
};
use vectis_kaseya::{KaseyaBuilder, KaseyaConnector};
use vectis_testkit::ListAll;
use vectis_testkit::RecordingTime;
use vectis_testkit::conformance::assert_capabilities_agree;
use vectis_testkit::fake::query_param;
use vectis_testkit::fake::{mount_sequence, too_many_requests};
use vectis_testkit::kaseya::{KaseyaData, KaseyaFake, TOKEN_ID, TOKEN_SECRET, error_body};
use wiremock::matchers::path_regex;
use wiremock::{Mock, ResponseTemplate};

fn settings(time: &RecordingTime, concurrency: usize) -> EngineSettings {
    vectis_testkit::unthrottled(time, concurrency)
}

fn builder_at(url: &str, time: &RecordingTime, secret: &str) -> KaseyaBuilder {
    KaseyaConnector::builder(url, TOKEN_ID, SecretString::from(secret)).settings(settings(time, 4))
}

fn connector(fake: &KaseyaFake, time: &RecordingTime) -> KaseyaConnector {
    builder_at(&fake.uri(), time, TOKEN_SECRET).build().unwrap()
}

fn device_org(data: &KaseyaData) -> HashMap<String, String> {
    data.devices
        .iter()
        .map(|d| {
            (
                d["Identifier"].as_str().unwrap().to_string(),
                d["OrganizationId"].to_string(),
            )
        })
        .collect()
}

/// Every alert carries the device its notification's detail names, and that
/// device's organization; each notification arrives once.
fn assert_all_linked(alerts: &[Alert], data: &KaseyaData) {
    let orgs = device_org(data);
    assert_eq!(alerts.len(), data.notifications.len());
    let ids: HashSet<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), alerts.len(), "each notification once");
    for n in &data.notifications {
        let id = n["Id"].to_string();
        let a = alerts.iter().find(|a| a.id == id).expect("delivered");
        let device = n["ComputerIdentifier"].as_str().unwrap();
        assert_eq!(a.device_id.as_deref(), Some(device), "alert {id}");
        assert_eq!(
            a.customer_id.as_deref(),
            orgs.get(device).map(String::as_str),
            "alert {id}"
        );
        assert_eq!(a.status, AlertStatus::Open);
    }
}

#[tokio::test]
async fn check_counts_the_organizations() {
    let fake = KaseyaFake::start().await;
    let t = RecordingTime::new();
    let info = connector(&fake, &t).check().await.unwrap();
    assert_eq!(info.to_string(), "Connected to Kaseya VSA: 6 organizations");
}

#[tokio::test]
async fn organizations_and_devices_arrive_exactly_once_with_top_at_most_100() {
    let data = KaseyaData::generate(250, 1_030, 0, 5);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    for concurrency in [1, 4] {
        let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
            .settings(settings(&t, concurrency))
            .build()
            .unwrap();
        let orgs: Vec<_> = vsa.all_customers().await.unwrap();
        let want: Vec<String> = data
            .organizations
            .iter()
            .map(|o| o["Id"].to_string())
            .collect();
        let got: Vec<String> = orgs.iter().map(|c| c.id.clone()).collect();
        assert_eq!(got, want, "concurrency {concurrency}: all, once, in order");
        assert_eq!(
            orgs[1].name,
            data.organizations[1]["Name"].as_str().unwrap()
        );

        let devices: Vec<_> = vsa.all_devices().await.unwrap();
        assert_eq!(devices.len(), 1_030, "concurrency {concurrency}");
        let ids: HashSet<&str> = devices.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids.len(), 1_030, "no device twice");
        let orgs_of = device_org(&data);
        for d in &devices {
            assert_eq!(d.customer_id.as_ref(), orgs_of.get(&d.id));
        }
    }
    // A page size above VSA X's maximum is clamped before it is sent.
    let vsa = connector(&fake, &t);
    let big = ListOptions::default().page_size(500);
    let n = vsa.customers(&big).try_collect::<Vec<_>>().await.unwrap();
    assert_eq!(n.len(), 250);

    let received = fake.received().await;
    assert!(!received.is_empty());
    for r in &received {
        let top: usize = query_param(r, "$top")
            .expect("$top on every list")
            .parse()
            .unwrap();
        assert!(top <= 100, "{}", r.url);
        assert!(
            query_param(r, "$orderby").is_some(),
            "stable order: {}",
            r.url
        );
    }
    // 3 + 3 + 3 organization pages and 11 device + 11 asset pages twice.
    assert_eq!(fake.requests_to("/api/v3/organizations").await.len(), 9);
    assert_eq!(fake.requests_to("/api/v3/devices").await.len(), 22);
    assert_eq!(fake.requests_to("/api/v3/assets").await.len(), 22);
}

#[tokio::test]
async fn devices_carry_os_online_and_last_seen_from_the_asset_list() {
    let data = KaseyaData::generate(8, 150, 0, 9);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let devices: Vec<_> = connector(&fake, &t).all_devices().await.unwrap();
    assert_eq!(devices.len(), 150);
    let assets: HashMap<&str, &serde_json::Value> = data
        .assets
        .iter()
        .map(|a| (a["Identifier"].as_str().unwrap(), a))
        .collect();
    let (mut online, mut offline, mut never) = (0, 0, 0);
    for d in &devices {
        let a = assets[d.id.as_str()];
        assert_eq!(d.os.as_deref(), a["Description"].as_str(), "{}", d.id);
        assert!(d.os_family.is_some());
        assert_eq!(d.online, a["IsOnline"].as_bool());
        match a["LastSeenOnline"].as_str().unwrap() {
            "" => {
                never += 1;
                assert_eq!(d.last_seen, None, "\"\" is unknown")
            }
            s => assert_eq!(d.last_seen.unwrap().to_rfc3339(), s.replace('Z', "+00:00")),
        }
        match d.online {
            Some(true) => online += 1,
            _ => offline += 1,
        }
    }
    assert!(
        online > 0 && offline > 0,
        "{online} online, {offline} offline"
    );
    let _ = never;
    // Enrichment is paged: two asset pages for 150 devices, never per device.
    assert_eq!(fake.requests_to("/api/v3/assets").await.len(), 2);
    assert!(
        fake.received()
            .await
            .iter()
            .all(|r| !r.url.path().starts_with("/api/v3/devices/")),
        "no per-device call"
    );

    // Enrichment off: no asset request, and no OS / online / last-seen.
    let fake = KaseyaFake::with_data(data).await;
    let plain = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .enrich_devices(false)
        .build()
        .unwrap();
    let devices: Vec<_> = plain.all_devices().await.unwrap();
    assert_eq!(devices.len(), 150);
    assert!(
        devices
            .iter()
            .all(|d| d.os.is_none() && d.online.is_none() && d.last_seen.is_none())
    );
    assert!(fake.requests_to("/api/v3/assets").await.is_empty());
}

#[tokio::test]
async fn tenant_urls_with_a_trailing_slash_or_api_v3_work_and_plain_http_is_refused() {
    let fake = KaseyaFake::start().await;
    let t = RecordingTime::new();
    let base = fake.uri();
    for url in [
        format!("{base}/"),
        format!("{base}/api/v3"),
        format!("{base}/api/v3/"),
        format!("  {base}//  "),
    ] {
        let info = builder_at(&url, &t, TOKEN_SECRET)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .check()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(info.to_string(), "Connected to Kaseya VSA: 6 organizations");
    }
    for url in [
        "http://acme.vsax.net",
        "acme.vsax.net",
        "https://acme.vsax.net/?x=1",
    ] {
        let e = builder_at(url, &t, TOKEN_SECRET).build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{url}");
        assert!(e.to_string().contains("KASEYA_TENANT_URL"), "{url}: {e}");
    }
    let e = builder_at("http://acme.vsax.net", &t, TOKEN_SECRET)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("https"), "{e}");
}

#[tokio::test]
async fn a_404_on_the_first_call_says_the_tenant_url_is_wrong_or_vsa_9() {
    let fake = KaseyaFake::start().await;
    Mock::given(path_regex("^/vsa9/"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>404 - File or directory not found.</body></html>"),
        )
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let url = format!("{}/vsa9", fake.uri());
    let e = builder_at(&url, &t, TOKEN_SECRET)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let msg = e.to_string();
    assert!(msg.contains("VSA 9"), "{msg}");
    assert!(msg.contains(&url), "names the tenant URL used: {msg}");
}

#[tokio::test]
async fn every_alert_carries_its_device_and_organization_through_the_details_when_few() {
    // 10 notifications on 30 devices: 1 list page + 10 details beats 30
    // per-device lists.
    let data = KaseyaData::generate(5, 30, 10, 21);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let alerts: Vec<_> = connector(&fake, &t).all_alerts().await.unwrap();
    assert_all_linked(&alerts, &data);
    let received = fake.received().await;
    let details = received
        .iter()
        .filter(|r| r.url.path().starts_with("/api/v3/notifications/"))
        .count();
    assert_eq!(details, 10, "one detail per notification");
    assert!(
        received
            .iter()
            .all(|r| !r.url.path().ends_with("/notifications")
                || r.url.path() == "/api/v3/notifications"),
        "no per-device lists"
    );
}

#[tokio::test]
async fn every_alert_carries_its_device_and_organization_through_per_device_lists_when_many() {
    // 60 notifications on 12 devices: 12 per-device lists beat 1 + 60.
    let data = KaseyaData::generate(4, 12, 60, 22);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let alerts: Vec<_> = connector(&fake, &t).all_alerts().await.unwrap();
    assert_all_linked(&alerts, &data);
    let received = fake.received().await;
    let per_device = received
        .iter()
        .filter(|r| r.url.path().starts_with("/api/v3/devices/"))
        .count();
    assert_eq!(per_device, 12);
    assert!(
        received
            .iter()
            .all(|r| !r.url.path().starts_with("/api/v3/notifications/")),
        "no detail call"
    );
}

#[tokio::test]
async fn notifications_missing_from_every_device_list_are_swept_up_not_lost() {
    let mut data = KaseyaData::generate(4, 12, 60, 23);
    // A notification of a device removed since: no per-device list has it.
    data.notifications.push(serde_json::json!({
        "Id": 9001, "Message": "GONE-PC01 has been offline for more than 24 hours.",
        "DateTime": "2026-04-30T09:00:00Z", "Priority": "normal",
        "ComputerIdentifier": "0badc0de-0000-4000-8000-000000000000", "Read": false,
    }));
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let alerts: Vec<_> = connector(&fake, &t).all_alerts().await.unwrap();
    assert_eq!(alerts.len(), 61);
    let ids: HashSet<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 61, "each once");
    let gone = alerts.iter().find(|a| a.id == "9001").expect("swept up");
    assert_eq!(
        gone.device_id.as_deref(),
        Some("0badc0de-0000-4000-8000-000000000000")
    );
    assert_eq!(gone.customer_id, None, "its device is unknown");
    // Only the missing one needed a detail call.
    let details = fake
        .received()
        .await
        .iter()
        .filter(|r| r.url.path().starts_with("/api/v3/notifications/"))
        .count();
    assert_eq!(details, 1);
}

#[tokio::test]
async fn unlinked_listing_is_one_request_per_100_with_no_device() {
    let data = KaseyaData::generate(4, 40, 230, 24);
    let fake = KaseyaFake::with_data(data).await;
    let t = RecordingTime::new();
    let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .link_alerts(false)
        .build()
        .unwrap();
    let alerts: Vec<_> = vsa.all_alerts().await.unwrap();
    assert_eq!(alerts.len(), 230);
    assert!(
        alerts
            .iter()
            .all(|a| a.device_id.is_none() && a.customer_id.is_none())
    );
    let received = fake.received().await;
    assert_eq!(received.len(), 3);
    assert!(
        received
            .iter()
            .all(|r| r.url.path() == "/api/v3/notifications")
    );
}

#[tokio::test]
async fn epoch_and_iso_date_times_both_parse_and_priorities_map_in_any_case() {
    let mut data = KaseyaData::generate(3, 10, 40, 25);
    data.notifications[1]["Priority"] = "Critical".into();
    data.notifications[2]["Priority"] = "ELEVATED".into();
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .link_alerts(false)
        .build()
        .unwrap();
    let alerts: Vec<_> = vsa.all_alerts().await.unwrap();
    let (mut epoch, mut iso) = (0, 0);
    assert_eq!(alerts.len(), data.notifications.len());
    for (a, n) in alerts.iter().zip(&data.notifications) {
        assert_eq!(a.id, n["Id"].to_string());
        let want = n["DateTime"].as_str().unwrap().replace('Z', "+00:00");
        assert_eq!(a.created_at.unwrap().to_rfc3339(), want, "alert {}", a.id);
        if a.raw["DateTime"].is_number() {
            epoch += 1;
        } else {
            iso += 1;
        }
        let want = match n["Priority"].as_str().unwrap().to_lowercase().as_str() {
            "critical" => Severity::Critical,
            "elevated" => Severity::High,
            "normal" => Severity::Medium,
            _ => Severity::Low,
        };
        assert_eq!(a.severity, want, "alert {}", a.id);
    }
    assert!(epoch > 0 && iso > 0, "{epoch} epoch, {iso} ISO");
    for s in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ] {
        assert!(alerts.iter().any(|a| a.severity == s), "{s:?}");
    }
}

#[tokio::test]
async fn acknowledge_and_resolve_are_unsupported_and_send_nothing() {
    let data = KaseyaData::small();
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let vsa = connector(&fake, &t);
    let id = data.notifications[0]["Id"].to_string();
    for e in [
        vsa.acknowledge_alert(&id).await.unwrap_err(),
        vsa.resolve_alert(&id).await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let msg = e.to_string();
        assert!(msg.contains("no acknowledge or close verb"), "{msg}");
        assert!(msg.contains("DELETE"), "says why not DELETE: {msg}");
    }
    assert!(fake.received().await.is_empty(), "nothing sent");
    assert!(fake.deleted_notification_ids().is_empty());
    assert_eq!(fake.data().notifications.len(), data.notifications.len());
}

#[tokio::test]
async fn a_refused_token_says_to_re_mint_it_and_a_forbidden_one_names_the_role() {
    let fake = KaseyaFake::start().await;
    let t = RecordingTime::new();
    let e = builder_at(&fake.uri(), &t, "not-the-secret")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    let msg = e.to_string();
    assert!(msg.contains("API Access"), "{msg}");
    assert!(msg.contains("KASEYA_TOKEN_SECRET"), "{msg}");
    assert!(msg.contains("KASEYA_TOKEN_ID"), "both halves: {msg}");

    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/organizations",
        vec![error_body(403, "Request Failed")],
    )
    .await;
    let e = connector(&fake, &t).check().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    let msg = e.to_string();
    assert!(msg.contains("role"), "{msg}");
    assert!(
        msg.contains("Request Failed"),
        "the server's message: {msg}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_waits_and_the_listing_completes() {
    let data = KaseyaData::generate(150, 0, 0, 26);
    let fake = KaseyaFake::with_data(data).await;
    let mut throttled = too_many_requests(30);
    throttled = throttled.set_body_string(
        r#"{"Data":null,"Meta":{"ResponseCode":429,"ErrorMessage":"Too many requests"}}"#,
    );
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/organizations",
        vec![throttled],
    )
    .await;
    let t = RecordingTime::new();
    let orgs: Vec<_> = connector(&fake, &t).all_customers().await.unwrap();
    assert_eq!(orgs.len(), 150);
    assert!(
        t.sleeps().iter().any(|s| *s >= Duration::from_secs(30)),
        "{:?}",
        t.sleeps()
    );
}

#[tokio::test]
async fn connectors_on_one_token_in_one_process_share_one_quota() {
    let fake = KaseyaFake::start().await;
    let scheduled =
        KaseyaConnector::builder(&fake.uri(), TOKEN_ID, SecretString::from(TOKEN_SECRET))
            .build()
            .unwrap();
    let manual = KaseyaConnector::builder(&fake.uri(), TOKEN_ID, SecretString::from(TOKEN_SECRET))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(
        scheduled.client().limiter(),
        manual.client().limiter()
    ));
    let other = KaseyaConnector::builder(
        &fake.uri(),
        "another-token-id",
        SecretString::from(TOKEN_SECRET),
    )
    .build()
    .unwrap();
    assert!(!Arc::ptr_eq(
        scheduled.client().limiter(),
        other.client().limiter()
    ));
}

#[tokio::test]
async fn capabilities_agree_with_what_the_connector_does() {
    let data = KaseyaData::small();
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let id = data.notifications[0]["Id"].to_string();
    assert_capabilities_agree(&connector(&fake, &t), fake.server(), &id).await;
}

#[tokio::test]
async fn the_token_secret_never_appears_in_output() {
    let (_guard, captured) = vectis_testkit::trace::capture();
    let fake = KaseyaFake::start().await;
    let t = RecordingTime::new();
    let b = builder_at(&fake.uri(), &t, TOKEN_SECRET);
    let builder_debug = format!("{b:?}");
    let vsa = b.build().unwrap();
    vsa.check().await.unwrap();
    let _: Vec<_> = vsa.all_alerts().await.unwrap();
    let e = builder_at(&fake.uri(), &t, "wrong-secret-000")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    let text = format!("{builder_debug}\n{vsa:?}\n{e}\n{e:?}\n{}", captured.text());
    assert!(!captured.text().is_empty(), "tracing was captured");
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{TOKEN_ID}:{TOKEN_SECRET}"));
    for secret in [TOKEN_SECRET, "wrong-secret-000", basic.as_str()] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    // The token id is half of the Basic credential: a fingerprint only.
    assert!(!builder_debug.contains(TOKEN_ID), "{builder_debug}");
}

#[tokio::test]
async fn a_bad_base_url_is_blamed_on_the_base_url_not_the_tenant_setting() {
    let t = RecordingTime::new();
    let e = builder_at("https://acme.vsax.net", &t, TOKEN_SECRET)
        .base_url("http://proxy.example.com")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.to_string().contains("base URL") && !e.to_string().contains("KASEYA_TENANT_URL"),
        "{e}"
    );
}

#[tokio::test]
async fn a_device_removed_during_per_device_linking_loses_no_notification() {
    // Per-device lists (12 devices, 60 notifications); one device's list
    // answers 404, as for a device removed after the device list was read.
    let data = KaseyaData::generate(4, 12, 60, 25);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let removed = data.devices[3]["Identifier"].as_str().unwrap().to_string();
    Mock::given(wiremock::matchers::path(format!(
        "/api/v3/devices/{removed}/notifications"
    )))
    .respond_with(error_body(404, "Device not found"))
    .with_priority(1)
    .mount(fake.server())
    .await;
    let t = RecordingTime::new();
    let alerts: Vec<_> = connector(&fake, &t).all_alerts().await.unwrap();
    let ids: HashSet<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(alerts.len(), 60);
    assert_eq!(ids.len(), 60, "each once");
}

#[tokio::test]
async fn check_without_a_total_count_is_an_error_not_zero_organizations() {
    let fake = KaseyaFake::start().await;
    Mock::given(wiremock::matchers::path("/api/v3/organizations"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"Data": [], "Meta": {"ResponseCode": 200}})),
        )
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).check().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Data, "{e}");
    assert!(e.to_string().contains("TotalCount"), "{e}");
}

/// The device ↔ asset join streams: assets are read in step with devices
/// (not the whole inventory first), a device with no asset still arrives
/// (without OS), and a resumed listing reads assets from where it resumes.
#[tokio::test]
async fn the_asset_join_reads_assets_in_step_and_keeps_a_device_without_one() {
    let mut data = KaseyaData::generate(8, 1000, 0, 5);
    // The device last in identifier order loses its asset.
    let gone = data
        .devices
        .iter()
        .filter_map(|d| d["Identifier"].as_str())
        .max_by_key(|id| id.to_lowercase())
        .unwrap()
        .to_string();
    data.assets.retain(|a| a["Identifier"] != gone.as_str());
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap();
    let mut pages = vsa.device_pages(&ListOptions::default());
    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 100);
    assert!(first.items.iter().all(|d| d.os.is_some()));
    let read = fake.requests_to("/api/v3/assets").await.len();
    assert!(
        read <= 2,
        "{read} asset pages read for the first 100 devices: one and the next one prefetched, not all 10"
    );
    let mut devices = first.items;
    while let Some(page) = pages.try_next().await.unwrap() {
        devices.extend(page.items);
    }
    assert_eq!(
        devices.len(),
        1000,
        "every device, the one without an asset too"
    );
    for d in &devices {
        assert_eq!(d.os.is_none(), d.id == gone, "{}", d.id);
    }
    assert_eq!(fake.requests_to("/api/v3/assets").await.len(), 10);

    // Resumed after the first page: assets are read from the same place.
    let fake = KaseyaFake::with_data(data).await;
    let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap();
    let mut resume = first.resume.unwrap();
    resume.next = resume
        .next
        .replace(&fake_origin_of(&resume.next), &fake.uri());
    let rest: Vec<_> = vsa
        .devices(&ListOptions::default().resume(resume))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest.len(), 900);
    assert!(rest.iter().all(|d| d.os.is_some() || d.id == gone));
    let asset_reqs = fake.requests_to("/api/v3/assets").await;
    assert_eq!(query_param(&asset_reqs[0], "$skip").as_deref(), Some("100"));
    assert_eq!(asset_reqs.len(), 9);
}

/// `scheme://host:port` of a URL.
fn fake_origin_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    u.origin().ascii_serialization()
}

/// Every request a linked alert listing makes (device list, count,
/// per-notification details) goes through the token's limiter: at 60 a
/// minute, evenly paced (bursts would let the first 60 through at once),
/// N requests wait at least N - 1 seconds.
#[tokio::test]
async fn every_linking_request_goes_through_the_quota() {
    let data = KaseyaData::generate(3, 30, 8, 31);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let quota = vectis_core::Quota::per_minute(60);
    let vsa = KaseyaConnector::builder(&fake.uri(), TOKEN_ID, SecretString::from(TOKEN_SECRET))
        .settings(
            EngineSettings::default()
                .quota(quota)
                .limiter(Arc::new(
                    vectis_core::rate_limit::GovernorLimit::with_pacing(
                        quota,
                        vectis_core::Pacing::Even,
                        t.time(),
                    ),
                ))
                .time(t.time()),
        )
        .build()
        .unwrap();
    let alerts: Vec<_> = vsa.all_alerts().await.unwrap();
    assert_all_linked(&alerts, &data);
    let requests = fake.received().await.len() as u64;
    assert!(requests > 8, "details were fetched: {requests}");
    assert!(
        t.total_slept() >= Duration::from_secs(requests - 1),
        "{requests} requests in {:?}",
        t.total_slept()
    );
}

/// A device with no asset early in the list: the join reads at most its
/// look-ahead (1,000 assets) past it, gives it up, and every later device
/// still gets its asset.
#[tokio::test]
async fn a_missing_asset_costs_a_bounded_look_ahead_not_the_whole_list() {
    let mut data = KaseyaData::generate(8, 2000, 0, 32);
    let first = data
        .devices
        .iter()
        .filter_map(|d| d["Identifier"].as_str())
        .min_by_key(|id| id.to_lowercase())
        .unwrap()
        .to_string();
    data.assets.retain(|a| a["Identifier"] != first.as_str());
    let fake = KaseyaFake::with_data(data).await;
    let t = RecordingTime::new();
    let vsa = builder_at(&fake.uri(), &t, TOKEN_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap();
    let mut pages = vsa.device_pages(&ListOptions::default());
    let page = pages.try_next().await.unwrap().unwrap();
    assert!(page.items.iter().any(|d| d.id == first && d.os.is_none()));
    let read = fake.requests_to("/api/v3/assets").await.len();
    assert!(
        (10..=13).contains(&read),
        "{read} asset pages read for the first device page: the 1,000-asset look-ahead, not all 20"
    );
    let mut devices = page.items;
    while let Some(page) = pages.try_next().await.unwrap() {
        devices.extend(page.items);
    }
    assert_eq!(devices.len(), 2000);
    assert!(devices.iter().all(|d| d.os.is_some() || d.id == first));
}

/// Answers the connector's one-item count request
/// (`/notifications?$top=1`) with `TotalCount: total`, as if the count had
/// been taken at another moment than the lists.
async fn count_notifications_as(fake: &KaseyaFake, total: u64) {
    Mock::given(wiremock::matchers::path("/api/v3/notifications"))
        .and(wiremock::matchers::query_param("$top", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"Data": [], "Meta": {"ResponseCode": 200, "TotalCount": total}}),
        ))
        .with_priority(1)
        .mount(fake.server())
        .await;
}

#[tokio::test]
async fn a_notification_created_during_the_sync_does_not_hide_an_older_one_from_the_sweep() {
    let mut data = KaseyaData::generate(4, 12, 60, 23);
    // An older notification of a device no longer listed: no per-device
    // list has it.
    data.notifications.push(serde_json::json!({
        "Id": 9001, "Message": "GONE-PC01 has been offline for more than 24 hours.",
        "DateTime": "2026-04-30T09:00:00Z", "Priority": "normal",
        "ComputerIdentifier": "0badc0de-0000-4000-8000-000000000000", "Read": false,
    }));
    // A new one on a listed device, created after the count was taken.
    let listed = data.devices[2]["Identifier"].as_str().unwrap().to_string();
    data.notifications.push(serde_json::json!({
        "Id": 9002, "Message": "Disk C: below 5%", "DateTime": "2026-05-01T11:59:00Z",
        "Priority": "critical", "ComputerIdentifier": listed, "Read": false,
    }));
    let fake = KaseyaFake::with_data(data).await;
    count_notifications_as(&fake, 61).await;
    let t = RecordingTime::new();
    let alerts: Vec<_> = connector(&fake, &t).all_alerts().await.unwrap();
    let ids: HashSet<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    assert!(
        ids.contains("9001"),
        "the older notification was never seen"
    );
    assert!(ids.contains("9002"));
    assert_eq!(alerts.len(), 62);
    assert_eq!(ids.len(), 62, "each once");
}

#[tokio::test]
async fn a_total_count_near_u64_max_does_not_overflow_the_strategy_choice() {
    let data = KaseyaData::generate(2, 6, 10, 29);
    let fake = KaseyaFake::with_data(data).await;
    count_notifications_as(&fake, u64::MAX).await;
    let t = RecordingTime::new();
    let alerts: Vec<_> = connector(&fake, &t).all_alerts().await.unwrap();
    assert_eq!(alerts.len(), 10);
}
