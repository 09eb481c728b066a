//! vectis-kaseya against the VSA X fake: paging, enrichment from assets,
//! tenant URLs, alert linking (both strategies and the sweep), no write-back,
//! dates, throttling, secrets.

use futures::TryStreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use vectis_core::{
    Alert, AlertStatus, Connector, EngineSettings, ErrorKind, ListOptions, SecretString, Severity,
};
use vectis_kaseya::{KaseyaBuilder, KaseyaConnector};
use vectis_testkit::ListAll;
use vectis_testkit::RecordingTime;
use vectis_testkit::conformance::assert_capabilities_agree;
use vectis_testkit::fake::query_param;
use vectis_testkit::fake::{mount_sequence, too_many_requests};
use vectis_testkit::kaseya::{KaseyaData, KaseyaFake, TOKEN_ID, TOKEN_SECRET, error_body};
use wiremock::matchers::path_regex;
use wiremock::{Mock, ResponseTemplate};

mod failures;
mod linking;
mod listing;

fn settings(time: &RecordingTime, concurrency: usize) -> EngineSettings {
    vectis_testkit::unthrottled(time, concurrency)
}

fn builder_at(url: &str, time: &RecordingTime, secret: &str) -> KaseyaBuilder {
    KaseyaConnector::builder(url, TOKEN_ID, SecretString::from(secret)).settings(settings(time, 4))
}

fn connector(fake: &KaseyaFake, time: &RecordingTime) -> KaseyaConnector {
    builder_at(&fake.uri(), time, TOKEN_SECRET).build().unwrap()
}

fn device_org(data: &KaseyaData) -> HashMap<String, String> {
    data.devices
        .iter()
        .map(|d| {
            (
                d["Identifier"].as_str().unwrap().to_string(),
                d["OrganizationId"].to_string(),
            )
        })
        .collect()
}

/// Every alert carries the device its notification's detail names, and that
/// device's organization; each notification arrives once.
fn assert_all_linked(alerts: &[Alert], data: &KaseyaData) {
    let orgs = device_org(data);
    assert_eq!(alerts.len(), data.notifications.len());
    let ids: HashSet<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), alerts.len(), "each notification once");
    for n in &data.notifications {
        let id = n["Id"].to_string();
        let a = alerts.iter().find(|a| a.id == id).expect("delivered");
        let device = n["ComputerIdentifier"].as_str().unwrap();
        assert_eq!(a.device_id.as_deref(), Some(device), "alert {id}");
        assert_eq!(
            a.customer_id.as_deref(),
            orgs.get(device).map(String::as_str),
            "alert {id}"
        );
        assert_eq!(a.status, AlertStatus::Open);
    }
}

/// `scheme://host:port` of a URL.
fn fake_origin_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    u.origin().ascii_serialization()
}
