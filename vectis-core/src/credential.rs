//! Credentials: how a request proves who is asking.
//!
//! Every secret is a [`SecretString`]: it has no `Display`, its `Debug` is
//! redacted, and every header built from it is marked sensitive, so it never
//! reaches a log, an error or a `Debug` dump. The engine applies a credential
//! only to requests for the configured origin.
//!
//! [`OAuth2Password`] holds a single-flight token cache: however
//! many requests need a token at once, one token request is made — and when
//! it fails, every request that waited for it gets that failure, none makes
//! another; a token is refreshed a margin before it expires, and reused for
//! at least [`MIN_TOKEN_REUSE`] whatever `expires_in` says; on a 401 it is
//! refreshed once, only if the rejected token is still the cached one. Token
//! requests wait on the client's quota like every other request.
//!
//! Every credential lists its secrets ([`Credential::secrets_for_redaction`],
//! with the encodings it sends them in), and the engine removes them from
//! every response body it keeps in an error.

use crate::error::{Error, Result, redact, snippet};
use crate::model::Vendor;
use crate::rate_limit::RateLimit;
use crate::time::Time;
use async_trait::async_trait;
use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{Mutex, RwLock};
use url::Url;

mod oauth2;

/// Identifies which token a request carried, so a 401 refreshes only a
/// token that is still current.
pub type TokenStamp = u64;

/// Something that authenticates requests.
#[async_trait]
pub trait Credential: Send + Sync + fmt::Debug {
    /// A stable id with no secret in it (vendor, user or key fingerprint),
    /// used to share one rate limiter per credential.
    fn id(&self) -> String;

    /// Adds authentication to `req`; returns the stamp of the token used.
    async fn apply(&self, req: &mut reqwest::Request) -> Result<TokenStamp>;

    /// Whether [`Credential::refresh`] can get a new secret (OAuth tokens).
    fn refreshable(&self) -> bool {
        false
    }

    /// Gets a new token, unless the one stamped `rejected` was already replaced.
    async fn refresh(&self, _rejected: Option<TokenStamp>) -> Result<()> {
        Ok(())
    }

    /// Every secret this credential holds, and each encoding it sends one
    /// in (the Basic `user:secret` base64, a current token), so the engine
    /// can remove them from response bodies before keeping any in an error.
    fn secrets_for_redaction(&self) -> Vec<SecretString> {
        Vec::new()
    }

    /// The limiter of the client using this credential: a credential that
    /// makes requests of its own (a token fetch) waits on it too. Called by
    /// [`crate::HttpClient::new`]; the first limiter attached is kept.
    fn attach_limiter(&self, _limiter: Arc<dyn RateLimit>) {}

    /// The transport of the client using this credential: a credential
    /// that makes requests of its own (a token fetch) sends them with it, so
    /// they trust the same extra roots and go through a given client.
    /// Called by [`crate::HttpClient::new`]; the first one attached is kept.
    fn attach_http(&self, _http: reqwest::Client) {}
}

/// The largest token answer read (a real one is a few hundred bytes).
const MAX_TOKEN_ANSWER_BYTES: usize = 1 << 20;

/// The shortest time a fetched token is reused, whatever its `expires_in`
/// says (`0` must not mean a token request before every request).
pub const MIN_TOKEN_REUSE: Duration = Duration::from_secs(30);

/// A header name from a caller's text, any case (`X-API-KEY` as well as
/// `x-api-key`); `None` if it is not a valid header name.
fn header_name(name: &str) -> Option<HeaderName> {
    HeaderName::from_bytes(name.as_bytes()).ok()
}

/// A short, non-reversible fingerprint of a secret for ids (never the secret).
pub fn fingerprint(secret: &SecretString) -> String {
    let mut h = std::hash::DefaultHasher::new();
    secret.expose_secret().hash(&mut h);
    format!("{:08x}", h.finish() >> 32)
}

