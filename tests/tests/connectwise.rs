//! vectis-connectwise against the ConnectWise Manage fake: codebase
//! discovery, both paging modes, conditions, incremental sync, ticket
//! creation without duplicates, errors in ConnectWise's terms, secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::{StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;
use vectis_connectwise::{ConnectWiseConnector, Listing, Paging};
use vectis_core::{Connector, EngineSettings, Error, ListOptions, SecretString, TicketDraft, Verb};
use vectis_testkit::ListAll;
use vectis_testkit::RecordingTime;
use vectis_testkit::conformance::assert_capabilities_agree;
use vectis_testkit::connectwise::{
    CLIENT_ID, CODEBASE, COMPANY_ID, ConnectWiseData, ConnectWiseFake, PRIVATE_KEY, PUBLIC_KEY,
    PostFailure, Table, company, data_now, next_id,
};
use vectis_testkit::fake::query_param;
use vectis_testkit::fake::{mount_sequence, too_many_requests};
use wiremock::{Request, ResponseTemplate};

const COMPANIES: &str = "/v2025_1/apis/3.0/company/companies";
const CONFIGURATIONS: &str = "/v2025_1/apis/3.0/company/configurations";
const TICKETS: &str = "/v2025_1/apis/3.0/service/tickets";

fn settings(time: &RecordingTime) -> EngineSettings {
    vectis_testkit::unthrottled(time, 1)
}

fn builder(fake: &ConnectWiseFake, time: &RecordingTime) -> vectis_connectwise::ConnectWiseBuilder {
    builder_as(fake, time, COMPANY_ID, PRIVATE_KEY, CLIENT_ID)
}

fn builder_as(
    fake: &ConnectWiseFake,
    time: &RecordingTime,
    company_id: &str,
    private_key: &str,
    client_id: &str,
) -> vectis_connectwise::ConnectWiseBuilder {
    ConnectWiseConnector::builder(
        "https://na.myconnectwise.net",
        company_id,
        PUBLIC_KEY,
        SecretString::from(private_key),
        client_id,
    )
    .base_url(&fake.uri())
    .settings(settings(time))
}

fn connector(fake: &ConnectWiseFake, time: &RecordingTime, paging: Paging) -> ConnectWiseConnector {
    builder(fake, time).paging(paging).build().unwrap()
}

fn ids(records: &[Value]) -> Vec<String> {
    records.iter().map(|v| v["id"].to_string()).collect()
}

fn list_requests<'a>(reqs: &'a [Request], path: &str) -> Vec<&'a Request> {
    reqs.iter()
        .filter(|r| r.method.as_str() == "GET" && r.url.path() == path)
        .collect()
}

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
async fn check_discovers_the_codebase_once_and_reports_the_version() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let info = cw.check().await.unwrap();
    assert_eq!(info.to_string(), "Connected to ConnectWise: v2025.1.12345");
    cw.check().await.unwrap();
    let _ = cw.all_tickets().await.unwrap();
    assert_eq!(
        cw.api_root().await.unwrap().as_str(),
        format!("{}/{CODEBASE}/apis/3.0", fake.uri())
    );
    let reqs = fake.received().await;
    let lookups: Vec<_> = reqs
        .iter()
        .filter(|r| r.url.path().starts_with("/login/companyinfo/"))
        .collect();
    assert_eq!(lookups.len(), 1, "the codebase is looked up once");
    assert_eq!(
        lookups[0].url.path(),
        format!("/login/companyinfo/{COMPANY_ID}")
    );
    for r in reqs.iter().filter(|r| r.url.path().contains("/apis/3.0/")) {
        assert!(r.url.path().starts_with("/v2025_1/apis/3.0/"));
        assert_eq!(
            r.headers.get("clientid").unwrap().to_str().unwrap(),
            CLIENT_ID
        );
        assert!(
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("Basic ")
        );
    }
}

