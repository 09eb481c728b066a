//! Listings: every record once and in order, next links, resume cursors,
//! records without ids, and alert lists that follow each other.

use super::*;

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
    assert_mentions(&msg, &["/api/v3/agents", "AgentID"]);
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
