//! vectis-connectwise's ticket workflow against the ConnectWise fake:
//! a caller's `externalXRef`, lookup of open tickets by it, notes, time
//! entries, close and reopen by JSON Patch, boards and priorities by name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use vectis_connectwise::{ConnectWiseBuilder, ConnectWiseConnector};
use vectis_core::{ActivityKind, Connector, Error, Psa, SecretString, TicketDraft};
use vectis_testkit::RecordingTime;
use vectis_testkit::assert_mentions;
use vectis_testkit::connectwise::{
    API_MEMBER, CLIENT_ID, COMPANY_ID, ConnectWiseFake, PRIVATE_KEY, PUBLIC_KEY, PostFailure,
};

/// A builder for the fake's tenant, with its credentials, one request at a
/// time on `time`.
fn builder(fake: &ConnectWiseFake, time: &RecordingTime) -> ConnectWiseBuilder {
    ConnectWiseConnector::builder(
        "https://na.myconnectwise.net",
        COMPANY_ID,
        PUBLIC_KEY,
        SecretString::from(PRIVATE_KEY),
        CLIENT_ID,
    )
    .base_url(&fake.uri())
    .settings(vectis_testkit::unthrottled(time, 1))
}

fn connector(fake: &ConnectWiseFake, time: &RecordingTime) -> ConnectWiseConnector {
    builder(fake, time).build().unwrap()
}

/// A fresh fake, a connector to it, and the id of the fake's first company.
async fn started() -> (ConnectWiseFake, ConnectWiseConnector, String) {
    let fake = ConnectWiseFake::start().await;
    let company = fake.data().companies[0]["id"].to_string();
    let cw = connector(&fake, &RecordingTime::new());
    (fake, cw, company)
}

fn draft(company: &str, reference: &str) -> TicketDraft {
    let mut draft = TicketDraft::new(company, "Disk C: low on SRV-01");
    draft.board = Some("Alerts".into());
    draft.external_ref = Some(reference.into());
    draft
}

async fn writes(fake: &ConnectWiseFake) -> Vec<(String, String)> {
    fake.received()
        .await
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(|r| (r.method.to_string(), r.url.path().to_string()))
        .collect()
}

#[tokio::test]
async fn a_callers_external_reference_replaces_the_marker_and_finds_open_tickets() {
    let (fake, cw, company) = started().await;
    let r = "vectis:0123456789abcdef0123456789abcdef";
    let ticket = cw.create_ticket(&draft(&company, r)).await.unwrap();
    let post = fake
        .received()
        .await
        .into_iter()
        .find(|q| q.method.as_str() == "POST")
        .unwrap();
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["externalXRef"], r);

    let found = cw.find_open_tickets(r).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].ticket.id, ticket.id);
    assert_eq!(found[0].external_ref.as_deref(), Some(r));
    assert_eq!(found[0].entered_by.as_deref(), Some(API_MEMBER));
    let get = fake
        .received()
        .await
        .into_iter()
        .rfind(|q| q.method.as_str() == "GET")
        .unwrap();
    let conditions = get
        .url
        .query_pairs()
        .find(|(k, _)| k == "conditions")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        conditions,
        format!("externalXRef = \"{r}\" and closedFlag = false")
    );

    cw.close_ticket(&ticket.id).await.unwrap();
    assert!(
        cw.find_open_tickets(r).await.unwrap().is_empty(),
        "closed tickets are not found"
    );
}

#[tokio::test]
async fn an_external_reference_over_100_characters_is_refused_before_any_request() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t);
    let err = cw
        .create_ticket(&draft("250", &"x".repeat(101)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("externalXRef"), "{err}");
    assert!(fake.received().await.is_empty());
}

#[tokio::test]
async fn a_lost_create_answer_with_a_callers_reference_does_not_adopt_an_old_closed_ticket() {
    let (fake, cw, company) = started().await;
    let r = "vectis:ffffffffffffffffffffffffffffffff";
    let old = cw.create_ticket(&draft(&company, r)).await.unwrap();
    cw.close_ticket(&old.id).await.unwrap();
    fake.fail_ticket_posts(vec![PostFailure::StatusAfterCreate(504)]);
    let new = cw.create_ticket(&draft(&company, r)).await.unwrap();
    assert_ne!(new.id, old.id);
    assert_eq!(fake.created_ticket_ids().len(), 2);
    let posts = writes(&fake)
        .await
        .into_iter()
        .filter(|(m, _)| m == "POST")
        .count();
    assert_eq!(posts, 2, "the lost answer was looked up, not posted again");
}

