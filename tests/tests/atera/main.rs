//! vectis-atera against the Atera fake: paging, retries, failures, secrets.

use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use vectis_atera::AteraConnector;
use vectis_core::{
    AlertStatus, Connector, EngineSettings, Error, ListOptions, Quota, SecretString, Severity,
};
use vectis_testkit::ListAll;
use vectis_testkit::RecordingTime;
use vectis_testkit::assert_mentions;
use vectis_testkit::assert_slept_at_least;
use vectis_testkit::atera::{ATERA_API_KEY, ATERA_JWT_KEY, AteraData, AteraFake};
use vectis_testkit::conformance::assert_capabilities_agree;
use vectis_testkit::fake::{html_login_page, mount_sequence, too_many_requests, truncated_json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

mod failures;
mod paging;
mod quota;
mod verbs;

fn connector(fake: &AteraFake, time: &RecordingTime) -> AteraConnector {
    connector_with(fake, time, ATERA_API_KEY, 1)
}

fn connector_with(
    fake: &AteraFake,
    time: &RecordingTime,
    key: &str,
    concurrency: usize,
) -> AteraConnector {
    AteraConnector::builder(SecretString::from(key))
        .base_url(&fake.uri())
        .settings(vectis_testkit::unthrottled(time, concurrency))
        .build()
        .unwrap()
}

fn ids(data: &[serde_json::Value], field: &str) -> Vec<String> {
    data.iter().map(|v| v[field].to_string()).collect()
}
