//! The `demo` example end to end: what `cargo run --example demo` prints.

use vectis_testkit::assert_mentions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_the_hub_with_every_vendor_and_the_unlinked() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    vectis_examples::demo::run(&mut out, &mut err)
        .await
        .expect("the demo runs");
    let out = String::from_utf8(out).unwrap();
    for vendor in ["Atera", "Kaseya VSA", "Datto RMM", "ConnectWise"] {
        assert!(out.contains(vendor), "{vendor} missing:\n{out}");
    }
    assert!(out.contains("CUSTOMER HUB"), "{out}");
    // A messy spelling links to its company; near-namesakes stay apart.
    let acme = company_block(&out, "Acme Ltd");
    assert!(acme.contains("\"ACME Limited\""), "{acme}");
    assert!(acme.contains("\"Acme Ltd - London\""), "{acme}");
    assert!(acme.contains("Kaseya VSA  \"Acme\""), "{acme}");
    // Every RMM synced devices and alerts (a connector that lost them all
    // would still print its name).
    let synced = out.split("CUSTOMER HUB").next().unwrap_or("");
    for vendor in ["Atera", "Kaseya VSA", "Datto RMM"] {
        let line = synced
            .lines()
            .find(|l| l.trim_start().starts_with(vendor))
            .unwrap_or_else(|| panic!("no SYNCED line for {vendor}:\n{synced}"));
        let count = |noun: &str| -> u64 {
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| *w == noun).expect(noun);
            words[at - 1].parse().expect("a count")
        };
        assert!(count("devices") > 0 && count("alerts") > 0, "{line}");
    }
    let smith_dental = company_block(&out, "Smith Dental");
    assert!(smith_dental.contains("\"Smith Dental\""), "{smith_dental}");
    assert!(
        !smith_dental.contains("\"Smith Dental Lab\""),
        "{smith_dental}"
    );
    // Customers with no PSA company wait for a person, never linked.
    let waiting = out.split("WAITING FOR A PERSON").nth(1).expect("waiting");
    for name in [
        "\"Internal\"",
        "\"NOC\"",
        "\"Lab\"",
        "\"Demo Lab\"",
        "\"Harbor View Veterinary\"",
        "\"zz Old Customer [OLD]\"",
    ] {
        assert!(waiting.contains(name), "{name} should wait:\n{waiting}");
    }
    assert!(out.contains("critical"), "alerts by severity");
    // The rules ran against the ConnectWise fake and opened tickets.
    let rules = out.split("RULES (").nth(1).expect("a RULES section");
    assert!(
        rules.contains("      #"),
        "tickets listed per company:\n{rules}"
    );
    assert!(!rules.contains(" 0 create,"), "{rules}");
    assert!(
        !String::from_utf8(err).unwrap().is_empty(),
        "progress on stderr"
    );
}

/// The hub lines under the company `name` (its RMM customers).
fn company_block(out: &str, name: &str) -> String {
    let header = format!("  {name}  [#");
    out.lines()
        .skip_while(|l| !l.starts_with(&header))
        .skip(1)
        .take_while(|l| l.starts_with("      "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_goes_through_the_store_and_keeps_it_when_given_one() {
    let dir = std::env::temp_dir().join(format!("vectis-demo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("kept.db").display());
    for round in 0..2 {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = vectis_examples::demo::main_with(
            &["--store".to_string(), url.clone()],
            &mut out,
            &mut err,
        )
        .await;
        let err = String::from_utf8(err).unwrap();
        assert_eq!(code, 0, "{err}");
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("CUSTOMER HUB from the store"), "{out}");
        if round == 1 {
            // The second run finds every record already stored, unchanged.
            assert_mentions(&err, &["Atera: 22 customers (0 new, 0 changed, 0 gone)"]);
        }
    }
    // What the demo printed is in the store for anyone to read again.
    let store = vectis_sync::Store::open(&url).await.unwrap();
    let hub = store.hub().await.unwrap();
    assert!(
        hub.companies
            .iter()
            .any(|c| c.name == "Acme Ltd" && c.customers.len() == 3)
    );
    assert!(
        hub.unlinked
            .iter()
            .any(|u| u.rmm_name == "Harbor View Veterinary")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
