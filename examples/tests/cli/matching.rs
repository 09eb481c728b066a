//! `match` on files: one-to-one links, doubtful ones left unlinked, usage
//! errors and overrides.

use super::*;

/// Runs `match` with `args` and an empty environment.
async fn matching(args: &[&str]) -> Run {
    common::run(Cmd::Match, args, &[]).await
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
    let lines = r.json_lines();
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
    let lines = r.json_lines();
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
