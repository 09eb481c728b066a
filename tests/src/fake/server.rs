//! The one fake server every vendor fake is: a wiremock [`MockServer`]
//! holding the vendor's state behind a mutex, answering the routes the
//! vendor serves (after an optional [`Latency`]) and sending everything else
//! to the loud catch-all. A vendor is its [`Vendor`] impl: data, routes and
//! answers.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use wiremock::http::Method;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{RequestView, UNEXPECTED_STATUS, mount_catch_all};

/// How long a fake waits before each answer (zero by default): the
/// network's round trip, for runs that measure what latency costs. Clones
/// share the setting.
#[derive(Debug, Clone, Default)]
pub struct Latency(Arc<AtomicU64>);

impl Latency {
    /// Every later answer waits `d` (microsecond precision).
    pub fn set(&self, d: Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.0.store(micros, Ordering::Relaxed);
    }

    /// The current latency.
    pub fn get(&self) -> Duration {
        Duration::from_micros(self.0.load(Ordering::Relaxed))
    }
}

/// A responder whose every answer waits [`Latency`] first (wiremock's
/// `set_delay`, so waiting answers do not hold up the others).
pub struct Delayed<R> {
    /// The fake's own responder.
    pub inner: R,
    /// The wait, shared with the fake.
    pub latency: Latency,
}

impl<R: Respond> Respond for Delayed<R> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let answer = self.inner.respond(request);
        let d = self.latency.get();
        if d.is_zero() {
            answer
        } else {
            answer.set_delay(d)
        }
    }
}

/// A vendor a [`FakeServer`] stands in for. The implementing type is the
/// vendor's own state next to the data (knobs tests set, calls it records,
/// tokens it issued), starting from [`Default`]. A new vendor's fake is this
/// impl (its routes and answers) and its [`Data`](Self::Data); the server,
/// the catch-all, latency and request reading come with [`FakeServer`] and
/// [`RequestView`].
pub trait Vendor: Default + Send + 'static {
    /// The records the fake serves ([`FakeServer::with_data`] takes them,
    /// [`FakeServer::data`] gives a snapshot back).
    type Data: Clone + Send + 'static;
    /// What [`route`](Self::route) makes of a request the fake serves.
    type Route;
    /// The name of the fake's mock in wiremock's reports.
    const NAME: &'static str;

    /// The route of a request the fake serves; `None` sends the request to
    /// the catch-all (see [`mount_catch_all`]).
    fn route(method: &Method, path: &str) -> Option<Self::Route>;

    /// The data [`FakeServer::start`] serves.
    fn small() -> Self::Data;

    /// The answer to `request`, which [`route`](Self::route) sent to
    /// `route`, with the state locked: `self` is the vendor's own state,
    /// `data` what it serves (answers may change both).
    fn answer(
        &mut self,
        data: &mut Self::Data,
        route: Self::Route,
        request: &RequestView<'_>,
    ) -> ResponseTemplate;
}

/// What a [`FakeServer`] holds behind its mutex.
#[derive(Debug)]
pub struct FakeState<V: Vendor> {
    /// The records the fake serves, as they are now.
    pub data: V::Data,
    /// The vendor's own state.
    pub vendor: V,
}

/// A running fake of vendor `V`: a wiremock [`MockServer`] plus the data it
/// serves and `V`'s own state. Each vendor module names its own
/// (`AteraFake`, …) and adds the vendor's knobs to it.
pub struct FakeServer<V: Vendor> {
    server: MockServer,
    state: Arc<Mutex<FakeState<V>>>,
    latency: Latency,
}

