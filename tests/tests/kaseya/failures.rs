//! Refusals, quotas and secrets: what a 404, 401, 403 or 429 says, one quota
//! per token, and the secret never shown.

use super::*;

#[tokio::test]
async fn a_404_on_the_first_call_says_the_tenant_url_is_wrong_or_vsa_9() {
    let fake = KaseyaFake::start().await;
    Mock::given(path_regex("^/vsa9/"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>404 - File or directory not found.</body></html>"),
        )
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let url = format!("{}/vsa9", fake.uri());
    let e = builder_at(&url, &t, TOKEN_SECRET)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let msg = e.to_string();
    assert!(msg.contains("VSA 9"), "{msg}");
    assert!(msg.contains(&url), "names the tenant URL used: {msg}");
}

#[tokio::test]
async fn acknowledge_and_resolve_are_unsupported_and_send_nothing() {
    let data = KaseyaData::small();
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let vsa = connector(&fake, &t);
    let id = data.notifications[0]["Id"].to_string();
    for e in [
        vsa.acknowledge_alert(&id).await.unwrap_err(),
        vsa.resolve_alert(&id).await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let msg = e.to_string();
        assert!(msg.contains("no acknowledge or close verb"), "{msg}");
        assert!(msg.contains("DELETE"), "says why not DELETE: {msg}");
    }
    assert!(fake.received().await.is_empty(), "nothing sent");
    assert!(fake.deleted_notification_ids().is_empty());
    assert_eq!(fake.data().notifications.len(), data.notifications.len());
}

#[tokio::test]
async fn a_refused_token_says_to_re_mint_it_and_a_forbidden_one_names_the_role() {
    let fake = KaseyaFake::start().await;
    let t = RecordingTime::new();
    let e = builder_at(&fake.uri(), &t, "not-the-secret")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    let msg = e.to_string();
    assert!(msg.contains("API Access"), "{msg}");
    assert!(msg.contains("KASEYA_TOKEN_SECRET"), "{msg}");
    assert!(msg.contains("KASEYA_TOKEN_ID"), "both halves: {msg}");

    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/organizations",
        vec![error_body(403, "Request Failed")],
    )
    .await;
    let e = connector(&fake, &t).check().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    let msg = e.to_string();
    assert!(msg.contains("role"), "{msg}");
    assert!(
        msg.contains("Request Failed"),
        "the server's message: {msg}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_waits_and_the_listing_completes() {
    let data = KaseyaData::generate(150, 0, 0, 26);
    let fake = KaseyaFake::with_data(data).await;
    let mut throttled = too_many_requests(30);
    throttled = throttled.set_body_string(
        r#"{"Data":null,"Meta":{"ResponseCode":429,"ErrorMessage":"Too many requests"}}"#,
    );
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/organizations",
        vec![throttled],
    )
    .await;
    let t = RecordingTime::new();
    let orgs: Vec<_> = connector(&fake, &t).all_customers().await.unwrap();
    assert_eq!(orgs.len(), 150);
    assert!(
        t.sleeps().iter().any(|s| *s >= Duration::from_secs(30)),
        "{:?}",
        t.sleeps()
    );
}

#[tokio::test]
async fn connectors_on_one_token_in_one_process_share_one_quota() {
    let fake = KaseyaFake::start().await;
    let scheduled =
        KaseyaConnector::builder(&fake.uri(), TOKEN_ID, SecretString::from(TOKEN_SECRET))
            .build()
            .unwrap();
    let manual = KaseyaConnector::builder(&fake.uri(), TOKEN_ID, SecretString::from(TOKEN_SECRET))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(
        scheduled.client().limiter(),
        manual.client().limiter()
    ));
    let other = KaseyaConnector::builder(
        &fake.uri(),
        "another-token-id",
        SecretString::from(TOKEN_SECRET),
    )
    .build()
    .unwrap();
    assert!(!Arc::ptr_eq(
        scheduled.client().limiter(),
        other.client().limiter()
    ));
}

#[tokio::test]
async fn capabilities_agree_with_what_the_connector_does() {
    let data = KaseyaData::small();
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let id = data.notifications[0]["Id"].to_string();
    assert_capabilities_agree(&connector(&fake, &t), fake.server(), &id).await;
}

#[tokio::test]
async fn the_token_secret_never_appears_in_output() {
    let (_guard, captured) = vectis_testkit::trace::capture();
    let fake = KaseyaFake::start().await;
    let t = RecordingTime::new();
    let b = builder_at(&fake.uri(), &t, TOKEN_SECRET);
    let builder_debug = format!("{b:?}");
    let vsa = b.build().unwrap();
    vsa.check().await.unwrap();
    let _: Vec<_> = vsa.all_alerts().await.unwrap();
    let e = builder_at(&fake.uri(), &t, "wrong-secret-000")
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    let text = format!("{builder_debug}\n{vsa:?}\n{e}\n{e:?}\n{}", captured.text());
    assert!(!captured.text().is_empty(), "tracing was captured");
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{TOKEN_ID}:{TOKEN_SECRET}"));
    for secret in [TOKEN_SECRET, "wrong-secret-000", basic.as_str()] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    // The token id is half of the Basic credential: a fingerprint only.
    assert!(!builder_debug.contains(TOKEN_ID), "{builder_debug}");
}

#[tokio::test]
async fn a_bad_base_url_is_blamed_on_the_base_url_not_the_tenant_setting() {
    let t = RecordingTime::new();
    let e = builder_at("https://acme.vsax.net", &t, TOKEN_SECRET)
        .base_url("http://proxy.example.com")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.to_string().contains("base URL") && !e.to_string().contains("KASEYA_TENANT_URL"),
        "{e}"
    );
}

/// Every request a linked alert listing makes (device list, count,
/// per-notification details) goes through the token's limiter: at 60 a
/// minute, evenly paced (bursts would let the first 60 through at once),
/// N requests wait at least N - 1 seconds.
#[tokio::test]
async fn every_linking_request_goes_through_the_quota() {
    let data = KaseyaData::generate(3, 30, 8, 31);
    let fake = KaseyaFake::with_data(data.clone()).await;
    let t = RecordingTime::new();
    let quota = vectis_core::Quota::per_minute(60);
    let vsa = KaseyaConnector::builder(&fake.uri(), TOKEN_ID, SecretString::from(TOKEN_SECRET))
        .settings(
            EngineSettings::default()
                .quota(quota)
                .pacing(vectis_core::Pacing::Even)
                .time(t.time()),
        )
        .build()
        .unwrap();
    let alerts: Vec<_> = vsa.all_alerts().await.unwrap();
    assert_all_linked(&alerts, &data);
    let requests = fake.received().await.len() as u64;
    assert!(requests > 8, "details were fetched: {requests}");
    assert!(
        t.total_slept() >= Duration::from_secs(requests - 1),
        "{requests} requests in {:?}",
        t.total_slept()
    );
}
