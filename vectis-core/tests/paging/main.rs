//! The paging engine's timing contracts, against plain wiremock servers:
//! concurrent pages resume exactly where they stopped and free their place on
//! the wire before they are parsed, and a sequential `Link` listing sends the
//! next request before it parses this page (on a one-thread runtime too).

use futures::TryStreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;
use vectis_core::http::Response;
use vectis_core::paginate::{
    Cursor, LinkHeader, ListRequest, Offset, PageMeta, RawPage, page_stream,
};
use vectis_core::{EngineSettings, Error, HttpClient, ManualTime, Quota, Vendor};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

mod linked;

#[path = "../common/mod.rs"]
mod common;
use common::{TestRules, api_key, client_of, settings_on};

fn client(server: &MockServer, time: &ManualTime, concurrency: usize) -> HttpClient {
    client_of(
        &server.uri(),
        TestRules::named(Vendor::Kaseya),
        api_key(Vendor::Kaseya, "key-0123456789"),
        settings_on(time).concurrency(concurrency),
    )
}

const TOTAL: u64 = 95;

/// `$skip`/`$top` pages of the numbers `0..TOTAL`.
struct Numbers;

impl Respond for Numbers {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let q = |k: &str| {
            r.url
                .query_pairs()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        let (skip, top) = (q("$skip").unwrap_or(0), q("$top").unwrap_or(10));
        let data: Vec<u64> = (skip..(skip + top).min(TOTAL)).collect();
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"Data": data, "Meta": {"TotalCount": TOTAL}}))
    }
}

fn numbers_page(resp: &Response) -> Result<RawPage, Error> {
    let v: serde_json::Value = resp.json()?;
    let items = v["Data"].as_array().cloned().unwrap_or_default();
    Ok(RawPage {
        meta: PageMeta {
            items: items.len(),
            total_items: v["Meta"]["TotalCount"].as_u64(),
            ..PageMeta::default()
        },
        items,
    })
}

fn numbers(c: &HttpClient, resume: Option<Cursor>) -> ListRequest<u64> {
    let url = c.base().join("/numbers").unwrap();
    let paginator = Offset {
        skip_param: "$skip",
        top_param: "$top",
        size: 10,
    };
    ListRequest::new("/numbers", url, paginator, numbers_page, |_, v| {
        Ok(v.as_u64())
    })
    .resume(resume)
}

#[tokio::test]
async fn concurrent_pages_resume_at_the_page_after_the_one_delivered() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path("/numbers"))
        .respond_with(Numbers)
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let c = client(&server, &t, 4);
    let pages: Vec<_> = page_stream(c.clone(), numbers(&c, None))
        .try_collect()
        .await
        .unwrap();
    let all: Vec<u64> = pages.iter().flat_map(|p| p.items.clone()).collect();
    assert_eq!(
        all,
        (0..TOTAL).collect::<Vec<_>>(),
        "every item once, in order"
    );
    for (i, p) in pages.iter().enumerate() {
        let want = (i as u64 + 1) * 10;
        match &p.resume {
            Some(cursor) => assert!(
                cursor.next.contains(&format!("%24skip={want}&"))
                    || cursor.next.contains(&format!("$skip={want}&"))
                    || cursor.next.ends_with(&format!("skip={want}")),
                "page {i}: {}",
                cursor.next
            ),
            None => assert_eq!(want, 100, "only the last page has no cursor"),
        }
    }
    // Resuming from page 3's cursor loses nothing and repeats nothing.
    let rest: Vec<u64> = page_stream(c.clone(), numbers(&c, pages[3].resume.clone()))
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(rest, (40..TOTAL).collect::<Vec<_>>());
}

/// `Numbers`, telling when the page at `$skip=signal_at` is asked for.
struct NumbersSignal {
    signal_at: u64,
    tx: Mutex<Option<mpsc::Sender<()>>>,
}

impl Respond for NumbersSignal {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let skip = r
            .url
            .query_pairs()
            .find(|(n, _)| n == "$skip")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(0);
        if skip == self.signal_at
            && let Some(tx) = self.tx.lock().unwrap().take()
        {
            let _ = tx.send(());
        }
        Numbers.respond(r)
    }
}

/// A concurrent listing frees a page's place on the wire when its answer
/// arrives, not when the caller has taken it: while the first of two
/// concurrent pages is still being read, the third is already requested.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_page_frees_its_place_on_the_wire_before_it_is_parsed() {
    let server = MockServer::start().await;
    let (tx, rx) = mpsc::channel();
    Mock::given(wiremock::matchers::path("/numbers"))
        .respond_with(NumbersSignal {
            signal_at: 30,
            tx: Mutex::new(Some(tx)),
        })
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let c = client(&server, &t, 2);
    let rx = Mutex::new(Some(rx));
    let parse = move |resp: &Response| -> Result<RawPage, Error> {
        // Page `$skip=10` (the first fetched concurrently, with `20`) waits
        // until `$skip=30` has been asked for: that only happens if a wire
        // place was freed before this parse finished.
        if resp
            .url
            .query_pairs()
            .any(|(k, v)| k == "$skip" && v == "10")
            && let Some(rx) = rx.lock().unwrap().take()
        {
            tokio::task::block_in_place(|| rx.recv_timeout(Duration::from_secs(10))).map_err(
                |_| resp.unexpected("page $skip=30 was not requested while $skip=10 was parsed"),
            )?;
        }
        numbers_page(resp)
    };
    let mut req = numbers(&c, None);
    req.parse = Arc::new(parse);
    let items: Vec<u64> = page_stream(c.clone(), req)
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(items, (0..TOTAL).collect::<Vec<_>>());
    let asked = server.received_requests().await.unwrap().len();
    assert_eq!(asked, 10, "each page once");
}
