//! One ticket per key across reruns, a lost store, a lost answer and two runs
//! at once; dry runs and young alerts (on SQLite and PostgreSQL).

use super::*;

on_both_backends!(
    n_alerts_over_k_keys_open_k_tickets_and_a_rerun_opens_none,
    a_lost_store_adopts_the_open_tickets_instead_of_creating,
    a_lost_create_answer_leaves_one_ticket_per_key,
    a_repeat_adds_one_note_and_never_twice,
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
    w.set_alert(
        401,
        agent_of(&w, 0, 0),
        "Disk E: 1 GB free",
        "Critical",
        young,
        false,
    )
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
