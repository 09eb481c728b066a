//! Paging, filters, single records, resolving and ProblemDetails.

use chrono::NaiveDateTime;
use serde_json::json;
use std::collections::BTreeSet;

use super::{Auth, assert_problem, get, ids, send};
use crate::atera::{AteraData, AteraFake, parse_timestamp};

#[tokio::test]
async fn customers_page_across_three_pages_following_next_link() {
    let data = AteraData::generate(45, 60, 30, 3);
    let expected: Vec<i64> = data
        .customers
        .iter()
        .map(|c| c["CustomerID"].as_i64().unwrap())
        .collect();
    let fake = AteraFake::with_data(data).await;

    let first = get(&fake, "/api/v3/customers?page=1&itemsInPage=20").await;
    assert_eq!(first.status, 200);
    let mut page = first.json();
    let keys: BTreeSet<&str> = page
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "items",
            "page",
            "itemsInPage",
            "totalItemCount",
            "totalPages",
            "prevLink",
            "nextLink"
        ])
    );
    assert_eq!(page["totalItemCount"], 45);
    assert_eq!(page["totalPages"], 3);
    assert_eq!(page["prevLink"], "");
    // Envelope keys come in the spec's order.
    assert!(first.text.starts_with("{\"items\":["));
    assert!(first.text.find("\"page\"").unwrap() < first.text.find("\"nextLink\"").unwrap());

    let mut seen = ids(&page, "CustomerID");
    let mut pages = 1;
    loop {
        let next = page["nextLink"].as_str().unwrap().to_string();
        if next.is_empty() {
            break;
        }
        assert!(
            next.starts_with(&format!("{}/api/v3/customers?", fake.uri())),
            "{next}"
        );
        assert!(
            next.contains(&format!("page={}", pages + 1)) && next.contains("itemsInPage=20"),
            "{next}"
        );
        let r = send(reqwest::Method::GET, &next, Auth::Key).await;
        assert_eq!(r.status, 200);
        page = r.json();
        pages += 1;
        assert_eq!(page["page"], pages);
        let prev = page["prevLink"].as_str().unwrap();
        assert!(
            prev.starts_with(&fake.uri()) && prev.contains(&format!("page={}", pages - 1)),
            "{prev}"
        );
        seen.extend(ids(&page, "CustomerID"));
    }
    assert_eq!(pages, 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert_eq!(page["nextLink"], "");
    assert_eq!(seen, expected);

    // Switch to null links at the ends.
    fake.set_null_next_link_at_end(true);
    let last = get(&fake, "/api/v3/customers?page=3&itemsInPage=20")
        .await
        .json();
    assert!(last["nextLink"].is_null());
    let first = get(&fake, "/api/v3/customers?itemsInPage=20").await.json();
    assert!(first["prevLink"].is_null());
    // No `page` in the request: the link adds one.
    assert_eq!(
        first["nextLink"],
        format!("{}/api/v3/customers?itemsInPage=20&page=2", fake.uri())
    );
}

#[tokio::test]
async fn items_in_page_default_clamp_and_errors() {
    let fake = AteraFake::with_data(AteraData::generate(5, 120, 0, 4)).await;
    let p = get(&fake, "/api/v3/agents").await.json();
    assert_eq!(p["itemsInPage"], 20);
    assert_eq!(p["page"], 1);
    assert_eq!(p["items"].as_array().unwrap().len(), 20);
    assert_eq!(p["totalPages"], 6);

    let p = get(&fake, "/api/v3/agents?itemsInPage=500").await.json();
    assert_eq!(p["itemsInPage"], 50);
    assert_eq!(p["items"].as_array().unwrap().len(), 50);
    assert_eq!(p["totalPages"], 3);
    assert_eq!(p["totalItemCount"], 120);

    // Query names bind case-insensitively, as in ASP.NET.
    let p = get(&fake, "/api/v3/agents?Page=2&ItemsInPage=50")
        .await
        .json();
    assert_eq!(p["page"], 2);
    assert!(
        p["nextLink"]
            .as_str()
            .unwrap()
            .ends_with("?Page=3&ItemsInPage=50")
    );

    for bad in ["itemsInPage=0", "itemsInPage=-5", "page=0"] {
        let r = get(&fake, &format!("/api/v3/agents?{bad}")).await;
        let p = assert_problem(&r, 400);
        assert_eq!(p["title"], "Bad Request");
    }
    let r = get(&fake, "/api/v3/agents?page=two").await;
    let p = assert_problem(&r, 400);
    assert!(p["errors"]["page"].is_array());

    let r = get(&fake, "/api/v3/agents?page=99&itemsInPage=50").await;
    assert_eq!(r.status, 200);
    let p = r.json();
    assert_eq!(p["items"], json!([]));
    assert_eq!(p["nextLink"], "");
    assert_eq!(p["totalItemCount"], 120);
}

