//! Never spin on a total that lies (issue 17 §4), against wiremock servers:
//! the end rule holds on the concurrent path, a page that disagrees with the
//! fan-out's plan wins, and what arrived is counted against the total.

use futures::TryStreamExt;
use std::sync::Arc;
use std::time::Duration;
use vectis_core::http::Response;
use vectis_core::paginate::{
    Cursor, ListRequest, NextUrl, Offset, PageMeta, PageNumber, RawPage, page_stream,
};
use vectis_core::{EngineSettings, Error, HttpClient, ManualTime, Vendor};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod common;
use common::{TestRules, api_key, client_of, settings_on};

fn client(server: &MockServer, concurrency: usize) -> HttpClient {
    client_with(server, |s| s.concurrency(concurrency))
}

/// A client of `server` with no quota and injected time, its settings
/// adjusted by `adjust`.
fn client_with(
    server: &MockServer,
    adjust: impl FnOnce(EngineSettings) -> EngineSettings,
) -> HttpClient {
    client_of(
        &server.uri(),
        TestRules::plain(Vendor::Atera),
        api_key(Vendor::Atera, "key-0123456789"),
        adjust(settings_on(&ManualTime::new())),
    )
}

fn query(r: &Request, k: &str) -> Option<u64> {
    r.url
        .query_pairs()
        .find(|(n, _)| n == k)
        .and_then(|(_, v)| v.parse().ok())
}

/// Reads `{"items": [...], "totalPages"?, "totalItems"?, "nextLink"?}`.
fn envelope(resp: &Response) -> Result<RawPage, Error> {
    let v: serde_json::Value = resp.json()?;
    let items = v["items"].as_array().cloned().unwrap_or_default();
    Ok(RawPage {
        meta: PageMeta {
            items: items.len(),
            total_pages: v["totalPages"].as_u64(),
            total_items: v["totalItems"].as_u64(),
            next_url: v["nextLink"].as_str().map(str::to_string),
            ..PageMeta::default()
        },
        items,
    })
}

fn pages(size: u32) -> PageNumber {
    PageNumber {
        page_param: "page",
        size_param: "size",
        size,
        first_page: 1,
    }
}

fn listing(
    c: &HttpClient,
    paginator: impl vectis_core::paginate::Paginator + 'static,
) -> ListRequest<u64> {
    ListRequest::new(
        "/records",
        c.base().join("/records").unwrap(),
        paginator,
        envelope,
        |_, v| Ok(v.as_u64()),
    )
}

/// Collects the listing, failing the test if it takes longer than 20 s
/// (a fan-out over a lying total used to run for hours).
async fn collect(c: &HttpClient, req: ListRequest<u64>) -> Result<Vec<u64>, Error> {
    let run = page_stream(c.clone(), req).map_ok(|p| p.items).try_concat();
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the listing ended")
}

