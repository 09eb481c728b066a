//! Fresh stores for tests, on SQLite or on the PostgreSQL server named by
//! `VECTIS_TEST_POSTGRES_URL` (`.ci/postgres.sh start DIR` starts one), and
//! [`on_both_backends!`](crate::on_both_backends), which runs one scenario on
//! each.

use vectis_sync::Store;

/// A fresh, empty store of `backend` (`sqlite` or `postgres`) and its URL:
/// a new SQLite file under the temp folder, or a new database on the
/// PostgreSQL server in `VECTIS_TEST_POSTGRES_URL`. Panics (a test helper)
/// when that server is not given or cannot be reached.
pub async fn fresh_store(backend: &str, prefix: &str) -> (Store, String) {
    match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!(
                "{prefix}-{}-{:016x}",
                std::process::id(),
                unique_u64()
            ));
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let url = format!("sqlite://{}", dir.join("store.db").display());
            let store = Store::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
            (store, url)
        }
        "postgres" => {
            let admin = std::env::var("VECTIS_TEST_POSTGRES_URL").unwrap_or_else(|_| {
                panic!(
                    "VECTIS_TEST_POSTGRES_URL is not set: start a server with .ci/postgres.sh (CI=true never skips these tests)"
                )
            });
            let name = format!("{}_{:016x}", prefix.replace('-', "_"), unique_u64());
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .unwrap_or_else(|e| {
                    panic!("cannot reach the PostgreSQL server in VECTIS_TEST_POSTGRES_URL: {e}")
                });
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
            let mut url = url::Url::parse(&admin).unwrap_or_else(|e| panic!("{e}"));
            url.set_path(&format!("/{name}"));
            let store = Store::open(url.as_str())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            (store, url.to_string())
        }
        other => panic!("unknown backend {other}: sqlite or postgres"),
    }
}

/// A number that differs between calls and processes (names of temporary
/// files and databases).
pub fn unique_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish()
}

/// Runs each scenario `async fn name(backend: &str)` twice, as
/// `sqlite::name` and `postgres::name`. The PostgreSQL ones are reported as
/// ignored, with the reason, when the testkit was built without
/// `VECTIS_TEST_POSTGRES_URL` (see its `build.rs`); under `CI=true` never.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name("sqlite").await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    vectis_no_postgres,
                    ignore = "no PostgreSQL: set VECTIS_TEST_POSTGRES_URL (.ci/postgres.sh starts one)"
                )]
                async fn $name() {
                    super::$name("postgres").await;
                }
            )*
        }
    };
}
