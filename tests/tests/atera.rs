//! vectis-atera against the Atera fake: paging, retries, failures, secrets.

use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use vectis_atera::AteraConnector;
use vectis_core::{
    AlertStatus, Connector, EngineSettings, Error, ListOptions, Quota, SecretString, Severity,
};
use vectis_testkit::ListAll;
use vectis_testkit::RecordingTime;
use vectis_testkit::atera::{ATERA_API_KEY, ATERA_JWT_KEY, AteraData, AteraFake};
use vectis_testkit::conformance::assert_capabilities_agree;
use vectis_testkit::fake::{html_login_page, mount_sequence, too_many_requests, truncated_json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

fn connector(fake: &AteraFake, time: &RecordingTime) -> AteraConnector {
    connector_with(fake, time, ATERA_API_KEY, 1)
}

fn connector_with(
    fake: &AteraFake,
    time: &RecordingTime,
    key: &str,
    concurrency: usize,
) -> AteraConnector {
    AteraConnector::builder(SecretString::from(key))
        .base_url(&fake.uri())
        .settings(vectis_testkit::unthrottled(time, concurrency))
        .build()
        .unwrap()
}

fn ids(data: &[serde_json::Value], field: &str) -> Vec<String> {
    data.iter().map(|v| v[field].to_string()).collect()
}

#[tokio::test]
async fn every_record_of_a_three_page_tenant_arrives_once_in_order() {
    // 120 customers at 50 a page: pages of 50, 50, 20.
    let data = AteraData::generate(120, 130, 140, 11);
    let fake = AteraFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    for concurrency in [1, 4] {
        let atera = connector_with(&fake, &t, ATERA_API_KEY, concurrency);
        let customers: Vec<_> = atera.all_customers().await.unwrap();
        let got: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
        assert_eq!(
            got,
            ids(&data.customers, "CustomerID"),
            "concurrency {concurrency}"
        );
        let devices: Vec<_> = atera.all_devices().await.unwrap();
        assert_eq!(devices.len(), 130);
        let mut unique: Vec<_> = devices.iter().map(|d| d.id.clone()).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 130, "no device twice");
        let alerts: Vec<_> = atera.all_alerts().await.unwrap();
        assert_eq!(alerts.len(), 140, "open and resolved alerts");
        assert!(alerts.iter().any(|a| a.status == AlertStatus::Resolved));
        assert!(alerts.iter().any(|a| a.status == AlertStatus::Open));
    }
    // Pages were asked with the largest size Atera allows, and the item
    // count shows no 1,000-record cap.
    let reqs = fake.received().await;
    assert!(
        reqs.iter()
            .filter(|r| r.url.path() == "/api/v3/customers")
            .all(|r| r.url.query().unwrap_or("").contains("itemsInPage=50"))
    );
}

#[tokio::test]
async fn more_than_a_thousand_records_are_not_capped() {
    let fake = AteraFake::with_data(AteraData::generate(5, 1234, 0, 3)).await;
    let t = RecordingTime::new();
    let n = connector_with(&fake, &t, ATERA_API_KEY, 4)
        .devices(&ListOptions::default())
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(n, 1234);
}

#[tokio::test]
async fn check_reports_the_customer_count() {
    let fake = AteraFake::with_data(AteraData::generate(42, 5, 5, 1)).await;
    let t = RecordingTime::new();
    let info = connector(&fake, &t).check().await.unwrap();
    assert_eq!(info.to_string(), "Connected to Atera: 42 customers");
}

