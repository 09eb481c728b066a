//! The driver: runs one [`ListRequest`] as a lazy stream of pages
//! ([`page_stream`]), one page at a time or fanned out.
//!
//! ```text
//!                 first page (or the resume cursor)
//!                               │
//!                               ▼
//!   ┌──────────────────── Sequential ◄──────────────────────────┐
//!   │  one page in hand; the next request is already on its way  │
//!   │  (a Prefetch task, started from the page's own task as     │
//!   │  soon as its headers name it, or after its envelope)       │
//!   │                                                            │
//!   │  page 0 says "more" and its total gives a plan whose first │
//!   │  URL is the page's own next ──────────────┐                │
//!   ▼                                           ▼                │
//!  end: no next / empty page       Concurrent (the fan-out plan)  │
//!  without next / total reached    pages fetched ahead in order:  │
//!  → count check vs the total      ≤ concurrency on the wire,     │
//!                                  ≤ 2 × concurrency read ahead   │
//!                                           │                    │
//!                                           │ a page disagrees   │
//!                                           │ with the plan (an  │
//!                                           │ empty page, fewer  │
//!                                           │ items, an explicit │
//!                                           │ end or another     │
//!                                           │ next) → in-flight  │
//!                                           │ pages cancelled ───┘
//!                                           ▼
//!                                  plan done: the last page's own
//!                                  next (a grown total, a nextLink)
//!                                  is followed sequentially
//! ```
//!
//! Every transition checks: a URL requested twice is a loop
//! ([`Error::PaginationLoop`]); more records than the total, five empty
//! pages in a row that keep linking, or more than
//! [`EngineSettings::max_pages`](crate::EngineSettings::max_pages) pages is
//! an [`Error::Inconsistent`]. [`ListRequest::unique_by`] drops ids already
//! delivered in the last pages. Each page carries the [`Cursor`] to resume
//! from: the next request not yet delivered.
//!
//! Tasks: every fetch is a spawned [`Task`] aborted when dropped, so a
//! dropped listing stops its requests. Without a tokio runtime the driver
//! fetches inline, one page at a time.

use super::*;

struct Shared<T> {
    client: HttpClient,
    req: ListRequest<T>,
    /// Every URL this listing has requested (a repeat is a loop).
    /// 64-bit hashes, not the URLs: eight bytes a page instead of a
    /// hundred keep a million-device listing's memory flat.
    seen: std::sync::Mutex<HashSet<u64>>,
    /// Hashes of the ids of the last [`UNIQUE_WINDOW`] pages delivered, with
    /// [`ListRequest::unique_by`].
    delivered: std::sync::Mutex<VecDeque<HashSet<u64>>>,
    /// The index of the page the listing is waiting for, [`NOT_WAITING`]
    /// while the caller has the last one. Only that page's task starts the
    /// next fetch itself: a caller that is slow to ask for more gets at most
    /// one page fetched ahead, not the rest of the tenant.
    awaiting: std::sync::atomic::AtomicU64,
}

/// [`Shared::awaiting`] when the listing waits for no page.
const NOT_WAITING: u64 = u64::MAX;

/// The key a requested URL is remembered by (see [`Shared::seen`]): a hash
/// with fixed keys, the same for one URL throughout the process.
fn url_key(url: &Url) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    url.as_str().hash(&mut h);
    h.finish()
}

