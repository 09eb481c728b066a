//! Reading an answer: the default table of outcomes, hints with the
//! vendor's message, and the error a request gives up with.

use super::*;

impl HttpClient {
    fn retry_after(&self, resp: &Response) -> Option<Duration> {
        resp.headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, self.inner.time.wall()))
    }

    pub(super) fn classify(&self, resp: &Response, refreshed: bool) -> Outcome {
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
                after: self.retry_after(resp).or_else(|| rules.throttle_wait()),
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

    pub(super) fn give_up(
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
