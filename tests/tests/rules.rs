//! vectis-rules end to end: the Atera fake synced into a real store (SQLite
//! files, and PostgreSQL via `VECTIS_TEST_POSTGRES_URL` as in store.rs),
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
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};
use vectis_testkit::connectwise::{
    API_MEMBER, CLIENT_ID, COMPANY_ID, ConnectWiseData, ConnectWiseFake, PRIVATE_KEY, PUBLIC_KEY,
    PostFailure,
};

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

on_both_backends!(
    n_alerts_over_k_keys_open_k_tickets_and_a_rerun_opens_none,
    a_lost_store_adopts_the_open_tickets_instead_of_creating,
    a_lost_create_answer_leaves_one_ticket_per_key,
    a_repeat_adds_one_note_and_never_twice,
    resolved_and_untouched_closes_and_resolved_and_touched_notes_once,
    a_new_occurrence_reopens_within_the_window_and_opens_a_new_ticket_after,
    a_ticket_closed_by_a_person_gets_a_new_ticket_on_the_next_occurrence,
    a_dry_run_writes_nothing_anywhere,
    two_runs_at_once_never_both_create,
    min_age_holds_young_alerts_back,
);

async fn n_alerts_over_k_keys_open_k_tickets_and_a_rerun_opens_none(backend: &str) {
    let w = World::new(backend).await;
    w.set_alerts(base_alerts(&w).await).await;
    let r = w.run().await;
    let created = of(&r, ActionKind::Create);
    assert_eq!(created.len(), 3, "{r:#?}");
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
    let disk = created
        .iter()
        .find(|a| a.alert_ids == ["101", "102"])
        .expect("two disk alerts on one device are one key");
    let t = w.ticket(disk.ticket_id.as_deref().unwrap());
    assert_eq!(t["externalXRef"], disk.key.as_str());
    assert!(disk.key.starts_with("vectis:") && disk.key.len() == 39);
    assert_eq!(t["board"]["name"], "Alerts");
    assert_eq!(t["priority"]["name"], "Priority 2 - Quick Response");
    assert!(
        t["summary"]
            .as_str()
            .unwrap()
            .starts_with("[critical] Disk C: 3.1 GB free on "),
        "{t}"
    );
    let skips = of(&r, ActionKind::Skip);
    assert_eq!(skips.len(), 1, "{r:#?}");
    assert_eq!(skips[0].alert_ids, ["105"]);
    assert!(
        skips[0].reason.as_deref().unwrap().contains("not linked"),
        "{skips:?}"
    );
    assert_eq!(
        r.summary(),
        "rules: 3 create, 0 adopt, 0 note, 0 close, 0 reopen, 1 skip"
    );

    let again = w.run().await;
    assert_eq!(of(&again, ActionKind::Create).len(), 0, "{again:#?}");
    assert!(
        again.actions.iter().all(|a| a.action == ActionKind::Skip),
        "{again:#?}"
    );
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
    assert_eq!(w.posts().await, 3);
}

async fn a_lost_store_adopts_the_open_tickets_instead_of_creating(backend: &str) {
    let w = World::new(backend).await;
    let alerts = base_alerts(&w).await;
    w.set_alerts(alerts.clone()).await;
    let first = w.run().await;
    assert_eq!(of(&first, ActionKind::Create).len(), 3);

    // The store is lost: a new one, synced and linked again.
    let (store, url) = fresh(backend).await;
    let w2 = World {
        store,
        url,
        atera: w.atera.clone(),
        cw: w.cw,
        t: RecordingTime::new(),
        clock: w.clock.clone(),
        rules: w.rules.clone(),
    };
    w2.sync_psa().await;
    w2.set_alerts(alerts).await;
    let r = w2.run().await;
    assert_eq!(of(&r, ActionKind::Create).len(), 0, "{r:#?}");
    let adopted = of(&r, ActionKind::Adopt);
    assert_eq!(adopted.len(), 3, "{r:#?}");
    for a in adopted {
        let created = of(&first, ActionKind::Create);
        assert!(
            created
                .iter()
                .any(|c| c.key == a.key && c.ticket_id == a.ticket_id)
        );
    }
    assert_eq!(w2.cw.created_ticket_ids().len(), 3);
    let again = w2.run().await;
    assert!(again.actions.iter().all(|a| a.action == ActionKind::Skip));
}