#[tokio::test]
async fn jwt_keys_go_as_bearer_and_classic_keys_as_x_api_key() {
    let fake = AteraFake::start().await;
    let t = RecordingTime::new();
    connector_with(&fake, &t, ATERA_JWT_KEY, 1)
        .check()
        .await
        .unwrap();
    connector_with(&fake, &t, ATERA_API_KEY, 1)
        .check()
        .await
        .unwrap();
    let reqs = fake.received().await;
    assert!(reqs.iter().any(|r| {
        r.headers
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap() == format!("Bearer {ATERA_JWT_KEY}"))
    }));
    assert!(reqs.iter().any(|r| {
        r.headers
            .get("x-api-key")
            .is_some_and(|v| v.to_str().unwrap() == ATERA_API_KEY)
    }));
}

#[tokio::test]
async fn a_wrong_key_gives_atera_advice_and_never_echoes_the_key() {
    let fake = AteraFake::start().await;
    let t = RecordingTime::new();
    let e = connector_with(&fake, &t, "wrong-key-1234567890", 1)
        .check()
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(
            e,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(msg.contains("Atera → Admin → API"), "{msg}");
    assert!(!msg.contains("wrong-key-1234567890"));
}

#[tokio::test]
async fn a_429_with_retry_after_waits_and_then_completes() {
    let fake = AteraFake::with_data(AteraData::generate(60, 0, 0, 5)).await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/customers",
        vec![too_many_requests(2)],
    )
    .await;
    let t = RecordingTime::new();
    let customers: Vec<_> = connector(&fake, &t).all_customers().await.unwrap();
    assert_eq!(customers.len(), 60);
    assert!(
        t.total_slept() >= Duration::from_secs(2),
        "slept {:?}",
        t.sleeps()
    );
}

#[tokio::test]
async fn server_errors_500_then_502_are_retried() {
    let fake = AteraFake::with_data(AteraData::generate(10, 0, 0, 5)).await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/customers",
        vec![ResponseTemplate::new(500), ResponseTemplate::new(502)],
    )
    .await;
    let t = RecordingTime::new();
    let customers: Vec<_> = connector(&fake, &t).all_customers().await.unwrap();
    assert_eq!(customers.len(), 10);
    assert_eq!(
        fake.received()
            .await
            .iter()
            .filter(|r| r.url.path() == "/api/v3/customers")
            .count(),
        3
    );
}

/// Page 2 of the customer list answers with `template`; page 1 is real.
async fn break_page_two(fake: &AteraFake, template: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "2"))
        .respond_with(template)
        .with_priority(1)
        .mount(fake.server())
        .await;
}

#[tokio::test]
async fn a_truncated_page_is_an_error_naming_the_endpoint_not_a_short_list() {
    let fake = AteraFake::with_data(AteraData::generate(120, 0, 0, 5)).await;
    break_page_two(&fake, truncated_json(&json!({"items": [{"CustomerID": 1, "CustomerName": "x"}], "page": 2, "itemsInPage": 50, "totalItemCount": 120, "totalPages": 3, "prevLink": "", "nextLink": ""}))).await;
    let t = RecordingTime::new();
    let mut stream = connector(&fake, &t).customers(&ListOptions::default());
    let mut n = 0;
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => n += 1,
            Some(Err(e)) => break e,
            None => panic!("the stream ended quietly after {n} customers"),
        }
    };
    assert_eq!(n, 50, "only page 1 was delivered");
    let msg = err.to_string();
    assert!(
        msg.contains("/api/v3/customers") && msg.contains("truncated"),
        "{msg}"
    );
}

#[tokio::test]
async fn an_html_login_page_is_an_error_naming_the_endpoint() {
    let fake = AteraFake::with_data(AteraData::generate(120, 0, 0, 5)).await;
    break_page_two(&fake, html_login_page()).await;
    let t = RecordingTime::new();
    let r: Result<Vec<_>, _> = connector(&fake, &t).all_customers().await;
    let msg = r.unwrap_err().to_string();
    assert!(
        msg.contains("/api/v3/customers") && msg.contains("HTML"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_the_key_never_reaches_it() {
    let evil = wiremock::MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [], "totalItemCount": 0})),
        )
        .mount(&evil)
        .await;
    let fake = AteraFake::start().await;
    Mock::given(path("/api/v3/customers"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/api/v3/customers", evil.uri())),
        )
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let r: Result<Vec<_>, _> = connector(&fake, &t).all_customers().await;
    assert!(r.unwrap_err().to_string().contains("not followed"));
    assert!(
        evil.received_requests().await.unwrap().is_empty(),
        "nothing reached the other host"
    );
}

