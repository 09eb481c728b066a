//! ConnectWise, Kaseya and Datto from their variables: syncs, tickets, and
//! each missing variable named.

use super::*;
use vectis_testkit::connectwise::{ConnectWiseData, ConnectWiseFake};

fn cw_env() -> Vec<(&'static str, &'static str)> {
    use vectis_testkit::connectwise as cw;
    vec![
        ("CONNECTWISE_COMPANY_ID", cw::COMPANY_ID),
        ("CONNECTWISE_PUBLIC_KEY", cw::PUBLIC_KEY),
        ("CONNECTWISE_PRIVATE_KEY", cw::PRIVATE_KEY),
        ("CONNECTWISE_CLIENT_ID", cw::CLIENT_ID),
    ]
}

/// Runs `sync connectwise` at `fake`, unthrottled, with the fake's
/// credentials; `args` come after.
async fn sync_connectwise(fake: &ConnectWiseFake, args: &[&str]) -> Run {
    let uri = fake.uri();
    let mut all = vec!["connectwise", "--base-url", &uri, "--rate-limit", "off"];
    all.extend_from_slice(args);
    let env = cw_env();
    sync(&all, &env).await
}

#[tokio::test]
async fn connectwise_syncs_companies_and_configurations_and_opens_tickets() {
    let fake = ConnectWiseFake::with_data(ConnectWiseData::generate(12, 20, 3, 4)).await;
    let env = cw_env();
    let r = sync_connectwise(&fake, &["--check"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.starts_with("Connected to ConnectWise: "), "{}", r.out);

    let r = sync_connectwise(&fake, &[]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let types: Vec<String> = r
        .out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(types.iter().filter(|t| *t == "customer").count(), 12);
    assert_eq!(types.iter().filter(|t| *t == "device").count(), 20);
    assert!(
        !types.iter().any(|t| t == "alert"),
        "a PSA has no alerts; sync skips them by default"
    );

    let company = fake.data().companies[0]["id"].to_string();
    let uri = fake.uri();
    let args = [
        "connectwise",
        "--company",
        &company,
        "--summary",
        "Disk C: below 5% on ACME-DC01",
        "--base-url",
        &uri,
        "--rate-limit",
        "off",
    ];
    let Run { code, out, err } = common::run(Cmd::Ticket, &args, &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("ConnectWise: ticket #") && out.contains("Disk C: below 5%"),
        "{out}"
    );
    assert_eq!(fake.created_ticket_ids().len(), 1);
}

#[tokio::test]
async fn connectwise_names_each_missing_variable() {
    let mut env = cw_env();
    env.push(("CONNECTWISE_SITE_URL", "https://na.myconnectwise.net"));
    for missing in [
        "CONNECTWISE_SITE_URL",
        "CONNECTWISE_COMPANY_ID",
        "CONNECTWISE_PUBLIC_KEY",
        "CONNECTWISE_PRIVATE_KEY",
        "CONNECTWISE_CLIENT_ID",
    ] {
        let env: Vec<_> = env.iter().copied().filter(|(k, _)| *k != missing).collect();
        let r = sync(&["connectwise", "--check"], &env).await;
        assert_eq!(r.code, 2, "{missing}: {}", r.err);
        assert!(
            r.err.starts_with("error:") && r.err.contains(missing),
            "{}",
            r.err
        );
    }
}

#[tokio::test]
async fn kaseya_and_datto_sync_from_their_variables_and_refuse_what_they_cannot_do() {
    use vectis_testkit::datto::{self, DattoData, DattoFake};
    use vectis_testkit::kaseya::{self, KaseyaData, KaseyaFake};

    let vsa = KaseyaFake::with_data(KaseyaData::generate(5, 17, 9, 4)).await;
    let env = [
        ("KASEYA_TOKEN_ID", kaseya::TOKEN_ID),
        ("KASEYA_TOKEN_SECRET", kaseya::TOKEN_SECRET),
    ];
    let r = sync(
        &["kaseya", "--base-url", &vsa.uri(), "--rate-limit", "off"],
        &env,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let lines = r.json_lines();
    let count = |t: &str| lines.iter().filter(|v| v["type"] == t).count();
    assert_eq!(
        (count("customer"), count("device"), count("alert")),
        (5, 17, 9)
    );
    assert!(
        lines
            .iter()
            .filter(|v| v["type"] == "alert")
            .all(|v| v["device_id"].is_string() && v["customer_id"].is_string()),
        "alerts linked by default"
    );
    let r = run(
        &["kaseya", "resolve", "2001", "--base-url", &vsa.uri()],
        &env,
        true,
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.err.contains("no acknowledge or close verb"), "{}", r.err);
    let r = sync(&["kaseya", "--check"], &env).await;
    assert_eq!(r.code, 2);
    assert!(r.err.contains("KASEYA_TENANT_URL"), "{}", r.err);
    // Without --base-url the tenant URL comes from KASEYA_TENANT_URL.
    let uri = vsa.uri();
    let with_tenant = [env[0], env[1], ("KASEYA_TENANT_URL", uri.as_str())];
    let r = sync(&["kaseya", "--check", "--rate-limit", "off"], &with_tenant).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        format!("{}{}", r.out, r.err).contains("Connected to Kaseya VSA: 5 organizations"),
        "{} {}",
        r.out,
        r.err
    );
    // A bad --base-url is blamed on the base URL, not on the variable.
    let r = sync(
        &[
            "kaseya",
            "--check",
            "--base-url",
            "http://proxy.example.com",
        ],
        &env,
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("base URL"), "{}", r.err);
    // Each missing token variable is named.
    for (missing, kept) in [("KASEYA_TOKEN_ID", env[1]), ("KASEYA_TOKEN_SECRET", env[0])] {
        let r = sync(&["kaseya", "--check", "--base-url", &uri], &[kept]).await;
        assert_eq!(r.code, 2, "{}", r.err);
        assert!(r.err.contains(missing), "{}", r.err);
    }

    let datto_fake = DattoFake::with_data(DattoData::generate(3, 8, 6, 4)).await;
    let env = [
        ("DATTO_PLATFORM", datto::PLATFORM),
        ("DATTO_API_KEY", datto::API_KEY),
        ("DATTO_API_SECRET", datto::API_SECRET),
    ];
    let uri = datto_fake.uri();
    let at_fake = |only: &'static [&'static str]| {
        let mut args = vec!["datto-rmm", "--base-url", &uri, "--rate-limit", "off"];
        args.extend_from_slice(only);
        args
    };
    let r = sync(&at_fake(&[]), &env).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let customers = r
        .out
        .lines()
        .filter(|l| l.contains(r#""type":"customer""#))
        .count();
    assert_eq!(customers, 3, "no Deleted Devices site");
    let r = sync(&["datto-rmm", "--check"], &env[1..]).await;
    assert_eq!(r.code, 2);
    assert!(r.err.contains("DATTO_PLATFORM"), "{}", r.err);
    // A base URL names the host, so the platform is not needed with it.
    let r = sync(&at_fake(&["--only", "customers"]), &env[1..]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("Datto RMM: 3 customers\n"), "{}", r.err);
}

#[tokio::test]
async fn connectwise_lists_tickets_with_only_and_counts_in_the_singular_for_one() {
    let fake = ConnectWiseFake::with_data(ConnectWiseData::generate(1, 2, 3, 4)).await;
    let r = sync_connectwise(&fake, &["--only", "customers,tickets"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let types: Vec<String> = r
        .out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].to_string())
        .collect();
    assert_eq!(
        types.iter().filter(|t| *t == "\"ticket\"").count(),
        3,
        "{}",
        r.out
    );
    assert!(r.err.contains("ConnectWise: 1 customer\n"), "{}", r.err);
    assert!(r.err.contains("ConnectWise: 3 tickets\n"), "{}", r.err);
    let r = sync(
        &["atera", "--only", "tickets"],
        &[("ATERA_API_KEY", ATERA_API_KEY)],
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("Atera has no tickets"), "{}", r.err);
}