#[tokio::test]
async fn a_failed_codebase_discovery_is_an_error_saying_how_to_give_it() {
    let fake = ConnectWiseFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        &format!("/login/companyinfo/{COMPANY_ID}"),
        vec![ResponseTemplate::new(404)],
    )
    .await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let e = cw.check().await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("codebase")
            && msg.contains("CONNECTWISE_COMPANY_ID")
            && msg.contains("/apis/3.0"),
        "{msg}"
    );
    assert!(
        !fake
            .received()
            .await
            .iter()
            .any(|r| r.url.path().contains("v4_6_release")),
        "no guess at a default codebase"
    );
}

#[tokio::test]
async fn an_unknown_company_is_a_configuration_error_naming_it() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let e = builder_as(&fake, &t, "nosuchco", PRIVATE_KEY, CLIENT_ID)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), vectis_core::ErrorKind::Config);
    assert!(e.to_string().contains("nosuchco"), "{e}");
}

#[tokio::test]
async fn the_codebase_is_read_whatever_is_cloud_looks_like() {
    // ConnectWise's developer guide shows `"IsCloud": "True"`.
    let fake = ConnectWiseFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        &format!("/login/companyinfo/{COMPANY_ID}"),
        vec![ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "CompanyName": "Contoso MSP", "Codebase": "v2025_1/", "VersionCode": "v2025.1",
            "VersionNumber": "v4.6", "CompanyID": COMPANY_ID, "IsCloud": "True", "SiteUrl": "na.myconnectwise.net"
        }))],
    )
    .await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    cw.check().await.unwrap();
    assert_eq!(
        cw.api_root().await.unwrap().as_str(),
        format!("{}/{CODEBASE}/apis/3.0", fake.uri())
    );
}

#[tokio::test]
async fn a_codebase_that_is_not_v_digits_underscore_digits_is_refused() {
    for bad in [
        "../../evil/",
        "v2025_1/../..",
        "v2025.1",
        "api",
        "v2025_1x",
        "%2e%2e",
    ] {
        let fake = ConnectWiseFake::start().await;
        mount_sequence(
            fake.server(),
            "GET",
            &format!("/login/companyinfo/{COMPANY_ID}"),
            vec![ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "CompanyName": "Contoso MSP", "Codebase": bad, "CompanyID": COMPANY_ID, "IsCloud": true
            }))],
        )
        .await;
        let t = RecordingTime::new();
        let cw = connector(&fake, &t, Paging::ForwardOnly);
        let e = cw.check().await.unwrap_err();
        assert!(e.to_string().contains("not a codebase"), "{bad}: {e}");
        assert_eq!(
            fake.received().await.len(),
            1,
            "{bad}: nothing but the lookup was sent"
        );
    }
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    for good in ["v4_6_release", "v2019_4/", "/v2025_1/"] {
        assert!(builder(&fake, &t).codebase(good).build().is_ok(), "{good}");
    }
    assert!(builder(&fake, &t).codebase("v2025.1").build().is_err());
}

#[tokio::test]
async fn an_unregistered_client_id_points_to_the_developer_portal() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let other = "00000000-1111-4222-8333-444444444444";
    let err = builder_as(&fake, &t, COMPANY_ID, PRIVATE_KEY, other)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: Some(400),
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("developer portal"), "{msg}");
    assert!(msg.contains("CONNECTWISE_CLIENT_ID"), "{msg}");
}

#[tokio::test]
async fn a_request_without_client_id_gets_the_400_that_mentions_it() {
    // The fake's side of the same contract: no clientId header at all.
    let fake = ConnectWiseFake::start().await;
    let resp = reqwest::Client::new()
        .get(format!("{}/system/info", fake.api_root()))
        .basic_auth(format!("{COMPANY_ID}+{PUBLIC_KEY}"), Some(PRIVATE_KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("clientId"),
        "{body}"
    );
    // And the connector reads that answer as the developer-portal advice.
    let t = RecordingTime::new();
    mount_sequence(
        fake.server(),
        "GET",
        "/v2025_1/apis/3.0/system/info",
        vec![ResponseTemplate::new(400).set_body_json(&body)],
    )
    .await;
    let err = connector(&fake, &t, Paging::ForwardOnly)
        .check()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("developer portal"), "{err}");
}

