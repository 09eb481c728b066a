//! `sync` and `alert` against the Atera fake: exit codes, JSON lines and
//! tables, `--only`, `--since`, rate limits and resolve.

use super::*;

#[tokio::test]
async fn check_prints_connected_to_atera() {
    let fake = AteraFake::with_data(AteraData::generate(42, 3, 3, 1)).await;
    let r = sync_atera(&fake, &["--check"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.out, "Connected to Atera: 42 customers\n");
}

#[tokio::test]
async fn a_missing_api_key_exits_2_naming_the_variable() {
    let r = sync(&["atera", "--check"], &[]).await;
    assert_eq!(r.code, 2);
    assert!(
        r.err.starts_with("error:") && r.err.contains("ATERA_API_KEY"),
        "{}",
        r.err
    );
    assert_eq!(r.err.lines().count(), 1);
    assert!(r.out.is_empty());
}

#[tokio::test]
async fn a_wrong_key_exits_1_with_one_error_line_saying_what_to_do() {
    let fake = AteraFake::start().await;
    let r = sync(
        &["atera", "--check", "--base-url", &fake.uri()],
        &[("ATERA_API_KEY", "nope-nope-nope")],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(
        r.err.starts_with("error: 401") && r.err.contains("Atera → Admin → API"),
        "{}",
        r.err
    );
    assert!(!r.err.contains("nope-nope-nope"));
}

#[tokio::test]
async fn bad_usage_exits_2() {
    for args in [
        vec!["nosuchvendor", "--check"],
        vec!["atera", "--rate-limit", "fast"],
        vec!["atera", "--since", "yesterday"],
        vec!["atera", "--format", "xml"],
        vec!["atera", "--only", "tickets,customers"],
        vec!["atera", "--concurrency", "0"],
    ] {
        let r = sync(&args, &[("ATERA_API_KEY", ATERA_API_KEY)]).await;
        assert_eq!(r.code, 2, "{args:?}: {}", r.err);
        assert!(!r.err.is_empty());
    }
}

#[tokio::test]
async fn jsonl_holds_only_records_with_a_type_and_snake_case_fields() {
    let fake = AteraFake::with_data(AteraData::generate(7, 11, 13, 3)).await;
    let r = sync_atera(&fake, &["--rate-limit", "off", "--concurrency", "2"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let lines = r.json_lines();
    let count = |t: &str| lines.iter().filter(|v| v["type"] == t).count();
    assert_eq!(
        (count("customer"), count("device"), count("alert")),
        (7, 11, 13)
    );
    let alert = lines.iter().find(|v| v["type"] == "alert").unwrap();
    for field in [
        "vendor",
        "id",
        "customer_id",
        "device_id",
        "severity",
        "status",
        "title",
        "created_at",
    ] {
        assert!(alert.get(field).is_some(), "{field} missing from {alert}");
    }
    assert_eq!(alert["vendor"], "atera");
    assert!(alert.get("raw").is_none(), "raw only with --raw");
    let device = lines.iter().find(|v| v["type"] == "device").unwrap();
    for field in ["customer_id", "name", "os", "online", "last_seen"] {
        assert!(device.get(field).is_some(), "{field} missing from {device}");
    }
    assert!(
        r.err.contains("Atera: 7 customers"),
        "progress goes to stderr: {}",
        r.err
    );
}

#[tokio::test]
async fn only_and_table_format_select_and_render() {
    let fake = AteraFake::with_data(AteraData::generate(4, 2, 2, 3)).await;
    let r = sync_atera(&fake, &["--only", "customers", "--format", "table"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.starts_with("CUSTOMERS (4)\n"), "{}", r.out);
    assert!(!r.out.contains("DEVICES"));
}

#[tokio::test]
async fn alert_resolve_says_what_was_done_and_ack_exits_1() {
    let data = AteraData::generate(2, 3, 4, 5);
    let id = data.alerts.iter().find(|a| a["Archived"] == false).unwrap()["AlertID"].to_string();
    let fake = AteraFake::with_data(data).await;
    let env = [("ATERA_API_KEY", ATERA_API_KEY)];
    let r = run(
        &["atera", "resolve", &id, "--base-url", &fake.uri()],
        &env,
        true,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.out, format!("Atera: alert {id} resolved\n"));
    let r = run(
        &["atera", "ack", &id, "--base-url", &fake.uri()],
        &env,
        true,
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(
        r.err
            .starts_with("error: Atera cannot acknowledge an alert"),
        "{}",
        r.err
    );
}

#[tokio::test]
async fn alert_honours_rate_limit() {
    let fake = AteraFake::start().await;
    let r = run(
        &[
            "atera",
            "resolve",
            "9001",
            "--base-url",
            &fake.uri(),
            "--rate-limit",
            "7/fortnight",
        ],
        &[("ATERA_API_KEY", ATERA_API_KEY)],
        true,
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("fortnight"), "{}", r.err);
    assert!(
        fake.resolved_alert_ids().is_empty(),
        "nothing was done with an unreadable quota"
    );
}

#[tokio::test]
async fn the_since_note_names_the_kinds_that_cannot_be_filtered() {
    let fake = AteraFake::with_data(AteraData::generate(4, 5, 3, 3)).await;
    let since = "2026-04-01T00:00:00Z";
    let r = sync_atera(&fake, &["--since", since, "--only", "devices"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.err
            .contains("note: Atera cannot filter devices by --since"),
        "{}",
        r.err
    );
    let r = sync_atera(&fake, &["--since", since, "--only", "customers"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        !r.err.contains("note:"),
        "customers are filtered: {}",
        r.err
    );
    let r = sync_atera(&fake, &["--since", since]).await;
    assert!(
        r.err.contains("cannot filter devices, alerts by --since"),
        "{}",
        r.err
    );
}

#[tokio::test]
async fn check_with_listing_options_and_a_fallback_without_a_shared_quota_are_usage_errors() {
    let env = [("ATERA_API_KEY", ATERA_API_KEY)];
    for args in [
        vec!["atera", "--check", "--only", "devices"],
        vec!["atera", "--check", "--format", "table"],
        vec!["atera", "--check", "--since", "2026-04-01T00:00:00Z"],
        vec!["atera", "--shared-quota-fallback", "local:2"],
    ] {
        let r = sync(&args, &env).await;
        assert_eq!(r.code, 2, "{args:?}: {}", r.err);
        assert!(r.err.starts_with("error:"), "{args:?}: {}", r.err);
    }
}

#[tokio::test]
async fn a_full_sync_overlaps_its_kinds_and_keeps_each_in_order() {
    // 120 customers and 130 agents: three pages each at 50.
    let data = AteraData::generate(120, 130, 20, 9);
    let fake = AteraFake::with_data(data.clone()).await;
    let r = sync_atera(&fake, &["--rate-limit", "off", "--concurrency", "1"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let received = fake.received().await;
    let first_agents = received
        .iter()
        .position(|q| q.url.path() == "/api/v3/agents")
        .unwrap();
    let first_alerts = received
        .iter()
        .position(|q| q.url.path() == "/api/v3/alerts")
        .unwrap();
    let last_customers = received
        .iter()
        .rposition(|q| q.url.path() == "/api/v3/customers")
        .unwrap();
    assert!(
        first_agents < last_customers && first_alerts < last_customers,
        "devices and alerts waited for every customer page"
    );
    let lines: Vec<serde_json::Value> = r
        .out
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line one whole record"))
        .collect();
    let of = |t: &str, field: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|v| v["type"] == t)
            .map(|v| v[field].as_str().unwrap().to_string())
            .collect()
    };
    let want: Vec<String> = data
        .customers
        .iter()
        .map(|c| c["CustomerID"].to_string())
        .collect();
    assert_eq!(of("customer", "id"), want, "customers in order");
    assert_eq!(of("device", "id").len(), 130);
    assert_eq!(of("alert", "id").len(), 20);
}

#[tokio::test]
async fn a_kind_named_twice_in_only_is_listed_once() {
    let fake = AteraFake::with_data(AteraData::generate(4, 2, 2, 3)).await;
    let r = sync_atera(&fake, &["--only", "customers,devices,customers"]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out
            .lines()
            .filter(|l| l.contains(r#""type":"customer""#))
            .count(),
        4
    );
    assert_eq!(r.err.matches("Atera: 4 customers").count(), 1, "{}", r.err);
}
