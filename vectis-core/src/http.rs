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

/// The `User-Agent` every request carries.
pub const USER_AGENT_VALUE: &str = concat!("vectis-connectors/", env!("CARGO_PKG_VERSION"));

/// Builds the reqwest client the engine uses: no redirects (reqwest would
/// forward custom auth headers such as `X-API-KEY` to another host), a
/// request timeout, the TLS backend chosen by this crate's features
/// (`rustls` with webpki roots by default, `rustls-native-roots` adds the
/// OS trust store, `native-tls` uses the platform's TLS and takes
/// precedence), and `extra_root_certificates` (each a PEM text holding one
/// or more CA certificates) trusted as well.
///
/// A certificate that does not parse, or a builder that fails, is an error:
/// there is no fallback to a default client (whose policy follows redirects).
pub fn build_reqwest_client(
    timeout: Duration,
    extra_root_certificates: &[Vec<u8>],
) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)));
    #[cfg(feature = "native-tls")]
    let builder = builder.use_native_tls();
    // Without a TLS feature only http:// (loopback) URLs can be reached.
    add_root_certificates(builder, extra_root_certificates)?
        .build()
        .map_err(|e| {
            Error::config(
                "HTTP client",
                format!("could not build the HTTPS client ({e}); check the TLS features and extra root certificates, or pass your own with EngineSettings::http_client"),
            )
        })
}