#[tokio::test]
async fn notes_and_time_entries_are_listed_with_their_authors() {
    let (fake, cw, company) = started().await;
    let ticket = cw
        .create_ticket(&draft(&company, "vectis:1"))
        .await
        .unwrap();
    let n: i64 = ticket.id.parse().unwrap();
    let note = cw
        .add_note(&ticket.id, "re-triggered — occurrence 2")
        .await
        .unwrap();
    assert_eq!(note.author.as_deref(), Some(API_MEMBER));
    let posted = fake.notes(n);
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["detailDescriptionFlag"], true);
    fake.add_note_by(n, "jdoe", "Called the client");
    fake.add_time_entry_by(n, "asmith");
    fake.add_time_entry_by(n + 1000, "other"); // another ticket's time
    let activity = Psa::activity(&cw, &ticket.id).await.unwrap();
    let mut seen: Vec<(ActivityKind, Option<String>)> =
        activity.into_iter().map(|a| (a.kind, a.author)).collect();
    seen.sort_by_key(|(k, a)| (*k as u8, a.clone()));
    assert_eq!(
        seen,
        vec![
            (ActivityKind::Note, Some(API_MEMBER.to_string())),
            (ActivityKind::Note, Some("jdoe".to_string())),
            (ActivityKind::TimeEntry, Some("asmith".to_string())),
        ]
    );
}

#[tokio::test]
async fn activity_reads_every_page_of_notes_and_time_entries() {
    // ConnectWise answers 1,000 records a page at most: a long ticket's
    // notes and time entries go on in the `Link` header's next page.
    let (fake, cw, company) = started().await;
    let ticket = cw
        .create_ticket(&draft(&company, "vectis:long"))
        .await
        .unwrap();
    let n: i64 = ticket.id.parse().unwrap();
    for i in 0..1001 {
        fake.add_note_by(n, &format!("tech{i}"), "still looking");
        fake.add_time_entry_by(n, &format!("tech{i}"));
    }
    let activity = Psa::activity(&cw, &ticket.id).await.unwrap();
    let notes = activity.iter().filter(|a| a.kind == ActivityKind::Note);
    let entries = activity
        .iter()
        .filter(|a| a.kind == ActivityKind::TimeEntry);
    assert_eq!((notes.count(), entries.count()), (1001, 1001));
    assert!(
        activity
            .iter()
            .any(|a| a.author.as_deref() == Some("tech1000")),
        "the second page's records are there"
    );
}

#[tokio::test]
async fn close_and_reopen_patch_the_status_with_the_boards_closed_status_by_name() {
    let (fake, cw, company) = started().await;
    let ticket = cw
        .create_ticket(&draft(&company, "vectis:2"))
        .await
        .unwrap();
    let opened = cw.ticket_state(&ticket.id).await.unwrap().unwrap();
    assert!(!opened.closed);
    let closed = cw.close_ticket(&ticket.id).await.unwrap();
    assert!(closed.closed);
    assert_eq!(closed.ticket.status.as_deref(), Some(">Closed"));
    let patch = fake
        .received()
        .await
        .into_iter()
        .find(|q| q.method.as_str() == "PATCH")
        .unwrap();
    let body: Value = serde_json::from_slice(&patch.body).unwrap();
    assert_eq!(
        body,
        json!([{"op": "replace", "path": "status", "value": {"id": 20}}])
    );
    let statuses = fake
        .received()
        .await
        .into_iter()
        .filter(|q| q.url.path().ends_with("/service/boards/2/statuses"))
        .count();
    assert_eq!(
        statuses, 1,
        "the closed status comes from the ticket's board"
    );

    let reopened = cw
        .reopen_ticket(&ticket.id, opened.status_id.as_deref().unwrap())
        .await
        .unwrap();
    assert!(!reopened.closed);
    assert_eq!(reopened.ticket.status.as_deref(), Some("New"));
}

#[tokio::test]
async fn a_configured_closed_status_is_used_and_a_missing_one_is_named() {
    let fake = ConnectWiseFake::start().await;
    let company = fake.data().companies[0]["id"].to_string();
    let t = RecordingTime::new();
    let base = || builder(&fake, &t);
    let cw = base().closed_status("Completed").build().unwrap();
    let ticket = cw
        .create_ticket(&draft(&company, "vectis:3"))
        .await
        .unwrap();
    let closed = cw.close_ticket(&ticket.id).await.unwrap();
    assert_eq!(closed.ticket.status.as_deref(), Some("Completed"));

    let wrong = base().closed_status("Done and dusted").build().unwrap();
    let err = wrong.close_ticket(&ticket.id).await.unwrap_err();
    let text = err.to_string();
    assert_mentions(&text, &["Done and dusted", ">Closed"]);
}

#[tokio::test]
async fn boards_and_priorities_are_found_by_name_case_insensitively() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t);
    let board = cw.board_by_name("help desk").await.unwrap().unwrap();
    assert_eq!((board.id.as_str(), board.name.as_str()), ("1", "Help Desk"));
    assert!(cw.board_by_name("Nope").await.unwrap().is_none());
    let p = cw
        .priority_by_name("Priority 2 - Quick Response")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.id, "2");
    assert!(cw.priority_by_name("Urgent-ish").await.unwrap().is_none());
}

#[tokio::test]
async fn a_missing_ticket_is_none_and_closing_it_says_so() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t);
    assert!(cw.ticket_state("999999").await.unwrap().is_none());
    let err = cw.close_ticket("999999").await.unwrap_err();
    assert!(err.to_string().contains("999999"), "{err}");
    let err = cw.add_note("999999", "hello").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}
