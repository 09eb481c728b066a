//! Endpoint templates: a request's path is written once, as the template
//! errors and spans name it (`/alerts/{id}`), and filled per call.
//!
//! ```
//! use vectis_core::endpoint::fill;
//!
//! assert_eq!(fill("/alerts/{id}/resolve", &[("id", "a/b")]), "/alerts/a%2Fb/resolve");
//! ```

use crate::error::Result;
use crate::http::{BaseUrl, HttpClient, Method, RequestSpec, Response, encode_segment};
use crate::paginate::decode_item;

/// `template` with each `{name}` replaced by its value, percent-encoded as
/// one path segment (so an id cannot reach another endpoint).
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &encode_segment(value));
    }
    out
}

impl HttpClient {
    /// The endpoint template of `path` for errors and spans: the API root of
    /// the vendor's table, then `path` (`/api/v3` and `/alerts/{id}` give
    /// `/api/v3/alerts/{id}`).
    pub fn endpoint(&self, path: &str) -> String {
        let root = self.info().map_or("", |i| i.api_root).trim_matches('/');
        let path = path.trim_start_matches('/');
        match root.is_empty() {
            true => format!("/{path}"),
            false => format!("/{root}/{path}"),
        }
    }

    /// A `method` request of `path` under the client's base URL, its
    /// `{name}`s filled from `args`.
    pub fn spec(&self, method: Method, path: &str, args: &[(&str, &str)]) -> Result<RequestSpec> {
        self.spec_at(self.base(), method, path, args)
    }

    /// [`HttpClient::spec`] under `base` (an API root found at run time).
    pub fn spec_at(
        &self,
        base: &BaseUrl,
        method: Method,
        path: &str,
        args: &[(&str, &str)],
    ) -> Result<RequestSpec> {
        let url = base.join(&fill(path, args))?;
        Ok(RequestSpec::new(method, url, self.endpoint(path)))
    }

    /// `GET path` (its `{name}`s filled from `args`), the answer decoded.
    pub async fn fetch<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        args: &[(&str, &str)],
    ) -> Result<T> {
        let spec = self.spec(Method::GET, path, args)?;
        self.execute(spec).await?.json()
    }
}

impl Response {
    /// The body as one record: decoded into `R` (a bad field is an
    /// [`Error::Decode`](crate::Error::Decode) naming its path), with its
    /// raw JSON.
    pub fn record<R: serde::de::DeserializeOwned>(&self) -> Result<(R, serde_json::Value)> {
        let v: serde_json::Value = self.json()?;
        let r = decode_item(self.vendor, &self.endpoint, 0, &v)?;
        Ok((r, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_argument_is_one_encoded_segment() {
        assert_eq!(
            fill("/devices/{id}/notifications", &[("id", "../x")]),
            "/devices/..%2Fx/notifications"
        );
        assert_eq!(fill("/system/info", &[]), "/system/info");
    }
}
