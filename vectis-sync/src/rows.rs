//! The mapping between model records and table rows: one table per kind, the
//! normalized fields as columns, the vendor's JSON in `raw`, a content hash.

use crate::error::{Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use vectis_core::{Alert, Customer, Device, Kind, Record, Ticket};

/// A value bound into a statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Text(Option<String>),
    Int(Option<i64>),
}

/// Timestamps are stored as fixed-width RFC 3339 text (microseconds, `Z`),
/// so they sort and compare as text on both backends.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn ots(t: Option<DateTime<Utc>>) -> Val {
    Val::Text(t.map(ts))
}

fn enum_text<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A value in the store this build cannot read, and what to do about it.
pub(crate) fn damaged(what: impl Into<String>, detail: impl std::fmt::Display) -> Error {
    Error::config(
        what,
        format!(
            "{detail}; the store holds a value this build cannot read (changed by hand, or by a newer version?) — sync into a new store, or upgrade vectis-sync"
        ),
    )
}

fn parse_enum<T: serde::de::DeserializeOwned>(kind: Kind, col: &str, s: String) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.clone())).map_err(|_| {
        damaged(
            format!("store table {kind}, column {col}"),
            format!("`{s}` is not a value this build knows"),
        )
    })
}

fn parse_ts(kind: Kind, col: &str, s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.map(|s| crate::parse_timestamp(&format!("{kind}.{col}"), &s))
        .transpose()
}

/// The table of a kind.
pub(crate) fn table(kind: Kind) -> &'static str {
    kind.as_str()
}

/// The kind's own columns, after `connection, id, vendor`.
pub(crate) fn columns(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Customers => &["name", "updated_at"],
        Kind::Devices => &[
            "customer_id",
            "name",
            "os",
            "os_family",
            "online",
            "last_seen",
        ],
        Kind::Alerts => &[
            "customer_id",
            "device_id",
            "severity",
            "status",
            "title",
            "created_at",
            "resolved_at",
        ],
        Kind::Tickets => &[
            "customer_id",
            "summary",
            "status",
            "created_at",
            "updated_at",
        ],
    }
}

/// The column whose value orders versions of a record (an older version
/// never overwrites a newer one), where the kind has one.
pub(crate) fn version_column(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Customers | Kind::Tickets => Some("updated_at"),
        Kind::Devices => Some("last_seen"),
        Kind::Alerts => None,
    }
}

/// The record's version stamp (see [`version_column`]).
pub(crate) fn version(rec: &Record) -> Option<String> {
    match rec {
        Record::Customer(c) => c.updated_at.map(ts),
        Record::Ticket(t) => t.updated_at.map(ts),
        Record::Device(d) => d.last_seen.map(ts),
        Record::Alert(_) => None,
    }
}

/// Values for [`columns`], in order.
pub(crate) fn values(rec: &Record) -> Vec<Val> {
    match rec {
        Record::Customer(c) => vec![Val::Text(Some(c.name.clone())), ots(c.updated_at)],
        Record::Device(d) => vec![
            Val::Text(d.customer_id.clone()),
            Val::Text(Some(d.name.clone())),
            Val::Text(d.os.clone()),
            Val::Text(d.os_family.as_ref().map(enum_text)),
            Val::Int(d.online.map(i64::from)),
            ots(d.last_seen),
        ],
        Record::Alert(a) => vec![
            Val::Text(a.customer_id.clone()),
            Val::Text(a.device_id.clone()),
            Val::Text(Some(enum_text(&a.severity))),
            Val::Text(Some(enum_text(&a.status))),
            Val::Text(Some(a.title.clone())),
            ots(a.created_at),
            ots(a.resolved_at),
        ],
        Record::Ticket(t) => vec![
            Val::Text(t.customer_id.clone()),
            Val::Text(Some(t.summary.clone())),
            Val::Text(t.status.clone()),
            ots(t.created_at),
            ots(t.updated_at),
        ],
    }
}