async fn a_lost_create_answer_leaves_one_ticket_per_key(backend: &str) {
    let w = World::new(backend).await;
    w.set_alerts(base_alerts(&w).await).await;
    w.cw.fail_ticket_posts(vec![
        PostFailure::StatusAfterCreate(504),
        PostFailure::TruncatedAfterCreate,
    ]);
    let r = w.run().await;
    assert_eq!(of(&r, ActionKind::Create).len(), 3, "{r:#?}");
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
    assert_eq!(w.posts().await, 3, "found by its key, never posted twice");
    let again = w.run().await;
    assert_eq!(of(&again, ActionKind::Create).len(), 0);
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
}

async fn a_repeat_adds_one_note_and_never_twice(backend: &str) {
    let w = World::new(backend).await;
    let mut alerts = base_alerts(&w).await;
    w.set_alerts(alerts.clone()).await;
    let first = w.run().await;
    let disk = of(&first, ActionKind::Create)
        .into_iter()
        .find(|a| a.alert_ids == ["101", "102"])
        .unwrap()
        .clone();
    let tid: i64 = disk.ticket_id.as_deref().unwrap().parse().unwrap();

    let old = w.now() - CDuration::hours(1);
    alerts.push(alert(
        &w,
        107,
        agent_of(&w, 0, 0),
        "Disk C: 2.5 GB free",
        "Critical",
        old,
        false,
    ));
    w.set_alerts(alerts).await;
    let r = w.run().await;
    let notes = of(&r, ActionKind::Note);
    assert_eq!(notes.len(), 1, "{r:#?}");
    assert_eq!(notes[0].alert_ids, ["107"]);
    assert_eq!(notes[0].ticket_id, disk.ticket_id);
    assert_eq!(of(&r, ActionKind::Create).len(), 0);
    let on_ticket = w.cw.notes(tid);
    assert_eq!(on_ticket.len(), 1);
    assert!(
        on_ticket[0]["text"]
            .as_str()
            .unwrap()
            .contains("occurrence 3"),
        "{on_ticket:?}"
    );
    let again = w.run().await;
    assert_eq!(of(&again, ActionKind::Note).len(), 0, "{again:#?}");
    assert_eq!(w.cw.notes(tid).len(), 1);
}

async fn resolved_and_untouched_closes_and_resolved_and_touched_notes_once(backend: &str) {
    let w = World::new(backend).await;
    let alerts = base_alerts(&w).await;
    w.set_alerts(alerts.clone()).await;
    let first = w.run().await;
    let by_alerts = |ids: &[&str]| {
        of(&first, ActionKind::Create)
            .into_iter()
            .find(|a| a.alert_ids == ids)
            .unwrap()
            .clone()
    };
    let disk = by_alerts(&["101", "102"]);
    let offline = by_alerts(&["103"]);
    let other = by_alerts(&["104"]);
    let (disk_id, offline_id, other_id): (i64, i64, i64) = (
        disk.ticket_id.as_deref().unwrap().parse().unwrap(),
        offline.ticket_id.as_deref().unwrap().parse().unwrap(),
        other.ticket_id.as_deref().unwrap().parse().unwrap(),
    );
    // A technician logs time on the offline ticket, writes on the other one.
    w.cw.add_time_entry_by(offline_id, "jdoe");
    w.cw.add_note_by(other_id, "asmith", "Called the client, they are on it");

    // Everything resolved in the RMM.
    let resolved: Vec<Value> = alerts
        .iter()
        .map(|a| {
            let mut a = a.clone();
            a["Archived"] = json!(true);
            a["ArchivedDate"] = a["Created"].clone();
            a
        })
        .collect();
    w.set_alerts(resolved).await;
    let r = w.run().await;
    let closes = of(&r, ActionKind::Close);
    assert_eq!(closes.len(), 1, "{r:#?}");
    assert_eq!(closes[0].ticket_id, disk.ticket_id);
    let t = w.ticket(&disk_id.to_string());
    assert_eq!(
        (t["closedFlag"].clone(), t["status"]["name"].clone()),
        (json!(true), json!(">Closed"))
    );

    let notes = of(&r, ActionKind::Note);
    assert_eq!(notes.len(), 2, "{r:#?}");
    for id in [offline_id, other_id] {
        let t = w.ticket(&id.to_string());
        assert_eq!(t["closedFlag"], false, "touched tickets stay open");
        let ours: Vec<_> =
            w.cw.notes(id)
                .into_iter()
                .filter(|n| n["member"]["identifier"] == API_MEMBER)
                .collect();
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert!(ours[0]["text"].as_str().unwrap().contains("resolved"));
    }
    let again = w.run().await;
    assert_eq!(of(&again, ActionKind::Note).len(), 0, "{again:#?}");
    assert_eq!(of(&again, ActionKind::Close).len(), 0);
    assert_eq!(w.cw.notes(offline_id).len(), 1);
}