fn envelope(items: serde_json::Value, next: &str) -> serde_json::Value {
    json!({"items": items, "page": 1, "itemsInPage": 50, "totalItemCount": 1000, "totalPages": 20, "prevLink": "", "nextLink": next})
}

fn one_customer(id: i64) -> serde_json::Value {
    json!([{"CustomerID": id, "CustomerName": format!("Customer {id}")}])
}

#[tokio::test]
async fn a_next_link_to_a_foreign_origin_is_refused() {
    let evil = wiremock::MockServer::start().await;
    let fake = AteraFake::start().await;
    Mock::given(path("/api/v3/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            one_customer(1),
            &format!("{}/api/v3/customers?page=2", evil.uri()),
        )))
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let r: Result<Vec<_>, _> = connector(&fake, &t).all_customers().await;
    let e = r.unwrap_err();
    assert!(matches!(e, Error::Inconsistent { .. }), "{e:?}");
    assert!(e.to_string().contains("another origin"), "{e}");
    assert!(evil.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_repeated_next_link_is_a_pagination_loop() {
    let fake = AteraFake::start().await;
    let page2 = format!("{}/api/v3/customers?page=2&itemsInPage=50", fake.uri());
    // Page 2 keeps pointing at itself.
    Mock::given(path("/api/v3/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(one_customer(7), &page2)))
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let r: Result<Vec<_>, _> = connector(&fake, &t).all_customers().await;
    let e = r.unwrap_err();
    assert!(matches!(e, Error::PaginationLoop { .. }), "{e:?}");
    assert!(e.to_string().contains("/api/v3/customers"));
}

#[tokio::test]
async fn null_and_empty_next_links_both_end_the_listing() {
    for null in [false, true] {
        let fake = AteraFake::with_data(AteraData::generate(75, 0, 0, 9)).await;
        fake.set_null_next_link_at_end(null);
        let t = RecordingTime::new();
        let n = connector(&fake, &t).all_customers().await.unwrap().len();
        assert_eq!(n, 75);
    }
}

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
    assert!(
        q.contains("FromLastModifiedDate=2026-04-30T22%3A00%3A00"),
        "{q}"
    );
}

#[tokio::test]
async fn the_key_never_appears_in_debug_errors_or_traces() {
    let (_guard, capture) = vectis_testkit::trace::capture();

    let fake = AteraFake::with_data(AteraData::generate(60, 3, 3, 1)).await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/agents",
        vec![too_many_requests(1), ResponseTemplate::new(500)],
    )
    .await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let _ = atera.all_customers().await.unwrap();
    let _ = atera.all_devices().await.unwrap();
    let bad = connector_with(&fake, &t, "bad-key-zz-0000000000", 1);
    let err = bad.check().await.unwrap_err();

    let logs = capture.text();
    assert!(
        logs.contains("vectis.request"),
        "tracing captured the requests"
    );
    for text in [
        logs,
        format!("{atera:?}"),
        format!("{bad:?}"),
        err.to_string(),
        format!("{err:?}"),
    ] {
        assert!(!text.contains(ATERA_API_KEY), "the key leaked: {text}");
        assert!(
            !text.contains("bad-key-zz-0000000000"),
            "the key leaked: {text}"
        );
    }
}

#[tokio::test]
async fn a_listing_resumes_from_a_page_cursor() {
    let data = AteraData::generate(120, 0, 0, 21);
    let fake = AteraFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let mut pages = atera.customer_pages(&ListOptions::default());
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 50);
    assert_eq!(first.total, Some(120));
    drop(pages);
    // The cursor survives a round trip through JSON (e.g. a crash-safe checkpoint).
    let saved = serde_json::to_string(&first.resume.unwrap()).unwrap();
    let opts = ListOptions::default().resume(serde_json::from_str(&saved).unwrap());
    let rest: Vec<_> = atera.customers(&opts).try_collect().await.unwrap();
    let mut got: Vec<String> = first.items.iter().map(|c| c.id.clone()).collect();
    got.extend(rest.iter().map(|c| c.id.clone()));
    assert_eq!(
        got,
        ids(&data.customers, "CustomerID"),
        "resumed exactly where it stopped"
    );
}

