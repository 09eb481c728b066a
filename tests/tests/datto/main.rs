//! vectis-datto-rmm against the Datto RMM fake: OAuth, paging, the Deleted
//! Devices site, resolve, the 8.9.0 acknowledge, throttling, secrets.

use futures::TryStreamExt;
use std::time::Duration;
use vectis_core::{
    AlertStatus, Connector, EngineSettings, Error, ErrorKind, ListOptions, SecretString, Severity,
};
use vectis_datto_rmm::{DattoRmmBuilder, DattoRmmConnector};
use vectis_testkit::ListAll;
use vectis_testkit::RecordingTime;
use vectis_testkit::assert_mentions;
use vectis_testkit::conformance::assert_capabilities_agree;
use vectis_testkit::datto::{
    ACCOUNT_NAME, API_KEY, API_SECRET, DELETED_DEVICES_UID, DattoData, DattoFake, PLATFORM,
};
use vectis_testkit::fake::mount_sequence;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

mod access;
mod paging;

fn settings(time: &RecordingTime, concurrency: usize) -> EngineSettings {
    vectis_testkit::unthrottled(time, concurrency)
}

fn builder(fake: &DattoFake, time: &RecordingTime, secret: &str) -> DattoRmmBuilder {
    DattoRmmConnector::builder(
        PLATFORM,
        SecretString::from(API_KEY),
        SecretString::from(secret),
    )
    .base_url(&fake.uri())
    .settings(settings(time, 4))
}

fn connector(fake: &DattoFake, time: &RecordingTime) -> DattoRmmConnector {
    builder(fake, time, API_SECRET).build().unwrap()
}

#[tokio::test]
async fn check_names_the_account() {
    let fake = DattoFake::start().await;
    let t = RecordingTime::new();
    let info = connector(&fake, &t).check().await.unwrap();
    assert_eq!(
        info.to_string(),
        format!("Connected to Datto RMM: {ACCOUNT_NAME}")
    );
}