async fn mount(
    server: &MockServer,
    f: impl Fn(&Request) -> serde_json::Value + Send + Sync + 'static,
) {
    Mock::given(wiremock::matchers::path("/records"))
        .respond_with(move |r: &Request| ResponseTemplate::new(200).set_body_json(f(r)))
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_page_stops_the_fan_out_over_a_million_claimed_pages() {
    let server = MockServer::start().await;
    // One record, then empty pages, while claiming a million pages.
    mount(&server, |r| {
        let items: Vec<u64> = if query(r, "page") == Some(1) {
            vec![7]
        } else {
            vec![]
        };
        serde_json::json!({"items": items, "totalPages": 1_000_000})
    })
    .await;
    let c = client(&server, 8);
    let e = collect(&c, listing(&c, pages(50))).await.unwrap_err();
    assert!(matches!(e, Error::Inconsistent { .. }), "{e:?}");
    assert!(e.to_string().contains("/records"), "{e}");
    let n = requests(&server).await;
    assert!(
        n <= 1 + 16,
        "{n} requests: the first page and at most one window"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_end_stops_the_fan_out() {
    let server = MockServer::start().await;
    let origin = server.uri();
    // Page 2 says it is the last (`nextLink: null`); the total says 1000.
    mount(&server, move |r| {
        let page = query(r, "page").unwrap_or(1);
        let next = (page != 2).then(|| format!("{origin}/records?page={}&size=2", page + 1));
        serde_json::json!({"items": [page * 10, page * 10 + 1], "totalPages": 1000, "nextLink": next})
    })
    .await;
    let c = client(&server, 8);
    let paginator = NextUrl { first: pages(2) };
    let e = collect(&c, listing(&c, paginator)).await.unwrap_err();
    assert!(matches!(e, Error::Inconsistent { .. }), "{e:?}");
    let n = requests(&server).await;
    assert!(n <= 1 + 16, "{n} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grown_total_on_the_last_planned_page_is_followed() {
    let server = MockServer::start().await;
    // The first page says 3 pages; page 3 says 4 (a record was added).
    mount(&server, |r| {
        let page = query(r, "page").unwrap_or(1);
        let (pages, total) = if page >= 3 { (4, 8) } else { (3, 6) };
        let items: Vec<u64> = if page <= 4 {
            vec![page * 10, page * 10 + 1]
        } else {
            vec![]
        };
        serde_json::json!({"items": items, "totalPages": pages, "totalItems": total})
    })
    .await;
    let c = client(&server, 4);
    let all = collect(&c, listing(&c, pages(2))).await.unwrap();
    assert_eq!(all, vec![10, 11, 20, 21, 30, 31, 40, 41]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_link_on_the_last_planned_page_is_followed() {
    let server = MockServer::start().await;
    let origin = server.uri();
    mount(&server, move |r| {
        let page = query(r, "page").unwrap_or(1);
        let next = (page < 4).then(|| format!("{origin}/records?page={}&size=2", page + 1));
        // Every page still claims the 2 pages the first one announced.
        serde_json::json!({"items": [page * 10, page * 10 + 1], "totalPages": 2, "nextLink": next})
    })
    .await;
    let c = client(&server, 4);
    let all = collect(&c, listing(&c, NextUrl { first: pages(2) }))
        .await
        .unwrap();
    assert_eq!(all, vec![10, 11, 20, 21, 30, 31, 40, 41]);
}

/// `$skip`/`$top` over `0..total`, at most `cap` per page whatever `$top` says.
async fn mount_numbers(server: &MockServer, have: u64, claimed_total: u64, cap: u64) {
    mount(server, move |r| {
        let skip = query(r, "$skip").unwrap_or(0);
        let top = query(r, "$top").unwrap_or(10).min(cap);
        let items: Vec<u64> = (skip..skip.saturating_add(top).min(have)).collect();
        serde_json::json!({"items": items, "totalItems": claimed_total})
    })
    .await;
}

fn offset(size: u32) -> Offset {
    Offset {
        skip_param: "$skip",
        top_param: "$top",
        size,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offset_server_that_returns_fewer_than_asked_loses_nothing() {
    for concurrency in [1, 4] {
        let server = MockServer::start().await;
        // Asked for 10 a page, the server gives 4.
        mount_numbers(&server, 25, 25, 4).await;
        let c = client(&server, concurrency);
        let all = collect(&c, listing(&c, offset(10))).await.unwrap();
        assert_eq!(
            all,
            (0..25).collect::<Vec<_>>(),
            "concurrency {concurrency}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_total_that_disagrees_with_what_arrived_is_an_error_naming_the_endpoint() {
    for concurrency in [1, 4] {
        let server = MockServer::start().await;
        // The total says 25; only 20 exist.
        mount_numbers(&server, 20, 25, 10).await;
        let c = client(&server, concurrency);
        let e = collect(&c, listing(&c, offset(10))).await.unwrap_err();
        let shown = e.to_string();
        assert!(matches!(e, Error::Inconsistent { .. }), "{e:?}");
        assert!(
            shown.contains("/records") && shown.contains("20") && shown.contains("25"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_resume_cursor_at_the_largest_offset_is_an_error_not_a_panic() {
    let server = MockServer::start().await;
    mount(
        &server,
        |_| serde_json::json!({"items": [1, 2], "totalItems": u64::MAX}),
    )
    .await;
    let c = client(&server, 4);
    let cursor = Cursor {
        next: format!("{}/records?%24skip={}&%24top=2", server.uri(), u64::MAX),
    };
    let e = collect(&c, listing(&c, offset(2)).resume(Some(cursor)))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Inconsistent { .. }), "{e:?}");
    assert!(e.to_string().contains("cannot be computed"), "{e}");
}

#[tokio::test]
async fn a_resume_cursor_at_the_largest_page_number_is_an_error_not_a_panic() {
    let server = MockServer::start().await;
    // A full page and no totals: the next page would be u64::MAX + 1.
    mount(&server, |_| serde_json::json!({"items": [1, 2]})).await;
    let c = client(&server, 1);
    let cursor = Cursor {
        next: format!("{}/records?page={}&size=2", server.uri(), u64::MAX),
    };
    let e = collect(&c, listing(&c, pages(2)).resume(Some(cursor)))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot be computed"), "{e}");
}

fn id(s: &String) -> &str {
    s
}

#[tokio::test]
async fn a_record_shifted_onto_the_next_page_is_delivered_once() {
    let server = MockServer::start().await;
    let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    // After the first page is served, a record is inserted at the front:
    // every later offset sees the list shifted by one.
    mount(&server, move |r| {
        let shifted = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0;
        let all: Vec<u64> = if shifted {
            std::iter::once(100).chain(0..20).collect()
        } else {
            (0..20).collect()
        };
        let skip = query(r, "$skip").unwrap_or(0) as usize;
        let top = query(r, "$top").unwrap_or(10) as usize;
        let items: Vec<u64> = all.iter().copied().skip(skip).take(top).collect();
        serde_json::json!({"items": items, "totalItems": all.len()})
    })
    .await;
    let c = client(&server, 1);
    let req = ListRequest::new(
        "/records",
        c.base().join("/records").unwrap(),
        offset(10),
        envelope,
        |_, v| Ok(v.as_u64().map(|n| n.to_string())),
    )
    .unique_by(id);
    let all: Vec<String> = page_stream(c.clone(), req)
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    let want: Vec<String> = (0..20).map(|n: u64| n.to_string()).collect();
    assert_eq!(all, want, "each record once, none lost");
}

#[tokio::test]
async fn a_next_link_chain_past_the_total_stops() {
    let server = MockServer::start().await;
    let origin = server.uri();
    // The total says 3 records; every page links a next one, for ever.
    mount(&server, move |r| {
        let page = query(r, "page").unwrap_or(1);
        let next = format!("{origin}/records?page={}&size=2", page + 1);
        serde_json::json!({"items": [page * 10, page * 10 + 1], "totalItems": 3, "nextLink": next})
    })
    .await;
    let c = client(&server, 1);
    let e = collect(&c, listing(&c, NextUrl { first: pages(2) }))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("more than the 3"), "{e}");
    assert_eq!(requests(&server).await, 2);
}

/// A `nextLink` chain with no totals: `f(page)` gives that page's items,
/// every page up to `last` links the next one.
async fn mount_chain(server: &MockServer, last: u64, f: fn(u64) -> Vec<u64>) {
    let origin = server.uri();
    mount(server, move |r| {
        let page = query(r, "page").unwrap_or(1);
        let next = (page < last).then(|| format!("{origin}/records?page={}&size=2", page + 1));
        serde_json::json!({"items": f(page), "nextLink": next})
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_page_that_links_a_next_page_does_not_end_the_listing() {
    for concurrency in [1, 4] {
        let server = MockServer::start().await;
        // Page 2 is empty but links page 3, which has records.
        mount_chain(&server, 3, |page| match page {
            2 => vec![],
            p => vec![p * 10, p * 10 + 1],
        })
        .await;
        let c = client(&server, concurrency);
        let all = collect(&c, listing(&c, NextUrl { first: pages(2) }))
            .await
            .unwrap();
        assert_eq!(all, vec![10, 11, 30, 31], "concurrency {concurrency}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_page_mid_fan_out_that_links_on_is_followed_not_the_plan() {
    let server = MockServer::start().await;
    let origin = server.uri();
    // The first page claims 1000 pages; page 2 is empty and links page 7,
    // which is the last.
    mount(&server, move |r| {
        let page = query(r, "page").unwrap_or(1);
        match page {
            1 => serde_json::json!({"items": [1, 2], "totalPages": 1000,
                "nextLink": format!("{origin}/records?page=2&size=2")}),
            2 => serde_json::json!({"items": [], "totalPages": 1000,
                "nextLink": format!("{origin}/records?page=7&size=2")}),
            7 => serde_json::json!({"items": [70, 71], "totalPages": 1000, "nextLink": null}),
            _ => serde_json::json!({"items": [], "totalPages": 1000, "nextLink": null}),
        }
    })
    .await;
    let c = client(&server, 4);
    // The pages' own links win over the first page's claim: the records
    // behind the empty page arrive, and the listing ends where they end.
    let all = collect(&c, listing(&c, NextUrl { first: pages(2) }))
        .await
        .unwrap();
    assert_eq!(all, vec![1, 2, 70, 71]);
    let asked: Vec<u64> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| query(r, "page"))
        .collect();
    assert!(
        asked.contains(&7),
        "the empty page's link was followed: {asked:?}"
    );
    assert!(asked.len() <= 1 + 8 + 1, "{asked:?}");
}

#[tokio::test]
async fn a_run_of_empty_pages_that_keep_linking_is_an_error_not_a_spin() {
    let server = MockServer::start().await;
    // One record, then empty pages that link a next page for ever.
    mount_chain(
        &server,
        u64::MAX,
        |page| {
            if page == 1 { vec![7] } else { vec![] }
        },
    )
    .await;
    let c = client(&server, 1);
    let e = collect(&c, listing(&c, NextUrl { first: pages(2) }))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("empty pages in a row"), "{e}");
    assert!(e.to_string().contains("/records"), "{e}");
    let n = requests(&server).await;
    let most = 1 + vectis_core::paginate::MAX_EMPTY_PAGES as usize;
    assert!(n <= most + 1, "{n} requests");
}

#[tokio::test]
async fn a_listing_stops_at_its_page_limit() {
    let server = MockServer::start().await;
    // Records on every page, a next link on every page, no totals.
    mount_chain(&server, u64::MAX, |page| vec![page]).await;
    let c = client_with(&server, |s| s.concurrency(1).max_pages(5));
    let e = collect(&c, listing(&c, NextUrl { first: pages(1) }))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("max_pages"), "{e}");
    let n = requests(&server).await;
    // The fifth page's next is already on its way when the fifth is read.
    assert!((5..=6).contains(&n), "{n} requests");
    assert_eq!(EngineSettings::default().max_pages, 1_000_000);
}
