//! What a row holds, on SQLite and PostgreSQL: the vendor's JSON byte for
//! byte as serialized (escapes, unicode, numbers at their limits), the
//! normalized columns with their types, and every record read back equal to
//! what the connector produced.

use super::*;
use serde_json::json;
use vectis_core::Record;
use vectis_testkit::ListAll;

on_both_backends!(
    rows_hold_the_vendor_json_byte_for_byte_and_typed_columns,
    the_record_stream_reads_every_row_once_in_order_chunk_after_chunk,
);

/// `(connection, id)` of every live device, as plain SQL orders them.
async fn device_keys(store: &Store, connection: Option<&str>) -> Vec<(String, String)> {
    let sql = match connection {
        Some(_) => {
            "SELECT connection, id FROM devices WHERE deleted_at IS NULL AND connection = $1 ORDER BY connection, id"
        }
        None => {
            "SELECT connection, id FROM devices WHERE deleted_at IS NULL ORDER BY connection, id"
        }
    };
    let sql = store.sql(sql);
    let mut q = sqlx::query(&sql);
    if let Some(c) = connection {
        q = q.bind(c.to_string());
    }
    q.fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect()
}

/// More devices than one chunk, in two connections: the stream gives each
/// row once, in the store's order, across chunk and connection boundaries,
/// and follows the filter.
async fn the_record_stream_reads_every_row_once_in_order_chunk_after_chunk(backend: &str) {
    use futures::TryStreamExt;
    let fake = AteraFake::with_data(AteraData::generate(3, 1_234, 0, 17)).await;
    let t = RecordingTime::new();
    let store = fresh(backend).await;
    let c = atera(&fake, &t);
    for name in ["b-second", "a-first"] {
        let r = Syncer::new(&store, &c)
            .connection(name)
            .options(opts(&t).page_size(50).kinds([Kind::Devices]))
            .run()
            .await
            .unwrap();
        assert!(r.is_ok(), "{r:?}");
    }
    let keys = |recs: Vec<vectis_sync::StoredRecord>| -> Vec<(String, String)> {
        recs.into_iter()
            .map(|r| (r.connection, r.record.id().to_string()))
            .collect()
    };
    let devices = RecordFilter::new().kinds([Kind::Devices]);
    let all: Vec<_> = store.record_stream(&devices).try_collect().await.unwrap();
    assert!(
        all.len() > 2 * vectis_sync::store::EXPORT_CHUNK,
        "{}",
        all.len()
    );
    assert_eq!(keys(all), device_keys(&store, None).await);
    let one = devices.clone().connection("b-second");
    let b: Vec<_> = store.record_stream(&one).try_collect().await.unwrap();
    assert_eq!(b.len(), 1_234);
    // Without the vendor JSON: the same records, `raw` null, nothing else
    // changed.
    let lean: Vec<_> = store
        .record_stream(&one.clone().skip_raw(true))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(lean.len(), b.len());
    for (full, lean) in b.iter().zip(&lean) {
        let mut expected = full.clone();
        if let Record::Device(d) = &mut expected.record {
            assert!(!d.raw.is_null());
            d.raw = serde_json::Value::Null;
        }
        assert_eq!(&expected, lean);
    }
    assert_eq!(keys(b), device_keys(&store, Some("b-second")).await);
}

/// Every record of `kind` the connector lists.
async fn listed(c: &AteraConnector, kind: Kind) -> Vec<Record> {
    match kind {
        Kind::Customers => c
            .all_customers()
            .await
            .unwrap()
            .into_iter()
            .map(Record::Customer)
            .collect(),
        Kind::Devices => c
            .all_devices()
            .await
            .unwrap()
            .into_iter()
            .map(Record::Device)
            .collect(),
        other => panic!("this test lists customers and devices, not {other}"),
    }
}

