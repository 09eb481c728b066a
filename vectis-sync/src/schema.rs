//! The schema, one version for both backends. Applied on open; a store
//! written by a newer version is refused.

use crate::url::Backend;

/// The schema version this build writes and reads.
///
/// 2 adds `run_pages` (the ids a full run saw, one row a page); version 1's
/// `run_seen` (one row an id) is still read for a run begun before.
pub const SCHEMA_VERSION: i64 = 2;

/// Columns every record table has, after its own.
const COMMON: &str = "raw TEXT NOT NULL,
    hash TEXT NOT NULL,
    first_synced_at TEXT NOT NULL,
    last_synced_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (connection, id)";

/// The statements of version 1, in order; each is idempotent.
pub fn v1(backend: Backend) -> Vec<String> {
    let (serial, real) = match backend {
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "REAL"),
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "DOUBLE PRECISION"),
    };
    vec![
        "CREATE TABLE IF NOT EXISTS vectis_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)".into(),
        "CREATE TABLE IF NOT EXISTS connections (
            name TEXT PRIMARY KEY,
            vendor TEXT NOT NULL,
            created_at TEXT NOT NULL)"
            .into(),
        format!(
            "CREATE TABLE IF NOT EXISTS customers (
            connection TEXT NOT NULL,
            id TEXT NOT NULL,
            vendor TEXT NOT NULL,
            name TEXT NOT NULL,
            updated_at TEXT,
            {COMMON})"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS devices (
            connection TEXT NOT NULL,
            id TEXT NOT NULL,
            vendor TEXT NOT NULL,
            customer_id TEXT,
            name TEXT NOT NULL,
            os TEXT,
            os_family TEXT,
            online BIGINT,
            last_seen TEXT,
            {COMMON})"
        ),
        "CREATE INDEX IF NOT EXISTS devices_by_customer ON devices (connection, customer_id)"
            .into(),
        format!(
            "CREATE TABLE IF NOT EXISTS alerts (
            connection TEXT NOT NULL,
            id TEXT NOT NULL,
            vendor TEXT NOT NULL,
            customer_id TEXT,
            device_id TEXT,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            title TEXT NOT NULL,
            created_at TEXT,
            resolved_at TEXT,
            {COMMON})"
        ),
        "CREATE INDEX IF NOT EXISTS alerts_by_customer ON alerts (connection, customer_id)".into(),
        format!(
            "CREATE TABLE IF NOT EXISTS tickets (
            connection TEXT NOT NULL,
            id TEXT NOT NULL,
            vendor TEXT NOT NULL,
            customer_id TEXT,
            summary TEXT NOT NULL,
            status TEXT,
            created_at TEXT,
            updated_at TEXT,
            {COMMON})"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS runs (
            id {serial},
            connection TEXT NOT NULL,
            vendor TEXT NOT NULL,
            kind TEXT NOT NULL,
            mode TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            since TEXT,
            next_watermark TEXT,
            watermark_source TEXT,
            cursor TEXT,
            pages BIGINT NOT NULL DEFAULT 0,
            requests BIGINT NOT NULL DEFAULT 0,
            records BIGINT NOT NULL DEFAULT 0,
            records_new BIGINT NOT NULL DEFAULT 0,
            records_changed BIGINT NOT NULL DEFAULT 0,
            records_gone BIGINT NOT NULL DEFAULT 0,
            records_revived BIGINT NOT NULL DEFAULT 0,
            processes BIGINT NOT NULL DEFAULT 1,
            error TEXT)"
        ),
        "CREATE INDEX IF NOT EXISTS runs_by_kind ON runs (connection, kind, id)".into(),
        "CREATE TABLE IF NOT EXISTS run_seen (
            run_id BIGINT NOT NULL,
            id TEXT NOT NULL,
            PRIMARY KEY (run_id, id))"
            .into(),
        "CREATE TABLE IF NOT EXISTS leases (
            connection TEXT NOT NULL,
            kind TEXT NOT NULL,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            PRIMARY KEY (connection, kind))"
            .into(),
        format!(
            "CREATE TABLE IF NOT EXISTS links (
            rmm_connection TEXT NOT NULL,
            rmm_id TEXT NOT NULL,
            psa_connection TEXT NOT NULL,
            psa_id TEXT,
            score {real} NOT NULL,
            reason TEXT,
            best_candidate TEXT,
            matched_at TEXT NOT NULL,
            PRIMARY KEY (rmm_connection, rmm_id, psa_connection))"
        ),
        "CREATE TABLE IF NOT EXISTS decisions (
            rmm_connection TEXT NOT NULL,
            rmm_id TEXT NOT NULL,
            psa_connection TEXT NOT NULL,
            psa_id TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (rmm_connection, rmm_id, psa_connection))"
            .into(),
    ]
}

/// The statements of version 2 (after version 1's), in order; each is
/// idempotent.
pub fn v2(backend: Backend) -> Vec<String> {
    let serial = match backend {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        // The ids a full run saw, one row per committed page (a JSON array
        // of ids): one insert a page instead of one per record.
        format!(
            "CREATE TABLE IF NOT EXISTS run_pages (
            seq {serial},
            run_id BIGINT NOT NULL,
            ids TEXT NOT NULL)"
        ),
        "CREATE INDEX IF NOT EXISTS run_pages_by_run ON run_pages (run_id)".into(),
        // What a sync compares a page against, without reading the rows:
        // each record's hash, tombstone and version stamp by id. An
        // unchanged sync read every row (1.5 KB of it, the vendor JSON
        // included) to get at its hash.
        "CREATE INDEX IF NOT EXISTS customers_hashes ON customers (connection, id, hash, deleted_at, updated_at)".into(),
        "CREATE INDEX IF NOT EXISTS devices_hashes ON devices (connection, id, hash, deleted_at, last_seen)".into(),
        "CREATE INDEX IF NOT EXISTS alerts_hashes ON alerts (connection, id, hash, deleted_at)".into(),
        "CREATE INDEX IF NOT EXISTS tickets_hashes ON tickets (connection, id, hash, deleted_at, updated_at)".into(),
    ]
}