impl<T: Send + 'static> Shared<T> {
    /// Fetches and reads one page's envelope, without mapping its items.
    /// With `early`, the next request is sent there as soon as the headers
    /// decide it ([`Paginator::next_from_headers`]), before the body is
    /// parsed; dropped unsent when they do not.
    fn fetch_raw(
        self: Arc<Self>,
        url: Url,
        index: u64,
        early: Option<EarlyNext>,
        net: Option<Arc<Semaphore>>,
    ) -> BoxFuture<'static, Result<RawPage>> {
        let span = tracing::debug_span!(
            "vectis.page",
            vendor = self.client.vendor().slug(),
            endpoint = %self.req.endpoint,
            page = index + 1,
            items = tracing::field::Empty,
        );
        Box::pin(
            async move {
                let mut spec = RequestSpec::get(url, self.req.endpoint.clone());
                spec.page = Some(index + 1);
                spec.headers = self.req.headers.clone();
                let sent = spec.url.clone();
                let resp = {
                    // Held while the request travels, released before the parse:
                    // the next page's request goes out as soon as this answer
                    // is in, not when the listing gets round to it.
                    let on_the_wire = match &net {
                        Some(s) => s.clone().acquire_owned().await.ok(),
                        None => None,
                    };
                    let resp = self.client.execute(spec).await;
                    if let Some(permit) = on_the_wire {
                        drop(permit);
                        // Let the page waiting for that place send its request
                        // before this one is parsed (on a one-thread runtime it
                        // would otherwise wait for the parse).
                        tokio::task::yield_now().await;
                    }
                    resp?
                };
                if let Some(tx) = early
                    && let Some(next) = self.req.paginator.next_from_headers(&sent, &resp)
                {
                    let chain = self.awaiting.load(Ordering::SeqCst) == index;
                    let msg = next.map(|n| {
                        n.map(|n| {
                            // Started from this task, not the listing's, so the
                            // request is on its way before this page is parsed
                            // (only while the caller waits for this page).
                            let mut ahead = None;
                            if chain && self.mark_seen(&n) {
                                ahead = Prefetch::spawn(&self, n.clone(), index + 1);
                                if ahead.is_none() {
                                    self.unmark_seen(&n);
                                }
                            }
                            (n, ahead)
                        })
                    });
                    let started = matches!(&msg, Ok(Some((_, Some(_)))));
                    // The receiver is gone only if the listing was dropped (the
                    // started fetch is then dropped, and aborted, with `msg`).
                    if tx.send(msg).is_ok() && started {
                        tokio::task::yield_now().await;
                    }
                }
                let raw = (self.req.parse)(&resp)?;
                tracing::Span::current().record("items", raw.items.len());
                Ok(raw)
            }
            .instrument(span),
        )
    }

    /// Records `url` as requested; `false` if it already was (a loop).
    fn mark_seen(&self, url: &Url) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(url_key(url))
    }

    /// Forgets `url` (it was not requested after all).
    fn unmark_seen(&self, url: &Url) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&url_key(url));
    }

    /// At the end of a listing: what arrived must match the vendor's last
    /// stated total (when the listing started at its first page).
    fn end_check(&self, arrived: Option<u64>, total: Option<u64>) -> Result<()> {
        match (arrived, total) {
            (Some(arrived), Some(total)) if arrived != total => Err(Error::Inconsistent {
                vendor: self.client.vendor(),
                endpoint: self.req.endpoint.clone(),
                detail: format!(
                    "the listing ended after {arrived} records, but the vendor's total says {total}; records were probably added or removed while it was read (or the total is wrong) — run it again, and report it if it persists"
                ),
            }),
            _ => Ok(()),
        }
    }

    /// While a listing runs: more records than the vendor's total says
    /// exist means the total (or the paging) is wrong, and following more
    /// links could go on for ever.
    fn past_total_check(&self, arrived: Option<u64>, total: Option<u64>) -> Result<()> {
        match (arrived, total) {
            (Some(arrived), Some(total)) if arrived > total => Err(Error::Inconsistent {
                vendor: self.client.vendor(),
                endpoint: self.req.endpoint.clone(),
                detail: format!(
                    "{arrived} records arrived, more than the {total} the vendor's total says; stopping rather than following its next-page links for ever — run it again, and report it if it persists"
                ),
            }),
            _ => Ok(()),
        }
    }

    /// A fan-out page that said it was the last while the plan from the
    /// first page's total had more, with no item total to count against.
    fn early_end_error(&self, page: u64) -> Error {
        Error::Inconsistent {
            vendor: self.client.vendor(),
            endpoint: self.req.endpoint.clone(),
            detail: format!(
                "page {page} ended the listing (empty, or no next page), but the first page announced more pages; the vendor's page count is wrong — run it again, and report it if it persists"
            ),
        }
    }

    /// After a page with `next`: fails when the listing has reached its
    /// page limit or followed too many empty pages in a row.
    fn bound_check(&self, pages: u64, empty_run: u32, has_next: bool) -> Result<()> {
        if !has_next {
            return Ok(());
        }
        let detail = if empty_run >= MAX_EMPTY_PAGES {
            format!(
                "{empty_run} empty pages in a row each named a next page; stopping rather than following them for ever — run it again, and report it if it persists"
            )
        } else if pages >= self.client.max_pages() {
            format!(
                "the listing reached {pages} pages and the vendor names yet another; that is the most one listing requests (EngineSettings::max_pages) — raise it if the tenant is really that large, otherwise report the vendor's paging"
            )
        } else {
            return Ok(());
        };
        Err(Error::Inconsistent {
            vendor: self.client.vendor(),
            endpoint: self.req.endpoint.clone(),
            detail,
        })
    }

    fn loop_error(&self) -> Error {
        Error::PaginationLoop {
            vendor: self.client.vendor(),
            endpoint: self.req.endpoint.clone(),
        }
    }

    /// Drops records whose id this listing already delivered (only with
    /// [`ListRequest::unique_by`]); called in delivery order, so a page
    /// fetched and then cancelled never marks its ids.
    fn unique(&self, mut items: Vec<T>, page: u64) -> Vec<T> {
        let Some(id_of) = self.req.unique else {
            return items;
        };
        let mut delivered = self.delivered.lock().unwrap_or_else(|p| p.into_inner());
        let before = items.len();
        let mut this_page: HashSet<u64> = HashSet::with_capacity(items.len());
        items.retain(|item| {
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(id_of(item), &mut h);
            let h = std::hash::Hasher::finish(&h);
            !delivered.iter().any(|p| p.contains(&h)) && this_page.insert(h)
        });
        delivered.push_back(this_page);
        while delivered.len() > UNIQUE_WINDOW {
            delivered.pop_front();
        }
        let dropped = before - items.len();
        if dropped > 0 {
            tracing::warn!(
                target: "vectis::paginate",
                vendor = self.client.vendor().slug(),
                endpoint = %self.req.endpoint,
                page = page + 1,
                dropped,
                "records arrived twice in one listing (they moved between pages while it was read); each is delivered once"
            );
        }
        items
    }

    fn map_items(&self, raw: Vec<serde_json::Value>) -> Result<Vec<T>> {
        let mut items = Vec::with_capacity(raw.len());
        for (i, v) in raw.into_iter().enumerate() {
            if let Some(item) = (self.req.map)(i, v)? {
                items.push(item);
            }
        }
        Ok(items)
    }

    async fn fetch(
        self: Arc<Self>,
        url: Url,
        index: u64,
        net: Arc<Semaphore>,
    ) -> Result<(Vec<T>, PageMeta)> {
        let raw = self.clone().fetch_raw(url, index, None, Some(net)).await?;
        Ok((self.map_items(raw.items)?, raw.meta))
    }

    fn page_error(&self, e: PageError) -> Error {
        let vendor = self.client.vendor();
        match e {
            PageError::ForeignOrigin(origin) => Error::Inconsistent {
                vendor,
                endpoint: self.req.endpoint.clone(),
                detail: format!(
                    "the next-page link points at another origin ({origin}); refusing to send credentials there — if that is the vendor's own API host (a regional or renamed one), configure it as the base URL"
                ),
            },
            PageError::BadUrl(why) => Error::Inconsistent {
                vendor,
                endpoint: self.req.endpoint.clone(),
                detail: format!("the next-page link is not a URL ({why})"),
            },
            PageError::Overflow(why) => Error::Inconsistent {
                vendor,
                endpoint: self.req.endpoint.clone(),
                detail: format!(
                    "the next page cannot be computed ({why}); check the resume cursor, or report the vendor's paging numbers"
                ),
            },
        }
    }
}

