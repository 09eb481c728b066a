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
    pub total_item_count: Option<u64>,
    /// Pages in all.
    pub total_pages: Option<u64>,
    /// Absolute URL of the next page; `""` or null at the end.
    pub next_link: Option<String>,
}

/// `CustomerDto`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AteraCustomer {
    /// Customer id (nullable in Atera's spec: a customer without one is
    /// skipped, see `vectis_core::record_ids`).
    #[serde(rename = "CustomerID")]
    pub customer_id: Option<i64>,
    /// Display name.
    pub customer_name: Option<String>,
    /// Last change (account-local time when it has no `Z`).
    #[serde(default, deserialize_with = "flexible")]
    pub last_modified: Option<DateTime<Utc>>,
}

/// `AgentDto`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AteraAgent {
    /// REST id of the agent (nullable in Atera's spec).
    #[serde(rename = "AgentID")]
    pub agent_id: Option<i64>,
    /// Device GUID, which alerts reference.
    pub device_guid: Option<String>,
    /// Owning customer.
    #[serde(rename = "CustomerID")]
    pub customer_id: Option<i64>,
    /// Machine name (not unique).
    pub machine_name: Option<String>,
    /// Agent display name.
    pub agent_name: Option<String>,
    /// OS name.
    #[serde(rename = "OS")]
    pub os: Option<String>,
    /// Online now.
    pub online: Option<bool>,
    /// Last check-in.
    #[serde(default, deserialize_with = "flexible")]
    pub last_seen: Option<DateTime<Utc>>,
}

/// `AlertDto`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AteraAlert {
    /// Alert id (nullable in Atera's spec: an alert without one is skipped).
    #[serde(rename = "AlertID")]
    pub alert_id: Option<i64>,
    /// Title.
    pub title: Option<String>,
    /// Message, used when there is no title.
    pub alert_message: Option<String>,
    /// `Critical`, `Warning` or `Information`.
    pub severity: Option<String>,
    /// When raised.
    #[serde(default, deserialize_with = "flexible")]
    pub created: Option<DateTime<Utc>>,
    /// The device's GUID.
    pub device_guid: Option<String>,
    /// The agent id (lower-case `d`, newer API versions only).
    pub agent_id: Option<i64>,
    /// Resolved (archived).
    pub archived: Option<bool>,
    /// When it was archived.
    #[serde(default, deserialize_with = "flexible")]
    pub archived_date: Option<DateTime<Utc>>,
    /// Customer id.
    #[serde(rename = "CustomerID")]
    pub customer_id: Option<i64>,
}

/// ASP.NET Core `ProblemDetails` (RFC 7807), Atera's documented error body.
#[derive(Debug, Deserialize)]
pub struct ProblemDetails {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Short summary.
    pub title: Option<String>,
    /// Longer explanation.
    pub detail: Option<String>,
}

/// Atera's message: `title: detail`, or whichever of the two it sent.
impl vectis_core::vendor_info::VendorErrorBody for ProblemDetails {
    fn code_and_message(self) -> Option<(Option<String>, String)> {
        let message = match (self.title, self.detail) {
            (Some(t), Some(d)) => format!("{t}: {d}"),
            (Some(t), None) => t,
            (None, Some(d)) => d,
            (None, None) => return None,
        };
        Some((self.kind, message))
    }
}