#[tokio::test]
async fn wrong_credentials_explain_the_case_sensitive_short_company_id() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let err = builder_as(&fake, &t, "Contoso", PRIVATE_KEY, CLIENT_ID)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("case-sensitive"), "{msg}");
    assert!(
        msg.contains("UserNotAuthenticated"),
        "the vendor's words: {msg}"
    );
}

#[tokio::test]
async fn a_role_without_ticket_access_names_the_security_module() {
    let fake = ConnectWiseFake::start().await;
    fake.deny(Table::Tickets);
    let t = RecordingTime::new();
    let err = connector(&fake, &t, Paging::ForwardOnly)
        .all_tickets()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("Service Desk → Service Tickets"), "{msg}");
    assert!(msg.contains("security permission"), "{msg}");
}

#[tokio::test]
async fn cloudflare_429_with_retry_after_is_waited_out() {
    let fake = ConnectWiseFake::with_data(ConnectWiseData::generate(1_200, 0, 0, 3)).await;
    mount_sequence(fake.server(), "GET", COMPANIES, vec![too_many_requests(3)]).await;
    let t = RecordingTime::new();
    let n = connector(&fake, &t, Paging::ForwardOnly)
        .all_customers()
        .await
        .unwrap()
        .len();
    assert_eq!(n, 1_200);
    assert!(
        t.total_slept() >= Duration::from_secs(3),
        "{:?}",
        t.sleeps()
    );
}

fn draft(customer_id: &str) -> TicketDraft {
    let mut draft = TicketDraft::new(customer_id, "Backup failed on FAB-SRV-01");
    draft.description = Some("Nightly job exited with code 3".into());
    draft.board = Some("Help Desk".into());
    draft.status = Some("16".into());
    draft.priority = Some("Priority 1 - Emergency Response".into());
    draft
}

#[tokio::test]
async fn create_ticket_posts_references_by_id_or_name() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[0]["id"].to_string();
    let t = RecordingTime::new();
    let ticket = connector(&fake, &t, Paging::ForwardOnly)
        .create_ticket(&draft(&company_id))
        .await
        .unwrap();
    assert_eq!(ticket.customer_id.as_deref(), Some(company_id.as_str()));
    assert_eq!(ticket.status.as_deref(), Some("New"));
    assert_eq!(ticket.raw["priority"]["id"], 1);
    let reqs = fake.received().await;
    let post = reqs.iter().find(|r| r.method.as_str() == "POST").unwrap();
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["board"], serde_json::json!({"name": "Help Desk"}));
    assert_eq!(body["status"], serde_json::json!({"id": 16}));
    assert_eq!(body["initialDescription"], "Nightly job exited with code 3");
    assert!(
        body["externalXRef"]
            .as_str()
            .unwrap()
            .starts_with("vectis-")
    );
}

#[tokio::test]
async fn a_2xx_with_an_unreadable_body_finds_the_ticket_by_its_marker() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[1]["id"].to_string();
    fake.fail_ticket_posts(vec![PostFailure::TruncatedAfterCreate]);
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let ticket = cw.create_ticket(&draft(&company_id)).await.unwrap();
    assert_eq!(
        fake.created_ticket_ids(),
        vec![ticket.id.parse::<i64>().unwrap()]
    );
    let posts = fake
        .received()
        .await
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn create_ticket_after_a_timeout_does_not_create_a_duplicate() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[1]["id"].to_string();
    fake.fail_ticket_posts(vec![PostFailure::DelayAfterCreate(Duration::from_millis(
        1_500,
    ))]);
    let t = RecordingTime::new();
    let cw = builder(&fake, &t)
        .settings(settings(&t).timeout(Duration::from_millis(250)))
        .build()
        .unwrap();
    let ticket = cw.create_ticket(&draft(&company_id)).await.unwrap();
    assert_eq!(
        fake.created_ticket_ids(),
        vec![ticket.id.parse::<i64>().unwrap()]
    );
    let posts = fake
        .received()
        .await
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1, "found by its marker instead of posted again");
}

