//! `Link` listings: the next request goes out before this page is parsed,
//! also on a one-thread runtime, a slow caller gets one page ahead at most,
//! and a link back or to another host stops it.

use super::*;

/// Pages `1..=5` of two items each, `Link: <…?page=n+1>; rel="next"`.
struct Linked {
    origin: String,
    requested: Arc<AtomicU64>,
    second_asked: Mutex<Option<mpsc::Sender<()>>>,
    /// Bytes of padding (a string item, which the mapper skips), for pages
    /// the size of a real vendor's.
    pad: usize,
}

impl Respond for Linked {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let page: u64 = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        self.requested.fetch_max(page, Ordering::SeqCst);
        if page == 2
            && let Some(tx) = self.second_asked.lock().unwrap().take()
        {
            let _ = tx.send(());
        }
        let mut body = vec![
            serde_json::json!(page * 10),
            serde_json::json!(page * 10 + 1),
        ];
        if self.pad > 0 {
            body.push(serde_json::json!("x".repeat(self.pad)));
        }
        let mut resp = ResponseTemplate::new(200).set_body_json(body);
        if page < 5 {
            let next = format!("<{}/linked?page={}>; rel=\"next\"", self.origin, page + 1);
            resp = resp.insert_header("link", next.as_str());
        }
        resp
    }
}

/// Reads a `Linked` page (a JSON array).
fn linked_page(resp: &Response) -> Result<RawPage, Error> {
    let items: Vec<serde_json::Value> = resp.json()?;
    Ok(RawPage {
        meta: PageMeta {
            items: items.len(),
            link_next: PageMeta::link_next_from(resp),
            ..PageMeta::default()
        },
        items,
    })
}

/// Mounts [`Linked`] pages on `server`; the highest page asked for is
/// returned.
async fn mount_linked(
    server: &MockServer,
    second_asked: Option<mpsc::Sender<()>>,
    pad: usize,
) -> Arc<AtomicU64> {
    let requested = Arc::new(AtomicU64::new(0));
    Mock::given(wiremock::matchers::path("/linked"))
        .respond_with(Linked {
            origin: server.uri(),
            requested: requested.clone(),
            second_asked: Mutex::new(second_asked),
            pad,
        })
        .mount(server)
        .await;
    requested
}

