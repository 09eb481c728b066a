//! Lists in both paging modes: every record once, conditions to the last
//! page, `since`, and deleted companies.

use super::*;

#[tokio::test]
async fn every_company_and_configuration_arrives_once_in_both_paging_modes() {
    let data = ConnectWiseData::generate(2_500, 4_100, 0, 11);
    let fake = ConnectWiseFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    for paging in [Paging::ForwardOnly, Paging::Navigable] {
        let cw = connector(&fake, &t, paging);
        let before = fake.received().await.len();
        let customers: Vec<_> = cw.all_customers().await.unwrap();
        let got: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
        assert_eq!(
            got,
            ids(&data.companies),
            "{paging:?}: every company once, in order"
        );
        let devices: Vec<_> = cw.all_devices().await.unwrap();
        let got: Vec<String> = devices.iter().map(|d| d.id.clone()).collect();
        assert_eq!(
            got,
            ids(&data.configurations),
            "{paging:?}: every configuration once"
        );
        let companies: HashSet<&str> = customers.iter().map(|c| c.id.as_str()).collect();
        assert!(
            devices
                .iter()
                .all(|d| companies.contains(d.customer_id.as_deref().unwrap())),
            "configurations link to companies by company.id"
        );

        let reqs = fake.received().await.split_off(before);
        let pages = list_requests(&reqs, COMPANIES);
        assert_eq!(pages.len(), 3, "{paging:?}: 2,500 at 1,000 a page");
        assert_eq!(list_requests(&reqs, CONFIGURATIONS).len(), 5);
        for r in pages
            .iter()
            .chain(list_requests(&reqs, CONFIGURATIONS).iter())
        {
            assert_eq!(query_param(r, "pageSize").as_deref(), Some("1000"));
            let fo = r
                .headers
                .get("pagination-type")
                .map(|v| v.to_str().unwrap().to_string());
            match paging {
                Paging::ForwardOnly => {
                    assert_eq!(fo.as_deref(), Some("forward-only"));
                    assert_eq!(query_param(r, "page"), None);
                }
                Paging::Navigable => {
                    assert_eq!(fo, None);
                    assert_eq!(query_param(r, "orderBy").as_deref(), Some("id asc"));
                }
            }
        }
        if paging == Paging::ForwardOnly {
            assert!(
                query_param(pages[1], "pageId").is_some(),
                "forward-only follows pageId"
            );
        } else {
            assert_eq!(query_param(pages[2], "page").as_deref(), Some("3"));
        }
    }
}

#[tokio::test]
async fn a_company_created_during_a_forward_only_sync_is_neither_skipped_nor_duplicated() {
    let data = ConnectWiseData::generate(2_500, 0, 0, 5);
    let fake = ConnectWiseFake::with_data(data.clone()).await;
    let new_id = next_id(&data.companies);
    fake.insert_after_pages(
        Table::Companies,
        1,
        company(new_id, "NewClient", "New Client Ltd", data_now()),
    );
    let t = RecordingTime::new();
    let customers: Vec<_> = connector(&fake, &t, Paging::ForwardOnly)
        .all_customers()
        .await
        .unwrap();
    assert_eq!(customers.len(), 2_501);
    let unique: HashSet<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(unique.len(), 2_501, "no company twice");
    assert!(unique.contains(new_id.to_string().as_str()));
    assert_eq!(fake.pages_served(Table::Companies), 3);
}

#[tokio::test]
async fn navigable_paging_fails_loudly_instead_of_delivering_a_record_twice() {
    // Offset pages repeat a record when one sorting before it is added mid-sync.
    let data = ConnectWiseData::generate(30, 0, 0, 5);
    let fake = ConnectWiseFake::with_data(data.clone()).await;
    fake.insert_after_pages(
        Table::Companies,
        1,
        company(1, "Early", "Early Bird Ltd", data_now()),
    );
    let t = RecordingTime::new();
    let opts = ListOptions::default().page_size(10);
    let err = connector(&fake, &t, Paging::Navigable)
        .customers(&opts)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Inconsistent { .. }), "{err:?}");
    assert!(err.to_string().contains("arrived twice"), "{err}");
    assert!(err.to_string().contains("forward-only"), "{err}");
}

