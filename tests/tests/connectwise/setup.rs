//! Codebase discovery, the clientId, credentials and roles: what each refusal
//! says to do.

use super::*;

#[tokio::test]
async fn check_discovers_the_codebase_once_and_reports_the_version() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let info = cw.check().await.unwrap();
    assert_eq!(info.to_string(), "Connected to ConnectWise: v2025.1.12345");
    cw.check().await.unwrap();
    let _ = cw.all_tickets().await.unwrap();
    assert_eq!(
        cw.api_root().await.unwrap().as_str(),
        format!("{}/{CODEBASE}/apis/3.0", fake.uri())
    );
    let reqs = fake.received().await;
    let lookups: Vec<_> = reqs
        .iter()
        .filter(|r| r.url.path().starts_with("/login/companyinfo/"))
        .collect();
    assert_eq!(lookups.len(), 1, "the codebase is looked up once");
    assert_eq!(
        lookups[0].url.path(),
        format!("/login/companyinfo/{COMPANY_ID}")
    );
    for r in reqs.iter().filter(|r| r.url.path().contains("/apis/3.0/")) {
        assert!(r.url.path().starts_with("/v2025_1/apis/3.0/"));
        assert_eq!(
            r.headers.get("clientid").unwrap().to_str().unwrap(),
            CLIENT_ID
        );
        assert!(
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("Basic ")
        );
    }
}

#[tokio::test]
async fn a_failed_codebase_discovery_is_an_error_saying_how_to_give_it() {
    let fake = ConnectWiseFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        &format!("/login/companyinfo/{COMPANY_ID}"),
        vec![ResponseTemplate::new(404)],
    )
    .await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    let e = cw.check().await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("codebase")
            && msg.contains("CONNECTWISE_COMPANY_ID")
            && msg.contains("/apis/3.0"),
        "{msg}"
    );
    assert!(
        !fake
            .received()
            .await
            .iter()
            .any(|r| r.url.path().contains("v4_6_release")),
        "no guess at a default codebase"
    );
}

#[tokio::test]
async fn an_unknown_company_is_a_configuration_error_naming_it() {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let e = builder_as(&fake, &t, "nosuchco", PRIVATE_KEY, CLIENT_ID)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), vectis_core::ErrorKind::Config);
    assert!(e.to_string().contains("nosuchco"), "{e}");
}

#[tokio::test]
async fn the_codebase_is_read_whatever_is_cloud_looks_like() {
    // ConnectWise's developer guide shows `"IsCloud": "True"`.
    let fake = ConnectWiseFake::start().await;
    mount_sequence(
        fake.server(),
        "GET",
        &format!("/login/companyinfo/{COMPANY_ID}"),
        vec![ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "CompanyName": "Contoso MSP", "Codebase": "v2025_1/", "VersionCode": "v2025.1",
            "VersionNumber": "v4.6", "CompanyID": COMPANY_ID, "IsCloud": "True", "SiteUrl": "na.myconnectwise.net"
        }))],
    )
    .await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    cw.check().await.unwrap();
    assert_eq!(
        cw.api_root().await.unwrap().as_str(),
        format!("{}/{CODEBASE}/apis/3.0", fake.uri())
    );
}

#[tokio::test]
async fn a_codebase_that_is_not_v_digits_underscore_digits_is_refused() {
    for bad in [
        "../../evil/",
        "v2025_1/../..",
        "v2025.1",
        "api",
        "v2025_1x",
        "%2e%2e",
    ] {
        let fake = ConnectWiseFake::start().await;
        mount_sequence(
            fake.server(),
            "GET",
            &format!("/login/companyinfo/{COMPANY_ID}"),
            vec![ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "CompanyName": "Contoso MSP", "Codebase": bad, "CompanyID": COMPANY_ID, "IsCloud": true
            }))],
        )
        .await;
        let t = RecordingTime::new();
        let cw = connector(&fake, &t, Paging::ForwardOnly);
        let e = cw.check().await.unwrap_err();
        assert!(e.to_string().contains("not a codebase"), "{bad}: {e}");
        assert_eq!(
            fake.received().await.len(),
            1,
            "{bad}: nothing but the lookup was sent"
        );
    }
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    for good in ["v4_6_release", "v2019_4/", "/v2025_1/"] {
        assert!(builder(&fake, &t).codebase(good).build().is_ok(), "{good}");
    }
    assert!(builder(&fake, &t).codebase("v2025.1").build().is_err());
}