async fn a_new_occurrence_reopens_within_the_window_and_opens_a_new_ticket_after(backend: &str) {
    let w = World::new(backend).await;
    let a0 = agent_of(&w, 0, 1);
    let old = w.now() - CDuration::hours(2);
    w.set_alerts(vec![alert(
        &w,
        201,
        a0,
        "Disk C: 3 GB free",
        "Critical",
        old,
        false,
    )])
    .await;
    let first = w.run().await;
    let created = of(&first, ActionKind::Create)[0].clone();
    w.set_alerts(vec![alert(
        &w,
        201,
        a0,
        "Disk C: 3 GB free",
        "Critical",
        old,
        true,
    )])
    .await;
    assert_eq!(of(&w.run().await, ActionKind::Close).len(), 1);

    // An hour later it fires again: the same ticket, reopened.
    w.clock.advance(Duration::from_secs(3_600));
    let again = w.now() - CDuration::minutes(10);
    w.set_alerts(vec![
        alert(&w, 201, a0, "Disk C: 3 GB free", "Critical", old, true),
        alert(&w, 202, a0, "Disk C: 2 GB free", "Critical", again, false),
    ])
    .await;
    let r = w.run().await;
    let reopened = of(&r, ActionKind::Reopen);
    assert_eq!(reopened.len(), 1, "{r:#?}");
    assert_eq!(reopened[0].ticket_id, created.ticket_id);
    let t = w.ticket(created.ticket_id.as_deref().unwrap());
    assert_eq!(
        (t["closedFlag"].clone(), t["status"]["name"].clone()),
        (json!(false), json!("New"))
    );
    assert_eq!(w.cw.created_ticket_ids().len(), 1);

    // Resolved and closed again; 25 hours later it fires: a new ticket.
    w.set_alerts(vec![
        alert(&w, 201, a0, "Disk C: 3 GB free", "Critical", old, true),
        alert(&w, 202, a0, "Disk C: 2 GB free", "Critical", again, true),
    ])
    .await;
    assert_eq!(of(&w.run().await, ActionKind::Close).len(), 1);
    w.clock.advance(Duration::from_secs(25 * 3_600));
    let later = w.now() - CDuration::minutes(10);
    w.set_alerts(vec![alert(
        &w,
        203,
        a0,
        "Disk C: 1 GB free",
        "Critical",
        later,
        false,
    )])
    .await;
    let r = w.run().await;
    let created2 = of(&r, ActionKind::Create);
    assert_eq!(created2.len(), 1, "{r:#?}");
    assert_ne!(created2[0].ticket_id, created.ticket_id);
    assert_eq!(created2[0].key, created.key);
    assert_eq!(w.cw.created_ticket_ids().len(), 2);
}

async fn a_ticket_closed_by_a_person_gets_a_new_ticket_on_the_next_occurrence(backend: &str) {
    let w = World::new(backend).await;
    let a0 = agent_of(&w, 1, 1);
    let old = w.now() - CDuration::hours(2);
    w.set_alerts(vec![alert(
        &w,
        301,
        a0,
        "Device offline",
        "Critical",
        old,
        false,
    )])
    .await;
    let first = w.run().await;
    let tid = of(&first, ActionKind::Create)[0].ticket_id.clone().unwrap();
    w.cw.edit_ticket(tid.parse().unwrap(), |t| {
        t["closedFlag"] = json!(true);
        t["status"] = json!({"id": 19, "name": "Completed"});
    });
    let r = w.run().await;
    assert_eq!(
        of(&r, ActionKind::Create).len(),
        0,
        "no new occurrence yet: {r:#?}"
    );
    w.set_alerts(vec![
        alert(&w, 301, a0, "Device offline", "Critical", old, false),
        alert(&w, 302, a0, "Device offline", "Critical", old, false),
    ])
    .await;
    let r = w.run().await;
    let created = of(&r, ActionKind::Create);
    assert_eq!(created.len(), 1, "{r:#?}");
    assert_ne!(created[0].ticket_id.as_deref(), Some(tid.as_str()));
    assert!(
        w.cw.notes(tid.parse().unwrap()).is_empty(),
        "never writes into a closed ticket"
    );
}