type PageFetch<T> = BoxFuture<'static, (u64, Url, Result<(Vec<T>, PageMeta)>)>;

/// A next page already being fetched in the background (sequential styles:
/// the next request is known before this page's items are mapped, so the
/// fetch overlaps the mapping). Aborted if the stream is dropped.
struct Prefetch {
    url: Url,
    task: Task<Result<RawPage>>,
    /// The page after it, when its headers name it before its body is read.
    early: Option<futures::channel::oneshot::Receiver<EarlyMsg>>,
}

/// What a page's headers said about the next page: its URL, and its fetch
/// if this page's task started it (not when the URL was seen before: the
/// listing reports the loop).
type EarlyMsg = Result<Option<(Url, Option<Prefetch>)>, PageError>;

/// Where a page fetch sends the next request it read from the headers.
type EarlyNext = futures::channel::oneshot::Sender<EarlyMsg>;

impl Prefetch {
    /// Starts fetching page `index` at `url` on the current runtime; `None`
    /// outside one.
    fn spawn<T: Send + 'static>(shared: &Arc<Shared<T>>, url: Url, index: u64) -> Option<Prefetch> {
        let rt = tokio::runtime::Handle::try_current().ok()?;
        let (tx, rx) = futures::channel::oneshot::channel();
        let task = Task(rt.spawn(shared.clone().fetch_raw(url.clone(), index, Some(tx), None)));
        Some(Prefetch {
            url,
            task,
            early: Some(rx),
        })
    }
}

