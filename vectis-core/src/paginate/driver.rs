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
//!
//! Here: the states, the tasks and the stream; what every fetch shares is in
//! `shared`, one transition of the state machine in `step`.

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

mod shared;
mod step;

use step::step;

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
