//! The `sync` and `alert` command-line contract (DESIGN.md), driven through
//! the same functions the examples' `main`s call.

use vectis_examples::cli::{Io, run_sync};
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};

mod common;
use common::{Cmd, Run};

async fn sync(args: &[&str], env: &[(&str, &str)]) -> Run {
    run(args, env, false).await
}

async fn run(args: &[&str], env: &[(&str, &str)], alert: bool) -> Run {
    let cmd = if alert { Cmd::Alert } else { Cmd::Sync };
    common::run(cmd, args, env).await
}

#[tokio::test]
async fn check_prints_connected_to_atera() {
    let fake = AteraFake::with_data(AteraData::generate(42, 3, 3, 1)).await;
    let r = sync(
        &["atera", "--check", "--base-url", &fake.uri()],
        &[("ATERA_API_KEY", ATERA_API_KEY)],
    )
    .await;
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
    let r = sync(
        &[
            "atera",
            "--base-url",
            &fake.uri(),
            "--rate-limit",
            "off",
            "--concurrency",
            "2",
        ],
        &[("ATERA_API_KEY", ATERA_API_KEY)],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let lines: Vec<serde_json::Value> = r
        .out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
    let r = sync(
        &[
            "atera",
            "--base-url",
            &fake.uri(),
            "--only",
            "customers",
            "--format",
            "table",
        ],
        &[("ATERA_API_KEY", ATERA_API_KEY)],
    )
    .await;
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

async fn matching(args: &[&str]) -> Run {
    let lookup = |_: &str| None;
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = vectis_examples::cli::run_match(
        &args,
        Io {
            out: &mut out,
            err: &mut err,
            env: &lookup,
            out_is_terminal: false,
        },
    )
    .await;
    Run {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

#[tokio::test]
async fn match_on_files_links_one_to_one_and_leaves_the_doubtful_unlinked() {
    let dir = std::env::temp_dir().join(format!("vectis-match-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rmm = dir.join("rmm.jsonl");
    let psa = dir.join("psa.jsonl");
    std::fs::write(
        &rmm,
        [
            r#"{"type":"customer","vendor":"atera","id":"1","name":"Acme Ltd"}"#,
            r#"{"type":"device","vendor":"atera","id":"d1","customer_id":"1","name":"ACME-DC01","os":null,"online":null,"last_seen":null}"#,
            r#"{"type":"customer","vendor":"atera","id":"2","name":"Smith & Sons, Inc."}"#,
            r#"{"type":"customer","vendor":"atera","id":"3","name":"Internal"}"#,
            r#"{"type":"customer","vendor":"atera","id":"4","name":"ACME Limited"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    std::fs::write(
        &psa,
        [
            r#"{"type":"customer","vendor":"connectwise","id":"100","name":"ACME Limited"}"#,
            r#"{"type":"customer","vendor":"connectwise","id":"200","name":"Smith and Sons"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let r = matching(&[
        "--rmm-file",
        rmm.to_str().unwrap(),
        "--psa-file",
        psa.to_str().unwrap(),
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let lines: Vec<serde_json::Value> = r
        .out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "one line per RMM customer, devices ignored");
    for l in &lines {
        for k in ["rmm_id", "rmm_name", "psa_id", "psa_name", "score"] {
            assert!(l.get(k).is_some(), "{k} missing in {l}");
        }
    }
    let by_id = |id: &str| lines.iter().find(|l| l["rmm_id"] == id).unwrap().clone();
    assert_eq!(by_id("2")["psa_id"], "200");
    assert!(
        by_id("3")["psa_id"].is_null(),
        "Internal has no PSA company"
    );
    // Acme Ltd and ACME Limited both normalize to ACME: at most one gets it.
    let acme: Vec<_> = ["1", "4"]
        .iter()
        .filter(|id| by_id(id)["psa_id"] == "100")
        .collect();
    assert!(
        acme.len() <= 1,
        "no PSA company is given to two RMM customers"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn match_without_inputs_is_a_usage_error() {
    let r = matching(&[]).await;
    assert_eq!(r.code, 2);
    let r = matching(&[
        "--rmm-file",
        "/nonexistent/a.jsonl",
        "--psa-file",
        "/nonexistent/b.jsonl",
    ])
    .await;
    assert_eq!(r.code, 2);
    assert!(
        r.err.starts_with("error:") && r.err.contains("/nonexistent/a.jsonl"),
        "{}",
        r.err
    );
}

fn cw_env() -> Vec<(&'static str, &'static str)> {
    use vectis_testkit::connectwise as cw;
    vec![
        ("CONNECTWISE_COMPANY_ID", cw::COMPANY_ID),
        ("CONNECTWISE_PUBLIC_KEY", cw::PUBLIC_KEY),
        ("CONNECTWISE_PRIVATE_KEY", cw::PRIVATE_KEY),
        ("CONNECTWISE_CLIENT_ID", cw::CLIENT_ID),
    ]
}

#[tokio::test]
async fn connectwise_syncs_companies_and_configurations_and_opens_tickets() {
    use vectis_testkit::connectwise::{ConnectWiseData, ConnectWiseFake};
    let fake = ConnectWiseFake::with_data(ConnectWiseData::generate(12, 20, 3, 4)).await;
    let env = cw_env();
    let r = sync(
        &[
            "connectwise",
            "--check",
            "--base-url",
            &fake.uri(),
            "--rate-limit",
            "off",
        ],
        &env,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.starts_with("Connected to ConnectWise: "), "{}", r.out);

    let r = sync(
        &[
            "connectwise",
            "--base-url",
            &fake.uri(),
            "--rate-limit",
            "off",
        ],
        &env,
    )
    .await;
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
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let lookup = |k: &str| {
        env.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = vectis_examples::cli::run_ticket(
        &args,
        Io {
            out: &mut out,
            err: &mut err,
            env: &lookup,
            out_is_terminal: false,
        },
    )
    .await;
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
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
    let lines: Vec<serde_json::Value> = r
        .out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
    let r = sync(
        &[
            "datto-rmm",
            "--base-url",
            &datto_fake.uri(),
            "--rate-limit",
            "off",
        ],
        &env,
    )
    .await;
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
}

/// A stdout that takes `room` bytes, then fails every write with `kind`
/// (`BrokenPipe`: `| head` closed it; `StorageFull`: `> /dev/full`).
struct Failing {
    room: usize,
    kind: std::io::ErrorKind,
    taken: Vec<u8>,
}

impl std::io::Write for Failing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.taken.len() + buf.len() > self.room {
            return Err(std::io::Error::new(self.kind, "the output is gone"));
        }
        self.taken.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn sync_into(args: &[&str], room: usize, kind: std::io::ErrorKind) -> (i32, String) {
    let lookup = |k: &str| (k == "ATERA_API_KEY").then(|| ATERA_API_KEY.to_string());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut out = Failing {
        room,
        kind,
        taken: Vec::new(),
    };
    let mut err = Vec::new();
    let code = run_sync(
        &args,
        Io {
            out: &mut out,
            err: &mut err,
            env: &lookup,
            out_is_terminal: false,
        },
    )
    .await;
    (code, String::from_utf8(err).unwrap())
}

#[tokio::test]
async fn sync_into_a_full_disk_exits_1_saying_it_could_not_write_in_both_formats() {
    let fake = AteraFake::with_data(AteraData::generate(4, 5, 3, 3)).await;
    for format in ["jsonl", "table"] {
        let (code, err) = sync_into(
            &["atera", "--base-url", &fake.uri(), "--format", format],
            0,
            std::io::ErrorKind::StorageFull,
        )
        .await;
        assert_eq!(code, 1, "{format}: {err}");
        assert!(
            err.lines()
                .last()
                .unwrap_or("")
                .starts_with("error: could not write"),
            "{format}: {err}"
        );
    }
}

#[tokio::test]
async fn sync_into_a_closed_pipe_ends_quietly_with_0() {
    let fake = AteraFake::with_data(AteraData::generate(4, 5, 3, 3)).await;
    let (code, err) = sync_into(
        &["atera", "--base-url", &fake.uri()],
        200,
        std::io::ErrorKind::BrokenPipe,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("error"), "{err}");
}

#[tokio::test]
async fn the_demo_into_a_closed_pipe_ends_quietly_and_help_prints_help() {
    let mut out = Failing {
        room: 300,
        kind: std::io::ErrorKind::BrokenPipe,
        taken: Vec::new(),
    };
    let mut err = Vec::new();
    let code = vectis_examples::demo::main_with(&[], &mut out, &mut err).await;
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("error") && !err.contains("configuration"),
        "{err}"
    );

    let mut out = Failing {
        room: 0,
        kind: std::io::ErrorKind::StorageFull,
        taken: Vec::new(),
    };
    let mut err = Vec::new();
    let code = vectis_examples::demo::main_with(&[], &mut out, &mut err).await;
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error: could not write"), "{err}");
    assert!(!err.contains("configuration"), "{err}");

    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = vectis_examples::demo::main_with(&["--help".to_string()], &mut out, &mut err).await;
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("Usage: demo"), "{out}");
    assert!(!out.contains("CUSTOMER HUB"), "the demo did not run");
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
    let env = [("ATERA_API_KEY", ATERA_API_KEY)];
    let since = "2026-04-01T00:00:00Z";
    let base = fake.uri();
    let r = sync(
        &[
            "atera",
            "--base-url",
            &base,
            "--since",
            since,
            "--only",
            "devices",
        ],
        &env,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.err
            .contains("note: Atera cannot filter devices by --since"),
        "{}",
        r.err
    );
    let r = sync(
        &[
            "atera",
            "--base-url",
            &base,
            "--since",
            since,
            "--only",
            "customers",
        ],
        &env,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        !r.err.contains("note:"),
        "customers are filtered: {}",
        r.err
    );
    let r = sync(&["atera", "--base-url", &base, "--since", since], &env).await;
    assert!(
        r.err.contains("cannot filter devices, alerts by --since"),
        "{}",
        r.err
    );
}

#[tokio::test]
async fn match_overrides_take_numbers_and_strings_and_refuse_anything_else_naming_the_line() {
    let dir = std::env::temp_dir().join(format!("vectis-overrides-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rmm = dir.join("rmm.jsonl");
    let psa = dir.join("psa.jsonl");
    let overrides = dir.join("overrides.jsonl");
    std::fs::write(
        &rmm,
        [
            r#"{"type":"customer","vendor":"atera","id":"1","name":"Northwind"}"#,
            r#"{"type":"customer","vendor":"atera","id":"2","name":"Contoso"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    std::fs::write(
        &psa,
        [
            r#"{"type":"customer","vendor":"connectwise","id":"250","name":"Fabrikam"}"#,
            r#"{"type":"customer","vendor":"connectwise","id":"300","name":"Contoso"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let args = |o: &std::path::Path| {
        vec![
            "--rmm-file".to_string(),
            rmm.to_str().unwrap().to_string(),
            "--psa-file".to_string(),
            psa.to_str().unwrap().to_string(),
            "--overrides".to_string(),
            o.to_str().unwrap().to_string(),
        ]
    };
    std::fs::write(
        &overrides,
        "{\"rmm_id\":\"1\",\"psa_id\":250}\n{\"rmm_id\":2,\"psa_id\":null}\n",
    )
    .unwrap();
    let a = args(&overrides);
    let r = matching(&a.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let lines: Vec<serde_json::Value> = r
        .out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_id = |id: &str| lines.iter().find(|l| l["rmm_id"] == id).unwrap().clone();
    assert_eq!(by_id("1")["psa_id"], "250", "a number links");
    assert!(by_id("2")["psa_id"].is_null(), "null keeps separate");

    for bad in [
        r#"{"rmm_id":"1","psa_id":true}"#,
        r#"{"rmm_id":"1","psa_id":{"id":250}}"#,
        r#"{"rmm_id":[1],"psa_id":250}"#,
    ] {
        std::fs::write(&overrides, format!("\n{bad}\n")).unwrap();
        let a = args(&overrides);
        let r = matching(&a.iter().map(String::as_str).collect::<Vec<_>>()).await;
        assert_eq!(r.code, 2, "{bad}: {}", r.err);
        assert!(r.err.contains("line 2"), "{bad}: {}", r.err);
    }
    std::fs::remove_dir_all(&dir).ok();
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
async fn connectwise_lists_tickets_with_only_and_counts_in_the_singular_for_one() {
    use vectis_testkit::connectwise::{ConnectWiseData, ConnectWiseFake};
    let fake = ConnectWiseFake::with_data(ConnectWiseData::generate(1, 2, 3, 4)).await;
    let env = cw_env();
    let r = sync(
        &[
            "connectwise",
            "--base-url",
            &fake.uri(),
            "--rate-limit",
            "off",
            "--only",
            "customers,tickets",
        ],
        &env,
    )
    .await;
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

#[tokio::test]
async fn a_full_sync_overlaps_its_kinds_and_keeps_each_in_order() {
    // 120 customers and 130 agents: three pages each at 50.
    let data = AteraData::generate(120, 130, 20, 9);
    let fake = AteraFake::with_data(data.clone()).await;
    let r = sync(
        &[
            "atera",
            "--base-url",
            &fake.uri(),
            "--rate-limit",
            "off",
            "--concurrency",
            "1",
        ],
        &[("ATERA_API_KEY", ATERA_API_KEY)],
    )
    .await;
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
    let r = sync(
        &[
            "atera",
            "--base-url",
            &fake.uri(),
            "--only",
            "customers,devices,customers",
        ],
        &[("ATERA_API_KEY", ATERA_API_KEY)],
    )
    .await;
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
