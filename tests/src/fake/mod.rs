//! What every vendor fake is made of, so that a vendor's fake is only its
//! routes, its data and the vendor's facts:
//!
//! - [`FakeServer`], the one server (state, start, `with_data`, `uri`,
//!   `received`, latency), driven by a vendor's [`Vendor`] impl;
//! - [`RequestView`], the request reader (query by exact or
//!   case-insensitive name, headers, Basic and Bearer credentials, path
//!   segments);
//! - [`paging`], server-side paging (by page number or offset, the next
//!   page's URL, the `Link` header);
//! - a loud catch-all for requests nobody expected, scripted response
//!   sequences and canned bad responses (an HTML login page, a truncated
//!   JSON body, 429, a redirect);
//! - [`Rng`] and [`data_now`] for generating deterministic data.
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

use std::sync::atomic::{AtomicU64, Ordering};

use wiremock::matchers::{any, method as method_is, path as path_is};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

mod generate;
pub mod paging;
mod request;
mod server;

pub use generate::{Rng, data_now};
pub use request::{RequestView, basic_header, decode_segment, query_param};
pub use server::{Delayed, FakeServer, FakeState, Latency, Vendor};

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

/// `status` with `body` as JSON text, labelled with the vendor's own
/// spelling of the JSON `content_type` (`application/json;charset=UTF-8`).
pub fn json_as(status: u16, body: &serde_json::Value, content_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", content_type)
        .set_body_string(body.to_string())
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
}