/// Customers, devices and alerts of two tenants sync at once (six spawned
/// streams): every record arrives, each tenant's listings go through that
/// tenant's limiter (shared by every connector on the same key), and the
/// tenants do not hold each other back.
#[tokio::test]
async fn three_kinds_of_two_tenants_sync_at_once_each_tenant_under_its_own_limiter() {
    let data_a = AteraData::generate(60, 70, 80, 21);
    let data_b = AteraData::generate(90, 55, 45, 22);
    let (fake_a, fake_b) = (
        AteraFake::with_data(data_a.clone()).await,
        AteraFake::with_data(data_b.clone()).await,
    );
    let t = RecordingTime::new();
    let build = |fake: &AteraFake, key: &str| {
        AteraConnector::builder(SecretString::from(key))
            .base_url(&fake.uri())
            .settings(
                EngineSettings::default()
                    .quota(Quota::per_minute(700))
                    .time(t.time())
                    .concurrency(4),
            )
            .build()
            .unwrap()
    };
    let (a, b) = (build(&fake_a, ATERA_API_KEY), build(&fake_b, ATERA_JWT_KEY));
    let a_again = build(&fake_a, ATERA_API_KEY);
    assert!(Arc::ptr_eq(
        a.client().limiter(),
        a_again.client().limiter()
    ));
    assert!(!Arc::ptr_eq(a.client().limiter(), b.client().limiter()));
    let opts = ListOptions::default();
    let count = |s: vectis_core::ItemStream<_>| {
        tokio::spawn(s.try_fold(0usize, |n, _| async move { Ok(n + 1) }))
    };
    let tasks = [
        count(a.customers(&opts).map_ok(|_| ()).boxed()),
        count(a.devices(&opts).map_ok(|_| ()).boxed()),
        count(a.alerts(&opts).map_ok(|_| ()).boxed()),
        count(b.customers(&opts).map_ok(|_| ()).boxed()),
        count(b.devices(&opts).map_ok(|_| ()).boxed()),
        count(b.alerts(&opts).map_ok(|_| ()).boxed()),
    ];
    let mut got = Vec::new();
    for task in tasks {
        got.push(task.await.unwrap().unwrap());
    }
    assert_eq!(got, vec![60, 70, 80, 90, 55, 45]);
    // Each fake saw only its own tenant's key.
    for (fake, key) in [(&fake_a, ATERA_API_KEY), (&fake_b, ATERA_JWT_KEY)] {
        for r in fake.received().await {
            let auth = format!("{:?}", r.headers);
            assert!(auth.contains(key), "{} without its key", r.url);
        }
    }
}

