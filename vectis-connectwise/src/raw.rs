//! ConnectWise Manage's JSON, mirrored field for field (only the fields the
//! mapping reads; the whole object is kept as `raw` on every record).
//!
//! Names are camelCase, as in the vendor's OpenAPI document (version 2025.8).
//! Lenient where ConnectWise is: nearly every field is `Option`, `_info` is an
//! open string map (values that are not strings are kept as their JSON text,
//! nulls dropped), a reference may carry only `id` and `name` (or less), and a
//! custom field's `value` is any JSON type.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use vectis_core::timestamp::{flexible, parse_str};

/// `_info`: an open `map<string,string>` (`lastUpdated`, `updatedBy`,
/// `dateEntered`, `*_href` links). `null` is an empty map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info(pub BTreeMap<String, String>);

impl Info {
    /// A value by key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A timestamp by key (`lastUpdated`, `dateEntered`); an unreadable one
    /// is `None`, since `_info` is informational.
    pub fn time(&self, key: &str) -> Option<DateTime<Utc>> {
        self.get(key).and_then(|s| parse_str(s).ok().flatten())
    }
}

impl<'de> Deserialize<'de> for Info {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Info, D::Error> {
        let map: Option<BTreeMap<String, serde_json::Value>> = Option::deserialize(d)?;
        let map = map
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some((k, s)),
                other => Some((k, other.to_string())),
            })
            .collect();
        Ok(Info(map))
    }
}

/// Any reference object (`CompanyReference`, `ServiceStatusReference`,
/// `BoardReference`, …): often only `id` and `name`, sometimes less.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reference {
    /// Record id.
    pub id: Option<i64>,
    /// Display name.
    pub name: Option<String>,
    /// Short identifier (companies).
    pub identifier: Option<String>,
    /// Links.
    #[serde(rename = "_info", default)]
    pub info: Info,
}

/// One entry of `customFields[]`; `value` is a string, number, bool or null.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    /// Field id.
    pub id: Option<i64>,
    /// Label.
    pub caption: Option<String>,
    /// `Text`, `Number`, `Checkbox`, `Date`, ….
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `EntryField`, `List`, ….
    pub entry_method: Option<String>,
    /// Decimals for numbers.
    pub number_of_decimals: Option<i64>,
    /// The value, of any JSON type.
    #[serde(default)]
    pub value: serde_json::Value,
}

fn nullable_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// `Company.Company` (`/company/companies`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// Company id.
    pub id: i64,
    /// Short identifier (max 30), e.g. `Fabrikam`.
    pub identifier: Option<String>,
    /// Display name (max 50).
    pub name: Option<String>,
    /// `Active`, `Inactive`, ….
    pub status: Option<Reference>,
    /// Deleted companies stay listed with this set.
    pub deleted_flag: Option<bool>,
    /// `Client`, `Prospect`, `Vendor`, ….
    #[serde(default, deserialize_with = "nullable_vec")]
    pub types: Vec<Reference>,
    /// `lastUpdated`, `dateEntered`, links.
    #[serde(rename = "_info", default)]
    pub info: Info,
    /// Custom fields.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub custom_fields: Vec<CustomField>,
}

/// `Company.Configuration` (`/company/configurations`): a managed device or
/// any other configuration item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Configuration {
    /// Configuration id.
    pub id: i64,
    /// Name (max 100).
    pub name: Option<String>,
    /// `Managed Workstation`, `Server`, ….
    #[serde(rename = "type")]
    pub kind: Option<Reference>,
    /// `Active`, `Inactive`, ….
    pub status: Option<Reference>,
    /// The owning company.
    pub company: Option<Reference>,
    /// OS name (`Windows 11`).
    pub os_type: Option<String>,
    /// Longer OS text (`Microsoft Windows 11 Pro 23H2`).
    pub os_info: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Device id from an RMM integration.
    pub device_identifier: Option<String>,
    /// Whether it is active.
    pub active_flag: Option<bool>,
    /// Warranty end.
    #[serde(default, deserialize_with = "flexible")]
    pub warranty_expiration_date: Option<DateTime<Utc>>,
    /// `lastUpdated`, links.
    #[serde(rename = "_info", default)]
    pub info: Info,
    /// Custom fields.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub custom_fields: Vec<CustomField>,
}

/// `Service.Ticket` (`/service/tickets`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    /// Ticket number.
    pub id: i64,
    /// Summary (max 100).
    pub summary: Option<String>,
    /// Service board.
    pub board: Option<Reference>,
    /// Status on that board.
    pub status: Option<Reference>,
    /// Priority.
    pub priority: Option<Reference>,
    /// The company it is for.
    pub company: Option<Reference>,
    /// Whether closed.
    pub closed_flag: Option<bool>,
    /// When closed.
    #[serde(default, deserialize_with = "flexible")]
    pub closed_date: Option<DateTime<Utc>>,
    /// Caller-chosen cross reference (this connector's idempotency marker).
    #[serde(rename = "externalXRef")]
    pub external_x_ref: Option<String>,
    /// Top-level entry date in older API versions (now in `_info`).
    #[serde(default, deserialize_with = "flexible")]
    pub date_entered: Option<DateTime<Utc>>,
    /// The ticket this one was merged into, when a person merged it.
    pub merged_parent_ticket: Option<Reference>,
    /// `lastUpdated`, `dateEntered`, `enteredBy`, links.
    #[serde(rename = "_info", default)]
    pub info: Info,
    /// Custom fields.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub custom_fields: Vec<CustomField>,
}

