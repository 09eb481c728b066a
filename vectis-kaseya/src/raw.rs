//! Kaseya VSA X's JSON, mirrored field for field (the fields the mapping
//! reads; the whole object is kept as `raw` on every record).
//!
//! Everything is PascalCase inside a `{"Data": …, "Meta": {…}}` envelope.
//! The reference marks nothing as required, so every field but the ids is an
//! `Option`. `DateTime` arrives as ISO 8601 (with or without `Z`), as epoch
//! seconds, or as `""` for unknown; the [`flexible`] reader takes them all.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use vectis_core::timestamp::flexible;

/// The `Meta` of every answer.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Meta {
    /// The HTTP status again.
    pub response_code: Option<i64>,
    /// Items across all pages (lists only).
    pub total_count: Option<u64>,
    /// What went wrong (errors only).
    pub error_message: Option<String>,
}

/// An error body: `{"Data": null, "Meta": {"ResponseCode": 404, "ErrorMessage": "…"}}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    /// The meta block carrying the message.
    #[serde(default)]
    pub meta: Meta,
}

/// VSA X's message is `Meta.ErrorMessage`; its code, `Meta.ResponseCode`.
impl vectis_core::vendor_info::VendorErrorBody for ErrorBody {
    fn code_and_message(self) -> Option<(Option<String>, String)> {
        let message = self.meta.error_message.filter(|m| !m.trim().is_empty())?;
        Some((self.meta.response_code.map(|c| c.to_string()), message))
    }
}

/// A single-object answer: `{"Data": {…}, "Meta": {…}}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct One<T> {
    /// The object.
    pub data: T,
}

/// `Organization`: a customer of the MSP.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Organization {
    /// Numeric id.
    pub id: i64,
    /// Name.
    pub name: Option<String>,
}

/// A `GET /devices` list item (no online flag, OS or last-seen).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceItem {
    /// Device GUID.
    pub identifier: String,
    /// Machine name.
    pub name: Option<String>,
    /// Owning organization.
    pub organization_id: Option<i64>,
}

/// A `GET /assets` item: the inventory view of a device.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Asset {
    /// Device GUID (the same as the device's `Identifier`).
    pub identifier: String,
    /// OS name (`Windows 10 Enterprise`).
    pub description: Option<String>,
    /// Online now, where the server sends it (VSA X returns more fields
    /// than the Pulseway reference lists; when absent, online is unknown).
    pub is_online: Option<bool>,
    /// When the agent was last seen online.
    #[serde(default, deserialize_with = "flexible")]
    pub last_seen_online: Option<DateTime<Utc>>,
}

/// A notification, from a list (`Id`, `Message`, `DateTime`, `Priority`) or
/// the detail (adds `ComputerIdentifier`, `Read`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Notification {
    /// Numeric id.
    pub id: i64,
    /// The text.
    pub message: Option<String>,
    /// When it was raised.
    #[serde(default, deserialize_with = "flexible")]
    pub date_time: Option<DateTime<Utc>>,
    /// `critical`, `elevated`, `normal` or `low`, in any case.
    pub priority: Option<String>,
    /// The device's GUID (detail only).
    pub computer_identifier: Option<String>,
}

impl vectis_core::model::VendorId for Asset {
    fn vendor_id(&self) -> &str {
        &self.identifier
    }
}

impl vectis_core::model::VendorId for DeviceItem {
    fn vendor_id(&self) -> &str {
        &self.identifier
    }
}
