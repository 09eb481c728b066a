//! What goes wrong between the rules and the PSA: long summaries, unknown
//! boards, failed creates and lookups, merges, 429s, other processes' intents,
//! maintenance windows, timeouts and damaged rows (on SQLite).

use super::*;

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
    w.set_alert(501, agent_of(&w, 0, 0), long, "Critical", old, false)
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
    w.set_alert(
        601,
        agent_of(&w, 0, 0),
        "Disk C: 1 GB free",
        "Critical",
        w.now() - CDuration::hours(1),
        false,
    )
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
    assert_mentions(&err, &["vectis:", "externalXRef"]);
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
    w.set_alert(701, a0, "Backup disk offline", "Critical", old, false)
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
    w.set_alert(
        801,
        agent_of(&w, 0, 0),
        "Disk C: 1 GB free",
        "Critical",
        old,
        false,
    )
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