#[tokio::test]
async fn a_record_with_a_null_id_is_skipped_not_the_page() {
    // Atera's spec marks AgentID, CustomerID and AlertID nullable.
    let mut data = AteraData::generate(4, 60, 6, 23);
    data.customers[1]["CustomerID"] = serde_json::Value::Null;
    data.agents[7]["AgentID"] = serde_json::Value::Null;
    data.agents[7]["DeviceGuid"] = serde_json::Value::Null;
    data.agents[8]
        .as_object_mut()
        .unwrap()
        .remove("AgentID")
        .unwrap();
    data.agents[8]["DeviceGuid"] = serde_json::Value::Null;
    data.alerts[2]["AlertID"] = serde_json::Value::Null;
    let fake = AteraFake::with_data(data).await;
    let t = RecordingTime::new();
    for concurrency in [1, 3] {
        let atera = connector_with(&fake, &t, ATERA_API_KEY, concurrency);
        let customers: Vec<_> = atera.all_customers().await.unwrap();
        assert_eq!(customers.len(), 3);
        let devices: Vec<_> = atera.all_devices().await.unwrap();
        assert_eq!(
            devices.len(),
            58,
            "both agents of page 1 without an id skipped"
        );
        let alerts: Vec<_> = atera.all_alerts().await.unwrap();
        assert_eq!(alerts.len(), 5);
    }
}

#[tokio::test]
async fn a_listing_where_no_record_has_an_id_is_an_error_naming_the_field() {
    let mut data = AteraData::generate(3, 3, 0, 23);
    for a in &mut data.agents {
        a["AgentID"] = serde_json::Value::Null;
        a["DeviceGuid"] = serde_json::Value::Null;
    }
    let fake = AteraFake::with_data(data).await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).all_devices().await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("/api/v3/agents") && msg.contains("AgentID"),
        "{msg}"
    );
}

#[tokio::test]
async fn envelope_fields_paging_never_reads_do_not_fail_the_page() {
    let fake = AteraFake::with_data(AteraData::generate(2, 0, 0, 3)).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [{"CustomerID": 1, "CustomerName": "A"}, {"CustomerID": 2, "CustomerName": "B"}],
            "page": -1, "itemsInPage": -50, "totalItemCount": 2, "totalPages": 1,
            "prevLink": "", "nextLink": ""
        })))
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let customers: Vec<_> = connector(&fake, &t).all_customers().await.unwrap();
    assert_eq!(customers.len(), 2);
}

