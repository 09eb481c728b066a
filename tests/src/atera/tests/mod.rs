//! The Atera fake against Atera's documented behaviour: auth, paging,
//! filters, ProblemDetails, resolving, the catch-all, generated data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use wiremock::ResponseTemplate;

use super::{ATERA_API_KEY, ATERA_JWT_KEY, AteraFake};

mod data;
mod paging;

enum Auth {
    Key,
    Jwt,
    None,
    Header(&'static str, String),
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

async fn send(method: reqwest::Method, url: &str, auth: Auth) -> Reply {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let req = client.request(method, url);
    let req = match auth {
        Auth::Key => req.header("X-API-KEY", ATERA_API_KEY),
        Auth::Jwt => req.bearer_auth(ATERA_JWT_KEY),
        Auth::None => req,
        Auth::Header(k, v) => req.header(k, v),
    };
    let resp = req.send().await.unwrap();
    Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        text: resp.text().await.unwrap(),
    }
}

async fn get(fake: &AteraFake, path_and_query: &str) -> Reply {
    send(
        reqwest::Method::GET,
        &format!("{}{path_and_query}", fake.uri()),
        Auth::Key,
    )
    .await
}

fn ids(page: &Value, key: &str) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_i64().unwrap())
        .collect()
}

fn assert_problem(r: &Reply, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let p = r.json();
    assert_eq!(p["status"], status);
    assert!(
        p["type"]
            .as_str()
            .unwrap()
            .starts_with("https://tools.ietf.org/html/rfc9110#section-15.")
    );
    assert!(p["title"].is_string());
    assert!(p["traceId"].as_str().unwrap().starts_with("00-"));
    p
}

#[test]
fn keys_have_the_right_shape() {
    assert_eq!(ATERA_API_KEY.len(), 32);
    assert!(ATERA_API_KEY.chars().all(|c| c.is_ascii_hexdigit()));
    let parts: Vec<&str> = ATERA_JWT_KEY.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert!(ATERA_JWT_KEY.len() > 100);
    assert!(parts.iter().all(|p| {
        p.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }));
}

#[tokio::test]
async fn auth_both_ways_and_empty_401() {
    let fake = AteraFake::start().await;
    let url = format!("{}/api/v3/account", fake.uri());
    for auth in [
        Auth::Key,
        Auth::Jwt,
        // Lower-case scheme is fine, as in ASP.NET.
        Auth::Header("authorization", format!("bearer {ATERA_JWT_KEY}")),
    ] {
        let r = send(reqwest::Method::GET, &url, auth).await;
        assert_eq!(r.status, 200);
        let a = r.json();
        assert_eq!(a["AccountID"], "118734");
        assert!(a["CompanyName"].is_string());
        assert_eq!(a["IsITDepartment"], false);
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
    }
    for auth in [
        Auth::None,
        Auth::Header("X-API-KEY", "0123456789abcdef0123456789abcdef".into()),
        Auth::Header("X-API-KEY", ATERA_JWT_KEY.into()),
        Auth::Header("X-API-KEY", String::new()),
        Auth::Header("Authorization", format!("Bearer {ATERA_API_KEY}")),
        Auth::Header("Authorization", "Bearer".into()),
        Auth::Header("Authorization", format!("Basic {ATERA_JWT_KEY}")),
    ] {
        let r = send(reqwest::Method::GET, &url, auth).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.text, "");
        assert_eq!(
            r.headers.get("content-length").map(|v| v.to_str().unwrap()),
            Some("0")
        );
        assert!(r.headers.get("www-authenticate").is_none());
    }
    // A resolve without credentials changes nothing.
    let open = fake.data().open_alerts()[0]["AlertID"].as_i64().unwrap();
    let r = send(
        reqwest::Method::PUT,
        &format!("{}/api/v3/alerts/{open}", fake.uri()),
        Auth::None,
    )
    .await;
    assert_eq!(r.status, 401);
    assert!(fake.resolved_alert_ids().is_empty());
}

#[tokio::test]
async fn sequence_outranks_the_fake_then_falls_through() {
    let fake = AteraFake::start().await;
    crate::fake::mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/customers",
        vec![
            crate::fake::too_many_requests(2),
            ResponseTemplate::new(503),
        ],
    )
    .await;
    let r = get(&fake, "/api/v3/customers?page=1").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "2");
    assert_eq!(get(&fake, "/api/v3/customers?page=1").await.status, 503);
    let r = get(&fake, "/api/v3/customers?page=1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["totalItemCount"], 3);
    assert_eq!(fake.received().await.len(), 3);
}

#[tokio::test]
async fn anything_else_hits_the_catch_all() {
    let fake = AteraFake::start().await;
    for (method, path) in [
        (reqwest::Method::GET, "/api/v3/contacts"),
        (reqwest::Method::GET, "/api/v2/customers"),
        (reqwest::Method::POST, "/api/v3/alerts"),
        (reqwest::Method::DELETE, "/api/v3/alerts/1"),
        (reqwest::Method::GET, "/api/v3/tickets"),
        (reqwest::Method::GET, "/api/v3/agents/machine/ACME-DC01"),
    ] {
        let r = send(
            method.clone(),
            &format!("{}{path}?page=1", fake.uri()),
            Auth::Key,
        )
        .await;
        assert_eq!(r.status, 418, "{method} {path}");
        assert_eq!(
            r.text,
            format!("vectis-testkit: unexpected request: {method} {path}")
        );
    }
    // Routes are case-insensitive and tolerate a trailing slash, like ASP.NET.
    assert_eq!(get(&fake, "/API/V3/Customers/").await.status, 200);
}