async fn rows_hold_the_vendor_json_byte_for_byte_and_typed_columns(backend: &str) {
    let (store, _) = vectis_testkit::store::fresh_store(backend, "vectis-rows-test").await;
    let mut data = AteraData::generate(4, 9, 0, 21);
    // A customer whose JSON has everything that escaping and number
    // formatting can get wrong.
    data.customers.push(json!({
        "CustomerID": 990_001,
        "CustomerName": "Ça \"marche\" — 東京\\n 👍 \u{1}",
        "CreatedOn": "2024-01-02T03:04:05Z",
        // Seven fractional digits, as Atera sends them; the store keeps
        // timestamp columns to the microsecond (the raw JSON keeps all).
        "LastModified": "2024-01-02T03:04:05.1234560",
        "Notes": "line\nbreak\ttab </script>",
        "Longitude": -0.000_001_234_5,
        "Latitude": 1.0e300,
        "BusinessNumber": 18_446_744_073_709_551_615u64,
        "Fax": -9_223_372_036_854_775_808i64,
        "Links": [null, true, false, 0, 1.5, "", {}],
        "Domain": null,
    }));
    let fake = AteraFake::with_data(data).await;
    let t = RecordingTime::new();
    let c = AteraConnector::builder(SecretString::from(ATERA_API_KEY))
        .base_url(&fake.uri())
        .settings(vectis_testkit::unthrottled(&t, 2))
        .build()
        .unwrap();
    let r = Syncer::new(&store, &c)
        .options(SyncOptions::new().time(t.time()).page_size(3))
        .run()
        .await
        .unwrap();
    assert!(r.is_ok(), "{r:?}");

    for kind in [Kind::Customers, Kind::Devices] {
        let mut want = listed(&c, kind).await;
        assert!(!want.is_empty());
        want.sort_by(|a, b| a.id().cmp(b.id()));
        let mut got = store.live("atera", kind).await.unwrap();
        got.sort_by(|a, b| a.id().cmp(b.id()));
        assert_eq!(got, want, "{kind} read back as the connector made them");
        for rec in &want {
            let raw = match rec {
                Record::Customer(x) => &x.raw,
                Record::Device(x) => &x.raw,
                Record::Alert(x) => &x.raw,
                Record::Ticket(x) => &x.raw,
            };
            let sql = match backend {
                "postgres" => format!("SELECT raw FROM {kind} WHERE id = $1"),
                _ => format!("SELECT raw FROM {kind} WHERE id = ?1"),
            };
            let stored: String = sqlx::query(&sql)
                .bind(rec.id().to_string())
                .fetch_one(store.pool())
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            assert_eq!(
                stored,
                serde_json::to_string(raw).unwrap(),
                "{kind} {}",
                rec.id()
            );
        }
    }

    // The device columns keep their types: `online` an integer (or NULL),
    // text columns text.
    let online: Vec<Option<i64>> = sqlx::query("SELECT online FROM devices ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<Option<i64>, _>(0).unwrap())
        .collect();
    assert_eq!(online.len(), 9);
    assert!(
        online.iter().flatten().all(|v| *v == 0 || *v == 1),
        "{online:?}"
    );
    assert!(online.iter().any(|v| v.is_some()), "{online:?}");
    let name: String = sqlx::query(match backend {
        "postgres" => "SELECT name FROM customers WHERE id = $1",
        _ => "SELECT name FROM customers WHERE id = ?1",
    })
    .bind("990001")
    .fetch_one(store.pool())
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    assert_eq!(name, "Ça \"marche\" — 東京\\n 👍 \u{1}");
}

/// A new SQLite store file: WAL, 16 KiB pages (a quarter of the WAL frames
/// for rows of a kilobyte and more), statement journals in memory (no
/// temporary file a page) and checkpoints every 2,048 pages, on every
/// connection of the pool.
#[tokio::test]
async fn a_new_sqlite_store_is_set_up_for_bulk_pages() {
    let store = fresh("sqlite").await;
    let mut conns = Vec::new();
    for _ in 0..2 {
        conns.push(store.pool().acquire().await.unwrap());
    }
    for conn in &mut conns {
        let mut read = async |pragma: &str| -> String {
            let row = sqlx::query(&format!("PRAGMA {pragma}"))
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            row.try_get::<String, _>(0)
                .or_else(|_| row.try_get::<i64, _>(0).map(|v| v.to_string()))
                .unwrap()
        };
        assert_eq!(read("journal_mode").await, "wal");
        assert_eq!(read("page_size").await, "16384");
        // 2 = MEMORY
        assert_eq!(read("temp_store").await, "2");
        assert_eq!(read("wal_autocheckpoint").await, "2048");
    }
}
