//! Datto RMM's JSON, mirrored field for field (the fields the mapping reads;
//! the whole object is kept as `raw` on every record).
//!
//! Everything is camelCase. Datto's OpenAPI document marks nothing as
//! required in its response models, so every field is `Option`. Times are
//! typed `date-time` in the spec but arrive as **epoch milliseconds**; the
//! [`flexible`] reader also takes ISO strings and epoch seconds.
//! `alertContext` is polymorphic (discriminator `@class`) and Datto adds
//! classes between releases, so it stays a `serde_json::Value`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use vectis_core::timestamp::flexible;

/// `PaginationData`: the `pageDetails` of every list.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageDetails {
    /// Items on this page.
    pub count: Option<u64>,
    /// Items across all pages (newer builds only).
    pub total_count: Option<u64>,
    /// Absolute URL of the previous page; null on the first.
    pub prev_page_url: Option<String>,
    /// Absolute URL of the next page; null on the last. May drop query
    /// parameters of the request (the engine puts them back).
    pub next_page_url: Option<String>,
}

/// `Account` (`GET /api/v2/account`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Numeric id.
    pub id: Option<i64>,
    /// Account uid.
    pub uid: Option<String>,
    /// Account name, as shown in the Datto RMM console.
    pub name: Option<String>,
}

/// `PaginationConfiguration` (`GET /api/v2/system/pagination`).
#[derive(Debug, Deserialize)]
pub struct PaginationConfiguration {
    /// Default and largest page size (except for alerts, per the spec).
    pub max: Option<u32>,
}

/// `Site`: a customer of the MSP.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DattoSite {
    /// Numeric id.
    pub id: Option<i64>,
    /// Site uid: a GUID, except for the built-in "Deleted Devices" site.
    /// Datto's spec requires nothing, so a site may come without one (it is
    /// skipped and counted, see `vectis_core::record_ids`).
    pub uid: Option<String>,
    /// Site name.
    pub name: Option<String>,
}

/// `DevicesType`.
#[derive(Debug, Deserialize)]
pub struct DeviceType {
    /// `Desktop`, `Laptop`, `Server`, `Printer`, ….
    pub category: Option<String>,
    /// Finer type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `Device`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DattoDevice {
    /// Numeric id.
    pub id: Option<i64>,
    /// Device uid (what alerts reference); a device without one is skipped.
    pub uid: Option<String>,
    /// Owning site's uid.
    pub site_uid: Option<String>,
    /// Owning site's name.
    pub site_name: Option<String>,
    /// Machine name (not unique).
    pub hostname: Option<String>,
    /// Description, used when there is no hostname.
    pub description: Option<String>,
    /// OS text (`Microsoft Windows 11 Pro 23H2`).
    pub operating_system: Option<String>,
    /// Device type: a [`DeviceType`] object per the spec, but a plain
    /// string (`"Server"`) in public samples. The mapping does not read it,
    /// so it is kept as it came and never fails a page; see
    /// [`DattoDevice::device_type`].
    pub device_type: Option<serde_json::Value>,
    /// Online now.
    pub online: Option<bool>,
    /// In the recycle bin ("Deleted Devices" site).
    pub deleted: Option<bool>,
    /// Last check-in (epoch ms).
    #[serde(default, deserialize_with = "flexible")]
    pub last_seen: Option<DateTime<Utc>>,
}

/// `AlertSourceInfo`: what raised the alert.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertSourceInfo {
    /// Device uid.
    pub device_uid: Option<String>,
    /// Device name.
    pub device_name: Option<String>,
    /// Site uid.
    pub site_uid: Option<String>,
    /// Site name.
    pub site_name: Option<String>,
}

/// `Alert`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DattoAlert {
    /// Alert uid; an alert without one is skipped.
    pub alert_uid: Option<String>,
    /// `Critical`, `High`, `Moderate`, `Low`, `Information` or `Unknown`.
    pub priority: Option<String>,
    /// What the monitor saw, free text (may span lines).
    pub diagnostics: Option<String>,
    /// Resolved.
    pub resolved: Option<bool>,
    /// When it was resolved (epoch ms).
    #[serde(default, deserialize_with = "flexible")]
    pub resolved_on: Option<DateTime<Utc>>,
    /// When it was raised (epoch ms).
    #[serde(default, deserialize_with = "flexible")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Polymorphic context, discriminated by `@class`; unknown classes are
    /// kept as they are.
    pub alert_context: Option<serde_json::Value>,
    /// Device and site.
    pub alert_source_info: Option<AlertSourceInfo>,
}

impl DattoDevice {
    /// The device type as the spec's object; a bare string (`"Server"`) is
    /// read as its `category`; any other shape is `None`.
    pub fn device_type(&self) -> Option<DeviceType> {
        match self.device_type.as_ref()? {
            serde_json::Value::String(s) => Some(DeviceType {
                category: Some(s.clone()),
                kind: None,
            }),
            v => serde_json::from_value(v.clone()).ok(),
        }
    }
}

impl DattoAlert {
    /// The context's `@class` (`online_offline_status_ctx`, …), if any.
    pub fn context_class(&self) -> Option<&str> {
        self.alert_context
            .as_ref()?
            .get("@class")?
            .as_str()
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }
}

/// The error bodies Datto RMM sends: Spring Security OAuth
/// (`{"error":"invalid_grant","error_description":"Bad credentials"}`) and
/// Spring Boot's default (`{"timestamp","status","error","message","path"}`).
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    /// OAuth error code, or Spring's reason phrase.
    pub error: Option<String>,
    /// OAuth error description.
    pub error_description: Option<String>,
    /// Spring's message.
    pub message: Option<String>,
}

/// Reads both bodies: OAuth's description, else Spring's message, else the
/// error code itself.
impl vectis_core::vendor_info::VendorErrorBody for ErrorBody {
    fn code_and_message(self) -> Option<(Option<String>, String)> {
        let message = self
            .error_description
            .or(self.message)
            .filter(|m| !m.trim().is_empty())
            .or_else(|| self.error.clone())?;
        Some((self.error, message))
    }
}
