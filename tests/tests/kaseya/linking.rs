//! Notifications linked to their device and organization: through details,
//! per-device lists or the sweep, never losing one.

use super::*;

/// Lists every alert of a fake tenant holding `data`, checks that each is
/// linked to its device and organization, and returns what the fake received.
async fn list_linked(data: &KaseyaData) -> Vec<wiremock::Request> {
    let fake = KaseyaFake::with_data(data.clone()).await;
    let alerts: Vec<_> = connector(&fake, &RecordingTime::new())
        .all_alerts()
        .await
        .unwrap();
    assert_all_linked(&alerts, data);
    fake.received().await
}

/// How many of `received` went to a path under `prefix`.
fn count_under(received: &[wiremock::Request], prefix: &str) -> usize {
    received
        .iter()
        .filter(|r| r.url.path().starts_with(prefix))
        .count()
}

#[tokio::test]
async fn every_alert_carries_its_device_and_organization_through_the_details_when_few() {
    // 10 notifications on 30 devices: 1 list page + 10 details beats 30
    // per-device lists.
    let data = KaseyaData::generate(5, 30, 10, 21);
    let received = list_linked(&data).await;
    let details = count_under(&received, "/api/v3/notifications/");
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
    let received = list_linked(&data).await;
    let per_device = count_under(&received, "/api/v3/devices/");
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
    data.notifications.push(gone_device_notification());
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
    data.notifications.push(gone_device_notification());
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

/// A notification of a device that is no longer listed: no per-device list
/// has it, only the sweep of every notification can find it.
fn gone_device_notification() -> serde_json::Value {
    serde_json::json!({
        "Id": 9001, "Message": "GONE-PC01 has been offline for more than 24 hours.",
        "DateTime": "2026-04-30T09:00:00Z", "Priority": "normal",
        "ComputerIdentifier": "0badc0de-0000-4000-8000-000000000000", "Read": false,
    })
}
