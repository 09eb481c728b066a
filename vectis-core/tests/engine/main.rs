//! The engine's contracts, against plain wiremock servers: retries,
//! idempotency, pauses shared by siblings, redirects, token refresh.

use std::sync::Arc;
use std::time::Duration;
use vectis_core::credential::OAuth2Password;
use vectis_core::http::{Method, RequestSpec};
use vectis_core::{
    BaseUrl, EngineSettings, Error, HttpClient, ManualTime, Quota, RetryPolicy, SecretString,
    Vendor,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod origins;
mod retries;
mod tokens;

#[path = "../common/mod.rs"]
mod common;
use common::{KEY, TestRules, answering, api_key, client_of, get, settings_on};

fn client(server: &MockServer, time: &ManualTime, retry: RetryPolicy) -> HttpClient {
    client_of(
        &server.uri(),
        TestRules::named(Vendor::Atera),
        api_key(Vendor::Atera, KEY),
        settings_on(time).retry(retry),
    )
}

fn oauth(server: &MockServer, time: &ManualTime) -> Arc<OAuth2Password> {
    let token_url = url::Url::parse(&format!("{}/auth/oauth/token", server.uri())).unwrap();
    Arc::new(
        OAuth2Password::new(
            Vendor::DattoRmm,
            token_url,
            "public-client",
            SecretString::from("public"),
            SecretString::from("api-key-user"),
            SecretString::from("api-secret-pw"),
        )
        .with_time(time.time()),
    )
}
