//! vectis-rules end to end: the Atera fake synced into a real store (SQLite
//! files, and PostgreSQL via `VECTIS_TEST_POSTGRES_URL` as in store/),
//! the ConnectWise fake as the PSA — one ticket per key across reruns, lost
//! answers, a lost store and two processes; notes, closes and reopens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration as CDuration, Utc};
use serde_json::{Value, json};
use std::time::Duration;
use vectis_atera::AteraConnector;
use vectis_connectwise::ConnectWiseConnector;
use vectis_core::{Kind, ManualTime, SecretString};
use vectis_match::Matcher;
use vectis_rules::{Action, ActionKind, Engine, Report, Rules, RunOptions};
use vectis_sync::{Decision, Store, SyncOptions, Syncer};
use vectis_testkit::RecordingTime;
use vectis_testkit::assert_mentions;
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};
use vectis_testkit::connectwise::{
    API_MEMBER, CLIENT_ID, COMPANY_ID, ConnectWiseData, ConnectWiseFake, PRIVATE_KEY, PUBLIC_KEY,
    PostFailure,
};

mod closing;
mod failures;
mod reruns;

const RULES: &str = r#"
[[rule]]
name = "Disks and offline"
severity = ["critical", "high", "medium"]
title_contains = ["disk", "offline"]
min_age = "5m"
[rule.ticket]
summary = "[{severity}] {title} on {device}"
board = "Alerts"
priority = "Priority 2 - Quick Response"
close_when_resolved = true
reopen_within = "24h"
"#;

async fn fresh(backend: &str) -> (Store, String) {
    vectis_testkit::store::fresh_store(backend, "vectis-rules-test").await
}

use vectis_testkit::on_both_backends;

/// An Atera tenant (3 customers: two linked to ConnectWise companies, one
/// kept separate), a ConnectWise fake, a store and a clock we move.
struct World {
    atera: AteraData,
    cw: ConnectWiseFake,
    store: Store,
    url: String,
    t: RecordingTime,
    clock: ManualTime,
    rules: Rules,
}

/// One alert on agent `agent` of the world's Atera data.
fn alert(
    w: &World,
    id: i64,
    agent: usize,
    title: &str,
    severity: &str,
    created: DateTime<Utc>,
    archived: bool,
) -> Value {
    let a = &w.atera.agents[agent];
    json!({
        "AlertID": id, "Code": 1, "Source": "Agent", "Title": title, "Severity": severity,
        "Created": created.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "DeviceGuid": a["DeviceGuid"], "AgentId": a["AgentID"], "Archived": archived,
        "ArchivedDate": if archived { json!(created.format("%Y-%m-%dT%H:%M:%SZ").to_string()) } else { Value::Null },
        "AlertMessage": title, "DeviceName": a["MachineName"],
        "CustomerID": a["CustomerID"], "CustomerName": a["CustomerName"], "DeviceType": "Agent",
    })
}

/// Index of the first agent of customer `c`.
fn agent_of(w: &World, c: usize, nth: usize) -> usize {
    let cid = &w.atera.customers[c]["CustomerID"];
    w.atera
        .agents
        .iter()
        .enumerate()
        .filter(|(_, a)| &a["CustomerID"] == cid)
        .map(|(i, _)| i)
        .nth(nth)
        .expect("the generated data gives each customer two agents")
}

impl World {
    async fn new(backend: &str) -> World {
        let atera = AteraData::generate(3, 6, 0, 11);
        let names: Vec<String> = atera
            .customers
            .iter()
            .map(|c| c["CustomerName"].as_str().unwrap().to_string())
            .collect();
        let cw =
            ConnectWiseFake::with_data(ConnectWiseData::generate_for(&names[..2], 0, 0, 3)).await;
        let (store, url) = fresh(backend).await;
        let w = World {
            atera,
            cw,
            store,
            url,
            t: RecordingTime::new(),
            clock: ManualTime::new(),
            rules: Rules::parse("rules.toml", RULES).unwrap(),
        };
        w.sync_psa().await;
        w
    }

    fn connectwise(&self) -> ConnectWiseConnector {
        self.connectwise_timing_out_after(None)
    }

    /// The PSA connector, with a per-request timeout when given.
    fn connectwise_timing_out_after(&self, timeout: Option<Duration>) -> ConnectWiseConnector {
        let mut settings = vectis_testkit::unthrottled(&self.t, 1);
        if let Some(t) = timeout {
            settings.timeout = t;
        }
        ConnectWiseConnector::builder(
            "https://na.myconnectwise.net",
            COMPANY_ID,
            PUBLIC_KEY,
            SecretString::from(PRIVATE_KEY),
            CLIENT_ID,
        )
        .base_url(&self.cw.uri())
        .settings(settings)
        .build()
        .unwrap()
    }

