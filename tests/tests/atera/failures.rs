//! Keys, retries and broken answers: the key goes where it should and nowhere
//! else, 429 and 5xx are waited out, and a broken page names its endpoint.

use super::*;

#[tokio::test]
async fn jwt_keys_go_as_bearer_and_classic_keys_as_x_api_key() {
    let fake = AteraFake::start().await;
    let t = RecordingTime::new();
    connector_with(&fake, &t, ATERA_JWT_KEY, 1)
        .check()
        .await
        .unwrap();
    connector_with(&fake, &t, ATERA_API_KEY, 1)
        .check()
        .await
        .unwrap();
    let reqs = fake.received().await;
    assert!(reqs.iter().any(|r| {
        r.headers
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap() == format!("Bearer {ATERA_JWT_KEY}"))
    }));
    assert!(reqs.iter().any(|r| {
        r.headers
            .get("x-api-key")
            .is_some_and(|v| v.to_str().unwrap() == ATERA_API_KEY)
    }));
}

#[tokio::test]
async fn a_wrong_key_gives_atera_advice_and_never_echoes_the_key() {
    let fake = AteraFake::start().await;
    let t = RecordingTime::new();
    let e = connector_with(&fake, &t, "wrong-key-1234567890", 1)
        .check()
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(
            e,
            Error::Auth {
                status: Some(401),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(msg.contains("Atera → Admin → API"), "{msg}");
    assert!(!msg.contains("wrong-key-1234567890"));
}

#[tokio::test]
async fn a_429_with_retry_after_waits_and_then_completes() {
    let fake = AteraFake::with_data(AteraData::generate(60, 0, 0, 5)).await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/customers",
        vec![too_many_requests(2)],
    )
    .await;
    let t = RecordingTime::new();
    let customers: Vec<_> = connector(&fake, &t).all_customers().await.unwrap();
    assert_eq!(customers.len(), 60);
    assert_slept_at_least(&t, Duration::from_secs(2));
}

#[tokio::test]
async fn server_errors_500_then_502_are_retried() {
    let fake = AteraFake::with_data(AteraData::generate(10, 0, 0, 5)).await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/customers",
        vec![ResponseTemplate::new(500), ResponseTemplate::new(502)],
    )
    .await;
    let t = RecordingTime::new();
    let customers: Vec<_> = connector(&fake, &t).all_customers().await.unwrap();
    assert_eq!(customers.len(), 10);
    assert_eq!(
        fake.received()
            .await
            .iter()
            .filter(|r| r.url.path() == "/api/v3/customers")
            .count(),
        3
    );
}

/// Page 2 of the customer list answers with `template`; page 1 is real.
async fn break_page_two(fake: &AteraFake, template: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/api/v3/customers"))
        .and(query_param("page", "2"))
        .respond_with(template)
        .with_priority(1)
        .mount(fake.server())
        .await;
}

#[tokio::test]
async fn a_truncated_page_is_an_error_naming_the_endpoint_not_a_short_list() {
    let fake = AteraFake::with_data(AteraData::generate(120, 0, 0, 5)).await;
    break_page_two(&fake, truncated_json(&json!({"items": [{"CustomerID": 1, "CustomerName": "x"}], "page": 2, "itemsInPage": 50, "totalItemCount": 120, "totalPages": 3, "prevLink": "", "nextLink": ""}))).await;
    let t = RecordingTime::new();
    let mut stream = connector(&fake, &t).customers(&ListOptions::default());
    let mut n = 0;
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => n += 1,
            Some(Err(e)) => break e,
            None => panic!("the stream ended quietly after {n} customers"),
        }
    };
    assert_eq!(n, 50, "only page 1 was delivered");
    let msg = err.to_string();
    assert_mentions(&msg, &["/api/v3/customers", "truncated"]);
}

#[tokio::test]
async fn an_html_login_page_is_an_error_naming_the_endpoint() {
    let fake = AteraFake::with_data(AteraData::generate(120, 0, 0, 5)).await;
    break_page_two(&fake, html_login_page()).await;
    let t = RecordingTime::new();
    let r: Result<Vec<_>, _> = connector(&fake, &t).all_customers().await;
    let msg = r.unwrap_err().to_string();
    assert_mentions(&msg, &["/api/v3/customers", "HTML"]);
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_the_key_never_reaches_it() {
    let evil = wiremock::MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [], "totalItemCount": 0})),
        )
        .mount(&evil)
        .await;
    let fake = AteraFake::start().await;
    Mock::given(path("/api/v3/customers"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/api/v3/customers", evil.uri())),
        )
        .with_priority(1)
        .mount(fake.server())
        .await;
    let t = RecordingTime::new();
    let r: Result<Vec<_>, _> = connector(&fake, &t).all_customers().await;
    assert!(r.unwrap_err().to_string().contains("not followed"));
    assert!(
        evil.received_requests().await.unwrap().is_empty(),
        "nothing reached the other host"
    );
}

#[tokio::test]
async fn the_key_never_appears_in_debug_errors_or_traces() {
    let (_guard, capture) = vectis_testkit::trace::capture();

    let fake = AteraFake::with_data(AteraData::generate(60, 3, 3, 1)).await;
    mount_sequence(
        fake.server(),
        "GET",
        "/api/v3/agents",
        vec![too_many_requests(1), ResponseTemplate::new(500)],
    )
    .await;
    let t = RecordingTime::new();
    let atera = connector(&fake, &t);
    let _ = atera.all_customers().await.unwrap();
    let _ = atera.all_devices().await.unwrap();
    let bad = connector_with(&fake, &t, "bad-key-zz-0000000000", 1);
    let err = bad.check().await.unwrap_err();

    let logs = capture.text();
    assert!(
        logs.contains("vectis.request"),
        "tracing captured the requests"
    );
    for text in [
        logs,
        format!("{atera:?}"),
        format!("{bad:?}"),
        err.to_string(),
        format!("{err:?}"),
    ] {
        assert!(!text.contains(ATERA_API_KEY), "the key leaked: {text}");
        assert!(
            !text.contains("bad-key-zz-0000000000"),
            "the key leaked: {text}"
        );
    }
}
