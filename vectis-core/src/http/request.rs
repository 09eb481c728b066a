//! What is sent and what comes back: [`RequestSpec`] and [`Response`].

use super::*;

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
