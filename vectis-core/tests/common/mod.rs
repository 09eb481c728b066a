//! What the engine's integration tests share: vendor rules for a test, an
//! API-key credential, engine settings on an injected clock, a client of a
//! wiremock server, and a plain `GET`.

// Each test binary uses only its own part of this module.
#![allow(dead_code)]

use std::sync::Arc;
use vectis_core::credential::{ApiKeyHeader, Credential};
use vectis_core::http::{RequestSpec, Response, Situation, VendorRules};
use vectis_core::{
    BaseUrl, EngineSettings, Error, HttpClient, ManualTime, Quota, SecretString, Vendor,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The API key the tests' credentials carry (long enough to be redacted).
pub const KEY: &str = "key-abcdef-0123456789";

/// Vendor rules for a test: `vendor`, no default quota, and either the
/// engine's default hints or hints that name their situation
/// (`hint for Timeout`), so a test can see which one the engine chose.
#[derive(Debug)]
pub struct TestRules {
    vendor: Vendor,
    named_hints: bool,
}

impl TestRules {
    /// Rules whose hints name their situation.
    pub fn named(vendor: Vendor) -> Arc<TestRules> {
        Arc::new(TestRules {
            vendor,
            named_hints: true,
        })
    }

    /// Rules with the engine's default hints.
    pub fn plain(vendor: Vendor) -> Arc<TestRules> {
        Arc::new(TestRules {
            vendor,
            named_hints: false,
        })
    }
}

impl VendorRules for TestRules {
    fn vendor(&self) -> Vendor {
        self.vendor
    }
    fn default_quota(&self) -> Quota {
        Quota::Off
    }
    fn hint(&self, s: Situation) -> String {
        if self.named_hints {
            format!("hint for {s:?}")
        } else {
            DefaultHints.hint(s)
        }
    }
}

/// The engine's default hints, to fall back on.
#[derive(Debug)]
struct DefaultHints;

impl VendorRules for DefaultHints {
    fn vendor(&self) -> Vendor {
        Vendor::Atera
    }
    fn default_quota(&self) -> Quota {
        Quota::Off
    }
}

/// An `x-api-key` credential for `vendor` holding `secret`.
pub fn api_key(vendor: Vendor, secret: &str) -> Arc<dyn Credential> {
    Arc::new(ApiKeyHeader::new(
        vendor,
        "x-api-key",
        SecretString::from(secret),
    ))
}

/// No quota, and a limiter and clock on `time`: nothing in a test waits
/// for real.
pub fn settings_on(time: &ManualTime) -> EngineSettings {
    EngineSettings::default()
        .quota(Quota::Off)
        .limiter(Arc::new(vectis_core::rate_limit::GovernorLimit::with_time(
            Quota::Off,
            time.time(),
        )))
        .time(time.time())
}

/// A client of `base` (a wiremock server's URI) with `rules`, `cred` and
/// `settings`.
pub fn client_of(
    base: &str,
    rules: Arc<TestRules>,
    cred: Arc<dyn Credential>,
    settings: EngineSettings,
) -> HttpClient {
    HttpClient::new(rules, BaseUrl::parse(base, "base").unwrap(), cred, settings)
}

/// `GET` `p` under the client's base URL.
pub async fn get(c: &HttpClient, p: &str) -> Result<Response, Error> {
    let url = c.base().join(p).unwrap();
    c.execute(RequestSpec::get(url, p)).await
}

/// A wiremock server that answers `at` with `answer`, any method, every time.
pub async fn answering(at: &str, answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(at))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}