/// Adds each PEM text's certificates as trusted roots.
#[cfg(any(
    feature = "rustls",
    feature = "rustls-native-roots",
    feature = "native-tls"
))]
fn add_root_certificates(
    mut builder: reqwest::ClientBuilder,
    extra_root_certificates: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder> {
    for (i, pem) in extra_root_certificates.iter().enumerate() {
        let what = format!("EngineSettings::extra_root_certificates[{i}]");
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            Error::config(
                what.clone(),
                format!("not a PEM certificate ({e}); give the CA certificate as PEM text (-----BEGIN CERTIFICATE-----)"),
            )
        })?;
        if certs.is_empty() {
            return Err(Error::config(
                what,
                "holds no PEM certificate; give the CA certificate as PEM text (-----BEGIN CERTIFICATE-----)",
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder)
}

/// Without a TLS feature there is nothing to add certificates to.
#[cfg(not(any(
    feature = "rustls",
    feature = "rustls-native-roots",
    feature = "native-tls"
)))]
fn add_root_certificates(
    builder: reqwest::ClientBuilder,
    extra_root_certificates: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder> {
    if extra_root_certificates.is_empty() {
        Ok(builder)
    } else {
        Err(Error::config(
            "EngineSettings::extra_root_certificates",
            "vectis-core was built without TLS; enable its `rustls`, `rustls-native-roots` or `native-tls` feature",
        ))
    }
}

/// Whether `http` refuses to follow redirects: it is sent a request to a
/// one-shot server on 127.0.0.1 that answers `307` to a second path, and
/// must hand back that `307`. A client that follows redirects would send a
/// vendor's auth headers (`X-API-KEY`, `clientId`) wherever a redirect
/// points, so the engine refuses to use one.
pub async fn check_refuses_redirects(http: &reqwest::Client) -> Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fail = |reason: String| {
        Error::config(
            "EngineSettings::http_client",
            format!(
                "{reason}; build it with `.redirect(reqwest::redirect::Policy::none())` (and no proxy for 127.0.0.1), or leave http_client unset"
            ),
        )
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| {
            fail(format!(
                "could not check that the given client refuses redirects (no local port: {e})"
            ))
        })?;
    let addr = listener.local_addr().map_err(|e| {
        fail(format!(
            "could not check that the given client refuses redirects ({e})"
        ))
    })?;
    let server = async move {
        for n in 0..2 {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut seen = Vec::new();
            let mut chunk = [0u8; 1024];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 16 * 1024 {
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(k) => seen.extend_from_slice(&chunk[..k]),
                }
            }
            let answer = if n == 0 {
                format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{addr}/followed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            } else {
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
            };
            let _ = sock.write_all(answer.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
        std::future::pending::<()>().await;
    };
    let probe = http
        .get(format!("http://{addr}/vectis-redirect-check"))
        .timeout(Duration::from_secs(10))
        .send();
    let answer = tokio::select! {
        r = probe => r,
        () = server => {
            return Err(fail("could not check that the given reqwest::Client refuses redirects (the local check server stopped)".into()));
        }
    };
    match answer {
        Ok(resp) if resp.status() == StatusCode::TEMPORARY_REDIRECT => Ok(()),
        Ok(resp) => Err(fail(format!(
            "the given reqwest::Client follows redirects (a 307 from a local check server ended in {} at {})",
            resp.status(),
            resp.url().path()
        ))),
        Err(e) => Err(fail(format!(
            "could not check that the given reqwest::Client refuses redirects (its request to a local check server failed: {})",
            crate::error::network_cause(&crate::error::TransportError::new(e))
        ))),
    }
}

/// A validated, normalized API root: `https` (or `http` on a loopback host),
/// no query or fragment, no trailing or doubled slashes.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.as_str())
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What of `raw` — a string that did not parse as a URL — is safe to
/// repeat in an error: its scheme and host, nothing else. A password may
/// hold `/`, `?`, `#` or `:` and then the URL parser's idea of where the
/// authority ends is wrong, so the host is taken after the *last* `@` and
/// shown only if it looks like a host name.
pub fn scheme_and_host(raw: &str) -> String {
    let raw = raw.trim();
    let (scheme, rest) = match raw.find("://") {
        Some(i) => (&raw[..i], &raw[i + 3..]),
        None => ("", raw),
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let after_at = rest.rfind('@').map_or(rest, |at| &rest[at + 1..]);
    let host = after_at
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or("")
        .trim_start_matches('[');
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    match (scheme_ok, host_ok) {
        (true, true) => format!("{scheme}://{host}/…"),
        (true, false) => format!("{scheme}://…"),
        (false, true) if !raw.contains('@') => format!("{host}…"),
        _ => "…".to_string(),
    }
}

impl BaseUrl {
    /// Validates and normalizes `raw`; `what` names the setting in errors.
    /// Errors never repeat a user, password or query pasted into the URL.
    pub fn parse(raw: &str, what: &str) -> Result<BaseUrl> {
        let raw = raw.trim();
        let url = Url::parse(raw).map_err(|e| {
            Error::config(
                what,
                format!(
                    "`{}` is not a URL ({e}); write it like https://host.example.com",
                    scheme_and_host(raw)
                ),
            )
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::config(
                what,
                "the URL must not carry a user or password; credentials go in their own settings",
            ));
        }
        let shown = {
            let mut u = url.clone();
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        };
        let host = url.host_str().unwrap_or("").to_string();
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(Error::config(
                    what,
                    format!(
                        "`{shown}` uses plain http; credentials are only sent over https (http is allowed for loopback hosts only)"
                    ),
                ));
            }
            other => {
                return Err(Error::config(
                    what,
                    format!("`{shown}` has scheme `{other}`; use https://"),
                ));
            }
        }
        if host.is_empty() {
            return Err(Error::config(what, format!("`{shown}` has no host")));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::config(
                what,
                format!("`{shown}` has a query or fragment; give only scheme, host and path"),
            ));
        }
        let path: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
        let mut url = url.clone();
        url.set_path(&path.join("/"));
        Ok(BaseUrl { url })
    }

    /// The normalized root, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// The path part, without a trailing slash (`""` or `/api/v3`).
    pub fn path(&self) -> &str {
        self.url.path().trim_end_matches('/')
    }

    /// A copy with `suffix` path segments appended (`"/api/v3"`).
    pub fn with_path_suffix(&self, suffix: &str) -> BaseUrl {
        let mut segs: Vec<&str> = self
            .url
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        segs.extend(suffix.split('/').filter(|s| !s.is_empty()));
        let mut url = self.url.clone();
        url.set_path(&segs.join("/"));
        BaseUrl { url }
    }

    /// The origin (scheme, host, port) credentials may be sent to.
    pub fn origin(&self) -> url::Origin {
        self.url.origin()
    }

    /// Whether `url` is on this origin.
    pub fn same_origin(&self, url: &Url) -> bool {
        url.origin() == self.url.origin()
    }

    /// `path` (already encoded; see [`encode_segment`]) appended to the root.
    pub fn join(&self, path: &str) -> Result<Url> {
        let full = format!("{}/{}", self.as_str(), path.trim_start_matches('/'));
        Url::parse(&full).map_err(|e| Error::config("path", format!("`{path}` ({e})")))
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// Percent-encodes one path segment (an id from a caller or a vendor), so
/// `a/b` cannot reach another endpoint.
pub fn encode_segment(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// One request to make: method, URL, body, and whether it may be repeated.
/// Built with [`RequestSpec::get`] or [`RequestSpec::new`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RequestSpec {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL (must be on the configured origin).
    pub url: Url,
    /// Path template for errors and spans (`/api/v3/alerts/{id}`).
    pub endpoint: String,
    /// JSON body, if any.
    pub body: Option<serde_json::Value>,
    /// Whether repeating it is harmless; only such requests are retried.
    pub idempotent: bool,
    /// Page number, for spans.
    pub page: Option<u64>,
    /// Extra non-secret headers (e.g. `pagination-type: forward-only`).
    pub headers: Vec<(&'static str, String)>,
}

impl RequestSpec {
    /// A GET (idempotent).
    pub fn get(url: Url, endpoint: impl Into<String>) -> RequestSpec {
        RequestSpec {
            method: Method::GET,
            url,
            endpoint: endpoint.into(),
            body: None,
            idempotent: true,
            page: None,
            headers: Vec::new(),
        }
    }

    /// Any method; GET, HEAD, PUT, DELETE and OPTIONS count as idempotent,
    /// POST and PATCH do not.
    pub fn new(method: Method, url: Url, endpoint: impl Into<String>) -> RequestSpec {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        RequestSpec {
            method,
            url,
            endpoint: endpoint.into(),
            body: None,
            idempotent,
            page: None,
            headers: Vec::new(),
        }
    }

    /// With a JSON body.
    pub fn json(mut self, body: serde_json::Value) -> RequestSpec {
        self.body = Some(body);
        self
    }

    /// Overrides whether the request may be retried.
    pub fn idempotent(mut self, yes: bool) -> RequestSpec {
        self.idempotent = yes;
        self
    }
}

/// A complete response, body read.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Response {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
    /// Path template of the request.
    pub endpoint: String,
    /// The URL requested.
    pub url: Url,
    /// The vendor that answered.
    pub vendor: Vendor,
}

impl Response {
    /// A response from `vendor` to the request for `url` (path template
    /// `endpoint`), with `status` and `body` and no headers until set
    /// (`resp.headers = …`): what a test of a vendor's parser or
    /// [`VendorRules::classify`] needs.
    pub fn new(
        vendor: Vendor,
        endpoint: impl Into<String>,
        url: Url,
        status: StatusCode,
        body: impl Into<Vec<u8>>,
    ) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
            endpoint: endpoint.into(),
            url,
            vendor,
        }
    }

    /// The content type, or `""`.
    pub fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// An [`Error::UnexpectedResponse`] for this response.
    pub fn unexpected(&self, reason: impl Into<String>) -> Error {
        Error::UnexpectedResponse {
            vendor: self.vendor,
            endpoint: self.endpoint.clone(),
            status: self.status.as_u16(),
            content_type: if self.content_type().is_empty() {
                "no content type".into()
            } else {
                self.content_type().to_string()
            },
            reason: reason.into(),
            snippet: snippet(&self.body, 200),
        }
    }

    /// Decodes the body as JSON into `T`. An HTML page, an empty or truncated
    /// body, or invalid JSON is an [`Error::UnexpectedResponse`] naming the
    /// endpoint; a field of the wrong shape is an [`Error::Decode`] naming
    /// its JSON path.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let ct = self.content_type().to_ascii_lowercase();
        let first = self.body.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if ct.contains("html") || first == Some(b'<') {
            return Err(self.unexpected(
                "got an HTML page instead of JSON (a login page, proxy or wrong base URL?)",
            ));
        }
        if first.is_none() {
            return Err(self.unexpected("the body is empty where JSON was expected"));
        }
        // Path tracking costs as much as the parse itself on a large page;
        // it is only needed to explain a failure, so parse again with it then.
        if let Ok(v) = serde_json::from_slice(&self.body) {
            return Ok(v);
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_eof() {
                self.unexpected(format!("the JSON ends early (truncated body: {inner})"))
            } else if inner.is_syntax() {
                self.unexpected(format!("the body is not valid JSON ({inner})"))
            } else {
                Error::Decode {
                    vendor: self.vendor,
                    endpoint: self.endpoint.clone(),
                    path,
                    message: inner.to_string(),
                    source: crate::error::decode_source(inner),
                }
            }
        })
    }
}

