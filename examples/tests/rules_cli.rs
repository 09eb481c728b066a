//! The `rules` command line (DESIGN.md, "Rules") driven through the function
//! the example's `main` calls, over a real SQLite store synced from the
//! Atera and ConnectWise fakes; and the shipped examples/rules.toml.

use vectis_testkit::atera::{AteraData, AteraFake};
use vectis_testkit::connectwise::{ConnectWiseData, ConnectWiseFake};

mod common;
use common::{Cmd, cw_env, fresh_dir, run_owned as run, sync_atera_into};

fn shipped_rules() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules.toml")
}

async fn writes(fake: &ConnectWiseFake) -> usize {
    fake.received()
        .await
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .count()
}

#[test]
fn the_shipped_rules_file_parses() {
    let r = vectis_rules::Rules::load(&shipped_rules()).unwrap();
    assert!(!r.rules.is_empty());
    assert!(r.rules[0].ticket.close_when_resolved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_opens_one_ticket_per_key_prints_json_lines_and_refuses_bad_files_before_sending() {
    let names: Vec<String> = ["Acme Ltd", "Globex Corporation", "Initech LLC"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let atera = AteraFake::with_data(AteraData::generate_for(&names, 9, 30, 7)).await;
    let cwf = ConnectWiseFake::with_data(ConnectWiseData::generate_for(&names, 0, 0, 5)).await;
    let dir = fresh_dir("rules-cli");
    let store = format!("sqlite://{}", dir.join("vectis.db").display());
    let r = sync_atera_into(&store, &atera.uri()).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let env = cw_env(&cwf.uri());
    let r = run(
        Cmd::Sync,
        &[
            "connectwise",
            "--rate-limit",
            "off",
            "--store",
            &store,
            "--only",
            "customers",
        ],
        &env,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let r = run(
        Cmd::Match,
        &["--store", &store, "--rmm", "atera", "--psa", "connectwise"],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let before = cwf.received().await.len();

    // A bad file: exit 2, file:line: field, nothing sent.
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(shipped_rules()).unwrap();
    std::fs::write(
        &bad,
        text.replace("close_when_resolved", "close_if_resolved"),
    )
    .unwrap();
    let bad_s = bad.display().to_string();
    let with_bad_rules = [
        "--store",
        &store,
        "--rules",
        &bad_s,
        "--psa",
        "connectwise",
        "--rate-limit",
        "off",
    ];
    let r = run(Cmd::Rules, &with_bad_rules, &env).await;
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err.contains(&format!("{bad_s}:15: close_if_resolved:")),
        "{}",
        r.err
    );
    assert_eq!(cwf.received().await.len(), before, "nothing was sent");

    // A board the PSA does not have: exit 2 naming the line, nothing written.
    std::fs::write(&bad, text.replace("\"Help Desk\"", "\"Helpdesk 2\"")).unwrap();
    let r = run(Cmd::Rules, &with_bad_rules, &env).await;
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err.contains(":13: rule.ticket.board:") && r.err.contains("Helpdesk 2"),
        "{}",
        r.err
    );
    assert_eq!(writes(&cwf).await, 0);

    // A dry run prints the creates and writes nothing.
    let good = shipped_rules().display().to_string();
    let args = [
        "--store",
        store.as_str(),
        "--rules",
        good.as_str(),
        "--psa",
        "connectwise",
        "--rate-limit",
        "off",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let r = run(Cmd::Rules, &dry, &env).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let planned = r.json_lines();
    let planned_creates = planned.iter().filter(|l| l["action"] == "create").count();
    assert!(planned_creates > 0, "{}", r.out);
    assert!(r.err.contains("(dry run: nothing changed)"), "{}", r.err);
    assert_eq!(writes(&cwf).await, 0);

    // The run: the same creates, as JSON lines with every field.
    let r = run(Cmd::Rules, &args, &env).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let lines = r.json_lines();
    let creates: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["action"] == "create").collect();
    assert_eq!(creates.len(), planned_creates);
    for c in &creates {
        for field in ["action", "rule", "key", "ticket_id", "alert_ids", "reason"] {
            assert!(c.get(field).is_some(), "{field} missing in {c}");
        }
        assert!(c["key"].as_str().unwrap().starts_with("vectis:"));
    }
    assert_eq!(cwf.created_ticket_ids().len(), creates.len());
    assert!(
        r.err
            .starts_with(&format!("rules: {} create, 0 adopt", creates.len())),
        "{}",
        r.err
    );

    // Again: nothing new.
    let r = run(Cmd::Rules, &args, &env).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.lines().all(|l| l.contains("\"action\":\"skip\"")),
        "{}",
        r.out
    );
    assert_eq!(cwf.created_ticket_ids().len(), creates.len());
}