/// A spawned task aborted when dropped (a dropped listing stops its fetches).
struct Task<R>(tokio::task::JoinHandle<R>);

impl<T> Task<Result<T>> {
    /// Its result; a task that panicked or was cancelled is an error naming
    /// the listing.
    async fn join(&mut self, vendor: Vendor, endpoint: &str) -> Result<T> {
        match (&mut self.0).await {
            Ok(r) => r,
            Err(join) => Err(Error::Inconsistent {
                vendor,
                endpoint: endpoint.to_string(),
                detail: format!(
                    "the page fetch task failed ({join}); this is a bug in vectis, please report it"
                ),
            }),
        }
    }
}

impl<R> Drop for Task<R> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

enum State<T> {
    Sequential {
        next: Option<Url>,
        prefetch: Option<Prefetch>,
    },
    Concurrent {
        queue: std::iter::Peekable<RemainingUrls>,
        next_index: u64,
        inflight: FuturesOrdered<PageFetch<T>>,
        /// `concurrency` permits: one per request on the wire.
        net: Arc<Semaphore>,
        /// The URLs in flight, in page order (the resume cursor is the
        /// first of them: the page after the one just delivered).
        inflight_urls: VecDeque<Url>,
    },
}

struct Driver<T> {
    shared: Arc<Shared<T>>,
    state: State<T>,
    index: u64,
    concurrency: usize,
    /// Records that arrived (before mapping), when the listing started at
    /// its first page; `None` when it resumed from a cursor (the count
    /// cannot be compared with the total then).
    arrived: Option<u64>,
    /// The vendor's total as the latest page stated it.
    last_total: Option<u64>,
    /// Empty pages in a row so far.
    empty_run: u32,
}

impl<T> Driver<T> {
    /// Counts a page that arrived.
    fn note(&mut self, meta: &PageMeta) {
        self.empty_run = if meta.items == 0 {
            self.empty_run.saturating_add(1)
        } else {
            0
        };
        self.arrived = self.arrived.map(|a| a.saturating_add(meta.items as u64));
        if meta.total_items.is_some() {
            self.last_total = meta.total_items;
        }
    }
}

/// Runs a listing as a lazy stream of pages (see the module docs).
pub fn page_stream<T: Send + 'static>(client: HttpClient, req: ListRequest<T>) -> PageStream<T> {
    let concurrency = client.concurrency();
    let from_start = req.resume.is_none();
    let first = match &req.resume {
        Some(c) => match Url::parse(&c.next) {
            Ok(u) if client.base().same_origin(&u) => u,
            _ => {
                let endpoint = req.endpoint.clone();
                let vendor = client.vendor();
                return futures::stream::once(async move {
                    Err(Error::Inconsistent {
                        vendor,
                        endpoint,
                        detail: "the resume cursor is not a URL on the configured origin".into(),
                    })
                })
                .boxed();
            }
        },
        None => req.paginator.first(&req.url),
    };
    let driver = Driver {
        shared: Arc::new(Shared {
            client,
            req,
            seen: std::sync::Mutex::new(HashSet::new()),
            delivered: std::sync::Mutex::new(VecDeque::new()),
            awaiting: std::sync::atomic::AtomicU64::new(NOT_WAITING),
        }),
        state: State::Sequential {
            next: Some(first),
            prefetch: None,
        },
        index: 0,
        concurrency,
        arrived: from_start.then_some(0),
        last_total: None,
        empty_run: 0,
    };
    futures::stream::try_unfold(driver, step).boxed()
}