/// The vendor's JSON of a record.
pub(crate) fn raw(rec: &Record) -> &serde_json::Value {
    match rec {
        Record::Customer(r) => &r.raw,
        Record::Device(r) => &r.raw,
        Record::Alert(r) => &r.raw,
        Record::Ticket(r) => &r.raw,
    }
}

fn text(row: &AnyRow, col: &str) -> Result<Option<String>> {
    row.try_get::<Option<String>, _>(col)
        .map_err(|e| damaged(format!("store column {col}"), e))
}

fn req_text(kind: Kind, row: &AnyRow, col: &str) -> Result<String> {
    text(row, col)?.ok_or_else(|| {
        damaged(
            format!("store table {kind}, column {col}"),
            "it is empty where a value is required",
        )
    })
}

/// Rebuilds a record from a row selected with `connection, id, vendor`, the
/// kind's [`columns`] and `raw`.
pub(crate) fn record_from_row(kind: Kind, row: &AnyRow) -> Result<Record> {
    let id = req_text(kind, row, "id")?;
    let vendor = parse_enum(kind, "vendor", req_text(kind, row, "vendor")?)?;
    let raw = match text(row, "raw")? {
        Some(s) => serde_json::from_str(&s).map_err(|e| {
            damaged(
                format!("store table {kind}, column raw (id {id})"),
                format!("it is not JSON ({e})"),
            )
        })?,
        None => serde_json::Value::Null,
    };
    Ok(match kind {
        Kind::Customers => {
            let mut c = Customer::new(vendor, id, req_text(kind, row, "name")?);
            c.updated_at = parse_ts(kind, "updated_at", text(row, "updated_at")?)?;
            c.raw = raw;
            Record::Customer(c)
        }
        Kind::Devices => {
            let customer_id = text(row, "customer_id")?;
            let mut d = Device::new(vendor, id, req_text(kind, row, "name")?);
            d.customer_id = customer_id;
            d.os = text(row, "os")?;
            d.os_family = text(row, "os_family")?
                .map(|s| parse_enum(kind, "os_family", s))
                .transpose()?;
            d.online = row
                .try_get::<Option<i64>, _>("online")
                .map_err(|e| damaged("store column online", e))?
                .map(|v| v != 0);
            d.last_seen = parse_ts(kind, "last_seen", text(row, "last_seen")?)?;
            d.raw = raw;
            Record::Device(d)
        }
        Kind::Alerts => {
            let customer_id = text(row, "customer_id")?;
            let device_id = text(row, "device_id")?;
            let mut a = Alert::new(
                vendor,
                id,
                parse_enum(kind, "severity", req_text(kind, row, "severity")?)?,
                parse_enum(kind, "status", req_text(kind, row, "status")?)?,
                req_text(kind, row, "title")?,
            );
            a.customer_id = customer_id;
            a.device_id = device_id;
            a.created_at = parse_ts(kind, "created_at", text(row, "created_at")?)?;
            a.resolved_at = parse_ts(kind, "resolved_at", text(row, "resolved_at")?)?;
            a.raw = raw;
            Record::Alert(a)
        }
        Kind::Tickets => {
            let customer_id = text(row, "customer_id")?;
            let mut t = Ticket::new(vendor, id, req_text(kind, row, "summary")?);
            t.customer_id = customer_id;
            t.status = text(row, "status")?;
            t.created_at = parse_ts(kind, "created_at", text(row, "created_at")?)?;
            t.updated_at = parse_ts(kind, "updated_at", text(row, "updated_at")?)?;
            t.raw = raw;
            Record::Ticket(t)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_text() {
        use chrono::TimeZone;
        let a = ts(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap());
        let b = ts(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 6).unwrap());
        assert_eq!(a, "2026-01-02T03:04:05.000000Z");
        assert!(a < b);
    }
}