fn sensitive(value: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::config(
            "credential",
            "contains characters that cannot go in an HTTP header; re-copy it without spaces or line breaks",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

fn basic_value(user: &str, secret: &SecretString) -> Result<HeaderValue> {
    let raw = format!("{user}:{}", secret.expose_secret());
    sensitive(&format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    ))
}

/// An API key sent in a header of its own (Atera's `X-API-KEY`).
#[derive(Clone)]
pub struct ApiKeyHeader {
    vendor: Vendor,
    /// `Err(name)` when `name` is not a header name: every request then
    /// fails with a configuration error (never a panic at construction).
    header: std::result::Result<HeaderName, &'static str>,
    key: SecretString,
}

impl ApiKeyHeader {
    /// `header: key` on every request. The name may be in any case
    /// (`X-API-KEY`); an invalid one makes every request fail with
    /// [`Error::Config`].
    pub fn new(vendor: Vendor, header: &'static str, key: SecretString) -> ApiKeyHeader {
        ApiKeyHeader {
            vendor,
            header: header_name(header).ok_or(header),
            key,
        }
    }
}

impl fmt::Debug for ApiKeyHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyHeader")
            .field("vendor", &self.vendor)
            .field("header", &self.header)
            .field("key", &"[redacted]")
            .finish()
    }
}

#[async_trait]
impl Credential for ApiKeyHeader {
    fn id(&self) -> String {
        format!("{}|key|{}", self.vendor.slug(), fingerprint(&self.key))
    }
    async fn apply(&self, req: &mut reqwest::Request) -> Result<TokenStamp> {
        let name = self.header.clone().map_err(|bad| {
            Error::config(
                "API key header",
                format!("`{bad}` is not an HTTP header name; use letters, digits and `-`"),
            )
        })?;
        req.headers_mut()
            .insert(name, sensitive(self.key.expose_secret())?);
        Ok(0)
    }
    fn secrets_for_redaction(&self) -> Vec<SecretString> {
        vec![self.key.clone()]
    }
}

/// A fixed bearer token (`Authorization: Bearer …`), e.g. Atera's JWT keys.
#[derive(Clone)]
pub struct BearerToken {
    vendor: Vendor,
    token: SecretString,
}

impl BearerToken {
    /// `Authorization: Bearer token` on every request.
    pub fn new(vendor: Vendor, token: SecretString) -> BearerToken {
        BearerToken { vendor, token }
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("vendor", &self.vendor)
            .field("token", &"[redacted]")
            .finish()
    }
}

#[async_trait]
impl Credential for BearerToken {
    fn id(&self) -> String {
        format!("{}|bearer|{}", self.vendor.slug(), fingerprint(&self.token))
    }
    async fn apply(&self, req: &mut reqwest::Request) -> Result<TokenStamp> {
        let v = sensitive(&format!("Bearer {}", self.token.expose_secret()))?;
        req.headers_mut().insert(AUTHORIZATION, v);
        Ok(0)
    }
    fn secrets_for_redaction(&self) -> Vec<SecretString> {
        vec![self.token.clone()]
    }
}

/// HTTP Basic `user:secret`, plus any non-secret extra headers (ConnectWise's
/// `clientId`).
#[derive(Clone)]
pub struct Basic {
    vendor: Vendor,
    user: String,
    secret: SecretString,
    extra: Vec<(HeaderName, HeaderValue)>,
}

impl Basic {
    /// Basic `user:secret` on every request.
    pub fn new(vendor: Vendor, user: impl Into<String>, secret: SecretString) -> Basic {
        Basic {
            vendor,
            user: user.into(),
            secret,
            extra: Vec::new(),
        }
    }

