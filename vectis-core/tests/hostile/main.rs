//! Remote input that used to panic, hang or leak (issue 17 §7–§8), one test
//! per case, against wiremock servers and the injected clock.

use chrono::{DateTime, Utc};
use futures::future::join_all;
use std::sync::Arc;
use std::time::Duration;
use vectis_core::credential::{Basic, Credential, OAuth2Password};
use vectis_core::{
    BaseUrl, EngineSettings, Error, HttpClient, ListOptions, ManualTime, Quota, RetryPolicy,
    SecretString, Vendor,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod limits;
mod redaction;
mod tokens;
mod transport;

#[path = "../common/mod.rs"]
mod common;
use common::{KEY, TestRules, answering, api_key, get, settings_on};

fn client_with(base: &str, cred: Arc<dyn Credential>, settings: EngineSettings) -> HttpClient {
    common::client_of(base, TestRules::plain(Vendor::Atera), cred, settings)
}

fn key() -> Arc<dyn Credential> {
    api_key(Vendor::Atera, KEY)
}

async fn answer(server: &MockServer, at: &str, t: ResponseTemplate) {
    Mock::given(path(at)).respond_with(t).mount(server).await;
}

async fn asked(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}

// ---- tokens

fn oauth(server: &MockServer, time: &ManualTime, user: &str, pw: &str) -> Arc<OAuth2Password> {
    Arc::new(
        OAuth2Password::new(
            Vendor::DattoRmm,
            token_url(server),
            "public-client",
            SecretString::from("public"),
            SecretString::from(user.to_string()),
            SecretString::from(pw.to_string()),
        )
        .with_time(time.time()),
    )
}

// ---- secrets in error bodies

// ---- network errors read differently by cause

fn token_url(server: &MockServer) -> url::Url {
    url::Url::parse(&format!("{}/auth/oauth/token", server.uri())).unwrap()
}

async fn token_answers(server: &MockServer, t: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/auth/oauth/token"))
        .respond_with(t)
        .mount(server)
        .await;
}

fn token(expires_in: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        format!(r#"{{"access_token":"tok","token_type":"bearer","expires_in":{expires_in}}}"#),
        "application/json",
    )
}
