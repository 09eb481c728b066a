//! Closing and reopening: resolved keys close or get a note, a new occurrence
//! reopens within the window, a person's close is respected (on SQLite and
//! PostgreSQL).

use super::*;

on_both_backends!(
    resolved_and_untouched_closes_and_resolved_and_touched_notes_once,
    a_new_occurrence_reopens_within_the_window_and_opens_a_new_ticket_after,
    a_ticket_closed_by_a_person_gets_a_new_ticket_on_the_next_occurrence,
);

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
    w.set_alert(201, a0, "Disk C: 3 GB free", "Critical", old, false)
        .await;
    let first = w.run().await;
    let created = of(&first, ActionKind::Create)[0].clone();
    w.set_alert(201, a0, "Disk C: 3 GB free", "Critical", old, true)
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
    w.set_alert(203, a0, "Disk C: 1 GB free", "Critical", later, false)
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
    w.set_alert(301, a0, "Device offline", "Critical", old, false)
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
