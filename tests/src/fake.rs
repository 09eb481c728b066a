//! Helpers every vendor fake uses: a loud catch-all for requests nobody
//! expected, scripted response sequences, canned bad responses (an HTML login
//! page, a truncated JSON body, 429, a redirect) and a small deterministic
//! PRNG for generating data.
//!
//! Priorities (wiremock: 1 is the highest, 5 the default):
//!
//! | priority | who |
//! | --- | --- |
//! | [`SEQUENCE_PRIORITY`] (1) | [`mount_sequence`] steps |
//! | 5 (default) | the vendor fakes' own responders |
//! | `u8::MAX` | [`mount_catch_all`] |
//!
//! Between mocks of the same priority wiremock picks the one mounted first.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wiremock::matchers::{any, method as method_is, path as path_is};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Status the catch-all answers with (`418 I'm a teapot`): no vendor sends
/// it, so a connector that sees it has made a request the fake did not expect.
pub const UNEXPECTED_STATUS: u16 = 418;

/// Start of the catch-all's body; the rest is `{METHOD} {path}`.
pub const UNEXPECTED_PREFIX: &str = "vectis-testkit: unexpected request: ";

/// Priority of the steps mounted by [`mount_sequence`]: above every fake's
/// own responders (which use wiremock's default, 5).
pub const SEQUENCE_PRIORITY: u8 = 1;

/// Answers every request with [`UNEXPECTED_STATUS`] and a text body naming it.
struct CatchAll;

impl Respond for CatchAll {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        ResponseTemplate::new(UNEXPECTED_STATUS).set_body_string(format!(
            "{UNEXPECTED_PREFIX}{} {}",
            request.method,
            request.url.path()
        ))
    }
}

/// How long a fake waits before each answer (zero by default): the
/// network's round trip, for runs that measure what latency costs. Clones
/// share the setting.
#[derive(Debug, Clone, Default)]
pub struct Latency(Arc<AtomicU64>);

impl Latency {
    /// Every later answer waits `d` (microsecond precision).
    pub fn set(&self, d: Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.0.store(micros, Ordering::Relaxed);
    }

    /// The current latency.
    pub fn get(&self) -> Duration {
        Duration::from_micros(self.0.load(Ordering::Relaxed))
    }
}

/// A responder whose every answer waits [`Latency`] first (wiremock's
/// `set_delay`, so waiting answers do not hold up the others).
pub struct Delayed<R> {
    /// The fake's own responder.
    pub inner: R,
    /// The wait, shared with the fake.
    pub latency: Latency,
}

impl<R: Respond> Respond for Delayed<R> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let answer = self.inner.respond(request);
        let d = self.latency.get();
        if d.is_zero() {
            answer
        } else {
            answer.set_delay(d)
        }
    }
}

/// Mounts the lowest-priority mock (`u8::MAX`), which answers any request no
/// other mock matched with `418` and the text body
/// `vectis-testkit: unexpected request: {METHOD} {path}` (path only, no
/// query), so a test that sends something unexpected fails loudly instead of
/// getting wiremock's silent empty 404.
pub async fn mount_catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(CatchAll)
        .with_priority(u8::MAX)
        .named("vectis-testkit catch-all")
        .mount(server)
        .await;
}

/// The requests in `requests` that the catch-all answered (or would answer):
/// `"{METHOD} {path}"` for each one whose `(method, path)` is not in
/// `expected`. Handy after a run: `assert!(unexpected_requests(&received,
/// &[("GET", "/api/v3/agents")]).is_empty())`. Methods compare
/// case-insensitively, paths exactly.
pub fn unexpected_requests(requests: &[Request], expected: &[(&str, &str)]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| {
            !expected
                .iter()
                .any(|(m, p)| r.method.as_str().eq_ignore_ascii_case(m) && r.url.path() == *p)
        })
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

/// Scripts answers for one endpoint: the i-th request matching `method` and
/// `path` (exact path, any query) gets `responses[i]`. Each step is mounted
/// with `up_to_n_times(1)` at [`SEQUENCE_PRIORITY`], in order; once all are
/// used up, requests fall through to whatever else is mounted (normally the
/// vendor fake, so "two 429s, then the real page" is one call).
///
/// Steps answer whatever the request's credentials: they stand in for the
/// vendor, auth checks included.
pub async fn mount_sequence(
    server: &MockServer,
    method: &str,
    path: &str,
    responses: Vec<ResponseTemplate>,
) {
    for (i, response) in responses.into_iter().enumerate() {
        Mock::given(method_is(method))
            .and(path_is(path))
            .respond_with(response)
            .up_to_n_times(1)
            .with_priority(SEQUENCE_PRIORITY)
            .named(format!("vectis-testkit sequence {method} {path} #{i}"))
            .mount(server)
            .await;
    }
}