    async fn sync_psa(&self) {
        let cw = self.connectwise();
        let r = Syncer::new(&self.store, &cw)
            .options(
                SyncOptions::new()
                    .time(self.t.time())
                    .kinds([Kind::Customers]),
            )
            .run()
            .await
            .unwrap();
        assert!(r.is_ok(), "{r:?}");
    }

    /// The Atera tenant now has exactly one alert, [`alert`] `id` on
    /// `agent`; synced, then matched.
    async fn set_alert(
        &self,
        id: i64,
        agent: usize,
        title: &str,
        severity: &str,
        created: DateTime<Utc>,
        archived: bool,
    ) {
        let one = alert(self, id, agent, title, severity, created, archived);
        self.set_alerts(vec![one]).await;
    }

    /// The Atera tenant now has exactly `alerts`; synced, then matched.
    async fn set_alerts(&self, alerts: Vec<Value>) {
        let mut data = self.atera.clone();
        data.alerts = alerts;
        let fake = AteraFake::with_data(data).await;
        let c = AteraConnector::builder(SecretString::from(ATERA_API_KEY))
            .base_url(&fake.uri())
            .settings(vectis_testkit::unthrottled(&self.t, 1))
            .build()
            .unwrap();
        let r = Syncer::new(&self.store, &c)
            .options(
                SyncOptions::new()
                    .time(self.t.time())
                    .full(true)
                    .allow_mass_delete(true),
            )
            .run()
            .await
            .unwrap();
        assert!(r.is_ok(), "{r:?}");
        self.link().await;
    }

    async fn link(&self) {
        let now = Utc::now();
        for c in 0..3 {
            let rmm_id = self.atera.customers[c]["CustomerID"].to_string();
            let decision = match self.cw.data().companies.get(c) {
                Some(co) => Decision::Link(co["id"].to_string()),
                None => Decision::KeepSeparate,
            };
            self.store
                .decide("atera", &rmm_id, "connectwise", decision, now)
                .await
                .unwrap();
        }
        self.store
            .match_customers(&["atera"], "connectwise", &Matcher::default(), now)
            .await
            .unwrap();
    }

    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(self.clock.time().wall())
    }

    async fn run_on(&self, store: &Store, dry_run: bool) -> Report {
        self.run_with(store, dry_run, None).await
    }

    async fn run_with(&self, store: &Store, dry_run: bool, timeout: Option<Duration>) -> Report {
        let cw = self.connectwise_timing_out_after(timeout);
        let engine = Engine::new(
            store,
            &cw,
            "connectwise",
            &self.rules,
            RunOptions::default()
                .dry_run(dry_run)
                .time(self.clock.time()),
        );
        engine.check().await.unwrap();
        let mut lines: Vec<String> = Vec::new();
        let report = engine
            .run(|a: &Action| lines.push(serde_json::to_string(a).unwrap()))
            .await
            .unwrap();
        assert_eq!(lines.len(), report.actions.len());
        report
    }

    async fn run(&self) -> Report {
        self.run_on(&self.store, false).await
    }

    async fn posts(&self) -> usize {
        self.cw
            .received()
            .await
            .iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/service/tickets"))
            .count()
    }

    async fn writes(&self) -> usize {
        self.cw
            .received()
            .await
            .iter()
            .filter(|r| r.method.as_str() != "GET")
            .count()
    }

    fn ticket(&self, id: &str) -> Value {
        self.cw.ticket(id.parse().unwrap()).unwrap()
    }
}

fn of(report: &Report, kind: ActionKind) -> Vec<&Action> {
    report.actions.iter().filter(|a| a.action == kind).collect()
}

/// Four qualifying alerts over three keys on linked customers, one on the
/// unlinked customer, one that matches no rule.
async fn base_alerts(w: &World) -> Vec<Value> {
    let old = w.now() - CDuration::hours(2);
    let (a0, b0, c0) = (agent_of(w, 0, 0), agent_of(w, 1, 0), agent_of(w, 2, 0));
    vec![
        alert(w, 101, a0, "Disk C: 3.1 GB free", "Critical", old, false),
        alert(w, 102, a0, "Disk C:  2.9 GB free", "Critical", old, false),
        alert(
            w,
            103,
            a0,
            "Agent offline for 15 minutes",
            "Warning",
            old,
            false,
        ),
        alert(w, 104, b0, "Disk D: 1 GB free", "Critical", old, false),
        alert(w, 105, c0, "Disk C: 0.5 GB free", "Critical", old, false),
        alert(
            w,
            106,
            b0,
            "Windows update pending",
            "Information",
            old,
            false,
        ),
    ]
}