/// What awaiting a prefetched page gives: its URL, its envelope, the next
/// request if its headers named it, and that request already started.
type Awaited = (
    Url,
    RawPage,
    Option<std::result::Result<Option<Url>, PageError>>,
    Option<Prefetch>,
);

/// Awaits a prefetched page. If its headers named the next request before
/// its body was parsed, the page's task has already started it (after the
/// loop check), so it travels while this page is parsed and mapped.
async fn await_prefetch<T: Send + 'static>(
    shared: &Arc<Shared<T>>,
    mut p: Prefetch,
    index: u64,
) -> Result<Awaited> {
    let mut early = None;
    let mut ahead = None;
    if let Some(rx) = p.early.take() {
        // Canceled: the headers did not decide (or the fetch failed; its
        // error comes from the handle below).
        if let Ok(r) = rx.await {
            early = Some(r.map(|next| {
                next.map(|(n, started)| {
                    ahead = started;
                    n
                })
            }));
            // Not started by the page's task (the caller was busy, or the
            // URL was requested before): start it here, after the loop check.
            if let Some(Ok(Some(n))) = &early
                && ahead.is_none()
            {
                if !shared.mark_seen(n) {
                    return Err(shared.loop_error());
                }
                ahead = Prefetch::spawn(shared, n.clone(), index + 1);
                if ahead.is_none() {
                    shared.unmark_seen(n);
                } else {
                    // Let it send its request before this page is mapped.
                    tokio::task::yield_now().await;
                }
            }
        }
    }
    let raw = p
        .task
        .join(shared.client.vendor(), &shared.req.endpoint)
        .await?;
    Ok((p.url.clone(), raw, early, ahead))
}

/// Starts page fetches until `2 × concurrency` are under way (on the wire,
/// waiting for a wire permit, or read and waiting for the caller) or none
/// is left. The wire permits keep `concurrency` requests travelling even
/// while the caller is busy with an earlier page; the window of twice that
/// bounds how many pages wait in memory.
fn refill<T: Send + 'static>(
    shared: &Arc<Shared<T>>,
    net: &Arc<Semaphore>,
    concurrency: usize,
    queue: &mut std::iter::Peekable<RemainingUrls>,
    next_index: &mut u64,
    inflight: &mut FuturesOrdered<PageFetch<T>>,
    inflight_urls: &mut VecDeque<Url>,
) {
    while inflight.len() < concurrency.saturating_mul(2) {
        let Some(url) = queue.next() else {
            break;
        };
        let index = *next_index;
        *next_index += 1;
        // Recorded, so a later page linking back to it is a loop; forgotten
        // again if the plan is cancelled before it is delivered.
        shared.mark_seen(&url);
        inflight_urls.push_back(url.clone());
        let fetch = shared.clone().fetch(url.clone(), index, net.clone());
        // Spawned, a fetch makes progress while the caller is busy with an
        // earlier page; aborted if the listing is dropped.
        let fut: PageFetch<T> = match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                let mut task = Task(rt.spawn(fetch));
                let (vendor, endpoint) = (shared.client.vendor(), shared.req.endpoint.clone());
                Box::pin(async move { (index, url, task.join(vendor, &endpoint).await) })
            }
            Err(_) => Box::pin(async move { (index, url, fetch.await) }),
        };
        inflight.push_back(fut);
    }
}

