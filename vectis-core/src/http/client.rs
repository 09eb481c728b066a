//! Building an [`HttpClient`] and reading what it holds and has seen.

use super::*;

impl HttpClient {
    /// [`HttpClient::new`], but a transport that cannot be built (an extra
    /// root certificate that is not PEM, a TLS backend that fails to load)
    /// is an error now rather than on every request.
    pub fn try_new(
        rules: Arc<dyn VendorRules>,
        base: BaseUrl,
        credential: Arc<dyn Credential>,
        settings: EngineSettings,
    ) -> Result<HttpClient> {
        let client = HttpClient::new(rules, base, credential, settings);
        match &client.inner.http {
            Ok(_) => Ok(client),
            Err(e) => Err(e.clone()),
        }
    }

    /// A client for `base`, authenticating with `credential`. The limiter is
    /// `settings.limiter` when given; else the one `settings.shared_quota`
    /// makes for this credential and origin (e.g. in Redis, shared by every
    /// process); else the process-wide one (see [`shared_limiter_with`]).
    /// The transport is `settings.http_client` (checked to refuse redirects
    /// before its first request) or one built by [`build_reqwest_client`];
    /// if that fails, every request returns the error (see
    /// [`HttpClient::try_new`] to get it at once).
    pub fn new(
        rules: Arc<dyn VendorRules>,
        base: BaseUrl,
        credential: Arc<dyn Credential>,
        settings: EngineSettings,
    ) -> HttpClient {
        let quota = settings.quota.unwrap_or_else(|| rules.default_quota());
        let limiter = settings.limiter.clone().unwrap_or_else(|| {
            let key = format!(
                "{}|{}",
                credential.id(),
                base.origin().ascii_serialization()
            );
            match &settings.shared_quota {
                Some(store) => store.limiter(&key, quota, &settings.time),
                None => shared_limiter_with(&key, quota, settings.pacing, &settings.time),
            }
        });
        if settings.concurrency > MAX_CONCURRENCY {
            tracing::warn!(
                target: "vectis::http",
                asked = settings.concurrency,
                max = MAX_CONCURRENCY,
                "concurrency lowered to the maximum"
            );
        }
        let concurrency = settings.concurrency.clamp(1, MAX_CONCURRENCY);
        // Token fetches wait on the same quota as every other request.
        credential.attach_limiter(limiter.clone());
        let given = settings.http_client.is_some();
        let http = match settings.http_client {
            Some(http) => Ok(http),
            None => build_reqwest_client(settings.timeout, &settings.extra_root_certificates),
        };
        // ... and go through the same transport (extra roots, a given client).
        if let Ok(http) = &http {
            credential.attach_http(http.clone());
        }
        HttpClient {
            inner: Arc::new(Inner {
                rules,
                base,
                credential,
                limiter,
                inflight: Semaphore::new(concurrency),
                concurrency,
                retry: settings.retry,
                time: settings.time,
                http,
                given_client_checked: given.then(tokio::sync::OnceCell::new),
                max_body_bytes: settings.max_body_bytes.max(1),
                max_pages: settings.max_pages.max(1),
                refused_until: std::sync::Mutex::new(None),
                requests: std::sync::atomic::AtomicU64::new(0),
                server_date: std::sync::Mutex::new(None),
                quota_wait: std::sync::Mutex::new((Duration::ZERO, Duration::ZERO)),
            }),
        }
    }

    /// The vendor.
    pub fn vendor(&self) -> Vendor {
        self.inner.rules.vendor()
    }

    /// The vendor's rules.
    pub fn rules(&self) -> &dyn VendorRules {
        self.inner.rules.as_ref()
    }

    /// The vendor's table, when its rules are read from one.
    pub fn info(&self) -> Option<&'static crate::vendor_info::VendorInfo> {
        self.inner.rules.info()
    }

    /// The API root.
    pub fn base(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The limiter every request waits on.
    pub fn limiter(&self) -> &Arc<dyn RateLimit> {
        &self.inner.limiter
    }

    /// Most requests in flight at once.
    pub fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    /// The most pages one listing may request
    /// ([`EngineSettings::max_pages`](field@EngineSettings::max_pages)).
    pub fn max_pages(&self) -> u64 {
        self.inner.max_pages
    }

    /// The injected time.
    pub fn time(&self) -> &Time {
        &self.inner.time
    }

    /// Requests sent so far (every attempt counts) and the vendor's clock now,
    /// from the latest `Date` header moved forward by the time since it came.
    pub fn observed(&self) -> crate::connector::Observed {
        let requests = self
            .inner
            .requests
            .load(std::sync::atomic::Ordering::Relaxed);
        let server_now = self
            .inner
            .server_date
            .lock()
            .ok()
            .and_then(|g| *g)
            .and_then(|(date, at)| {
                let since = self.inner.time.now().saturating_sub(at);
                chrono::Duration::from_std(since)
                    .ok()
                    .and_then(|d| date.checked_add_signed(d))
            });
        crate::connector::Observed::new(requests, server_now)
    }

    /// Adds `waited` to the time spent on the limiter; once that reaches
    /// [`QUOTA_WAIT_REPORT`], says so at `warn` (what the examples print on
    /// stderr) — at most once every 10 seconds, so a long sync under a tight
    /// quota explains its pace instead of looking stuck.
    pub(super) fn note_quota_wait(&self, waited: Duration) {
        if waited.is_zero() {
            return;
        }
        let now = self.inner.time.now();
        let Ok(mut w) = self.inner.quota_wait.lock() else {
            return;
        };
        w.0 = w.0.saturating_add(waited);
        let since_report = now.saturating_sub(w.1);
        if w.0 >= QUOTA_WAIT_REPORT && (w.1.is_zero() || since_report >= Duration::from_secs(10)) {
            tracing::warn!(
                target: "vectis::rate_limit",
                vendor = self.vendor().slug(),
                waited_ms = u64::try_from(w.0.as_millis()).unwrap_or(u64::MAX),
                quota = %self.inner.limiter.quota(),
                "{} is paced by its quota ({}): {:.1} s spent waiting on it lately; expected for a large sync — raise --rate-limit only if your plan allows",
                self.vendor().product(),
                self.inner.limiter.quota(),
                w.0.as_secs_f64()
            );
            *w = (Duration::ZERO, now.max(Duration::from_nanos(1)));
        }
    }

    pub(super) fn note_date(&self, headers: &reqwest::header::HeaderMap) {
        let date = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .map(chrono::DateTime::<chrono::Utc>::from);
        if let (Some(date), Ok(mut slot)) = (date, self.inner.server_date.lock()) {
            *slot = Some((date, self.inner.time.now()));
        }
    }
}