/// The message of the error `check` gives, against a fresh fake, with these
/// credentials; it must be an auth error with `status`.
async fn auth_error_as(company: &str, private_key: &str, client_id: &str, status: u16) -> String {
    let fake = ConnectWiseFake::start().await;
    let t = RecordingTime::new();
    let err = builder_as(&fake, &t, company, private_key, client_id)
        .build()
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Auth { status: Some(s), .. } if s == status),
        "{err:?}"
    );
    err.to_string()
}

#[tokio::test]
async fn an_unregistered_client_id_points_to_the_developer_portal() {
    let other = "00000000-1111-4222-8333-444444444444";
    let msg = auth_error_as(COMPANY_ID, PRIVATE_KEY, other, 400).await;
    assert!(msg.contains("developer portal"), "{msg}");
    assert!(msg.contains("CONNECTWISE_CLIENT_ID"), "{msg}");
}

#[tokio::test]
async fn a_request_without_client_id_gets_the_400_that_mentions_it() {
    // The fake's side of the same contract: no clientId header at all.
    let fake = ConnectWiseFake::start().await;
    let resp = reqwest::Client::new()
        .get(format!("{}/system/info", fake.api_root()))
        .basic_auth(format!("{COMPANY_ID}+{PUBLIC_KEY}"), Some(PRIVATE_KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("clientId"),
        "{body}"
    );
    // And the connector reads that answer as the developer-portal advice.
    let t = RecordingTime::new();
    mount_sequence(
        fake.server(),
        "GET",
        "/v2025_1/apis/3.0/system/info",
        vec![ResponseTemplate::new(400).set_body_json(&body)],
    )
    .await;
    let err = connector(&fake, &t, Paging::ForwardOnly)
        .check()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("developer portal"), "{err}");
}

#[tokio::test]
async fn wrong_credentials_explain_the_case_sensitive_short_company_id() {
    let msg = auth_error_as("Contoso", PRIVATE_KEY, CLIENT_ID, 401).await;
    assert!(msg.contains("case-sensitive"), "{msg}");
    assert!(
        msg.contains("UserNotAuthenticated"),
        "the vendor's words: {msg}"
    );
}

#[tokio::test]
async fn a_role_without_ticket_access_names_the_security_module() {
    let fake = ConnectWiseFake::start().await;
    fake.deny(Table::Tickets);
    let t = RecordingTime::new();
    let err = connector(&fake, &t, Paging::ForwardOnly)
        .all_tickets()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("Service Desk → Service Tickets"), "{msg}");
    assert!(msg.contains("security permission"), "{msg}");
}

#[tokio::test]
async fn cloudflare_429_with_retry_after_is_waited_out() {
    let fake = ConnectWiseFake::with_data(ConnectWiseData::generate(1_200, 0, 0, 3)).await;
    mount_sequence(fake.server(), "GET", COMPANIES, vec![too_many_requests(3)]).await;
    let t = RecordingTime::new();
    let n = connector(&fake, &t, Paging::ForwardOnly)
        .all_customers()
        .await
        .unwrap()
        .len();
    assert_eq!(n, 1_200);
    assert_slept_at_least(&t, Duration::from_secs(3));
}

#[tokio::test]
async fn secrets_never_appear_in_debug_errors_or_traces() {
    let (_guard, capture) = vectis_testkit::trace::capture();

    let fake = ConnectWiseFake::with_data(ConnectWiseData::generate(30, 30, 10, 1)).await;
    mount_sequence(
        fake.server(),
        "GET",
        COMPANIES,
        vec![too_many_requests(1), ResponseTemplate::new(500)],
    )
    .await;
    let t = RecordingTime::new();
    let cw = connector(&fake, &t, Paging::ForwardOnly);
    cw.customers(&ListOptions::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    fake.fail_ticket_posts(vec![PostFailure::StatusAfterCreate(502)]);
    let company_id = fake.data().companies[0]["id"].to_string();
    cw.create_ticket(&draft(&company_id)).await.unwrap();
    let bad = builder_as(&fake, &t, COMPANY_ID, "wrong-private-key-77", CLIENT_ID)
        .build()
        .unwrap();
    let err = bad.check().await.unwrap_err();
    let builder_dump = format!("{:?}", builder(&fake, &t));

    let logs = capture.text();
    assert!(
        logs.contains("vectis.request"),
        "tracing captured the requests"
    );
    let basic = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .encode(format!("{COMPANY_ID}+{PUBLIC_KEY}:{PRIVATE_KEY}"))
    };
    for text in [
        logs,
        format!("{cw:?}"),
        format!("{bad:?}"),
        builder_dump,
        err.to_string(),
        format!("{err:?}"),
    ] {
        for secret in [
            PRIVATE_KEY,
            "wrong-private-key-77",
            basic.as_str(),
            PUBLIC_KEY,
        ] {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
    }
}
