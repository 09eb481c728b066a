//! How [`OAuth2Password`] gets, caches and refreshes its token: one fetch at a
//! time, a bounded answer, a lifetime read leniently.

use super::*;

impl OAuth2Password {
    /// A password-grant credential. `username` is treated as secret too (for
    /// Datto it is the API key).
    pub fn new(
        vendor: Vendor,
        token_url: Url,
        client_id: impl Into<String>,
        client_secret: SecretString,
        username: SecretString,
        password: SecretString,
    ) -> OAuth2Password {
        OAuth2Password {
            vendor,
            token_url,
            client_id: client_id.into(),
            client_secret,
            username,
            password,
            bad_credentials_hint: "the token request was refused; check the credentials".into(),
            http: crate::http::build_reqwest_client(Duration::from_secs(30), &[]),
            attached_http: OnceLock::new(),
            time: Time::real(),
            cache: RwLock::new(None),
            gate: Mutex::new(()),
            default_lifetime: Duration::from_secs(3600),
            fetches: std::sync::Mutex::new(Fetches::default()),
            limiter: OnceLock::new(),
        }
    }

    /// What to tell the user when the token endpoint refuses the key pair.
    pub fn with_bad_credentials_hint(mut self, hint: impl Into<String>) -> Self {
        self.bad_credentials_hint = hint.into();
        self
    }

    /// Reads expiry through `time` (tests use a manual clock).
    pub fn with_time(mut self, time: Time) -> Self {
        self.time = time;
        self
    }

    /// Lifetime assumed when the token response has no `expires_in`.
    pub fn with_default_lifetime(mut self, d: Duration) -> Self {
        self.default_lifetime = d;
        self
    }

    /// Refresh a little before expiry: 10 % of the lifetime, at most 5 minutes.
    fn margin(lifetime: Duration) -> Duration {
        (lifetime / 10).min(Duration::from_secs(300))
    }

    async fn fresh(&self) -> Option<(SecretString, TokenStamp)> {
        let cache = self.cache.read().await;
        let c = cache.as_ref()?;
        (self.time.now() < c.refresh_at).then(|| (c.token.clone(), c.stamp))
    }

    /// The number of the first fetch whose outcome a request arriving now
    /// accepts: the one under way, or else the next.
    fn fetch_count(&self) -> u64 {
        let f = self.fetches.lock().unwrap_or_else(|p| p.into_inner());
        if f.running { f.started } else { f.started + 1 }
    }

    /// Fetches a token under the gate, unless fetch number `accept` or a
    /// later one already failed: then its failure, without another request.
    async fn fetch_once(&self, accept: u64) -> Result<(SecretString, TokenStamp)> {
        {
            let mut f = self.fetches.lock().unwrap_or_else(|p| p.into_inner());
            if f.started >= accept
                && let Some(e) = &f.failure
            {
                return Err(e.clone());
            }
            f.started += 1;
            f.running = true;
            f.failure = None;
        }
        let result = self.fetch_and_store().await;
        let mut f = self.fetches.lock().unwrap_or_else(|p| p.into_inner());
        f.running = false;
        f.failure = result.as_ref().err().cloned();
        result
    }

    /// Everything this credential holds that must never be shown.
    fn secrets(&self) -> Vec<SecretString> {
        let encode =
            |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        let mut out = vec![
            self.password.clone(),
            self.username.clone(),
            self.client_secret.clone(),
            basic_encoding(&self.client_id, &self.client_secret),
            SecretString::from(encode(self.username.expose_secret())),
            SecretString::from(encode(self.password.expose_secret())),
        ];
        if let Ok(cache) = self.cache.try_read()
            && let Some(c) = cache.as_ref()
        {
            out.push(c.token.clone());
        }
        out
    }