async fn a_dry_run_writes_nothing_anywhere(backend: &str) {
    let w = World::new(backend).await;
    w.set_alerts(base_alerts(&w).await).await;
    let before = w.writes().await;
    let r = w.run_on(&w.store, true).await;
    assert_eq!(of(&r, ActionKind::Create).len(), 3, "{r:#?}");
    assert!(r.summary().ends_with("(dry run: nothing changed)"));
    assert_eq!(w.writes().await, before, "no request that writes");
    let tables: i64 = sqlx::query_scalar::<_, i64>(match backend {
        "sqlite" => "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'rule_%'",
        _ => "SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE 'rule_%'",
    })
    .fetch_one(w.store.pool())
    .await
    .unwrap();
    assert_eq!(tables, 0, "not even the rules tables");

    // After a real run, a dry run of a repeat and a resolution writes nothing.
    w.run().await;
    let writes = w.writes().await;
    let mut alerts = base_alerts(&w).await;
    alerts[3]["Archived"] = json!(true);
    alerts.push(alert(
        &w,
        108,
        agent_of(&w, 0, 0),
        "Disk C: 1.5 GB free",
        "Critical",
        w.now() - CDuration::hours(1),
        false,
    ));
    w.set_alerts(alerts).await;
    let dry = w.run_on(&w.store, true).await;
    assert_eq!(of(&dry, ActionKind::Note).len(), 1, "{dry:#?}");
    assert_eq!(of(&dry, ActionKind::Close).len(), 1, "{dry:#?}");
    assert_eq!(w.writes().await, writes);
    let real = w.run().await;
    assert_eq!(
        real.actions.iter().map(|a| a.action).collect::<Vec<_>>(),
        dry.actions.iter().map(|a| a.action).collect::<Vec<_>>(),
        "the dry run printed what the run did"
    );
}

async fn two_runs_at_once_never_both_create(backend: &str) {
    let w = World::new(backend).await;
    w.set_alerts(base_alerts(&w).await).await;
    let other = Store::open(&w.url).await.unwrap();
    let (a, b) = tokio::join!(w.run_on(&w.store, false), w.run_on(&other, false));
    let creates = of(&a, ActionKind::Create).len() + of(&b, ActionKind::Create).len();
    let adopts = of(&a, ActionKind::Adopt).len() + of(&b, ActionKind::Adopt).len();
    assert_eq!(creates, 3, "{a:#?} {b:#?}");
    assert!(adopts <= 3);
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
}

