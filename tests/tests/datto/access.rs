//! Tokens, refusals and verbs: one token for many streams, what a 401, 403,
//! 404 or 429 says about the key or the platform, resolving and acknowledging.

use super::*;

#[tokio::test]
async fn a_token_that_expires_mid_sync_is_renewed_once_and_the_sync_completes() {
    let data = DattoData::generate(10, 600, 0, 8);
    let fake = DattoFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let datto = builder(&fake, &t, API_SECRET)
        .settings(settings(&t, 1))
        .build()
        .unwrap();
    datto.check().await.unwrap();
    assert_eq!(fake.tokens_issued(), 1);
    // Pagination config + the first page pass; the second page finds the token expired.
    fake.expire_token_after(2);
    let devices: Vec<_> = datto.all_devices().await.unwrap();
    assert_eq!(devices.len(), data.live_devices().len());
    assert_eq!(
        fake.tokens_issued(),
        2,
        "one new token, not one per request"
    );
}

#[tokio::test]
async fn ten_concurrent_streams_cause_one_token_request() {
    let fake = DattoFake::with_data(DattoData::generate(20, 60, 20, 4)).await;
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let runs = (0..10).map(|i| {
        let d = datto.clone();
        async move {
            match i % 3 {
                0 => d.all_customers().await.map(|v| v.len()),
                1 => d.all_devices().await.map(|v| v.len()),
                _ => d.all_alerts().await.map(|v| v.len()),
            }
        }
    });
    for n in futures::future::join_all(runs).await {
        assert!(n.unwrap() > 0);
    }
    assert_eq!(fake.tokens_issued(), 1);
    assert_eq!(fake.requests_to("/auth/oauth/token").await.len(), 1);
}

#[tokio::test]
async fn a_404_on_the_account_names_the_platform_used() {
    let fake = DattoFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v2/account",
        vec![ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "timestamp": 1, "status": 404, "error": "Not Found", "message": "No message available", "path": "/api/v2/account"
        }))],
    )
    .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).check().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let text = e.to_string();
    assert!(text.contains(PLATFORM), "{text}");
    assert!(text.contains("platform"), "{text}");
}

#[tokio::test]
async fn a_wrong_key_pair_is_an_auth_error_saying_to_recopy_or_regenerate() {
    let fake = DattoFake::start().await;
    let t = RecordingTime::new();
    let e = builder(&fake, &t, "not-the-secret")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
    let text = e.to_string();
    assert!(text.contains("re-copy the key pair"), "{text}");
    assert!(text.contains(PLATFORM), "{text}");
    assert!(!text.contains("not-the-secret"));
}

#[tokio::test]
async fn resolve_sends_the_post_once_and_the_alert_is_resolved() {
    let data = DattoData::generate(4, 10, 8, 6);
    let fake = DattoFake::with_data(data.clone()).await;
    let uid = data.open_alerts()[0]["alertUid"]
        .as_str()
        .unwrap()
        .to_string();
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let outcome = datto.resolve_alert(&uid).await.unwrap();
    assert_eq!(
        outcome.to_string(),
        format!("Datto RMM: alert {uid} resolved")
    );
    assert_eq!(fake.resolved_alert_uids(), vec![uid.clone()]);
    let posts = fake
        .requests_to(&format!("/api/v2/alert/{uid}/resolve"))
        .await;
    assert_eq!(posts.len(), 1);
    let alerts: Vec<_> = datto.all_alerts().await.unwrap();
    let a = alerts.iter().find(|a| a.id == uid).unwrap();
    assert_eq!(a.status, AlertStatus::Resolved);
    // An unknown uid is a 404 that says how to find one.
    let e = datto
        .resolve_alert("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn acknowledge_explains_the_8_9_0_removal_and_sends_nothing() {
    let data = DattoData::small();
    let fake = DattoFake::with_data(data.clone()).await;
    let uid = data.alerts[0]["alertUid"].as_str().unwrap().to_string();
    let t = RecordingTime::new();
    let e = connector(&fake, &t)
        .acknowledge_alert(&uid)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("8.9.0"), "{e}");
    assert!(fake.muted_alert_uids().is_empty());
    assert!(fake.received().await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_403_right_after_a_429_is_the_ip_block_with_its_wait() {
    let fake = DattoFake::start().await;
    let forbidden = serde_json::json!({
        "timestamp": 1, "status": 403, "error": "Forbidden", "message": "Access Denied", "path": "/api/v2/account/sites"
    });
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v2/account/sites",
        vec![
            ResponseTemplate::new(429),
            ResponseTemplate::new(403).set_body_json(forbidden),
        ],
    )
    .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).all_customers().await.unwrap_err();
    match &e {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(300)))
        }
        other => panic!("expected the IP block, got {other:?}"),
    }
    let text = e.to_string();
    assert!(text.contains("blocked this IP address"), "{text}");
    assert!(
        t.sleeps().iter().any(|s| *s >= Duration::from_secs(60)),
        "the 429 paused"
    );
}

