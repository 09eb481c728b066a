//! Vendor timestamps into UTC.
//!
//! Vendors disagree: Atera sends ISO 8601 with or without `Z`, VSA X
//! sometimes epoch seconds and `""` for unknown, Datto epoch milliseconds
//! despite its spec. [`parse_value`] accepts all of them; a value that is
//! none of them is an error (named by its JSON path through serde), never a
//! silent `None`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer};

/// Epoch numbers above this are milliseconds (this is the year 5138 in seconds).
const MILLIS_THRESHOLD: f64 = 1e11;

/// Parses an ISO 8601 / RFC 3339 string; a missing offset means UTC.
/// `""` is `Ok(None)`.
pub fn parse_str(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(Some(Utc.from_utc_datetime(&n)));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Ok(Some(dt.with_timezone(&Utc)));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|n| Utc.from_utc_datetime(&n)));
    }
    if let Ok(n) = s.parse::<f64>() {
        return from_epoch(n).map(Some);
    }
    Err(format!(
        "`{s}` is not a date-time this connector understands"
    ))
}

/// Epoch seconds or milliseconds (told apart by size) into UTC.
pub fn from_epoch(n: f64) -> Result<DateTime<Utc>, String> {
    if !n.is_finite() {
        return Err(format!("{n} is not a timestamp"));
    }
    let millis = if n.abs() >= MILLIS_THRESHOLD {
        n
    } else {
        n * 1000.0
    };
    Utc.timestamp_millis_opt(millis.round() as i64)
        .single()
        .ok_or_else(|| format!("{n} is out of range for a timestamp"))
}

/// Parses any JSON timestamp: string, number, or null.
pub fn parse_value(v: &serde_json::Value) -> Result<Option<DateTime<Utc>>, String> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) => parse_str(s),
        serde_json::Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("{n} is not a timestamp"))
            .and_then(from_epoch)
            .map(Some),
        other => Err(format!("{other} is not a timestamp")),
    }
}

/// For `#[serde(default, deserialize_with = "vectis_core::timestamp::flexible")]`
/// on an `Option<DateTime<Utc>>` field.
pub fn flexible<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    parse_value(&v).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn reads_every_vendor_form() {
        assert_eq!(
            parse_value(&json!("2026-05-01T12:00:00Z")).unwrap(),
            at("2026-05-01T12:00:00Z")
        );
        assert_eq!(
            parse_value(&json!("2026-05-01T12:00:00")).unwrap(),
            at("2026-05-01T12:00:00Z")
        );
        assert_eq!(
            parse_value(&json!("2026-05-01T12:00:00.1234567")).unwrap(),
            at("2026-05-01T12:00:00.1234567Z")
        );
        assert_eq!(
            parse_value(&json!("2026-05-01T14:00:00+02:00")).unwrap(),
            at("2026-05-01T12:00:00Z")
        );
        assert_eq!(
            parse_value(&json!(1_777_636_800)).unwrap(),
            at("2026-05-01T12:00:00Z")
        );
        assert_eq!(
            parse_value(&json!(1_777_636_800_000_i64)).unwrap(),
            at("2026-05-01T12:00:00Z")
        );
        assert_eq!(parse_value(&json!("")).unwrap(), None);
        assert_eq!(parse_value(&json!(null)).unwrap(), None);
        assert!(parse_value(&json!("yesterday")).is_err());
        assert!(parse_value(&json!(true)).is_err());
    }
}
