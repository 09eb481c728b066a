//! Reading a request the way a vendor's server does: query parameters by
//! exact or case-insensitive name, headers, HTTP Basic and Bearer
//! credentials, path segments. Which of these a vendor uses (ASP.NET binds
//! query names case-insensitively, Spring does not) is the vendor's fact and
//! stays in its fake.

use base64::Engine as _;
use wiremock::Request;
use wiremock::http::Method;

/// A request as a fake reads it: the wiremock [`Request`], its query pairs
/// (decoded once, in order) and the origin of the fake that received it.
#[derive(Debug)]
pub struct RequestView<'r> {
    request: &'r Request,
    origin: &'r str,
    query: Vec<(String, String)>,
}

impl<'r> RequestView<'r> {
    /// A view of `request`, received by the fake at `origin`
    /// (`http://127.0.0.1:PORT`).
    pub fn new(request: &'r Request, origin: &'r str) -> Self {
        let query = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self {
            request,
            origin,
            query,
        }
    }

    /// The wiremock request itself.
    pub fn request(&self) -> &'r Request {
        self.request
    }

    /// The origin of the fake that received the request.
    pub fn origin(&self) -> &'r str {
        self.origin
    }

    /// The HTTP method.
    pub fn method(&self) -> &'r Method {
        &self.request.method
    }

    /// The path, still percent-encoded, without the query.
    pub fn path(&self) -> &'r str {
        self.request.url.path()
    }

    /// The path's segments, empty ones (from `//` or a trailing `/`) left
    /// out, still percent-encoded (see [`decode_segment`]).
    pub fn segments(&self) -> Vec<&'r str> {
        self.path().split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The body's bytes.
    pub fn body(&self) -> &'r [u8] {
        &self.request.body
    }

    /// Every query pair, decoded, in the request's order.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The first value of the query parameter named exactly `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the query parameter `name`, the name compared
    /// case-insensitively (ASCII).
    pub fn query_any_case<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.query_values_any_case(name).next()
    }

    /// Every value of the query parameter `name`, the name compared
    /// case-insensitively (ASCII), in order.
    pub fn query_values_any_case<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.query
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the header `name` (header names are
    /// case-insensitive), if it is visible ASCII.
    pub fn header(&self, name: &str) -> Option<&'r str> {
        self.request.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of the header `name` that is visible ASCII, in order.
    pub fn header_values(&self, name: &str) -> impl Iterator<Item = &'r str> {
        self.request
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
    }

    /// The user name and password of the first `Authorization` header when
    /// it is HTTP Basic (scheme in any case): the base64 of `user:password`,
    /// split at the first `:`. `None` for another scheme, bad base64, text
    /// that is not UTF-8 or has no `:`.
    pub fn basic(&self) -> Option<(String, String)> {
        let token = credentials(self.header("authorization")?, "basic")?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(token)
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (user, password) = text.split_once(':')?;
        Some((user.to_string(), password.to_string()))
    }

    /// The tokens of every `Authorization: Bearer …` header (scheme in any
    /// case, the token trimmed), in order.
    pub fn bearer_tokens(&self) -> impl Iterator<Item = &'r str> {
        self.header_values("authorization")
            .filter_map(|v| credentials(v, "bearer"))
    }
}

/// The credentials of an `Authorization` value whose scheme is `scheme`
/// (compared case-insensitively), trimmed.
fn credentials<'v>(value: &'v str, scheme: &str) -> Option<&'v str> {
    let (s, token) = value.trim().split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| token.trim())
}

/// The `Authorization` value a client sends for HTTP Basic:
/// `Basic base64(user:password)`, for fakes that accept exactly that.
pub fn basic_header(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

/// A percent-encoded path segment, decoded (`+` stays `+`).
pub fn decode_segment(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// The value of the query parameter `name` (exact name) of a request.
pub fn query_param(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// What a [`MockServer`] received for one request sent with `headers`.
    async fn received(url_tail: &str, headers: &[(&str, &str)]) -> (Request, String) {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let mut req = reqwest::Client::new().get(format!("{}{url_tail}", server.uri()));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap();
        let got = server.received_requests().await.unwrap();
        (got[0].clone(), server.uri())
    }

    #[tokio::test]
    async fn query_by_exact_and_any_case_name() {
        let (r, origin) = received("/a//b/?Page=2&page=&x=%20y&page=3", &[]).await;
        let v = RequestView::new(&r, &origin);
        assert_eq!(v.origin(), origin);
        assert_eq!(v.path(), "/a//b/");
        assert_eq!(v.segments(), vec!["a", "b"]);
        assert_eq!(v.query("page"), Some(""));
        assert_eq!(v.query("PAGE"), None);
        assert_eq!(v.query_any_case("PAGE"), Some("2"));
        assert_eq!(
            v.query_values_any_case("page").collect::<Vec<_>>(),
            vec!["2", "", "3"]
        );
        assert_eq!(v.query("x"), Some(" y"));
        assert_eq!(v.query_pairs().len(), 4);
        assert_eq!(query_param(&r, "page").as_deref(), Some(""));
    }

    #[tokio::test]
    async fn basic_and_bearer_credentials() {
        let (r, origin) = received(
            "/",
            &[
                ("Authorization", &basic_header("co+pub", "pri:v")),
                ("X-Key", "k"),
            ],
        )
        .await;
        let v = RequestView::new(&r, &origin);
        assert_eq!(v.basic(), Some(("co+pub".into(), "pri:v".into())));
        assert_eq!(v.bearer_tokens().count(), 0);
        assert_eq!(v.header("x-key"), Some("k"));

        let (r, origin) = received("/", &[("authorization", "bearer  tok ")]).await;
        let v = RequestView::new(&r, &origin);
        assert_eq!(v.bearer_tokens().collect::<Vec<_>>(), vec!["tok"]);
        assert_eq!(v.basic(), None);

        let (r, origin) = received("/", &[("Authorization", "Basic !!!")]).await;
        assert_eq!(RequestView::new(&r, &origin).basic(), None);
    }

    #[test]
    fn segments_decode_but_keep_plus() {
        assert_eq!(decode_segment("a%2Fb+c%20d"), "a/b+c d");
    }
}