#[tokio::test]
async fn create_ticket_after_a_504_finds_the_ticket_and_after_a_503_posts_again_once() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[0]["id"].to_string();
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);

    fake.fail_ticket_posts(vec![PostFailure::StatusAfterCreate(504)]);
    let first = cw.create_ticket(&draft(&company_id)).await.unwrap();
    assert_eq!(fake.created_ticket_ids().len(), 1);

    fake.fail_ticket_posts(vec![PostFailure::StatusBeforeCreate(503)]);
    let second = cw.create_ticket(&draft(&company_id)).await.unwrap();
    assert_eq!(fake.created_ticket_ids().len(), 2, "one ticket per create");
    assert_ne!(first.id, second.id);
    let posts = fake
        .received()
        .await
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 3);
}

#[tokio::test]
async fn a_101_character_summary_is_refused_before_any_request() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let mut long = draft("250");
    long.summary = "x".repeat(101);
    let err = cw.create_ticket(&long).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("at most 100"), "{err}");
    assert!(
        fake.received().await.is_empty(),
        "nothing was sent, not even discovery"
    );
}

#[tokio::test]
async fn the_error_envelope_is_surfaced_with_its_field_errors() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[0]["id"].to_string();
    let t = RecordingTime::new();
    let mut bad = draft(&company_id);
    bad.status = Some("999".into());
    let err = connector(&fake, &t, Paging::ForwardOnly)
        .create_ticket(&bad)
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(code.as_deref(), Some("InvalidObject"));
            assert!(message.contains("status/id"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(fake.created_ticket_ids().is_empty());
}

#[tokio::test]
async fn alerts_are_unsupported_and_capabilities_agree() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let err = cw
        .alerts(&ListOptions::default())
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                verb: Verb::ListAlerts,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("tickets"), "{err}");
    assert_capabilities_agree(&cw, fake.server(), "1").await;
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

#[tokio::test]
async fn secrets_never_appear_in_debug_errors_or_traces() {
    let (_guard, capture) = vectis_testkit::trace::capture();

    let fake = ConnectWiseFake::with_data(ConnectWiseData::generate(30, 30, 10, 1)).await;
    mount_sequence(
        fake.server(),
        "GET",
        COMPANIES,
        vec![too_many_requests(1), ResponseTemplate::new(500)],
    )
    .await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    cw.customers(&ListOptions::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    fake.fail_ticket_posts(vec![PostFailure::StatusAfterCreate(502)]);
    let company_id = fake.data().companies[0]["id"].to_string();
    cw.create_ticket(&draft(&company_id)).await.unwrap();
    let bad = builder_as(&fake, &t, COMPANY_ID, "wrong-private-key-77", CLIENT_ID)
        .build()
        .unwrap();
    let err = bad.check().await.unwrap_err();
    let builder_dump = format!("{:?}", builder(&fake, &t));

    let logs = capture.text();
    assert!(
        logs.contains("vectis.request"),
        "tracing captured the requests"
    );
    let basic = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .encode(format!("{COMPANY_ID}+{PUBLIC_KEY}:{PRIVATE_KEY}"))
    };
    for text in [
        logs,
        format!("{cw:?}"),
        format!("{bad:?}"),
        builder_dump,
        err.to_string(),
        format!("{err:?}"),
    ] {
        for secret in [
            PRIVATE_KEY,
            "wrong-private-key-77",
            basic.as_str(),
            PUBLIC_KEY,
        ] {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
    }
}