#[tokio::test]
async fn conditions_survive_to_the_last_page_in_both_modes() {
    let data = ConnectWiseData::generate(40, 1_000, 0, 9);
    let fake = ConnectWiseFake::with_data(data.clone()).await;
    // The server's links drop the query; the connector must put it back.
    fake.set_links_drop_query(true);
    let want: Vec<String> = data
        .configurations
        .iter()
        .filter(|c| c["activeFlag"] == Value::Bool(true) && c["osType"] != "macOS")
        .map(|c| c["id"].to_string())
        .collect();
    let user = r#"activeFlag = true and osType != "macOS""#;
    let t = RecordingTime::new();
    for paging in [Paging::ForwardOnly, Paging::Navigable] {
        let cw = builder(&fake, &t)
            .paging(paging)
            .conditions(Listing::Configurations, user)
            .build()
            .unwrap();
        let before = fake.received().await.len();
        let opts = ListOptions::default().page_size(100);
        let devices: Vec<_> = cw.devices(&opts).try_collect().await.unwrap();
        let got: Vec<String> = devices.iter().map(|d| d.id.clone()).collect();
        assert_eq!(got, want, "{paging:?}");
        let reqs = fake.received().await.split_off(before);
        let pages = list_requests(&reqs, CONFIGURATIONS);
        assert_eq!(pages.len(), want.len().div_ceil(100), "{paging:?}");
        assert!(pages.len() >= 5);
        for r in &pages {
            assert_eq!(
                query_param(r, "conditions").as_deref(),
                Some(user),
                "{paging:?}"
            );
            assert_eq!(query_param(r, "pageSize").as_deref(), Some("100"));
        }
        if paging == Paging::Navigable {
            assert!(
                pages
                    .iter()
                    .all(|r| query_param(r, "orderBy").as_deref() == Some("id asc"))
            );
        }
    }
}

#[tokio::test]
async fn since_sends_a_last_updated_condition_joined_to_the_others() {
    let data = ConnectWiseData::generate(300, 600, 200, 4).with_deleted_companies(3);
    let fake = ConnectWiseFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let since = data_now() - chrono::Duration::days(90);
    let opts = ListOptions::default().since(since);
    let cw = builder(&fake, &t)
        .conditions(
            Listing::Tickets,
            "closedFlag = false or board/name = \"Alerts\"",
        )
        .build()
        .unwrap();
    let devices: Vec<_> = cw.devices(&opts).try_collect().await.unwrap();
    let customers: Vec<_> = cw.customers(&opts).try_collect().await.unwrap();
    let tickets: Vec<_> = cw.tickets(&opts).try_collect().await.unwrap();

    let reqs = fake.received().await;
    let cond = |path| query_param(list_requests(&reqs, path)[0], "conditions").unwrap();
    assert_eq!(cond(CONFIGURATIONS), "lastUpdated > [2026-01-31T12:00:00Z]");
    assert_eq!(
        cond(COMPANIES),
        "deletedFlag = false and lastUpdated > [2026-01-31T12:00:00Z]"
    );
    assert_eq!(
        cond(TICKETS),
        "(closedFlag = false or board/name = \"Alerts\") and lastUpdated > [2026-01-31T12:00:00Z]"
    );

    let updated = |v: &Value| {
        vectis_core::timestamp::parse_str(v["_info"]["lastUpdated"].as_str().unwrap())
            .unwrap()
            .unwrap()
    };
    let want = data
        .configurations
        .iter()
        .filter(|c| updated(c) > since)
        .count();
    assert!(want > 0 && want < 600);
    assert_eq!(devices.len(), want);
    assert!(customers.iter().all(|c| c.updated_at.unwrap() > since));
    assert!(!customers.iter().any(|c| c.name.starts_with("zz Deleted")));
    assert!(!tickets.is_empty());
    assert!(tickets.iter().all(|t| t.updated_at.unwrap() > since));
}

#[tokio::test]
async fn deleted_companies_are_left_out_unless_asked_for() {
    let data = ConnectWiseData::generate(20, 0, 0, 2).with_deleted_companies(4);
    let fake = ConnectWiseFake::with_data(data).await;
    let t = RecordingTime::new();
    let live = connector(&fake, &t, Paging::ForwardOnly)
        .all_customers()
        .await
        .unwrap();
    assert_eq!(live.len(), 20);
    let all = builder(&fake, &t)
        .include_deleted_companies(true)
        .build()
        .unwrap()
        .all_customers()
        .await
        .unwrap();
    assert_eq!(all.len(), 24);
}

#[tokio::test]
async fn a_list_that_is_not_an_array_is_an_error_naming_the_endpoint() {
    let fake = ConnectWiseFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        CONFIGURATIONS,
        vec![ResponseTemplate::new(200).set_body_json(serde_json::json!({"items": []}))],
    )
    .await;
    let t = RecordingTime::new();
    let err = connector(&fake, &t, Paging::ForwardOnly)
        .all_devices()
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("/apis/3.0/company/configurations"), "{msg}");
    assert!(msg.contains("JSON array"), "{msg}");
}