async fn step<T: Send + 'static>(mut d: Driver<T>) -> Result<Option<(Page<T>, Driver<T>)>> {
    match &mut d.state {
        State::Sequential { next, prefetch } => {
            let index = d.index;
            let pending = match prefetch.take() {
                Some(p) => Some(p),
                None => {
                    let Some(url) = next.take() else {
                        return Ok(None);
                    };
                    if !d.shared.mark_seen(&url) {
                        return Err(d.shared.loop_error());
                    }
                    let p = Prefetch::spawn(&d.shared, url.clone(), index);
                    if p.is_none() {
                        *next = Some(url);
                    }
                    p
                }
            };
            let (url, raw, early, ahead) = match pending {
                Some(p) => {
                    d.shared.awaiting.store(index, Ordering::SeqCst);
                    let awaited = await_prefetch(&d.shared, p, index).await;
                    d.shared.awaiting.store(NOT_WAITING, Ordering::SeqCst);
                    awaited?
                }
                None => {
                    // No runtime to spawn on: fetch inline.
                    let Some(url) = next.take() else {
                        return Ok(None);
                    };
                    let raw = d
                        .shared
                        .clone()
                        .fetch_raw(url.clone(), index, None, None)
                        .await?;
                    (url, raw, None, None)
                }
            };
            let meta = raw.meta.clone();
            d.index += 1;
            d.note(&meta);
            d.shared.past_total_check(d.arrived, d.last_total)?;
            let fan_out_possible = index == 0 && d.concurrency > 1 && early.is_none();
            let own_next = match early {
                Some(r) => r,
                None => d.shared.req.paginator.next(&url, &meta),
            }
            .map_err(|e| d.shared.page_error(e))?;
            d.shared
                .bound_check(d.index, d.empty_run, own_next.is_some())?;
            // Fan out only when the first page itself says there is more,
            // and the plan starts where it says.
            let mut fan_out = None;
            if fan_out_possible
                && let Some(n) = &own_next
                && let Some(rest) = d.shared.req.paginator.remaining_iter(&url, &meta)
            {
                let mut queue = rest.peekable();
                if queue.peek().is_some_and(|p| same_request(p, n)) {
                    fan_out = Some(queue);
                }
            }
            let resume;
            if let Some(mut queue) = fan_out {
                resume = queue.peek().map(|u| Cursor {
                    next: u.to_string(),
                });
                let mut next_index = 1;
                let mut inflight = FuturesOrdered::new();
                let mut inflight_urls = VecDeque::new();
                let net = Arc::new(Semaphore::new(d.concurrency.max(1)));
                // Start the rest now, so they travel while this page is mapped.
                refill(
                    &d.shared,
                    &net,
                    d.concurrency,
                    &mut queue,
                    &mut next_index,
                    &mut inflight,
                    &mut inflight_urls,
                );
                d.state = State::Concurrent {
                    queue,
                    next_index,
                    inflight,
                    net,
                    inflight_urls,
                };
            } else {
                let next_url = own_next;
                if next_url.is_none() {
                    d.shared.end_check(d.arrived, d.last_total)?;
                }
                resume = next_url.as_ref().map(|u| Cursor {
                    next: u.to_string(),
                });
                let ahead_started_here = ahead.is_none();
                let mut prefetch = ahead;
                if prefetch.is_none()
                    && let Some(n) = &next_url
                {
                    if !d.shared.mark_seen(n) {
                        return Err(d.shared.loop_error());
                    }
                    prefetch = Prefetch::spawn(&d.shared, n.clone(), index + 1);
                    if prefetch.is_none() {
                        // Fetched on the next poll, which marks it seen.
                        d.shared.unmark_seen(n);
                    }
                }
                if prefetch.is_some() && ahead_started_here {
                    // Let the prefetch send its request before this page is
                    // mapped: yield_now defers this task until the runtime
                    // has run the others, also on a one-thread runtime.
                    tokio::task::yield_now().await;
                }
                d.state = State::Sequential {
                    next: if prefetch.is_none() { next_url } else { None },
                    prefetch,
                };
            }
            let items = d.shared.map_items(raw.items)?;
            let items = d.shared.unique(items, index);
            let page = Page {
                items,
                index,
                total: meta.total_items,
                resume,
            };
            Ok(Some((page, d)))
        }
        State::Concurrent {
            queue,
            next_index,
            inflight,
            net,
            inflight_urls,
        } => {
            refill(
                &d.shared,
                net,
                d.concurrency,
                queue,
                next_index,
                inflight,
                inflight_urls,
            );
            let Some((index, url, result)) = inflight.next().await else {
                return Ok(None);
            };
            inflight_urls.pop_front();
            let (items, meta) = result?;
            d.index = index + 1;
            let own_next = d
                .shared
                .req
                .paginator
                .next(&url, &meta)
                .map_err(|e| d.shared.page_error(e))?;
            let planned = inflight_urls.front().or_else(|| queue.peek()).cloned();
            // An empty page never follows the plan: what the first page's
            // total promised is not there, so the fan-out stops and the
            // listing goes on (if at all) from what this page links.
            let follows_plan = meta.items > 0
                && matches!((&own_next, &planned), (Some(n), Some(p)) if same_request(n, p));
            let resume = if follows_plan {
                // Keep the window full while this page is consumed.
                refill(
                    &d.shared,
                    net,
                    d.concurrency,
                    queue,
                    next_index,
                    inflight,
                    inflight_urls,
                );
                planned.map(|u| Cursor {
                    next: u.to_string(),
                })
            } else {
                // The page and the plan disagree: the page wins. Cancel the
                // pages in flight (dropping them aborts their tasks) and
                // forget their URLs: the listing may still ask for them.
                for u in inflight_urls.drain(..) {
                    d.shared.unmark_seen(&u);
                }
                match &own_next {
                    None => {
                        if planned.is_some() {
                            tracing::debug!(
                                target: "vectis::paginate",
                                endpoint = %d.shared.req.endpoint,
                                page = index + 1,
                                "a page ended the listing before the planned last page; the fan-out is cancelled"
                            );
                            if meta.total_items.is_none() && d.last_total.is_none() {
                                return Err(d.shared.early_end_error(index + 1));
                            }
                        }
                    }
                    Some(n) => tracing::debug!(
                        target: "vectis::paginate",
                        endpoint = %d.shared.req.endpoint,
                        page = index + 1,
                        next = %n,
                        "a page's next request differs from the fan-out plan; following the page, one page at a time"
                    ),
                }
                own_next.as_ref().map(|u| Cursor {
                    next: u.to_string(),
                })
            };
            d.note(&meta);
            d.shared.past_total_check(d.arrived, d.last_total)?;
            d.shared
                .bound_check(d.index, d.empty_run, own_next.is_some())?;
            if !follows_plan {
                if own_next.is_none() {
                    d.shared.end_check(d.arrived, d.last_total)?;
                }
                d.state = State::Sequential {
                    next: own_next,
                    prefetch: None,
                };
            }
            let items = d.shared.unique(items, index);
            let page = Page {
                items,
                index,
                total: meta.total_items,
                resume,
            };
            Ok(Some((page, d)))
        }
    }
}

