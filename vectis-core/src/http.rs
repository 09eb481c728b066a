//! The HTTP engine: limiter → credential → send → classify → retry, in one place.
//!
//! Vendor crates never loop over HTTP themselves. They describe a request
//! ([`RequestSpec`]) and the vendor's rules ([`VendorRules`]: its hints, its
//! error bodies, any status it uses oddly), and [`HttpClient::execute`] does
//! the rest:
//!
//! 1. every attempt waits on the credential's [`RateLimit`] (retries too);
//! 2. the credential is applied — only if the URL has the configured origin;
//! 3. the request is sent with a timeout; redirects are never followed;
//! 4. the answer is classified: the vendor's hook first, then a default table;
//! 5. idempotent requests are retried on 408/429/5xx, timeouts and resets,
//!    with full-jitter backoff, honouring `Retry-After`; a 429 pauses every
//!    request on the credential; a 401 refreshes a refreshable credential once.
//!
//! Every wait goes through the injected [`Time`]. Spans carry vendor, method,
//! endpoint template, page and attempt — never headers, query strings or bodies.
//!
//! Here: [`HttpClient`] itself. Its parts live in submodules, re-exported
//! here: the reqwest transport, [`BaseUrl`], [`RequestSpec`] and
//! [`Response`], the vendor's [`VendorRules`], [`EngineSettings`], building
//! and reading the client, running a request, and classifying its answer.

use crate::credential::Credential;
use crate::error::{Error, Result, redact, snippet};
use crate::model::Vendor;
use crate::rate_limit::{LimiterFactory, Pacing, Quota, RateLimit, shared_limiter_with};
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::time::Time;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER, USER_AGENT};
pub use reqwest::{Method, StatusCode};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

mod base_url;
mod classify;
mod client;
mod execute;
mod request;
mod rules;
mod settings;
mod transport;

pub use base_url::{BaseUrl, encode_segment, scheme_and_host};
pub use request::{RequestSpec, Response};
pub use rules::{Outcome, Situation, VendorRules};
pub use settings::{DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_PAGES, EngineSettings, MAX_CONCURRENCY};
pub use transport::{USER_AGENT_VALUE, build_reqwest_client, check_refuses_redirects};

/// The engine. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    rules: Arc<dyn VendorRules>,
    base: BaseUrl,
    credential: Arc<dyn Credential>,
    limiter: Arc<dyn RateLimit>,
    inflight: Semaphore,
    concurrency: usize,
    retry: RetryPolicy,
    time: Time,
    /// The transport, or why it could not be built (returned by every
    /// request: never a silent fallback to a default client).
    http: std::result::Result<reqwest::Client, Error>,
    /// For a client given in
    /// [`EngineSettings::http_client`](field@EngineSettings::http_client):
    /// set once it was checked to refuse redirects (a failed check is not
    /// kept, so a passing problem, such as no free port, does not stick).
    given_client_checked: Option<tokio::sync::OnceCell<()>>,
    max_body_bytes: usize,
    max_pages: u64,
    /// Until when (on `time`'s clock) the server refused this credential
    /// for longer than the retry cap: every request fails at once until
    /// then with the rate-limit error instead of waiting.
    refused_until: std::sync::Mutex<Option<Duration>>,
    requests: std::sync::atomic::AtomicU64,
    /// The latest `Date` header and our monotonic time when it arrived.
    server_date: std::sync::Mutex<Option<(chrono::DateTime<chrono::Utc>, Duration)>>,
    /// Time spent waiting on the limiter since it was last reported, and
    /// when that was (see [`HttpClient::note_quota_wait`]).
    quota_wait: std::sync::Mutex<(Duration, Duration)>,
}

/// A sync that has waited this long on its quota since the last report says so.
pub const QUOTA_WAIT_REPORT: Duration = Duration::from_secs(2);

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.inner.rules.vendor())
            .field("base", &self.inner.base)
            .field("credential", &self.inner.credential)
            .field("limiter", &self.inner.limiter)
            .finish_non_exhaustive()
    }
}
