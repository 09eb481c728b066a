//! How the engine behaves: [`EngineSettings`] and its limits.

use super::*;

/// Settings for one client; every field has a sensible default. Start from
/// the default and change what you need with the setters, named after the
/// fields:
///
/// ```
/// use std::time::Duration;
/// use vectis_core::{EngineSettings, Quota, RetryPolicy};
///
/// let settings = EngineSettings::default()
///     .quota(Quota::per_minute(300))
///     .concurrency(2)
///     .timeout(Duration::from_secs(60))
///     .retry(RetryPolicy::default().max_attempts(6));
/// assert_eq!(settings.quota, Some(Quota::per_minute(300)));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EngineSettings {
    /// Client-side quota; `None` uses the vendor's default.
    pub quota: Option<Quota>,
    /// An explicit limiter to share (overrides `quota` and the registry).
    pub limiter: Option<Arc<dyn RateLimit>>,
    /// Makes the credential's limiter from a store shared by many processes
    /// (e.g. `redis_quota::RedisQuota`); `None` keeps it in this process.
    pub shared_quota: Option<Arc<dyn LimiterFactory>>,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Most requests in flight at once from this client (and pages fetched
    /// concurrently when the total is known).
    pub concurrency: usize,
    /// Clock and sleeper.
    pub time: Time,
    /// How the in-process limiter spreads the quota: bursts while the
    /// rolling window has room (the default), or even spacing. A shared
    /// quota (`shared_quota`) always uses the window rule.
    pub pacing: Pacing,
    /// The largest response body read, in bytes (default 64 MiB); a larger
    /// one is an error naming the endpoint, not a process out of memory.
    pub max_body_bytes: usize,
    /// The most pages one listing may request (default 1,000,000): a
    /// `nextLink` chain or a first page's page count beyond it is an
    /// [`Error::Inconsistent`] naming the endpoint, not a listing that runs
    /// for ever. Far above any real tenant (50 million records at 50 a page).
    pub max_pages: u64,
    /// CA certificates trusted besides the built-in roots, each a PEM text
    /// (one or more `-----BEGIN CERTIFICATE-----` blocks): the CA of a proxy
    /// that inspects TLS, or a private CA. A text that is no PEM certificate
    /// is an error when the connector is built. Ignored when
    /// [`http_client`](field@EngineSettings::http_client) is given.
    pub extra_root_certificates: Vec<Vec<u8>>,
    /// Your own `reqwest::Client` (a proxy, client certificates, your TLS
    /// setup). It must not follow redirects — build it with
    /// `.redirect(reqwest::redirect::Policy::none())` — and this is checked
    /// before its first request (against a one-shot server on 127.0.0.1):
    /// one that follows them is refused with an [`Error::Config`]. Its own
    /// timeouts apply instead of [`timeout`](field@EngineSettings::timeout).
    pub http_client: Option<reqwest::Client>,
}

/// [`EngineSettings::max_body_bytes`](field@EngineSettings::max_body_bytes)
/// by default: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// [`EngineSettings::max_pages`](field@EngineSettings::max_pages) by default.
pub const DEFAULT_MAX_PAGES: u64 = 1_000_000;

/// The most requests one client may have in flight; a larger
/// [`EngineSettings::concurrency`](field@EngineSettings::concurrency) is
/// lowered to this (with a warning).
pub const MAX_CONCURRENCY: usize = 1024;

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            quota: None,
            limiter: None,
            shared_quota: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            concurrency: 4,
            time: Time::real(),
            pacing: Pacing::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_pages: DEFAULT_MAX_PAGES,
            extra_root_certificates: Vec::new(),
            http_client: None,
        }
    }
}

impl EngineSettings {
    /// The client-side quota, instead of the vendor's default (sets
    /// [`quota`](field@EngineSettings::quota)).
    pub fn quota(mut self, quota: Quota) -> Self {
        self.quota = Some(quota);
        self
    }

    /// An explicit limiter to share (sets
    /// [`limiter`](field@EngineSettings::limiter)).
    pub fn limiter(mut self, limiter: Arc<dyn RateLimit>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// A quota shared by many processes (sets
    /// [`shared_quota`](field@EngineSettings::shared_quota)).
    pub fn shared_quota(mut self, factory: Arc<dyn LimiterFactory>) -> Self {
        self.shared_quota = Some(factory);
        self
    }

    /// The retry policy (sets [`retry`](field@EngineSettings::retry)).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The per-request timeout (sets
    /// [`timeout`](field@EngineSettings::timeout)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most requests in flight at once (sets
    /// [`concurrency`](field@EngineSettings::concurrency)).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    /// The clock and sleeper (sets [`time`](field@EngineSettings::time)).
    pub fn time(mut self, time: Time) -> Self {
        self.time = time;
        self
    }

    /// How the in-process limiter spreads the quota (sets
    /// [`pacing`](field@EngineSettings::pacing)).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// The largest response body read, in bytes (sets
    /// [`max_body_bytes`](field@EngineSettings::max_body_bytes)).
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// The most pages one listing may request (sets
    /// [`max_pages`](field@EngineSettings::max_pages)).
    pub fn max_pages(mut self, n: u64) -> Self {
        self.max_pages = n;
        self
    }

    /// CA certificates (PEM texts) trusted besides the built-in roots (sets
    /// [`extra_root_certificates`](field@EngineSettings::extra_root_certificates)).
    pub fn extra_root_certificates(mut self, pems: Vec<Vec<u8>>) -> Self {
        self.extra_root_certificates = pems;
        self
    }

    /// Your own `reqwest::Client`, which must not follow redirects (sets
    /// [`http_client`](field@EngineSettings::http_client)).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }
}