#[tokio::test]
async fn a_403_without_a_429_is_a_permission_problem() {
    let fake = DattoFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v2/account/sites",
        vec![ResponseTemplate::new(403)],
    )
    .await;
    let t = RecordingTime::new();
    let e = connector(&fake, &t).all_customers().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
}

#[tokio::test]
async fn capabilities_agree_with_what_the_connector_does() {
    let data = DattoData::small();
    let fake = DattoFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let uid = data.alerts[0]["alertUid"].as_str().unwrap().to_string();
    assert_capabilities_agree(&connector(&fake, &t), fake.server(), &uid).await;
}

#[tokio::test]
async fn the_secret_and_token_never_appear_in_output() {
    let (_guard, captured) = vectis_testkit::trace::capture();
    let fake = DattoFake::start().await;
    let t = RecordingTime::new();
    let b = builder(&fake, &t, API_SECRET);
    let builder_debug = format!("{b:?}");
    let datto = b.build().unwrap();
    datto.check().await.unwrap();
    let _: Vec<_> = datto.all_devices().await.unwrap();
    let e = builder(&fake, &t, "wrong-secret-000")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    let text = format!(
        "{builder_debug}\n{datto:?}\n{e}\n{e:?}\n{}",
        captured.text()
    );
    assert!(!captured.text().is_empty(), "tracing was captured");
    for secret in [API_SECRET, "wrong-secret-000", "datto-token-1"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}

#[tokio::test]
async fn a_404_on_the_token_endpoint_says_the_platform_is_probably_wrong_and_is_asked_once() {
    let fake = DattoFake::start().await;
    mount_sequence(
        fake.server(),
        "POST",
        "/auth/oauth/token",
        vec![ResponseTemplate::new(404); 3],
    )
    .await;
    let t = RecordingTime::new();
    let datto = connector(&fake, &t);
    let e = datto.all_customers().await.unwrap_err();
    let msg = e.to_string();
    assert_mentions(&msg, &["probably wrong", PLATFORM]);
    for p in vectis_datto_rmm::PLATFORMS {
        assert!(msg.contains(p), "{msg}");
    }
    assert_eq!(
        fake.requests_to("/auth/oauth/token").await.len(),
        1,
        "a 404 is not worth a second token request"
    );
    let e = datto.check().await.unwrap_err();
    assert!(e.to_string().contains("probably wrong"), "{e}");
}

#[tokio::test]
async fn a_token_endpoint_that_cannot_be_reached_says_the_platform_or_base_url_is_probably_wrong() {
    // Nothing listens on port 1 of the loopback interface.
    let t = RecordingTime::new();
    let e = DattoRmmConnector::builder(
        PLATFORM,
        SecretString::from(API_KEY),
        SecretString::from(API_SECRET),
    )
    .base_url("http://127.0.0.1:1")
    .settings(settings(&t, 1))
    .build()
    .unwrap()
    .check()
    .await
    .unwrap_err();
    let msg = e.to_string();
    assert_mentions(&msg, &["could not reach", "probably wrong"]);
    for p in vectis_datto_rmm::PLATFORMS {
        assert!(msg.contains(p), "{msg}");
    }
}
