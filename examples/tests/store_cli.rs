//! The store's command lines (DESIGN.md, "Sync into a store") driven through
//! the functions the examples' `main`s call: `sync --store`, `store export`,
//! `store runs`, `match --store`, `hub`, on a real SQLite file.

use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};
use vectis_testkit::connectwise::{ConnectWiseData, ConnectWiseFake};

mod common;
use common::{Cmd, cw_env, fresh_dir, run, sync_atera_into};

/// A SQLite store in a new directory.
fn temp_store() -> String {
    let dir = fresh_dir("store-cli");
    format!("sqlite://{}", dir.join("vectis.db").display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_into_a_store_then_export_runs_match_and_hub() {
    let names: Vec<String> = [
        "Acme Ltd",
        "Globex Corporation",
        "Initech LLC",
        "Umbrella Corp",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let atera = AteraFake::with_data(AteraData::generate_for(&names, 11, 9, 3)).await;
    let cwf = ConnectWiseFake::with_data(ConnectWiseData::generate_for(&names, 6, 2, 5)).await;
    let store = temp_store();

    // sync --store: no records on stdout, one summary line per kind.
    let r = sync_atera_into(&store, &atera.uri()).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.is_empty(), "{}", r.out);
    assert!(
        r.err
            .contains("Atera: 4 customers (4 new, 0 changed, 0 gone)"),
        "{}",
        r.err
    );
    assert!(r.err.contains("Atera: 11 devices (11 new"), "{}", r.err);

    // Again: nothing new, nothing changed.
    let r = sync_atera_into(&store, &atera.uri()).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.err
            .contains("Atera: 0 customers (0 new, 0 changed, 0 gone; incremental: changes only)"),
        "{}",
        r.err
    );
    assert!(
        r.err
            .contains("Atera: 11 devices (0 new, 0 changed, 0 gone)"),
        "{}",
        r.err
    );

    // The PSA, from VECTIS_STORE instead of --store.
    let env = cw_env(&cwf.uri());
    let mut envs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    envs.push(("VECTIS_STORE", &store));
    let r = run(
        Cmd::Sync,
        &["connectwise", "--rate-limit", "off", "--connection", "cw"],
        &envs,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);

    // store export: the sync shape plus connection and sync times.
    let r = run(
        Cmd::Store,
        &["export", "--store", &store, "--only", "customers"],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let recs = r.json_lines();
    assert_eq!(recs.len(), 8);
    let first = &recs[0];
    assert_eq!(first["type"], "customer");
    assert!(first["connection"].is_string() && first["first_synced_at"].is_string());
    assert!(first["deleted_at"].is_null());
    assert!(first.get("raw").is_none());
    let r = run(
        Cmd::Store,
        &["export", "--store", &store, "--only", "customers", "--raw"],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.json_lines().iter().all(|l| l["raw"].is_object()),
        "--raw keeps the vendor JSON"
    );

    // store runs: one JSON line per run, newest last.
    let r = run(
        Cmd::Store,
        &["runs", "--store", &store, "--connection", "atera"],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let runs = r.json_lines();
    assert_eq!(runs.len(), 6);
    assert!(runs.iter().all(|r| r["status"] == "ok"));

    // match --store with a person's decision.
    let acme = recs
        .iter()
        .find(|r| r["connection"] == "atera" && r["name"] == "Acme Ltd")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let keep = format!("atera:{acme}");
    let r = run(
        Cmd::Match,
        &[
            "--store",
            &store,
            "--rmm",
            "atera",
            "--psa",
            "cw",
            "--keep-separate",
            &keep,
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let links = r.json_lines();
    assert_eq!(links.len(), 4);
    let a_link = links.iter().find(|l| l["rmm_id"] == acme.as_str()).unwrap();
    assert!(a_link["psa_id"].is_null());
    assert_eq!(a_link["reason"], "override");
    assert_eq!(a_link["connection"], "atera");
    assert_eq!(links.iter().filter(|l| !l["psa_id"].is_null()).count(), 3);

    // The decision survives a re-sync and a re-match without the flag.
    let r = sync_atera_into(&store, &atera.uri()).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let r = run(
        Cmd::Match,
        &["--store", &store, "--rmm", "atera", "--psa", "cw"],
        &[],
    )
    .await;
    let links = r.json_lines();
    let a_link = links.iter().find(|l| l["rmm_id"] == acme.as_str()).unwrap();
    assert!(a_link["psa_id"].is_null(), "{a_link}");

    // hub: per company, devices and open alerts; the kept-separate one unlinked.
    let r = run(Cmd::Hub, &["--store", &store], &[]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let hub = r.json_lines();
    let companies: Vec<_> = hub.iter().filter(|l| l["type"] == "company").collect();
    let unlinked: Vec<_> = hub.iter().filter(|l| l["type"] == "unlinked").collect();
    assert_eq!(unlinked.len(), 1);
    assert_eq!(unlinked[0]["rmm_name"], "Acme Ltd");
    let r = run(Cmd::Hub, &["--store", &store, "--format", "table"], &[]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let kept = r
        .out
        .split("Not linked to a PSA company:")
        .nth(1)
        .unwrap_or("");
    assert!(
        kept.contains("Acme Ltd") && kept.contains("kept separate by a person"),
        "{}",
        r.out
    );
    let devices: u64 = companies
        .iter()
        .flat_map(|c| c["customers"].as_array().unwrap())
        .map(|c| c["devices"].as_u64().unwrap())
        .sum();
    let acme_devices = AteraData::generate_for(&names, 11, 9, 3)
        .agents
        .iter()
        .filter(|a| format!("{}", a["CustomerID"]) == acme)
        .count() as u64;
    assert_eq!(devices + acme_devices, 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_tenant_after_a_full_store_is_held_and_exits_1_saying_how_to_confirm() {
    let store = temp_store();
    let key = [("ATERA_API_KEY", ATERA_API_KEY)];
    let full = AteraFake::with_data(AteraData::generate(10, 0, 0, 1)).await;
    let a = [
        "atera",
        "--base-url",
        &full.uri(),
        "--rate-limit",
        "off",
        "--store",
        &store,
        "--only",
        "customers",
        "--full",
    ];
    assert_eq!(run(Cmd::Sync, &a, &key).await.code, 0);
    let empty = AteraFake::with_data(AteraData::generate(0, 0, 0, 1)).await;
    let mut a = a.to_vec();
    a[2] = empty.uri().leak();
    let r = run(Cmd::Sync, &a, &key).await;
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(
        r.err.starts_with("error: Atera: 0 customers") && r.err.contains("--allow-mass-delete"),
        "{}",
        r.err
    );
    let r = run(Cmd::Store, &["export", "--store", &store], &[]).await;
    assert_eq!(r.json_lines().len(), 10, "nothing was lost");
    a.push("--allow-mass-delete");
    let r = run(Cmd::Sync, &a, &key).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("10 gone"), "{}", r.err);
    let r = run(Cmd::Store, &["export", "--store", &store, "--deleted"], &[]).await;
    let recs = r.json_lines();
    assert_eq!(recs.len(), 10);
    assert!(recs.iter().all(|r| r["deleted_at"].is_string()));
}

/// An Atera fake and a store file it has been synced into once.
async fn synced_atera_store() -> (AteraFake, String) {
    let atera = AteraFake::with_data(AteraData::generate(3, 5, 4, 9)).await;
    let store = temp_store();
    let first = sync_atera_into(&store, &atera.uri()).await;
    assert_eq!(first.code, 0, "{}", first.err);
    (atera, store)
}

/// Asserts that `err` holds exactly one `error:` line, naming the store
/// file and saying `what`.
fn one_error_line_saying(err: &str, what: &str) {
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains(what), "{err}");
    assert!(errors[0].contains("vectis.db"), "{err}");
}

/// A store that cannot be written (here opened read-only): `sync` ends with
/// one `error:` line naming the store and saying it is read-only, and exit 1;
/// what was stored before is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_store_is_one_error_line_saying_so_and_keeps_its_data() {
    let (atera, store) = synced_atera_store().await;
    let sync = |store: String| {
        let uri = atera.uri();
        async move { sync_atera_into(&store, &uri).await }
    };
    let before = run(Cmd::Store, &["export", "--store", &store], &[]).await;
    assert_eq!(before.code, 0, "{}", before.err);

    let ro = format!("{store}?mode=ro");
    let r = sync(ro).await;
    assert_eq!(r.code, 1, "{}", r.err);
    one_error_line_saying(&r.err, "read-only");

    let after = run(Cmd::Store, &["export", "--store", &store], &[]).await;
    assert_eq!(
        after.out, before.out,
        "the read-only attempt changed the store"
    );
}

/// A store another process is writing (an exclusive transaction open on
/// it): `sync` ends with one `error:` line naming the store and saying
/// another process holds it, and exit 1 — at once with `busy_timeout=0`
/// (the default waits 30 s for the lock) — and syncs once it is released.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_is_one_error_line_saying_another_process_holds_it() {
    let (atera, store) = synced_atera_store().await;
    let sync = |store: String| {
        let uri = atera.uri();
        async move { sync_atera_into(&store, &uri).await }
    };

    let holder = vectis_sync::Store::open(&store).await.unwrap();
    let mut conn = holder.pool().acquire().await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut *conn)
        .await
        .unwrap();
    let r = sync(format!("{store}?busy_timeout=0")).await;
    assert_eq!(r.code, 1, "{}", r.err);
    one_error_line_saying(&r.err, "another process holds the database");

    sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
    drop(conn);
    let again = sync(store.clone()).await;
    assert_eq!(again.code, 0, "{}", again.err);
}

#[tokio::test]
async fn store_errors_exit_2_for_bad_urls_and_never_show_a_password() {
    let r = run(
        Cmd::Store,
        &["runs", "--store", "mysql://u:hunter2@h/db"],
        &[],
    )
    .await;
    assert_eq!(r.code, 2);
    assert!(
        r.err.starts_with("error:") && !r.err.contains("hunter2"),
        "{}",
        r.err
    );
    assert_eq!(r.err.lines().count(), 1);

    let r = run(Cmd::Store, &["runs"], &[]).await;
    assert_eq!(r.code, 2);
    assert!(r.err.contains("VECTIS_STORE"), "{}", r.err);

    let r = run(
        Cmd::Hub,
        &["--store", "postgres://vectis:hunter2@127.0.0.1:1/x"],
        &[],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(
        !r.err.contains("hunter2") && r.err.contains("***"),
        "{}",
        r.err
    );

    let r = run(
        Cmd::Sync,
        &["atera", "--full"],
        &[("ATERA_API_KEY", ATERA_API_KEY)],
    )
    .await;
    assert_eq!(r.code, 2);
    assert!(r.err.contains("--store"), "{}", r.err);
}

#[test]
fn parsed_arguments_never_show_a_store_or_redis_password_in_debug() {
    use clap::Parser;
    let sync = vectis_examples::cli::SyncArgs::try_parse_from([
        "sync",
        "atera",
        "--store",
        "postgres://vectis:hunter2@db.example/vectis",
        "--shared-quota",
        "redis://:hunter2@127.0.0.1:6379",
    ])
    .unwrap();
    let shown = format!("{sync:?}");
    assert!(
        !shown.contains("hunter2") && shown.contains("db.example"),
        "{shown}"
    );
    let hub = vectis_examples::store_cmd::HubArgs::try_parse_from([
        "hub",
        "--store",
        "postgres://vectis:hunter2@db.example/vectis",
    ])
    .unwrap();
    assert!(!format!("{hub:?}").contains("hunter2"));
    let req = vectis_examples::store_cmd::StoreSync {
        url: "postgres://vectis:hunter2@db.example/vectis".into(),
        ..Default::default()
    };
    assert!(!format!("{req:?}").contains("hunter2"));
}