async fn min_age_holds_young_alerts_back(backend: &str) {
    let w = World::new(backend).await;
    let young = w.now() - CDuration::minutes(2);
    w.set_alerts(vec![alert(
        &w,
        401,
        agent_of(&w, 0, 0),
        "Disk E: 1 GB free",
        "Critical",
        young,
        false,
    )])
    .await;
    let r = w.run().await;
    assert_eq!(of(&r, ActionKind::Skip).len(), 1, "{r:#?}");
    assert!(
        r.actions[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("min_age (5m)")
    );
    assert_eq!(w.cw.created_ticket_ids().len(), 0);
    w.clock.advance(Duration::from_secs(4 * 60));
    assert_eq!(of(&w.run().await, ActionKind::Create).len(), 1);
}

#[tokio::test]
async fn a_summary_over_100_characters_is_cut_not_rejected() {
    let mut w = World::new("sqlite").await;
    w.rules = Rules::parse(
        "rules.toml",
        &RULES.replace(
            "[{severity}] {title} on {device}",
            "[{severity}] {title} — {title} on {device} for {customer}",
        ),
    )
    .unwrap();
    let old = w.now() - CDuration::hours(1);
    let long = "Disk C: nearly full, the volume shadow copies take most of the space and the pagefile is large";
    w.set_alerts(vec![alert(
        &w,
        501,
        agent_of(&w, 0, 0),
        long,
        "Critical",
        old,
        false,
    )])
    .await;
    let r = w.run().await;
    let c = of(&r, ActionKind::Create);
    assert_eq!(c.len(), 1, "{r:#?}");
    let t = w.ticket(c[0].ticket_id.as_deref().unwrap());
    let summary = t["summary"].as_str().unwrap();
    assert!(summary.chars().count() <= 100, "{summary}");
    assert!(summary.ends_with('…'), "{summary}");
}

#[tokio::test]
async fn a_board_or_priority_the_psa_lacks_is_named_with_file_and_line_before_anything_is_sent() {
    let w = World::new("sqlite").await;
    let rules = Rules::parse("rules.toml", &RULES.replace("\"Alerts\"", "\"Alarms\"")).unwrap();
    let cw = w.connectwise();
    let engine = Engine::new(&w.store, &cw, "connectwise", &rules, RunOptions::default());
    let err = engine.check().await.unwrap_err().to_string();
    assert!(err.starts_with("rules.toml:9: rule.ticket.board:"), "{err}");
    assert!(err.contains("Alarms"), "{err}");
    assert_eq!(w.writes().await, 0);
}

#[tokio::test]
async fn a_create_that_fails_and_whose_lookup_fails_names_the_key_and_the_next_run_adopts() {
    let w = World::new("sqlite").await;
    w.set_alerts(vec![alert(
        &w,
        601,
        agent_of(&w, 0, 0),
        "Disk C: 1 GB free",
        "Critical",
        w.now() - CDuration::hours(1),
        false,
    )])
    .await;
    w.cw.fail_ticket_posts(vec![PostFailure::StatusAfterCreate(504)]);
    // The lookup after the lost answer answers 500, its retries included.
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path_regex("/service/tickets$"))
        // The create's own lookup (the engine's search before it passes).
        .and(wiremock::matchers::query_param("pageSize", "10"))
        .respond_with(wiremock::ResponseTemplate::new(500))
        .up_to_n_times(4)
        .with_priority(1)
        .mount(w.cw.server())
        .await;
    let cw = w.connectwise();
    let engine = Engine::new(
        &w.store,
        &cw,
        "connectwise",
        &w.rules,
        RunOptions::default().time(w.clock.time()),
    );
    let err = engine.run(|_| {}).await.unwrap_err().to_string();
    assert!(
        err.contains("vectis:") && err.contains("externalXRef"),
        "{err}"
    );
    assert_eq!(w.cw.created_ticket_ids().len(), 1);
    // The fake answers again: the next run finds the ticket and adopts it.
    let r = w.run().await;
    assert_eq!(of(&r, ActionKind::Adopt).len(), 1, "{r:#?}");
    assert_eq!(w.cw.created_ticket_ids().len(), 1);
}

#[tokio::test]
async fn a_ticket_merged_by_a_person_is_never_written_to_and_the_next_occurrence_opens_a_new_one() {
    let w = World::new("sqlite").await;
    let a0 = agent_of(&w, 0, 1);
    let old = w.now() - CDuration::hours(2);
    w.set_alerts(vec![alert(
        &w,
        701,
        a0,
        "Backup disk offline",
        "Critical",
        old,
        false,
    )])
    .await;
    let first = w.run().await;
    let tid = of(&first, ActionKind::Create)[0].ticket_id.clone().unwrap();
    w.cw.edit_ticket(tid.parse().unwrap(), |t| {
        // Left open, as an instance might: only the merge marks it.
        t["mergedParentTicket"] = json!({"id": 9999, "summary": "Backups"});
    });
    w.set_alerts(vec![
        alert(&w, 701, a0, "Backup disk offline", "Critical", old, false),
        alert(&w, 702, a0, "Backup disk offline", "Critical", old, false),
    ])
    .await;
    let r = w.run().await;
    assert_eq!(of(&r, ActionKind::Note).len(), 0, "{r:#?}");
    let created = of(&r, ActionKind::Create);
    assert_eq!(created.len(), 1, "{r:#?}");
    assert_ne!(created[0].ticket_id.as_deref(), Some(tid.as_str()));
    assert!(w.cw.notes(tid.parse().unwrap()).is_empty());
}