#[tokio::test]
async fn alerts_resumed_inside_the_resolved_list_do_not_replay_it_as_open() {
    let data = AteraData::generate(2, 3, 30, 17);
    let resolved_ids: Vec<String> = data
        .resolved_alerts()
        .iter()
        .map(|a| a["AlertID"].to_string())
        .collect();
    assert!(resolved_ids.len() >= 4, "{}", resolved_ids.len());
    let fake = AteraFake::with_data(data).await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let opts = ListOptions::default().page_size(2);
    // Read up to the first page of the resolved list, and stop there.
    let mut pages = atera.alert_pages(&opts);
    let first_resolved = loop {
        let page = pages.next().await.unwrap().unwrap();
        if page.items.iter().any(|a| a.status == AlertStatus::Resolved) {
            break page;
        }
    };
    drop(pages);
    let mut resumed = opts;
    resumed.resume = first_resolved.resume.clone();
    let rest: Vec<_> = atera.alerts(&resumed).try_collect().await.unwrap();
    assert!(
        rest.iter().all(|a| a.status == AlertStatus::Resolved),
        "the resolved list was replayed as open"
    );
    let mut got: Vec<String> = first_resolved.items.iter().map(|a| a.id.clone()).collect();
    got.extend(rest.iter().map(|a| a.id.clone()));
    assert_eq!(got, resolved_ids, "each resolved alert once, in order");
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

#[tokio::test]
async fn a_sync_paced_by_its_quota_says_so() {
    let (_guard, capture) = vectis_testkit::trace::capture();
    // 200 customers at 50 a page under 2/min: pages 3 and 4 wait ~30 s each.
    let fake = AteraFake::with_data(AteraData::generate(200, 0, 0, 1)).await;
    let t = RecordingTime::new();
    let atera = AteraConnector::builder(SecretString::from(ATERA_API_KEY))
        .base_url(&fake.uri())
        .settings(
            EngineSettings::default()
                .quota(Quota::per_minute(2))
                .limiter(Arc::new(vectis_core::rate_limit::GovernorLimit::with_time(
                    Quota::per_minute(2),
                    t.time(),
                )))
                .time(t.time())
                .concurrency(1),
        )
        .build()
        .unwrap();
    let all: Vec<_> = atera.all_customers().await.unwrap();
    assert_eq!(all.len(), 200);
    assert!(
        t.total_slept() >= Duration::from_secs(30),
        "{:?}",
        t.sleeps()
    );
    let logs = capture.text();
    assert!(
        logs.contains("Atera is paced by its quota (2/min)"),
        "no note of the wait:\n{logs}"
    );
}

#[tokio::test]
async fn a_sync_within_its_quota_says_nothing_about_it() {
    let (_guard, capture) = vectis_testkit::trace::capture();
    let fake = AteraFake::with_data(AteraData::generate(200, 0, 0, 1)).await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let _: Vec<_> = atera.all_customers().await.unwrap();
    assert!(!capture.text().contains("paced by its quota"));
}

#[tokio::test]
async fn a_customer_shifted_onto_the_next_page_by_an_insert_is_delivered_once() {
    // 60 customers at 50 a page; while page 1 is read one is inserted before
    // the 50th, so page 2 starts with the 50th again (and the total grows).
    let data = AteraData::generate(60, 0, 0, 4);
    let fake = AteraFake::with_data(data.clone()).await;
    let page2: Vec<serde_json::Value> = data.customers[49..].to_vec();
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": page2,
            "totalItemCount": 61,
            "page": 2,
            "itemsInPage": 50,
            "totalPages": 2,
            "prevLink": "",
            "nextLink": "",
        })))
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    for concurrency in [1, 4] {
        let atera = connector_with(&fake, &t, ATERA_API_KEY, concurrency);
        let got: Vec<String> = atera
            .customers(&ListOptions::default())
            .map_ok(|c| c.id)
            .try_collect()
            .await
            .unwrap();
        let mut unique = got.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(got.len(), unique.len(), "an id arrived twice: {got:?}");
        assert_eq!(
            got,
            ids(&data.customers, "CustomerID"),
            "concurrency {concurrency}"
        );
    }
}

/// The resolved list's first page is asked for while the open list is
/// still being read, so a full alert sync does not add a sequential round
/// trip between the two lists; every alert still arrives once, open first.
#[tokio::test]
async fn the_resolved_list_starts_while_the_open_list_is_read() {
    let data = AteraData::generate(2, 3, 40, 23);
    let open = data.open_alerts().len();
    assert!(open >= 8, "{open} open alerts");
    let fake = AteraFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let opts = ListOptions::default().page_size(2);
    let all: Vec<_> = atera.alerts(&opts).try_collect().await.unwrap();
    let statuses: Vec<AlertStatus> = all.iter().map(|a| a.status).collect();
    let first_resolved = statuses
        .iter()
        .position(|s| *s == AlertStatus::Resolved)
        .unwrap();
    assert!(
        statuses[..first_resolved]
            .iter()
            .all(|s| *s != AlertStatus::Resolved)
            && statuses[first_resolved..]
                .iter()
                .all(|s| *s == AlertStatus::Resolved),
        "open first, then resolved: {statuses:?}"
    );
    assert_eq!(all.len(), data.alerts.len());
    let asked: Vec<String> = fake
        .received()
        .await
        .iter()
        .filter(|r| r.url.path() == "/api/v3/alerts")
        .map(|r| {
            let q = |k: &str| {
                r.url
                    .query_pairs()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            format!("{}:{}", q("alertStatus"), q("page"))
        })
        .collect();
    let resolved_first = asked.iter().position(|a| a == "Resolved:1").unwrap();
    let last_open = asked.iter().rposition(|a| a.starts_with("Open:")).unwrap();
    assert!(
        resolved_first < last_open,
        "the resolved list waited for the open one: {asked:?}"
    );
}
