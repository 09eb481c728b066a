//! Stores and values this build refuses, each saying what to do.

use super::*;

#[tokio::test]
async fn a_store_from_a_newer_version_is_refused_and_bad_urls_say_what_to_do() {
    let store = fresh("sqlite").await;
    sqlx::query("UPDATE vectis_meta SET value = '99' WHERE key = 'schema_version'")
        .execute(store.pool())
        .await
        .unwrap();
    let url = store.url().to_string();
    drop(store);
    let e = Store::open(&url).await.unwrap_err().to_string();
    assert_mentions(&e, &["schema version 99", "upgrade"]);

    let e = Store::open("mysql://u:pw@h/db").await.unwrap_err();
    assert!(e.is_config() && !e.to_string().contains("pw"), "{e}");
    let e = Store::open("sqlite:///nonexistent-dir-vectis/x/y.db")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("sqlite:///nonexistent-dir-vectis/x/y.db"), "{e}");
    assert!(e.contains("folder"), "{e}");
    let e = Store::open("postgres://vectis:hunter2@127.0.0.1:1/db")
        .await
        .unwrap_err()
        .to_string();
    assert!(!e.contains("hunter2") && e.contains("***"), "{e}");
}

#[tokio::test]
async fn a_connection_name_keeps_its_vendor() {
    let store = fresh("sqlite").await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(2, 0, 0, 1)).await;
    let c = atera(&fake, &t);
    sqlx::query(
        "INSERT INTO connections (name, vendor, created_at) VALUES ('x', 'datto-rmm', 'now')",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let e = Syncer::new(&store, &c)
        .connection("x")
        .options(opts(&t))
        .run()
        .await
        .unwrap_err();
    assert!(e.is_config(), "{e}");
    assert!(e.to_string().contains("Datto RMM"), "{e}");
}

#[tokio::test]
async fn a_value_the_build_cannot_read_says_what_to_do() {
    let store = fresh("sqlite").await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(2, 0, 0, 1)).await;
    sync_customers(&store, &atera(&fake, &t), &t).await;
    // The error reading the records after `update` changed them by hand.
    let damaged = async |update: &str| {
        sqlx::query(update).execute(store.pool()).await.unwrap();
        store
            .records(&RecordFilter::new())
            .await
            .unwrap_err()
            .to_string()
    };
    let e = damaged("UPDATE customers SET vendor = 'hal-9000'").await;
    assert_mentions(&e, &["hal-9000", "sync into a new store"]);

    // The vendor's JSON, damaged: an error naming the column, not a record
    // whose `raw` is silently null.
    let e = damaged("UPDATE customers SET vendor = 'atera', raw = '{\"CustomerID\": 1,'").await;
    assert_mentions(&e, &["column raw", "not JSON", "sync into a new store"]);
}