#[tokio::test]
async fn a_429_on_the_create_waits_and_loses_no_action() {
    let w = World::new("sqlite").await;
    w.set_alerts(base_alerts(&w).await).await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path_regex("/service/tickets$"))
        .respond_with(
            wiremock::ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_string("Too Many Requests"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(w.cw.server())
        .await;
    let r = w.run().await;
    assert_eq!(of(&r, ActionKind::Create).len(), 3, "{r:#?}");
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
    assert!(
        w.t.sleeps().contains(&Duration::from_secs(7)),
        "waited as told: {:?}",
        w.t.sleeps()
    );
}

#[tokio::test]
async fn an_intent_left_by_another_process_holds_the_key_until_it_expires() {
    let w = World::new("sqlite").await;
    let old = w.now() - CDuration::hours(1);
    w.set_alerts(vec![alert(
        &w,
        801,
        agent_of(&w, 0, 0),
        "Disk C: 1 GB free",
        "Critical",
        old,
        false,
    )])
    .await;
    let dry = w.run_on(&w.store, true).await;
    let key = dry.actions[0].key.clone();
    // A process took the key and died before creating anything.
    let state = vectis_rules::RuleState::open(&w.store).await.unwrap();
    let now = w.now();
    assert!(
        state
            .take_intent(
                "connectwise",
                &key,
                "rules-dead",
                now,
                now + CDuration::minutes(5)
            )
            .await
            .unwrap()
    );
    let r = w.run().await;
    assert_eq!(r.actions.len(), 1);
    assert_eq!(r.actions[0].action, ActionKind::Skip);
    assert!(
        r.actions[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("another rules run"),
        "{r:#?}"
    );
    assert_eq!(
        w.posts().await,
        0,
        "nothing posted while another process holds the key"
    );
    w.clock.advance(Duration::from_secs(6 * 60));
    let r = w.run().await;
    assert_eq!(of(&r, ActionKind::Create).len(), 1, "{r:#?}");
    assert_eq!(w.posts().await, 1);
}

#[tokio::test]
async fn a_maintenance_window_holds_tickets_back_and_keeps_the_alerts_for_after_it() {
    let mut w = World::new("sqlite").await;
    let now = w.now();
    let name = w.atera.customers[0]["CustomerName"]
        .as_str()
        .unwrap()
        .to_string();
    let window = format!(
        "{RULES}\n[[window]]\nname = \"Patch night\"\ncustomers = [\"{name}\"]\nstart = \"{}\"\nend = \"{}\"\n",
        (now - CDuration::hours(1)).to_rfc3339(),
        (now + CDuration::hours(1)).to_rfc3339(),
    );
    w.rules = Rules::parse("rules.toml", &window).unwrap();
    w.set_alerts(base_alerts(&w).await).await;
    let r = w.run().await;
    let held: Vec<_> = of(&r, ActionKind::Skip)
        .into_iter()
        .filter(|a| a.reason.as_deref().unwrap_or("").contains("Patch night"))
        .collect();
    assert_eq!(
        held.len(),
        2,
        "both keys of the customer in the window: {r:#?}"
    );
    assert_eq!(
        of(&r, ActionKind::Create).len(),
        1,
        "the other customer's key"
    );
    w.clock.advance(Duration::from_secs(2 * 3_600));
    let after = w.run().await;
    assert_eq!(of(&after, ActionKind::Create).len(), 2, "{after:#?}");
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_times_out_is_found_by_its_key_not_posted_again() {
    let w = World::new("sqlite").await;
    w.set_alerts(base_alerts(&w).await).await;
    // The ticket is created, but its 201 comes after the client gave up.
    w.cw.fail_ticket_posts(vec![PostFailure::DelayAfterCreate(Duration::from_millis(
        1_500,
    ))]);
    let r = w
        .run_with(&w.store, false, Some(Duration::from_millis(250)))
        .await;
    assert_eq!(of(&r, ActionKind::Create).len(), 3, "{r:#?}");
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
    assert_eq!(w.posts().await, 3, "found by its key, never posted twice");
    let again = w.run().await;
    assert_eq!(of(&again, ActionKind::Create).len(), 0);
    assert_eq!(w.cw.created_ticket_ids().len(), 3);
}

/// A damaged `closed_at` in the rules' own table is an error naming the
/// column, not a silent "never closed" (which would reopen or duplicate the
/// ticket on the next run).
#[tokio::test]
async fn a_damaged_closed_at_is_an_error_naming_the_column_not_a_silent_default() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let state = vectis_rules::RuleState::open(&store).await.unwrap();
    let now: DateTime<Utc> = "2026-05-01T12:00:00Z".parse().unwrap();
    let mut row = vectis_rules::RuleTicket::new("vectis:0123", "disk", "atera", "42");
    row.closed_at = Some(now);
    state.save("connectwise", &row, now).await.unwrap();
    assert_eq!(
        state.tickets("connectwise").await.unwrap()["vectis:0123"].closed_at,
        Some(now)
    );
    sqlx::query("UPDATE rule_tickets SET closed_at = 'yesterday'")
        .execute(store.pool())
        .await
        .unwrap();
    let e = state.tickets("connectwise").await.unwrap_err().to_string();
    assert!(e.contains("rule_tickets.closed_at"), "{e}");
    assert!(e.contains("yesterday"), "{e}");
}