/// A stateful responder for when a scripted sequence must live in one mock
/// (e.g. combined with custom matchers): the i-th call gets `responses[i]`,
/// and every call after the last gets the last one again. An empty list
/// answers `500`.
#[derive(Debug)]
pub struct Sequence {
    responses: Vec<ResponseTemplate>,
    next: AtomicU64,
}

impl Sequence {
    /// A responder that plays `responses` in order, then repeats the last.
    pub fn new(responses: Vec<ResponseTemplate>) -> Self {
        Self {
            responses,
            next: AtomicU64::new(0),
        }
    }

    /// How many requests this responder has answered.
    pub fn calls(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }
}

impl Respond for Sequence {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        let i = usize::try_from(i).unwrap_or(usize::MAX);
        match self.responses.get(i).or_else(|| self.responses.last()) {
            Some(r) => r.clone(),
            None => ResponseTemplate::new(500),
        }
    }
}

/// What a captive portal, an expired SSO session or a misconfigured proxy
/// sends instead of JSON: `200`, `content-type: text/html; charset=utf-8`,
/// a realistic login page.
pub fn html_login_page() -> ResponseTemplate {
    const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in</title>
  <link rel="stylesheet" href="/static/css/login.css">
</head>
<body class="login">
  <main class="login-box">
    <img src="/static/img/logo.svg" alt="Logo" width="160">
    <h1>Sign in to your account</h1>
    <form method="post" action="/login?ReturnUrl=%2Fapi%2Fv3%2Fcustomers">
      <input type="hidden" name="__RequestVerificationToken" value="CfDJ8Nq1w7xZ0b3Yd2kP9sA4">
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <label><input type="checkbox" name="remember"> Keep me signed in</label>
      <button type="submit">Sign in</button>
      <a href="/forgot-password">Forgot your password?</a>
    </form>
  </main>
  <script src="/static/js/login.js"></script>
</body>
</html>
"#;
    ResponseTemplate::new(200).set_body_raw(PAGE, "text/html; charset=utf-8")
}

/// `200`, `application/json`, and `body` serialized then cut in half (at a
/// UTF-8 character boundary, so the text decodes but the JSON does not
/// parse): what a dropped connection or a proxy's size limit leaves.
pub fn truncated_json(body: &serde_json::Value) -> ResponseTemplate {
    let text = body.to_string();
    let mut cut = text.len() / 2;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let half = text.get(..cut).unwrap_or_default().to_owned();
    ResponseTemplate::new(200).set_body_raw(half, "application/json")
}

/// `429 Too Many Requests` with `Retry-After: {retry_after_secs}` and an
/// empty body.
pub fn too_many_requests(retry_after_secs: u64) -> ResponseTemplate {
    ResponseTemplate::new(429).insert_header("Retry-After", retry_after_secs.to_string().as_str())
}

/// `302 Found` with `Location: {location}` and an empty body (e.g. to a
/// login page, or to another host to check that credentials are not
/// forwarded).
pub fn redirect_to(location: &str) -> ResponseTemplate {
    ResponseTemplate::new(302).insert_header("Location", location)
}

/// A tiny deterministic PRNG (SplitMix64) for generating test data: the same
/// seed gives the same sequence on every platform and release. Not for
/// anything that needs real randomness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng(pub u64);