/// `first`, then `second` — with `second`'s first item fetched in the
/// background from the moment the chain is first polled, so a listing that
/// follows another (Atera's and Datto's resolved alerts after the open ones)
/// does not add its first round trip to the end of the first. Only that
/// first item is fetched ahead (one page, plus the fan-out a listing starts
/// once its first page is in, bounded by its read-ahead window); the rest of
/// `second` is pulled after `first` ends. Without a tokio runtime it is a
/// plain chain. Dropping the chain stops the background fetch. `vendor` and
/// `endpoint` (the second listing's) name it in the error of a fetch task
/// that failed.
pub fn chain_ahead<T: Send + 'static>(
    vendor: Vendor,
    endpoint: &str,
    first: BoxStream<'static, Result<T>>,
    second: BoxStream<'static, Result<T>>,
) -> BoxStream<'static, Result<T>> {
    let endpoint = endpoint.to_string();
    futures::stream::once(async move {
        let head = match tokio::runtime::Handle::try_current() {
            Ok(rt) => Ok(Task(rt.spawn(async move {
                let mut second = second;
                let item = second.next().await;
                (item, second)
            }))),
            Err(_) => Err(second),
        };
        let tail = futures::stream::once(async move {
            match head {
                Err(plain) => plain,
                Ok(mut task) => match (&mut task.0).await {
                    Ok((Some(item), rest)) => futures::stream::once(async move { item })
                        .chain(rest)
                        .boxed(),
                    Ok((None, _)) => futures::stream::empty().boxed(),
                    Err(join) => error_stream(Error::Inconsistent {
                        vendor,
                        endpoint,
                        detail: format!(
                            "the listing fetched ahead failed ({join}); this is a bug in vectis, please report it"
                        ),
                    }),
                },
            }
        })
        .flatten();
        first.chain(tail)
    })
    .flatten()
    .boxed()
}
