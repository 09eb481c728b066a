//! Running one request: limiter, credential, send, read the body, retry.

use super::*;

impl HttpClient {
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
}