impl<V: Vendor> fmt::Debug for FakeServer<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeServer")
            .field("vendor", &V::NAME)
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl<V: Vendor> FakeServer<V> {
    /// A fake serving the vendor's small data set ([`Vendor::small`]).
    pub async fn start() -> Self {
        Self::with_data(V::small()).await
    }

    /// A fake serving `data`.
    pub async fn with_data(data: V::Data) -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(FakeState {
            data,
            vendor: V::default(),
        }));
        let latency = Latency::default();
        Mock::given(Routes::<V>(PhantomData))
            .respond_with(Delayed {
                inner: Answer {
                    state: Arc::clone(&state),
                    origin: server.uri(),
                },
                latency: latency.clone(),
            })
            .named(V::NAME)
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        Self {
            server,
            state,
            latency,
        }
    }

    /// The origin, `http://127.0.0.1:PORT`, standing in for the vendor's
    /// host (the vendor's module says where the API sits under it).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every later answer waits `d` first (the network's round trip, for
    /// runs that measure what latency costs); zero by default.
    pub fn set_latency(&self, d: Duration) {
        self.latency.set(d);
    }

    /// The underlying server, for mounting extra mocks: a mock mounted with
    /// `with_priority(1..=4)` (1 is the highest; the fake uses the default,
    /// 5), e.g. by [`mount_sequence`](super::mount_sequence), answers
    /// before the fake.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// Every request received so far, in order.
    pub async fn received(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// The requests received so far whose path is exactly `path` (any
    /// method, any query), in order.
    pub async fn requests_to(&self, path: &str) -> Vec<Request> {
        let mut all = self.received().await;
        all.retain(|r| r.url.path() == path);
        all
    }

    /// How many requests with `method` (`POST`) were received so far.
    pub async fn count_method(&self, method: &str) -> usize {
        let all = self.received().await;
        all.iter().filter(|r| r.method.as_str() == method).count()
    }

    /// A snapshot of the data as it is now (with whatever the fake's own
    /// writes changed).
    pub fn data(&self) -> V::Data {
        self.state().data.clone()
    }

    /// The fake's state, locked (a panic while it was held does not poison
    /// it): for the vendor's own knobs and read-backs.
    pub fn state(&self) -> MutexGuard<'_, FakeState<V>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Matches exactly the requests the vendor routes, so everything else falls
/// through to the catch-all.
struct Routes<V>(PhantomData<fn() -> V>);

impl<V: Vendor> Match for Routes<V> {
    fn matches(&self, request: &Request) -> bool {
        V::route(&request.method, request.url.path()).is_some()
    }
}

/// Routes a request again and lets the vendor answer it, state locked.
struct Answer<V: Vendor> {
    state: Arc<Mutex<FakeState<V>>>,
    origin: String,
}

impl<V: Vendor> Respond for Answer<V> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(route) = V::route(&request.method, request.url.path()) else {
            return ResponseTemplate::new(UNEXPECTED_STATUS);
        };
        let view = RequestView::new(request, &self.origin);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let FakeState { data, vendor } = &mut *state;
        vendor.answer(data, route, &view)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A whole fake vendor: a list of hits, one route, a call counter.
    #[derive(Default)]
    struct Counter {
        calls: usize,
    }

    impl Vendor for Counter {
        type Data = Vec<u32>;
        type Route = ();
        const NAME: &'static str = "counter";

        fn route(method: &Method, path: &str) -> Option<()> {
            (*method == Method::POST && path == "/hit").then_some(())
        }

        fn small() -> Vec<u32> {
            vec![7]
        }

        fn answer(
            &mut self,
            hits: &mut Vec<u32>,
            (): (),
            request: &RequestView<'_>,
        ) -> ResponseTemplate {
            let n = request.query("n").and_then(|n| n.parse().ok()).unwrap_or(1);
            hits.push(n);
            self.calls += 1;
            ResponseTemplate::new(200).set_body_string(request.origin())
        }
    }

    #[tokio::test]
    async fn a_vendor_is_its_state_routes_and_answers() {
        let fake = FakeServer::<Counter>::start().await;
        let client = reqwest::Client::new();
        let r = client
            .post(format!("{}/hit?n=3", fake.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.text().await.unwrap(), fake.uri());
        assert_eq!(fake.data(), vec![7, 3]);
        let r = client
            .get(format!("{}/hit", fake.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), UNEXPECTED_STATUS);
        assert_eq!(fake.received().await.len(), 2);
        assert_eq!(fake.requests_to("/hit").await.len(), 2);
        assert!(fake.requests_to("/hit/").await.is_empty());
        assert_eq!(fake.state().vendor.calls, 1);
        fake.state().data.clear();
        assert!(fake.data().is_empty());
        assert!(format!("{fake:?}").contains("counter"));
    }

    #[tokio::test]
    async fn latency_delays_the_answers() {
        let fake = FakeServer::<Counter>::with_data(Vec::new()).await;
        fake.set_latency(Duration::from_millis(150));
        let t = std::time::Instant::now();
        reqwest::Client::new()
            .post(format!("{}/hit", fake.uri()))
            .send()
            .await
            .unwrap();
        assert!(t.elapsed() >= Duration::from_millis(150));
        assert_eq!(fake.data(), vec![1]);
    }
}