#[tokio::test]
async fn agents_of_a_customer() {
    let data = AteraData::generate(4, 30, 0, 5);
    let fake = AteraFake::with_data(data.clone()).await;
    let mut all = Vec::new();
    for c in &data.customers {
        let cid = c["CustomerID"].as_i64().unwrap();
        let p = get(
            &fake,
            &format!("/api/v3/agents/customer/{cid}?itemsInPage=50"),
        )
        .await
        .json();
        let items = p["items"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(
            items
                .iter()
                .all(|a| a["CustomerID"] == cid && a["CustomerName"] == c["CustomerName"])
        );
        all.extend(ids(&p, "AgentID"));
    }
    all.sort_unstable();
    let expected: Vec<i64> = data
        .agents
        .iter()
        .map(|a| a["AgentID"].as_i64().unwrap())
        .collect();
    assert_eq!(all, expected);
    let p = get(&fake, "/api/v3/agents/customer/1").await.json();
    assert_eq!(p["items"], json!([]));
    assert_eq!(p["totalPages"], 0);
    let one = get(&fake, &format!("/api/v3/agents/{}", expected[3]))
        .await
        .json();
    assert_eq!(one["AgentID"], expected[3]);
    assert_problem(&get(&fake, "/api/v3/agents/1").await, 404);
}

#[tokio::test]
async fn alert_status_filtering_keeps_the_filter_in_links() {
    let data = AteraData::generate(5, 20, 25, 6);
    let open: Vec<i64> = data
        .open_alerts()
        .iter()
        .map(|a| a["AlertID"].as_i64().unwrap())
        .collect();
    let resolved: Vec<i64> = data
        .resolved_alerts()
        .iter()
        .map(|a| a["AlertID"].as_i64().unwrap())
        .collect();
    assert!(
        open.len() >= 5 && resolved.len() >= 3,
        "{open:?} {resolved:?}"
    );
    let fake = AteraFake::with_data(data).await;

    for (status, expected, archived) in [("Open", &open, false), ("Resolved", &resolved, true)] {
        let mut url = format!(
            "{}/api/v3/alerts?alertStatus={status}&page=1&itemsInPage=2",
            fake.uri()
        );
        let mut seen = Vec::new();
        loop {
            let p = send(reqwest::Method::GET, &url, Auth::Key).await.json();
            assert!(
                p["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|a| a["Archived"] == archived)
            );
            seen.extend(ids(&p, "AlertID"));
            let next = p["nextLink"].as_str().unwrap();
            if next.is_empty() {
                break;
            }
            assert!(next.contains(&format!("alertStatus={status}")), "{next}");
            url = next.to_string();
        }
        assert_eq!(&seen, expected);
    }
    let p = get(&fake, "/api/v3/alerts?alertStatus=Snoozed")
        .await
        .json();
    assert_eq!(p["items"], json!([]));
    assert_eq!(p["totalItemCount"], 0);
    let p = get(&fake, "/api/v3/alerts?itemsInPage=50").await.json();
    assert_eq!(p["totalItemCount"], 25);
    let p = get(&fake, "/api/v3/alerts?alertStatus=open").await.json();
    assert_eq!(p["totalItemCount"], open.len());
    assert_problem(
        &get(&fake, "/api/v3/alerts?alertStatus=Acknowledged").await,
        400,
    );
}

#[tokio::test]
async fn resolve_archives_the_alert() {
    let fake = AteraFake::start().await;
    let data = fake.data();
    let id = data.open_alerts()[0]["AlertID"].as_i64().unwrap();
    let open_before = data.open_alerts().len();

    let r = send(
        reqwest::Method::PUT,
        &format!("{}/api/v3/alerts/{id}", fake.uri()),
        Auth::Jwt,
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.text, "");
    assert_eq!(fake.resolved_alert_ids(), vec![id]);

    let a = get(&fake, &format!("/api/v3/alerts/{id}")).await.json();
    assert_eq!(a["Archived"], true);
    let archived_date = a["ArchivedDate"].as_str().unwrap();
    assert!(parse_timestamp(archived_date).is_some(), "{archived_date}");

    let p = get(&fake, "/api/v3/alerts?alertStatus=Open&itemsInPage=50")
        .await
        .json();
    assert_eq!(p["totalItemCount"], open_before - 1);
    assert!(!ids(&p, "AlertID").contains(&id));
    let p = get(&fake, "/api/v3/alerts?alertStatus=Resolved&itemsInPage=50")
        .await
        .json();
    assert!(ids(&p, "AlertID").contains(&id));

    let r = send(
        reqwest::Method::PUT,
        &format!("{}/api/v3/alerts/424242", fake.uri()),
        Auth::Key,
    )
    .await;
    assert_problem(&r, 404);
    assert_eq!(fake.resolved_alert_ids(), vec![id]);
}

#[tokio::test]
async fn not_found_is_problem_details() {
    let fake = AteraFake::start().await;
    for path in ["/api/v3/customers/999999", "/api/v3/alerts/1"] {
        let p = assert_problem(&get(&fake, path).await, 404);
        assert_eq!(
            p["type"],
            "https://tools.ietf.org/html/rfc9110#section-15.5.5"
        );
        assert_eq!(p["title"], "Not Found");
        let trace = p["traceId"].as_str().unwrap();
        assert_eq!(trace.len(), 55, "{trace}");
    }
    let c = fake.data().customers[1].clone();
    let got = get(&fake, &format!("/api/v3/customers/{}", c["CustomerID"]))
        .await
        .json();
    assert_eq!(got, c);
    let p = assert_problem(&get(&fake, "/api/v3/customers/abc").await, 400);
    assert_eq!(
        p["errors"]["customerId"][0],
        "The value 'abc' is not valid."
    );
}

#[tokio::test]
async fn from_last_modified_date_filters_customers() {
    let data = AteraData::generate(40, 0, 0, 8);
    let mut modified: Vec<NaiveDateTime> = data
        .customers
        .iter()
        .map(|c| parse_timestamp(c["LastModified"].as_str().unwrap()).unwrap())
        .collect();
    modified.sort();
    let cut = modified[20];
    let fake = AteraFake::with_data(data).await;

    let q = cut.format("%Y-%m-%dT%H:%M:%S").to_string();
    let p = get(
        &fake,
        &format!("/api/v3/customers?FromLastModifiedDate={q}&itemsInPage=50"),
    )
    .await
    .json();
    let whole = chrono::Timelike::with_nanosecond(&cut, 0).unwrap();
    let expected = modified.iter().filter(|m| **m >= whole).count();
    assert_eq!(p["totalItemCount"], expected);

    let day = cut.format("%Y-%m-%d").to_string();
    let p = get(
        &fake,
        &format!("/api/v3/customers?fromLastModifiedDate={day}&itemsInPage=50"),
    )
    .await
    .json();
    let midnight = cut.date().and_hms_opt(0, 0, 0).unwrap();
    assert_eq!(
        p["totalItemCount"],
        modified.iter().filter(|m| **m >= midnight).count()
    );

    let p = get(
        &fake,
        "/api/v3/customers?SortBy=LastModified&itemsInPage=50",
    )
    .await
    .json();
    let got: Vec<NaiveDateTime> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| parse_timestamp(c["LastModified"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(got, modified);

    for bad in [
        "2025-01-01T08:30:00Z",
        "2025-01-01T08:30:00%2B02:00",
        "01/02/2025",
        "2025-13-01",
    ] {
        assert_problem(
            &get(
                &fake,
                &format!("/api/v3/customers?FromLastModifiedDate={bad}"),
            )
            .await,
            400,
        );
    }
}
