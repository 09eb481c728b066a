//! Creating tickets: references, never a duplicate after a lost answer,
//! limits checked first, and ConnectWise's error envelope.

use super::*;

#[tokio::test]
async fn create_ticket_posts_references_by_id_or_name() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[0]["id"].to_string();
    let t = RecordingTime::new();
    let ticket = connector(&fake, &t, Paging::ForwardOnly)
        .create_ticket(&draft(&company_id))
        .await
        .unwrap();
    assert_eq!(ticket.customer_id.as_deref(), Some(company_id.as_str()));
    assert_eq!(ticket.status.as_deref(), Some("New"));
    assert_eq!(ticket.raw["priority"]["id"], 1);
    let reqs = fake.received().await;
    let post = reqs.iter().find(|r| r.method.as_str() == "POST").unwrap();
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["board"], serde_json::json!({"name": "Help Desk"}));
    assert_eq!(body["status"], serde_json::json!({"id": 16}));
    assert_eq!(body["initialDescription"], "Nightly job exited with code 3");
    assert!(
        body["externalXRef"]
            .as_str()
            .unwrap()
            .starts_with("vectis-")
    );
}

#[tokio::test]
async fn a_2xx_with_an_unreadable_body_finds_the_ticket_by_its_marker() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[1]["id"].to_string();
    fake.fail_ticket_posts(vec![PostFailure::TruncatedAfterCreate]);
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let ticket = cw.create_ticket(&draft(&company_id)).await.unwrap();
    assert_eq!(
        fake.created_ticket_ids(),
        vec![ticket.id.parse::<i64>().unwrap()]
    );
    let posts = fake.count_method("POST").await;
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn create_ticket_after_a_timeout_does_not_create_a_duplicate() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[1]["id"].to_string();
    fake.fail_ticket_posts(vec![PostFailure::DelayAfterCreate(Duration::from_millis(
        1_500,
    ))]);
    let t = RecordingTime::new();
    let cw = builder(&fake, &t)
        .settings(settings(&t).timeout(Duration::from_millis(250)))
        .build()
        .unwrap();
    let ticket = cw.create_ticket(&draft(&company_id)).await.unwrap();
    assert_eq!(
        fake.created_ticket_ids(),
        vec![ticket.id.parse::<i64>().unwrap()]
    );
    let posts = fake.count_method("POST").await;
    assert_eq!(posts, 1, "found by its marker instead of posted again");
}

#[tokio::test]
async fn create_ticket_after_a_504_finds_the_ticket_and_after_a_503_posts_again_once() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[0]["id"].to_string();
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);

    fake.fail_ticket_posts(vec![PostFailure::StatusAfterCreate(504)]);
    let first = cw.create_ticket(&draft(&company_id)).await.unwrap();
    assert_eq!(fake.created_ticket_ids().len(), 1);

    fake.fail_ticket_posts(vec![PostFailure::StatusBeforeCreate(503)]);
    let second = cw.create_ticket(&draft(&company_id)).await.unwrap();
    assert_eq!(fake.created_ticket_ids().len(), 2, "one ticket per create");
    assert_ne!(first.id, second.id);
    let posts = fake.count_method("POST").await;
    assert_eq!(posts, 3);
}

#[tokio::test]
async fn a_101_character_summary_is_refused_before_any_request() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let mut long = draft("250");
    long.summary = "x".repeat(101);
    let err = cw.create_ticket(&long).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("at most 100"), "{err}");
    assert!(
        fake.received().await.is_empty(),
        "nothing was sent, not even discovery"
    );
}

#[tokio::test]
async fn the_error_envelope_is_surfaced_with_its_field_errors() {
    let fake = ConnectWiseFake::start().await;
    let company_id = fake.data().companies[0]["id"].to_string();
    let t = RecordingTime::new();
    let mut bad = draft(&company_id);
    bad.status = Some("999".into());
    let err = connector(&fake, &t, Paging::ForwardOnly)
        .create_ticket(&bad)
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(code.as_deref(), Some("InvalidObject"));
            assert!(message.contains("status/id"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(fake.created_ticket_ids().is_empty());
}

#[tokio::test]
async fn alerts_are_unsupported_and_capabilities_agree() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let err = cw
        .alerts(&ListOptions::default())
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                verb: Verb::ListAlerts,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("tickets"), "{err}");
    assert_capabilities_agree(&cw, fake.server(), "1").await;
}
