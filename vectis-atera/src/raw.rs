//! Atera's JSON, mirrored field for field (only the fields the mapping reads;
//! the whole object is kept as `raw` on every record).
//!
//! The envelope is camelCase, the items PascalCase with upper-case `ID`
//! (`CustomerID`, `AgentID`) — except `AgentId` on alerts. Nearly every field
//! is nullable in Atera's OpenAPI document, so nearly every field is `Option`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use vectis_core::timestamp::flexible;

/// `*DtoPagedResult`: the envelope of every Atera list. Only what paging
/// reads is decoded: `page` and `itemsInPage` are echoes of the request
/// (and have been seen negative), so their shape never fails a page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PagedResult {
    /// The records (nullable in the spec; the key itself must be there).
    pub items: Option<Vec<serde_json::Value>>,
    /// Records across all pages.
    #[serde(default)]
    pub total_item_count: Option<u64>,
    /// Pages in all.
    #[serde(default)]
    pub total_pages: Option<u64>,
    /// Absolute URL of the next page; `""` or null at the end.
    #[serde(default)]
    pub next_link: Option<String>,
}

/// `CustomerDto`.
#[derive(Debug, Deserialize)]
pub struct AteraCustomer {
    /// Customer id (nullable in Atera's spec: a customer without one is
    /// skipped, see `vectis_core::record_ids`).
    #[serde(rename = "CustomerID", default)]
    pub customer_id: Option<i64>,
    /// Display name.
    #[serde(rename = "CustomerName", default)]
    pub customer_name: Option<String>,
    /// Last change (account-local time when it has no `Z`).
    #[serde(rename = "LastModified", default, deserialize_with = "flexible")]
    pub last_modified: Option<DateTime<Utc>>,
}

/// `AgentDto`.
#[derive(Debug, Deserialize)]
pub struct AteraAgent {
    /// REST id of the agent (nullable in Atera's spec).
    #[serde(rename = "AgentID", default)]
    pub agent_id: Option<i64>,
    /// Device GUID, which alerts reference.
    #[serde(rename = "DeviceGuid", default)]
    pub device_guid: Option<String>,
    /// Owning customer.
    #[serde(rename = "CustomerID", default)]
    pub customer_id: Option<i64>,
    /// Machine name (not unique).
    #[serde(rename = "MachineName", default)]
    pub machine_name: Option<String>,
    /// Agent display name.
    #[serde(rename = "AgentName", default)]
    pub agent_name: Option<String>,
    /// OS name.
    #[serde(rename = "OS", default)]
    pub os: Option<String>,
    /// Online now.
    #[serde(rename = "Online", default)]
    pub online: Option<bool>,
    /// Last check-in.
    #[serde(rename = "LastSeen", default, deserialize_with = "flexible")]
    pub last_seen: Option<DateTime<Utc>>,
}

/// `AlertDto`.
#[derive(Debug, Deserialize)]
pub struct AteraAlert {
    /// Alert id (nullable in Atera's spec: an alert without one is skipped).
    #[serde(rename = "AlertID", default)]
    pub alert_id: Option<i64>,
    /// Title.
    #[serde(rename = "Title", default)]
    pub title: Option<String>,
    /// Message, used when there is no title.
    #[serde(rename = "AlertMessage", default)]
    pub alert_message: Option<String>,
    /// `Critical`, `Warning` or `Information`.
    #[serde(rename = "Severity", default)]
    pub severity: Option<String>,
    /// When raised.
    #[serde(rename = "Created", default, deserialize_with = "flexible")]
    pub created: Option<DateTime<Utc>>,
    /// The device's GUID.
    #[serde(rename = "DeviceGuid", default)]
    pub device_guid: Option<String>,
    /// The agent id (lower-case `d`, newer API versions only).
    #[serde(rename = "AgentId", default)]
    pub agent_id: Option<i64>,
    /// Resolved (archived).
    #[serde(rename = "Archived", default)]
    pub archived: Option<bool>,
    /// When it was archived.
    #[serde(rename = "ArchivedDate", default, deserialize_with = "flexible")]
    pub archived_date: Option<DateTime<Utc>>,
    /// Customer id.
    #[serde(rename = "CustomerID", default)]
    pub customer_id: Option<i64>,
}

/// ASP.NET Core `ProblemDetails` (RFC 7807), Atera's documented error body.
#[derive(Debug, Deserialize)]
pub struct ProblemDetails {
    /// A URI naming the problem type.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Short summary.
    #[serde(default)]
    pub title: Option<String>,
    /// Longer explanation.
    #[serde(default)]
    pub detail: Option<String>,
}