/// A `Link` listing of `path` from `?page=1`, read by `parse`, numbers kept.
fn linked_listing(
    c: &HttpClient,
    path: &'static str,
    parse: impl Fn(&Response) -> Result<RawPage, Error> + Send + Sync + 'static,
) -> ListRequest<u64> {
    let url = c.base().join(&format!("{path}?page=1")).unwrap();
    ListRequest::new(
        path,
        url,
        LinkHeader {
            first_params: Vec::new(),
        },
        parse,
        |_, v| Ok(v.as_u64()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_listing_sends_the_next_request_before_parsing_this_page() {
    let server = MockServer::start().await;
    let (tx, rx) = mpsc::channel();
    let requested = mount_linked(&server, Some(tx), 0).await;
    let t = ManualTime::new();
    let c = client(&server, &t, 1);
    let rx = Mutex::new(Some(rx));
    let parse = move |resp: &Response| -> Result<RawPage, Error> {
        // Parsing page 1 waits until page 2 has been asked for: it only
        // returns at once if the engine sent that request from page 1's
        // headers, before this parse.
        if resp.url.query().unwrap_or_default().contains("page=1")
            && let Some(rx) = rx.lock().unwrap().take()
        {
            // block_in_place: this worker's queued tasks move on meanwhile.
            tokio::task::block_in_place(|| rx.recv_timeout(Duration::from_secs(10))).map_err(
                |_| resp.unexpected("page 2 was not requested before page 1 was parsed"),
            )?;
        }
        linked_page(resp)
    };
    let req = linked_listing(&c, "/linked", parse);
    let items: Vec<u64> = page_stream(c.clone(), req)
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(items, vec![10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    assert_eq!(
        requested.load(Ordering::SeqCst),
        5,
        "no request past the end"
    );
}

/// The same contract on a one-thread runtime, the usual `#[tokio::main]`
/// of a small sync job, where the listing runs in `block_on`'s own future:
/// the next request must be written before the parse takes the thread.
#[tokio::test(flavor = "current_thread")]
async fn on_a_one_thread_runtime_the_next_request_is_written_before_this_page_is_parsed() {
    let server = MockServer::start().await;
    let (tx, rx) = mpsc::channel();
    let requested = mount_linked(&server, Some(tx), 256 * 1024).await;
    let t = ManualTime::new();
    let c = client(&server, &t, 1);
    let rx = Mutex::new(Some(rx));
    let parse = move |resp: &Response| -> Result<RawPage, Error> {
        // Blocks the runtime's only thread until page 2 has been asked for:
        // page 2 arrives only if it was written before this parse began.
        if resp.url.query().unwrap_or_default().contains("page=1")
            && let Some(rx) = rx.lock().unwrap().take()
        {
            rx.recv_timeout(Duration::from_secs(10))
                .map_err(|_| resp.unexpected("page 2 was not requested while page 1 was parsed"))?;
        }
        linked_page(resp)
    };
    let req = linked_listing(&c, "/linked", parse);
    let items: Vec<u64> = page_stream(c.clone(), req)
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(items, vec![10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    assert_eq!(requested.load(Ordering::SeqCst), 5);
}

/// Records, for each page requested, whether the caller had already asked
/// for the page before it (`asked` = the highest page the caller asked for).
#[derive(Debug)]
struct WatchingKey {
    asked: Arc<AtomicU64>,
    early: Arc<Mutex<Vec<u64>>>,
}

#[async_trait::async_trait]
impl vectis_core::credential::Credential for WatchingKey {
    fn id(&self) -> String {
        "watching".into()
    }
    async fn apply(
        &self,
        req: &mut reqwest::Request,
    ) -> vectis_core::Result<vectis_core::credential::TokenStamp> {
        let page: u64 = req
            .url()
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        // Page n may be fetched while the caller holds page n - 1, not
        // earlier: that would be reading the tenant ahead of the caller.
        if page > self.asked.load(Ordering::SeqCst) + 1 {
            self.early.lock().unwrap().push(page);
        }
        Ok(0)
    }
}

/// A caller slow to ask for the next page gets at most one page fetched
/// ahead: a `Link` listing does not read the rest of the tenant into memory
/// while the caller is busy with a page.
#[tokio::test(flavor = "current_thread")]
async fn a_slow_caller_gets_at_most_one_page_fetched_ahead() {
    let server = MockServer::start().await;
    mount_linked(&server, None, 0).await;
    let asked = Arc::new(AtomicU64::new(0));
    let early = Arc::new(Mutex::new(Vec::new()));
    let t = ManualTime::new();
    let c = client_of(
        &server.uri(),
        TestRules::named(Vendor::Kaseya),
        Arc::new(WatchingKey {
            asked: asked.clone(),
            early: early.clone(),
        }),
        EngineSettings::default()
            .quota(Quota::Off)
            .time(t.time())
            .concurrency(1),
    );
    // Each page's parse reports it: the caller waits until the page after
    // the one it holds has been read, the most a slow caller can cause.
    let (parsed_tx, mut parsed_rx) = tokio::sync::mpsc::unbounded_channel();
    let parse = move |resp: &Response| -> Result<RawPage, Error> {
        let page = resp
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(1);
        let _ = parsed_tx.send(page);
        linked_page(resp)
    };
    let req = linked_listing(&c, "/linked", parse);
    let mut pages = page_stream(c.clone(), req);
    let mut items = Vec::new();
    for n in 1..=5u64 {
        asked.store(n, Ordering::SeqCst);
        let page = pages.try_next().await.unwrap().unwrap();
        items.extend(page.items);
        if n < 5 {
            // Busy with page n until page n + 1 has been read.
            while parsed_rx.recv().await.unwrap() != n + 1 {}
        }
    }
    assert!(pages.try_next().await.unwrap().is_none());
    assert_eq!(items, vec![10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    assert_eq!(
        *early.lock().unwrap(),
        Vec::<u64>::new(),
        "pages fetched ahead of the caller"
    );
}

/// A `Link` back to a page already fetched is a loop, and a `Link` to
/// another origin is refused without a request — also now that the next
/// request is started from the headers, before the body is read.
#[tokio::test]
async fn a_link_back_to_a_fetched_page_is_a_loop_and_one_to_another_host_is_refused() {
    let server = MockServer::start().await;
    let origin = server.uri();
    Mock::given(wiremock::matchers::path("/loop"))
        .respond_with(move |r: &Request| {
            // Page 1 → page 2 → page 1 again.
            let back = if r.url.query() == Some("page=1") {
                2
            } else {
                1
            };
            let link = format!("<{origin}/loop?page={back}>; rel=\"next\"");
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([1]))
                .insert_header("link", link.as_str())
        })
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::path("/away"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([1]))
                .insert_header(
                    "link",
                    "<http://elsewhere.invalid/away?page=2>; rel=\"next\"",
                ),
        )
        .mount(&server)
        .await;
    let t = ManualTime::new();
    let c = client(&server, &t, 1);
    let looped = page_stream(c.clone(), linked_listing(&c, "/loop", linked_page))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(looped, Error::PaginationLoop { .. }), "{looped:?}");
    let away = page_stream(c.clone(), linked_listing(&c, "/away", linked_page))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(away.to_string().contains("another origin"), "{away}");
    let asked: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
        .collect();
    assert_eq!(asked, vec!["/loop?page=1", "/loop?page=2", "/away?page=1"]);
}
