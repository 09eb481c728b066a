//! Stores written by an earlier version: hashes of the first definition
//! and runs begun under schema version 1 are carried over, never rewritten
//! or lost.

use super::*;

on_both_backends!(
    a_store_from_before_the_hash_change_is_upgraded_without_a_rewrite,
    a_run_begun_before_the_upgrade_keeps_the_ids_it_saw,
);

/// Every device row's id and stored hash.
async fn device_hashes(store: &Store) -> Vec<(String, String)> {
    sqlx::query("SELECT id, hash FROM devices ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect()
}

/// The content hash's first definition (FNV-1a over the record's JSON, two
/// offsets, 32 hex digits), written here from its description, not from
/// vectis-sync's code.
fn first_hash(rec: &vectis_core::Record) -> String {
    let bytes = serde_json::to_vec(rec).unwrap();
    let fnv = |offset: u64| {
        bytes.iter().fold(offset, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

async fn a_store_from_before_the_hash_change_is_upgraded_without_a_rewrite(backend: &str) {
    use vectis_testkit::ListAll;
    let data = AteraData::generate(3, 25, 2, 11);
    let fake = AteraFake::with_data(data).await;
    let t = RecordingTime::new();
    let c = atera(&fake, &t);
    let store = fresh(backend).await;
    let only_devices = || opts(&t).kinds([Kind::Devices]).full(true);
    let first = Syncer::new(&store, &c)
        .options(only_devices())
        .run()
        .await
        .unwrap();
    assert_eq!(first.kinds[0].new, 25);

    // Rewind the stored hashes to the first definition, as a store written
    // by an earlier version holds them; one of them stale.
    let records: Vec<vectis_core::Record> = c
        .all_devices()
        .await
        .unwrap()
        .into_iter()
        .map(vectis_core::Record::Device)
        .collect();
    assert_eq!(records.len(), 25);
    let stale = records[0].id().to_string();
    for rec in &records {
        let h = if rec.id() == stale {
            "0".repeat(32)
        } else {
            first_hash(rec)
        };
        let sql = match backend {
            "postgres" => "UPDATE devices SET hash = $1 WHERE id = $2",
            _ => "UPDATE devices SET hash = ?1 WHERE id = ?2",
        };
        sqlx::query(sql)
            .bind(h)
            .bind(rec.id().to_string())
            .execute(store.pool())
            .await
            .unwrap();
    }
    let before = store.records(&RecordFilter::new()).await.unwrap();

    // The upgraded sync: only the stale one is changed; the others keep
    // their rows and get the new hash.
    t.advance(Duration::from_secs(60));
    let again = Syncer::new(&store, &c)
        .options(only_devices())
        .run()
        .await
        .unwrap();
    let k = &again.kinds[0];
    assert_eq!((k.records, k.new, k.changed), (25, 0, 1), "{k}");
    let hashes = device_hashes(&store).await;
    assert_eq!(hashes.len(), 25);
    assert!(
        hashes.iter().all(|(_, h)| h.starts_with("h2:")),
        "{hashes:?}"
    );
    let after = store.records(&RecordFilter::new()).await.unwrap();
    let unchanged = |list: &[vectis_sync::StoredRecord]| -> Vec<vectis_sync::StoredRecord> {
        list.iter()
            .filter(|r| r.record.id() != stale)
            .cloned()
            .collect()
    };
    assert_eq!(unchanged(&before), unchanged(&after));

    // And from then on the new hashes hold: nothing changed, nothing written.
    t.advance(Duration::from_secs(60));
    let third = Syncer::new(&store, &c)
        .options(only_devices())
        .run()
        .await
        .unwrap();
    assert_eq!((third.kinds[0].new, third.kinds[0].changed), (0, 0));
    let hashes_again = device_hashes(&store).await;
    assert_eq!(hashes, hashes_again);
}

/// A full run interrupted under schema version 1 (ids seen in `run_seen`,
/// one row each) and resumed by this version (one `run_pages` row a page):
/// the ids of both count as seen, so nothing is marked gone.
async fn a_run_begun_before_the_upgrade_keeps_the_ids_it_saw(backend: &str) {
    let store = fresh(backend).await;
    let t = RecordingTime::new();
    let fake = AteraFake::with_data(AteraData::generate(47, 0, 0, 4)).await;
    let c = atera(&fake, &t);
    let o = || opts(&t).kinds([Kind::Customers]).full(true);
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert!(r.is_ok(), "{r:?}");

    // The second full run fails on page 3 of 5, after two committed pages.
    fail_customers_page_3_once(&fake, ResponseTemplate::new(401)).await;
    t.advance(Duration::from_secs(60));
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert_eq!(r.kinds[0].status, RunStatus::Failed);
    // As version 1 would have left it: the 20 ids seen, one row each.
    let to_rows = match backend {
        "postgres" => {
            "INSERT INTO run_seen (run_id, id) SELECT p.run_id, j.id FROM run_pages p CROSS JOIN LATERAL jsonb_array_elements_text(p.ids::jsonb) AS j(id)"
        }
        _ => {
            "INSERT INTO run_seen (run_id, id) SELECT p.run_id, j.value FROM run_pages p, json_each(p.ids) j"
        }
    };
    sqlx::query(to_rows).execute(store.pool()).await.unwrap();
    sqlx::query("DELETE FROM run_pages")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(rows_in(&store, "run_seen").await, 20);

    t.advance(Duration::from_secs(60));
    let r = Syncer::new(&store, &c).options(o()).run().await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert!(r.kinds[0].resumed);
    assert_eq!(r.kinds[0].gone, 0, "{}", r.kinds[0]);
    assert_eq!(live_ids(&store, "atera", Kind::Customers).await.len(), 47);
    assert_eq!(rows_in(&store, "run_seen").await, 0, "emptied at the end");
    assert_eq!(rows_in(&store, "run_pages").await, 0, "emptied at the end");
}