/// Situations a vendor explains in its own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Situation {
    /// 401: the credential was refused.
    Unauthorized,
    /// 403: the credential lacks permission.
    Forbidden,
    /// 404.
    NotFound,
    /// 429, or throttling past the retry budget.
    RateLimited,
    /// No answer in time.
    Timeout,
}

/// What to do with an answer.
#[derive(Debug)]
pub enum Outcome {
    /// Hand it to the caller.
    Success,
    /// Try again (if the request is idempotent), after at least `after`.
    Retry {
        /// The server's requested wait.
        after: Option<Duration>,
        /// Whether this is throttling (pauses the whole credential).
        throttled: bool,
    },
    /// Refresh the credential once and try again.
    Refresh,
    /// Give up with this error.
    Fail(Error),
}

/// What a vendor crate tells the engine about its vendor.
pub trait VendorRules: Send + Sync + fmt::Debug {
    /// The vendor.
    fn vendor(&self) -> Vendor;

    /// The default client-side quota.
    fn default_quota(&self) -> Quota;

    /// What to tell the user, in the vendor's terms.
    fn hint(&self, situation: Situation) -> String {
        match situation {
            Situation::Unauthorized => "check the credentials".into(),
            Situation::Forbidden => "the credentials lack permission for this".into(),
            Situation::NotFound => "check the id and the base URL".into(),
            Situation::RateLimited => {
                "wait and try again, or lower the client-side quota (--rate-limit)".into()
            }
            Situation::Timeout => "check the base URL and outbound HTTPS access".into(),
        }
    }

