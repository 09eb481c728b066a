//! vectis-connectwise against the ConnectWise Manage fake: codebase
//! discovery, both paging modes, conditions, incremental sync, ticket
//! creation without duplicates, errors in ConnectWise's terms, secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::{StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;
use vectis_connectwise::{ConnectWiseConnector, Listing, Paging};
use vectis_core::{Connector, EngineSettings, Error, ListOptions, SecretString, TicketDraft, Verb};
use vectis_testkit::ListAll;
use vectis_testkit::RecordingTime;
use vectis_testkit::assert_slept_at_least;
use vectis_testkit::conformance::assert_capabilities_agree;
use vectis_testkit::connectwise::{
    CLIENT_ID, CODEBASE, COMPANY_ID, ConnectWiseData, ConnectWiseFake, PRIVATE_KEY, PUBLIC_KEY,
    PostFailure, Table, company, data_now, next_id,
};
use vectis_testkit::fake::query_param;
use vectis_testkit::fake::{mount_sequence, too_many_requests};
use wiremock::{Request, ResponseTemplate};

mod paging;
mod setup;
mod tickets;

const COMPANIES: &str = "/v2025_1/apis/3.0/company/companies";

const CONFIGURATIONS: &str = "/v2025_1/apis/3.0/company/configurations";

const TICKETS: &str = "/v2025_1/apis/3.0/service/tickets";

fn settings(time: &RecordingTime) -> EngineSettings {
    vectis_testkit::unthrottled(time, 1)
}

fn builder(fake: &ConnectWiseFake, time: &RecordingTime) -> vectis_connectwise::ConnectWiseBuilder {
    builder_as(fake, time, COMPANY_ID, PRIVATE_KEY, CLIENT_ID)
}

fn builder_as(
    fake: &ConnectWiseFake,
    time: &RecordingTime,
    company_id: &str,
    private_key: &str,
    client_id: &str,
) -> vectis_connectwise::ConnectWiseBuilder {
    ConnectWiseConnector::builder(
        "https://na.myconnectwise.net",
        company_id,
        PUBLIC_KEY,
        SecretString::from(private_key),
        client_id,
    )
    .base_url(&fake.uri())
    .settings(settings(time))
}

fn connector(fake: &ConnectWiseFake, time: &RecordingTime, paging: Paging) -> ConnectWiseConnector {
    builder(fake, time).paging(paging).build().unwrap()
}

fn ids(records: &[Value]) -> Vec<String> {
    records.iter().map(|v| v["id"].to_string()).collect()
}

fn list_requests<'a>(reqs: &'a [Request], path: &str) -> Vec<&'a Request> {
    reqs.iter()
        .filter(|r| r.method.as_str() == "GET" && r.url.path() == path)
        .collect()
}

fn draft(customer_id: &str) -> TicketDraft {
    let mut draft = TicketDraft::new(customer_id, "Backup failed on FAB-SRV-01");
    draft.description = Some("Nightly job exited with code 3".into());
    draft.board = Some("Help Desk".into());
    draft.status = Some("16".into());
    draft.priority = Some("Priority 1 - Emergency Response".into());
    draft
}