    /// Also sends `name: value` on every request.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Result<Basic> {
        let n = header_name(name).ok_or_else(|| {
            Error::config(
                "credential header",
                format!("`{name}` is not an HTTP header name; use letters, digits and `-`"),
            )
        })?;
        let v = HeaderValue::from_str(value).map_err(|_| {
            Error::config(name, "contains characters that cannot go in an HTTP header")
        })?;
        self.extra.push((n, v));
        Ok(self)
    }

    /// The user part. Treated as sensitive (ConnectWise puts its public key
    /// there), so `Debug` and [`Credential::id`] show only a fingerprint.
    pub fn user(&self) -> &str {
        &self.user
    }

    fn user_fingerprint(&self) -> String {
        fingerprint(&SecretString::from(self.user.clone()))
    }
}

impl fmt::Debug for Basic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Basic")
            .field("vendor", &self.vendor)
            .field(
                "user",
                &format_args!("[fingerprint {}]", self.user_fingerprint()),
            )
            .field("secret", &"[redacted]")
            .field(
                "extra_headers",
                &self
                    .extra
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[async_trait]
impl Credential for Basic {
    fn id(&self) -> String {
        format!("{}|basic|{}", self.vendor.slug(), self.user_fingerprint())
    }
    async fn apply(&self, req: &mut reqwest::Request) -> Result<TokenStamp> {
        let headers = req.headers_mut();
        headers.insert(AUTHORIZATION, basic_value(&self.user, &self.secret)?);
        for (n, v) in &self.extra {
            headers.insert(n.clone(), v.clone());
        }
        Ok(0)
    }
    fn secrets_for_redaction(&self) -> Vec<SecretString> {
        vec![
            self.secret.clone(),
            SecretString::from(self.user.clone()),
            basic_encoding(&self.user, &self.secret),
        ]
    }
}

/// The base64 of `user:secret`, as it travels in a Basic header.
fn basic_encoding(user: &str, secret: &SecretString) -> SecretString {
    SecretString::from(
        base64::engine::general_purpose::STANDARD
            .encode(format!("{user}:{}", secret.expose_secret())),
    )
}

/// OAuth2 resource-owner password grant with a cached, refreshed token
/// (Datto RMM: `POST /auth/oauth/token`, Basic `public-client:public`,
/// `grant_type=password&username=<key>&password=<secret>`).
pub struct OAuth2Password {
    vendor: Vendor,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    /// Datto's API key: a secret too, never held as plain text.
    username: SecretString,
    password: SecretString,
    bad_credentials_hint: String,
    /// Its own transport, or why it could not be built; replaced by the
    /// engine's (see [`Credential::attach_http`]).
    http: std::result::Result<reqwest::Client, Error>,
    attached_http: OnceLock<reqwest::Client>,
    time: Time,
    cache: RwLock<Option<CachedToken>>,
    gate: Mutex<()>,
    default_lifetime: Duration,
    /// Token fetches started so far, whether one is under way, and the
    /// failure of the last one if it failed: a request that queued at the
    /// gate while a fetch was under way (or started after it queued) gets
    /// that fetch's failure instead of fetching again.
    fetches: std::sync::Mutex<Fetches>,
    limiter: OnceLock<Arc<dyn RateLimit>>,
}

/// See [`OAuth2Password::fetch_once`].
#[derive(Default)]
struct Fetches {
    started: u64,
    running: bool,
    failure: Option<Error>,
}

struct CachedToken {
    token: SecretString,
    refresh_at: Duration,
    stamp: TokenStamp,
}

impl fmt::Debug for OAuth2Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Password")
            .field("vendor", &self.vendor)
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("username", &"[redacted]")
            .field("password", &"[redacted]")
            .finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Seconds; any JSON number (a float, one past u64, a negative one)
    /// is read without failing and clamped.
    #[serde(default)]
    expires_in: Option<serde_json::Number>,
}

/// `expires_in` as a lifetime: saturated, never negative.
fn lifetime_of(n: &serde_json::Number) -> Duration {
    if let Some(secs) = n.as_u64() {
        return Duration::from_secs(secs);
    }
    match n.as_f64() {
        Some(f) if f > 0.0 => Duration::try_from_secs_f64(f).unwrap_or(Duration::MAX),
        _ => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests;