    /// Reads the vendor's error body: `(code, message)`.
    fn error_body(&self, _body: &serde_json::Value) -> Option<(Option<String>, String)> {
        None
    }

    /// Classifies a response before the default table; `None` defers to it.
    fn classify(&self, _resp: &Response) -> Option<Outcome> {
        None
    }

    /// The vendor's table, when the rules are read from one
    /// ([`InfoRules`](crate::vendor_info::InfoRules)): where listings take
    /// their endpoint templates' API root from.
    fn info(&self) -> Option<&'static crate::vendor_info::VendorInfo> {
        None
    }
}

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
    fn note_quota_wait(&self, waited: Duration) {
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

    fn note_date(&self, headers: &reqwest::header::HeaderMap) {
        let date = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .map(chrono::DateTime::<chrono::Utc>::from);
        if let (Some(date), Ok(mut slot)) = (date, self.inner.server_date.lock()) {
            *slot = Some((date, self.inner.time.now()));
        }
    }

    /// `GET` `path` under the API root and decode the JSON answer.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        endpoint: &str,
    ) -> Result<T> {
        let url = self.inner.base.join(path)?;
        self.execute(RequestSpec::get(url, endpoint)).await?.json()
    }

    /// Sends `spec` through limiter, credential, classification and retries.
    pub async fn execute(&self, spec: RequestSpec) -> Result<Response> {
        let vendor = self.vendor();
        let span = tracing::debug_span!(
            "vectis.request",
            vendor = vendor.slug(),
            method = %spec.method,
            endpoint = %spec.endpoint,
            page = spec.page,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        self.execute_inner(spec).instrument(span).await
    }

    /// The transport, once it is known to refuse redirects.
    async fn transport(&self) -> Result<&reqwest::Client> {
        let http = self.inner.http.as_ref().map_err(Clone::clone)?;
        if let Some(checked) = &self.inner.given_client_checked {
            checked
                .get_or_try_init(|| check_refuses_redirects(http))
                .await?;
        }
        Ok(http)
    }

    async fn execute_inner(&self, spec: RequestSpec) -> Result<Response> {
        let inner = &self.inner;
        let vendor = self.vendor();
        let http = self.transport().await?;
        if !inner.base.same_origin(&spec.url) {
            return Err(Error::Inconsistent {
                vendor,
                endpoint: spec.endpoint.clone(),
                detail: format!(
                    "refusing to send credentials to {} (the configured origin is {})",
                    spec.url.origin().ascii_serialization(),
                    inner.base.origin().ascii_serialization()
                ),
            });
        }
        let started = inner.time.now();
        let mut refreshed = false;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempt", attempt);
            let mut req = reqwest::Request::new(spec.method.clone(), spec.url.clone());
            {
                let h = req.headers_mut();
                h.insert(ACCEPT, HeaderValue::from_static("application/json"));
                h.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
                for (name, value) in &spec.headers {
                    let v = HeaderValue::from_str(value).map_err(|_| Error::InvalidInput {
                        what: format!("header {name}"),
                        reason: "not a valid header value".into(),
                    })?;
                    h.insert(*name, v);
                }
            }
            if let Some(body) = &spec.body {
                let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidInput {
                    what: "request body".into(),
                    reason: e.to_string(),
                })?;
                req.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                *req.body_mut() = Some(bytes.into());
            }
            // Authenticate first, then take the send slot: a token fetched
            // after the grant would send this request late by a round trip,
            // closer than the quota's spacing to the next one (at Datto the
            // first read after a token and the tenth after it fell inside
            // one rolling window).
            self.check_refused(&spec, attempt)?;
            let stamp = inner.credential.apply(&mut req).await?;
            let before = inner.time.now();
            inner.limiter.acquire().await?;
            self.note_quota_wait(inner.time.now().saturating_sub(before));
            // Waited out a pause capped below what the server asked for:
            // the server still refuses, so fail rather than send.
            self.check_refused(&spec, attempt)?;
            inner
                .requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let sent = {
                let _permit = inner.inflight.acquire().await;
                match http.execute(req).await {
                    Ok(r) => self.read_body(&spec, r).await?,
                    Err(e) => Err(e),
                }
            };
            let (outcome, resp, transport_err) = match sent {
                Ok((status, headers, body)) => {
                    tracing::Span::current().record("status", status.as_u16());
                    // An error body — or a 2xx that is not JSON, such as a
                    // proxy's or login page — may echo the request, key
                    // included: it is scrubbed before any of it can reach
                    // an error. JSON data pages are not searched (the cost
                    // would be paid on every page of every listing).
                    let first = body.iter().find(|b| !b.is_ascii_whitespace());
                    let json_data = status.is_success() && matches!(first, Some(b'{' | b'['));
                    let body = if json_data {
                        body
                    } else {
                        self.scrub_body(body)
                    };
                    self.note_date(&headers);
                    let resp = Response {
                        status,
                        headers,
                        body,
                        endpoint: spec.endpoint.clone(),
                        url: spec.url.clone(),
                        vendor,
                    };
                    let outcome = self.classify(&resp, refreshed);
                    (outcome, Some(resp), None)
                }
                Err(e) => (
                    Outcome::Retry {
                        after: None,
                        throttled: false,
                    },
                    None,
                    Some(e.without_url()),
                ),
            };
            match outcome {
                Outcome::Success => {
                    if let Some(resp) = resp {
                        return Ok(resp);
                    }
                }
                Outcome::Fail(e) => return Err(e),
                Outcome::Refresh => {
                    refreshed = true;
                    inner.credential.refresh(Some(stamp)).await?;
                    attempt -= 1; // a refresh is not a failed attempt
                    continue;
                }
                Outcome::Retry { after, throttled } => {
                    if throttled {
                        // Everyone on this credential waits, not only us —
                        // at most the retry cap, whatever the server said.
                        let t = inner.retry.throttle_pause(attempt, after);
                        inner.limiter.pause_for(t.pause);
                        if let Some(refused) = t.refused_for {
                            let until = inner.time.now().saturating_add(refused);
                            let mut r = inner
                                .refused_until
                                .lock()
                                .unwrap_or_else(|p| p.into_inner());
                            if r.is_none_or(|cur| cur < until) {
                                *r = Some(until);
                            }
                        }
                    }
                    let pause = inner.limiter.paused_for().unwrap_or_default();
                    let failure = crate::retry::Failure::new(attempt, spec.idempotent)
                        .retry_after(after)
                        .throttled(throttled)
                        .elapsed(inner.time.now().saturating_sub(started))
                        .paused_for(pause);
                    let delay = match inner.retry.decide(&failure) {
                        crate::retry::RetryDecision::Wait(d) => d,
                        _ => {
                            return Err(self.give_up(&spec, resp, transport_err, after, attempt));
                        }
                    };
                    tracing::debug!(
                        target: "vectis::retry",
                        attempt,
                        delay_ms = delay.max(pause).as_millis() as u64,
                        retry_after_ms = after.map(|a| a.as_millis() as u64),
                        reason = resp.as_ref().map(|r| r.status.as_u16()).unwrap_or(0),
                        "retry"
                    );
                    inner.time.sleep(delay).await;
                }
            }
        }
    }

    /// Fails with the rate-limit error while the server's refusal (a
    /// `Retry-After` past the retry cap) lasts.
    fn check_refused(&self, spec: &RequestSpec, attempt: u32) -> Result<()> {
        let inner = &self.inner;
        let until = *inner
            .refused_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let now = inner.time.now();
        match until {
            Some(until) if until > now => Err(Error::RateLimited {
                vendor: self.vendor(),
                endpoint: spec.endpoint.clone(),
                retry_after: Some(until - now),
                attempts: attempt.saturating_sub(1),
                hint: inner.rules.hint(Situation::RateLimited),
            }),
            _ => Ok(()),
        }
    }

    /// Reads a response whole, up to
    /// [`EngineSettings::max_body_bytes`](field@EngineSettings::max_body_bytes):
    /// a larger body is an error naming the endpoint (outer `Err`); a
    /// transport failure while reading is the inner one.
    async fn read_body(
        &self,
        spec: &RequestSpec,
        mut r: reqwest::Response,
    ) -> Result<std::result::Result<(StatusCode, HeaderMap, Vec<u8>), reqwest::Error>> {
        let max = self.inner.max_body_bytes;
        let status = r.status();
        let headers = r.headers().clone();
        let too_large = |status: StatusCode, headers: &HeaderMap| Error::UnexpectedResponse {
            vendor: self.vendor(),
            endpoint: spec.endpoint.clone(),
            status: status.as_u16(),
            content_type: headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("no content type")
                .to_string(),
            reason: format!(
                "the body is larger than {max} bytes, the most this client reads (EngineSettings::max_body_bytes); ask for smaller pages or raise the limit"
            ),
            snippet: String::new(),
        };
        if r.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_large(status, &headers));
        }
        let mut body = Vec::new();
        loop {
            match r.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len().saturating_add(chunk.len()) > max {
                        return Err(too_large(status, &headers));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(Ok((status, headers, body))),
                Err(e) => return Ok(Err(e)),
            }
        }
    }

    /// `body` with every secret the credential holds replaced.
    fn scrub_body(&self, body: Vec<u8>) -> Vec<u8> {
        let secrets = self.inner.credential.secrets_for_redaction();
        if secrets.is_empty() || body.is_empty() {
            return body;
        }
        let text = String::from_utf8_lossy(&body);
        let clean = redact(&text, &secrets);
        if clean == text {
            body
        } else {
            clean.into_bytes()
        }
    }

    fn retry_after(&self, resp: &Response) -> Option<Duration> {
        resp.headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, self.inner.time.wall()))
    }

    fn classify(&self, resp: &Response, refreshed: bool) -> Outcome {
        let rules = &self.inner.rules;
        if let Some(o) = rules.classify(resp) {
            return o;
        }
        let vendor = self.vendor();
        let status = resp.status.as_u16();
        match status {
            200..=299 => Outcome::Success,
            401 if self.inner.credential.refreshable() && !refreshed => Outcome::Refresh,
            401 => Outcome::Fail(Error::Auth {
                vendor,
                status: Some(401),
                hint: self.hint_with_message(resp, Situation::Unauthorized),
            }),
            403 => Outcome::Fail(Error::Forbidden {
                vendor,
                endpoint: resp.endpoint.clone(),
                hint: self.hint_with_message(resp, Situation::Forbidden),
            }),
            404 => Outcome::Fail(Error::NotFound {
                vendor,
                endpoint: resp.endpoint.clone(),
                hint: self.hint_with_message(resp, Situation::NotFound),
            }),
            429 => Outcome::Retry {
                after: self.retry_after(resp),
                throttled: true,
            },
            408 | 500 | 502 | 503 | 504 => Outcome::Retry {
                after: self.retry_after(resp),
                throttled: false,
            },
            300..=399 => Outcome::Fail(resp.unexpected(format!(
                "a redirect to {} was not followed (credentials are never sent to a redirect target); check the base URL",
                resp.header("location").map(redact_query).unwrap_or_else(|| "nowhere".into())
            ))),
            400..=499 => {
                let parsed = self.vendor_message(resp);
                let body = serde_json::from_slice::<serde_json::Value>(&resp.body).ok();
                let (code, message) = parsed.unwrap_or_else(|| {
                    let s = snippet(&resp.body, 300);
                    (None, if s.is_empty() { "no details in the answer".into() } else { s })
                });
                Outcome::Fail(Error::Api {
                    vendor,
                    endpoint: resp.endpoint.clone(),
                    status,
                    code,
                    message,
                    body,
                })
            }
            _ => Outcome::Fail(Error::Server {
                vendor,
                endpoint: resp.endpoint.clone(),
                status,
                attempts: 1,
                snippet: snippet(&resp.body, 300),
            }),
        }
    }

    /// The vendor's own message (when its error body has one), then our hint.
    fn hint_with_message(&self, resp: &Response, situation: Situation) -> String {
        let hint = self.inner.rules.hint(situation);
        match self.vendor_message(resp) {
            Some((_, m)) => format!("{m}; {hint}"),
            None => hint,
        }
    }

    fn vendor_message(&self, resp: &Response) -> Option<(Option<String>, String)> {
        let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
        self.inner.rules.error_body(&v)
    }

    fn give_up(
        &self,
        spec: &RequestSpec,
        resp: Option<Response>,
        transport: Option<reqwest::Error>,
        after: Option<Duration>,
        attempts: u32,
    ) -> Error {
        let vendor = self.vendor();
        let rules = &self.inner.rules;
        let endpoint = spec.endpoint.clone();
        if let Some(resp) = resp {
            let status = resp.status.as_u16();
            if status == 429 {
                return Error::RateLimited {
                    vendor,
                    endpoint,
                    retry_after: after,
                    attempts,
                    hint: rules.hint(Situation::RateLimited),
                };
            }
            return Error::Server {
                vendor,
                endpoint,
                status,
                attempts,
                snippet: snippet(&resp.body, 300),
            };
        }
        match transport {
            Some(e) if e.is_timeout() => Error::Timeout {
                vendor,
                endpoint,
                attempts,
                hint: rules.hint(Situation::Timeout),
            },
            Some(source) => Error::Network {
                vendor,
                endpoint,
                origin: spec.url.origin().ascii_serialization(),
                source: Arc::new(crate::error::TransportError::new(source)),
            },
            None => Error::Timeout {
                vendor,
                endpoint,
                attempts,
                hint: rules.hint(Situation::Timeout),
            },
        }
    }
}

fn redact_query(loc: &str) -> String {
    loc.split('?').next().unwrap_or(loc).to_string()
}