    async fn fetch_and_store(&self) -> Result<(SecretString, TokenStamp)> {
        if let Some(limiter) = self.limiter.get() {
            limiter.acquire().await?;
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "password")
            .append_pair("username", self.username.expose_secret())
            .append_pair("password", self.password.expose_secret())
            .finish();
        let mut req = reqwest::Request::new(reqwest::Method::POST, self.token_url.clone());
        let headers = req.headers_mut();
        headers.insert(
            AUTHORIZATION,
            basic_value(&self.client_id, &self.client_secret)?,
        );
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        *req.body_mut() = Some(body.into());
        tracing::debug!(target: "vectis::credential", vendor = self.vendor.slug(), "token.refresh");
        let endpoint = self.token_url.path().to_string();
        let origin = self.token_url.origin().ascii_serialization();
        let http = match self.attached_http.get() {
            Some(http) => http,
            None => self.http.as_ref().map_err(Clone::clone)?,
        };
        let resp = http.execute(req).await.map_err(|e| {
            if e.is_timeout() {
                Error::Timeout {
                    vendor: self.vendor,
                    endpoint: endpoint.clone(),
                    attempts: 1,
                    hint: "the token endpoint did not answer; check the base URL and outbound HTTPS access".into(),
                }
            } else {
                Error::Network {
                    vendor: self.vendor,
                    endpoint: endpoint.clone(),
                    origin: origin.clone(),
                    source: Arc::new(crate::error::TransportError::new(e)),
                }
            }
        })?;
        let status = resp.status().as_u16();
        // A token answer is a few hundred bytes: read at most this much.
        let mut resp = resp;
        let mut bytes = Vec::new();
        loop {
            let chunk = resp.chunk().await.map_err(|e| Error::Network {
                vendor: self.vendor,
                endpoint: endpoint.clone(),
                origin: origin.clone(),
                source: Arc::new(crate::error::TransportError::new(e)),
            })?;
            let Some(chunk) = chunk else { break };
            if bytes.len().saturating_add(chunk.len()) > MAX_TOKEN_ANSWER_BYTES {
                return Err(Error::UnexpectedResponse {
                    vendor: self.vendor,
                    endpoint,
                    status,
                    content_type: "token response".into(),
                    reason: format!(
                        "the token answer is larger than {MAX_TOKEN_ANSWER_BYTES} bytes; check the token URL (a proxy or the wrong host?)"
                    ),
                    snippet: String::new(),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        // The token endpoint may echo the form (key and secret) back.
        let secrets = self.secrets();
        match status {
            200 => {}
            400 | 401 => {
                let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                    .map(|d| redact(&d, &secrets))
                    .unwrap_or_else(|| format!("status {status}"));
                return Err(Error::Auth {
                    vendor: self.vendor,
                    status: Some(status),
                    hint: format!(
                        "token request refused ({detail}): {}",
                        self.bad_credentials_hint
                    ),
                });
            }
            _ => {
                return Err(Error::Api {
                    vendor: self.vendor,
                    endpoint,
                    status,
                    code: None,
                    message: format!(
                        "token request failed: {}",
                        redact(&snippet(&bytes, 200), &secrets)
                    ),
                    body: None,
                });
            }
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&bytes).map_err(|e| Error::UnexpectedResponse {
                vendor: self.vendor,
                endpoint: endpoint.clone(),
                status,
                content_type: "token response".into(),
                reason: format!("no access_token in the token response ({e})"),
                snippet: String::new(),
            })?;
        let lifetime = parsed
            .expires_in
            .as_ref()
            .map(lifetime_of)
            .unwrap_or(self.default_lifetime);
        let token = SecretString::from(parsed.access_token);
        let mut cache = self.cache.write().await;
        let stamp = cache.as_ref().map_or(1, |c| c.stamp.wrapping_add(1));
        let reuse = lifetime
            .saturating_sub(Self::margin(lifetime))
            .max(MIN_TOKEN_REUSE);
        *cache = Some(CachedToken {
            token: token.clone(),
            refresh_at: self.time.now().saturating_add(reuse),
            stamp,
        });
        Ok((token, stamp))
    }
}

#[async_trait]
impl Credential for OAuth2Password {
    fn id(&self) -> String {
        format!(
            "{}|oauth|{}",
            self.vendor.slug(),
            fingerprint(&self.username)
        )
    }

    async fn apply(&self, req: &mut reqwest::Request) -> Result<TokenStamp> {
        let (token, stamp) = match self.fresh().await {
            Some(t) => t,
            None => {
                let seen = self.fetch_count();
                let _gate = self.gate.lock().await;
                // Another task may have refreshed while we queued at the
                // gate — or failed to, and then that failure is ours too.
                match self.fresh().await {
                    Some(t) => t,
                    None => self.fetch_once(seen).await?,
                }
            }
        };
        let v = sensitive(&format!("Bearer {}", token.expose_secret()))?;
        req.headers_mut().insert(AUTHORIZATION, v);
        Ok(stamp)
    }

    fn refreshable(&self) -> bool {
        true
    }

    async fn refresh(&self, rejected: Option<TokenStamp>) -> Result<()> {
        let seen = self.fetch_count();
        let _gate = self.gate.lock().await;
        if let Some(rejected) = rejected {
            let current = self.cache.read().await.as_ref().map(|c| c.stamp);
            if current.is_some_and(|c| c != rejected) {
                return Ok(());
            }
        }
        self.fetch_once(seen).await.map(|_| ())
    }

    fn secrets_for_redaction(&self) -> Vec<SecretString> {
        self.secrets()
    }

    fn attach_limiter(&self, limiter: Arc<dyn RateLimit>) {
        let _ = self.limiter.set(limiter);
    }

    fn attach_http(&self, http: reqwest::Client) {
        let _ = self.attached_http.set(http);
    }
}