/// `Service.ServiceNote` (`/service/tickets/{id}/notes`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceNote {
    /// Note id.
    pub id: i64,
    /// The note's text.
    pub text: Option<String>,
    /// The member who wrote it (absent for contact notes).
    pub member: Option<Reference>,
    /// Who created it (member identifier).
    pub created_by: Option<String>,
    /// `enteredBy`, `dateEntered`, links.
    #[serde(rename = "_info", default)]
    pub info: Info,
}

/// `Time.TimeEntry` (`/time/entries`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeEntry {
    /// Entry id.
    pub id: i64,
    /// What the time is charged to (`ServiceTicket`, `ProjectTicket`, …).
    pub charge_to_type: Option<String>,
    /// The charged record's id (the ticket number for `ServiceTicket`).
    pub charge_to_id: Option<i64>,
    /// The member whose time it is.
    pub member: Option<Reference>,
    /// The entry's notes.
    pub notes: Option<String>,
    /// `enteredBy`, `dateEntered`.
    #[serde(rename = "_info", default)]
    pub info: Info,
}

/// `Service.Board` (`/service/boards`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Board {
    /// Board id.
    pub id: i64,
    /// Board name.
    pub name: Option<String>,
    /// Whether the board is inactive.
    pub inactive_flag: Option<bool>,
}

/// `Service.BoardStatus` (`/service/boards/{id}/statuses`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardStatus {
    /// Status id.
    pub id: i64,
    /// Status name (`New`, `>Closed`).
    pub name: Option<String>,
    /// Whether a ticket in this status counts as closed.
    pub closed_status: Option<bool>,
    /// Whether this is the board's default (new ticket) status.
    pub default_flag: Option<bool>,
    /// Whether the status is inactive.
    pub inactive: Option<bool>,
}

/// `Service.Priority` (`/service/priorities`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Priority {
    /// Priority id.
    pub id: i64,
    /// Priority name (`Priority 2 - Quick Response`).
    pub name: Option<String>,
}

/// `GET /system/info`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    /// `v2025.1.12345`.
    pub version: Option<String>,
    /// Cloud or on-premises: a boolean, or `"True"`; kept as it comes.
    pub is_cloud: Option<serde_json::Value>,
    /// `NA`, `EU`, `AU`.
    pub cloud_region: Option<String>,
}

/// `GET /login/companyinfo/{companyId}` (unauthenticated; PascalCase).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompanyInfo {
    /// The display name.
    pub company_name: Option<String>,
    /// `v2025_1/`: the path segment of the API root, slashes to be stripped.
    pub codebase: Option<String>,
    /// `v2025.1`.
    pub version_code: Option<String>,
    /// The login company id.
    #[serde(rename = "CompanyID")]
    pub company_id: Option<String>,
    /// Cloud or on-premises: a boolean, or `"True"` as in ConnectWise's own
    /// developer-guide example, so kept as it comes.
    pub is_cloud: Option<serde_json::Value>,
    /// `na.myconnectwise.net`.
    pub site_url: Option<String>,
}

/// `ValidationError`, an entry of [`ErrorResponse::errors`].
#[derive(Debug, Clone, Deserialize)]
pub struct ValidationError {
    /// `MaxLengthField`, `NotFound`, `ObjectExists`, ….
    pub code: Option<String>,
    /// What is wrong.
    pub message: Option<String>,
    /// The resource (`ticket`).
    pub resource: Option<String>,
    /// The field (`status/id`).
    pub field: Option<String>,
}

/// `ErrorResponseMessage`: `{code, message, errors[]}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorResponse {
    /// `InvalidObject`, `Unauthorized`, `Security`, `NotFound`, ….
    pub code: Option<String>,
    /// What went wrong.
    pub message: Option<String>,
    /// Field-level details.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub errors: Vec<ValidationError>,
}

/// ConnectWise's message with its field errors (`field: message`) after it;
/// the code alone when there is nothing else.
impl vectis_core::vendor_info::VendorErrorBody for ErrorResponse {
    fn code_and_message(self) -> Option<(Option<String>, String)> {
        let details: Vec<String> = self
            .errors
            .iter()
            .filter_map(|v| {
                let m = v.message.clone().or_else(|| v.code.clone())?;
                Some(match &v.field {
                    Some(f) => format!("{f}: {m}"),
                    None => m,
                })
            })
            .collect();
        let message = match (self.message, details.is_empty()) {
            (Some(m), true) => m,
            (Some(m), false) => format!("{m} ({})", details.join("; ")),
            (None, false) => details.join("; "),
            (None, true) => self.code.clone()?,
        };
        Some((self.code, message))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn info_is_a_lenient_string_map() {
        let r: Reference =
            serde_json::from_value(json!({"id": 1, "name": "x", "_info": null})).unwrap();
        assert!(r.info.0.is_empty());
        let r: Reference = serde_json::from_value(
            json!({"id": 1, "_info": {"company_href": "https://h/x", "n": 3, "gone": null}}),
        )
        .unwrap();
        assert_eq!(r.info.get("company_href"), Some("https://h/x"));
        assert_eq!(r.info.get("n"), Some("3"));
        assert_eq!(r.info.get("gone"), None);
    }

    #[test]
    fn custom_field_values_of_any_type_decode() {
        let c: Configuration = serde_json::from_value(json!({"id": 7, "customFields": [
            {"id": 1, "caption": "A", "value": "text"},
            {"id": 2, "caption": "B", "value": 4.5},
            {"id": 3, "caption": "C", "value": true},
            {"id": 4, "caption": "D", "value": null},
            {"id": 5, "caption": "E"}
        ]}))
        .unwrap();
        assert_eq!(c.custom_fields.len(), 5);
        assert_eq!(c.custom_fields[2].value, json!(true));
        let c: Configuration =
            serde_json::from_value(json!({"id": 8, "customFields": null, "company": {"id": 1}}))
                .unwrap();
        assert!(c.custom_fields.is_empty());
    }
}
