//! What Atera can do: resolving, capabilities, severities and links, and
//! listing only what changed since a time.

use super::*;

#[tokio::test]
async fn resolve_puts_the_alert_and_acknowledge_is_unsupported() {
    let data = AteraData::generate(3, 5, 6, 2);
    let open_id = data
        .alerts
        .iter()
        .find(|a| a["Archived"] == json!(false))
        .map(|a| a["AlertID"].to_string())
        .unwrap();
    let fake = AteraFake::with_data(data).await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let outcome = atera.resolve_alert(&open_id).await.unwrap();
    assert_eq!(
        outcome.to_string(),
        format!("Atera: alert {open_id} resolved")
    );
    assert_eq!(
        fake.resolved_alert_ids(),
        vec![open_id.parse::<i64>().unwrap()]
    );
    let puts = fake
        .received()
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count();
    assert_eq!(puts, 1);

    let before = fake.received().await.len();
    let e = atera.acknowledge_alert(&open_id).await.unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }));
    assert!(e.to_string().contains("no acknowledge verb"), "{e}");
    assert_eq!(
        fake.received().await.len(),
        before,
        "acknowledge sent nothing"
    );

    let e = atera.resolve_alert("999999999").await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("no alert 999999999"), "{e}");
    let e = atera.resolve_alert("../customers").await.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
}

#[tokio::test]
async fn capabilities_agree_with_behaviour() {
    let data = AteraData::generate(3, 5, 6, 2);
    let id = data.alerts[0]["AlertID"].to_string();
    let fake = AteraFake::with_data(data).await;
    let t = RecordingTime::new();
    assert_capabilities_agree(&connector(&fake, &t), fake.server(), &id).await;
}

#[tokio::test]
async fn severities_and_links_map_per_the_vendor_table() {
    let data = AteraData::generate(4, 10, 60, 8);
    let fake = AteraFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let devices: Vec<_> = atera.all_devices().await.unwrap();
    let alerts: Vec<_> = atera.all_alerts().await.unwrap();
    let sev: std::collections::HashSet<Severity> = alerts.iter().map(|a| a.severity).collect();
    for s in [Severity::Critical, Severity::Medium, Severity::Info] {
        assert!(sev.contains(&s), "{s:?} missing");
    }
    // Every alert points at a device the device listing knows.
    let device_ids: std::collections::HashSet<_> = devices.iter().map(|d| d.id.clone()).collect();
    assert!(
        alerts
            .iter()
            .all(|a| a.device_id.as_ref().is_some_and(|d| device_ids.contains(d)))
    );
    // The raw vendor JSON travels with each record.
    assert!(alerts[0].raw.get("AlertID").is_some());
}

#[tokio::test]
async fn since_asks_atera_for_recently_modified_customers() {
    let fake = AteraFake::with_data(AteraData::generate(10, 0, 0, 4)).await;
    let t = RecordingTime::new();
    let since = chrono::DateTime::parse_from_rfc3339("2026-05-01T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let opts = ListOptions::default().since(since);
    let _ = connector(&fake, &t)
        .customers(&opts)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let reqs = fake.received().await;
    let q = reqs
        .iter()
        .find(|r| r.url.path() == "/api/v3/customers")
        .unwrap()
        .url
        .query()
        .unwrap()
        .to_string();
    assert_mentions(&q, &["FromLastModifiedDate=2026-04-30T22%3A00%3A00"]);
}

/// Atera's 14-hour time-zone margin on `since` near chrono's earliest date
/// used to overflow (a panic in the caller); it is an error before any
/// request.
#[tokio::test]
async fn a_since_too_early_for_the_time_zone_margin_is_an_error_not_a_panic() {
    let fake = AteraFake::start().await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let opts = ListOptions::default().since(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let first = atera.customers(&opts).next().await.unwrap();
    let e = first.unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert!(fake.received().await.is_empty(), "nothing was sent");
}