impl Rng {
    /// A generator seeded with `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A random version-4 GUID, lower case (`xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx`).
    pub fn guid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for test data, no division.
        let wide = u128::from(self.next_u64()) * (n as u128);
        (wide >> 64) as usize
    }

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        let wide = u128::from(self.next_u64()) * u128::from(span);
        lo.wrapping_add((wide >> 64) as i64)
    }

    /// A float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `true` with probability `p` (`p <= 0` never, `p >= 1` always).
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }

    /// One element of `items`, uniformly.
    ///
    /// # Panics
    /// If `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        assert!(!items.is_empty(), "Rng::pick on an empty slice");
        &items[self.below(items.len())]
    }
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

    async fn get(url: &str) -> (u16, String) {
        let resp = reqwest::get(url).await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }

    #[tokio::test]
    async fn catch_all_answers_418_naming_method_and_path() {
        let server = MockServer::start().await;
        mount_catch_all(&server).await;
        let (status, body) = get(&format!("{}/nope/here?secret=1", server.uri())).await;
        assert_eq!(status, 418);
        assert_eq!(body, "vectis-testkit: unexpected request: GET /nope/here");

        let resp = reqwest::Client::new()
            .delete(format!("{}/x", server.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 418);
        assert_eq!(
            resp.text().await.unwrap(),
            "vectis-testkit: unexpected request: DELETE /x"
        );

        let received = server.received_requests().await.unwrap();
        assert_eq!(
            unexpected_requests(&received, &[("get", "/nope/here")]),
            vec!["DELETE /x".to_string()]
        );
    }

    #[tokio::test]
    async fn catch_all_loses_to_any_other_mock() {
        let server = MockServer::start().await;
        mount_catch_all(&server).await; // mounted first on purpose
        Mock::given(path_is("/ok"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        assert_eq!(get(&format!("{}/ok", server.uri())).await.0, 200);
        assert_eq!(get(&format!("{}/other", server.uri())).await.0, 418);
    }

    #[tokio::test]
    async fn sequence_steps_are_served_in_order_then_fall_through() {
        let server = MockServer::start().await;
        Mock::given(method_is("GET"))
            .and(path_is("/s"))
            .respond_with(ResponseTemplate::new(200).set_body_string("normal"))
            .mount(&server)
            .await;
        mount_catch_all(&server).await;
        let steps = (0..6)
            .map(|i| ResponseTemplate::new(500 + i).set_body_string(format!("step {i}")))
            .collect();
        mount_sequence(&server, "GET", "/s", steps).await;

        let url = format!("{}/s?page=1", server.uri());
        for i in 0..6u16 {
            assert_eq!(get(&url).await, (500 + i, format!("step {i}")));
        }
        assert_eq!(get(&url).await, (200, "normal".to_string()));
        assert_eq!(get(&url).await, (200, "normal".to_string()));
        // Another method is not part of the sequence.
        let resp = reqwest::Client::new().post(&url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 418);
    }

    #[tokio::test]
    async fn stateful_sequence_repeats_its_last_answer() {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(Sequence::new(vec![
                ResponseTemplate::new(503),
                ResponseTemplate::new(200),
            ]))
            .mount(&server)
            .await;
        let url = server.uri();
        assert_eq!(get(&url).await.0, 503);
        assert_eq!(get(&url).await.0, 200);
        assert_eq!(get(&url).await.0, 200);
    }

    #[tokio::test]
    async fn canned_bad_responses() {
        let server = MockServer::start().await;
        let body =
            serde_json::json!({"items": [{"Name": "Müller"}, {"Name": "Ünïcödé"}], "page": 1});
        for (p, t) in [
            ("/html", html_login_page()),
            ("/trunc", truncated_json(&body)),
            ("/429", too_many_requests(7)),
            ("/302", redirect_to("https://login.example.com/sso")),
        ] {
            Mock::given(path_is(p)).respond_with(t).mount(&server).await;
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let get = |p: &str| client.get(format!("{}{p}", server.uri())).send();

        let r = get("/html").await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(r.text().await.unwrap().contains("<form"));

        let r = get("/trunc").await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        let text = r.text().await.unwrap();
        assert!(!text.is_empty() && text.len() <= body.to_string().len() / 2);
        assert!(body.to_string().starts_with(&text));
        let err = serde_json::from_str::<serde_json::Value>(&text).unwrap_err();
        assert!(err.is_eof(), "{err}");

        let r = get("/429").await.unwrap();
        assert_eq!(r.status().as_u16(), 429);
        assert_eq!(r.headers()["retry-after"], "7");

        let r = get("/302").await.unwrap();
        assert_eq!(r.status().as_u16(), 302);
        assert_eq!(r.headers()["location"], "https://login.example.com/sso");
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(42);
        let mut b = Rng(42);
        let xs: Vec<u64> = (0..10).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..10).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(43).next_u64(), xs[0]);

        let mut r = Rng::new(7);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let x = r.below(5);
            seen[x] = true;
            let y = r.between(-3, 3);
            assert!((-3..=3).contains(&y));
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(r.below(0), 0);
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
        let hits = (0..10_000).filter(|_| r.chance(0.3)).count();
        assert!((2_700..3_300).contains(&hits), "{hits}");
        assert!(["a", "b", "c"].contains(r.pick(&["a", "b", "c"])));
    }
}
