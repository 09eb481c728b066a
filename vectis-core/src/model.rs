//! The normalized model every connector maps its vendor's records into.
//!
//! Plain data: ids are strings (`"42"`, a GUID, a Datto uid), timestamps are
//! UTC, and every record keeps its [`Vendor`], its vendor id and the vendor's
//! original JSON in `raw`, so nothing is lost in the mapping. The serde form is
//! the JSON the `sync` example prints (snake_case fields; `raw` is skipped
//! there unless asked for).
//!
//! The records are `#[non_exhaustive]`, so a new field is not a breaking
//! change: build one with `new` (the fields every record has) and set the
//! rest by name.
//!
//! ```
//! use vectis_core::{Device, OsFamily, Vendor};
//!
//! let mut d = Device::new(Vendor::Atera, "6f1c2e1a", "ACME-DC01");
//! d.customer_id = Some("42".into());
//! d.os = Some("Windows Server 2019 Standard".into());
//! d.os_family = Some(OsFamily::Windows);
//! assert_eq!(d.online, None);
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

mod os;
mod record;

pub use os::OsFamily;
pub use record::{Kind, Record, VendorId};

/// The tools Vectis connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Vendor {
    /// Atera (RMM with tickets), REST API v3.
    #[serde(rename = "atera")]
    Atera,
    /// Kaseya VSA X (VSA 10), REST API v3.
    #[serde(rename = "kaseya")]
    Kaseya,
    /// Datto RMM, REST API v2.
    #[serde(rename = "datto-rmm")]
    DattoRmm,
    /// ConnectWise Manage (PSA), REST API 3.0.
    #[serde(rename = "connectwise")]
    ConnectWise,
}

impl Vendor {
    /// Every vendor, in a stable order.
    pub const ALL: [Vendor; 4] = [
        Vendor::Atera,
        Vendor::Kaseya,
        Vendor::DattoRmm,
        Vendor::ConnectWise,
    ];

    /// The serde / command-line name: `atera`, `kaseya`, `datto-rmm`, `connectwise`.
    pub fn slug(self) -> &'static str {
        match self {
            Vendor::Atera => "atera",
            Vendor::Kaseya => "kaseya",
            Vendor::DattoRmm => "datto-rmm",
            Vendor::ConnectWise => "connectwise",
        }
    }

    /// The product name people know, as used in messages (`Datto RMM`).
    pub fn product(self) -> &'static str {
        match self {
            Vendor::Atera => "Atera",
            Vendor::Kaseya => "Kaseya VSA",
            Vendor::DattoRmm => "Datto RMM",
            Vendor::ConnectWise => "ConnectWise",
        }
    }

    /// Parses a command-line name (`atera`, `kaseya`, `datto-rmm`, `connectwise`).
    pub fn from_slug(s: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.slug() == s)
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.product())
    }
}

/// How bad an alert is, on one scale for every vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Service down or data at risk.
    Critical,
    /// Needs attention soon.
    High,
    /// Worth a look.
    Medium,
    /// Minor.
    Low,
    /// Informational only.
    Info,
}

impl Severity {
    /// The severity a vendor's `word` names in `table` (`("warning",
    /// Severity::Medium)`), compared without letter case or surrounding
    /// space; `None` for a word the table does not have (the vendor decides
    /// what that means).
    ///
    /// ```
    /// use vectis_core::Severity;
    ///
    /// const TABLE: &[(&str, Severity)] = &[("critical", Severity::Critical), ("warning", Severity::Medium)];
    /// assert_eq!(Severity::from_word(Some(" Warning "), TABLE), Some(Severity::Medium));
    /// assert_eq!(Severity::from_word(Some("bogus"), TABLE), None);
    /// ```
    pub fn from_word(word: Option<&str>, table: &[(&str, Severity)]) -> Option<Severity> {
        let word = word?.trim();
        table
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|(_, s)| *s)
    }

    /// [`Severity::from_word`], and for a word the table does not have (or
    /// none), [`Severity::Medium`]: neither hidden nor over-alarmed. The
    /// original stays in the record's `raw`; the log says which `vendor`'s
    /// `field` had which word (`debug`, target `vectis::map`).
    ///
    /// ```
    /// use vectis_core::{Severity, Vendor};
    ///
    /// const TABLE: &[(&str, Severity)] = &[("critical", Severity::Critical)];
    /// assert_eq!(Severity::from_word_or_medium(Vendor::Atera, "Severity", Some("Bogus"), TABLE), Severity::Medium);
    /// ```
    pub fn from_word_or_medium(
        vendor: crate::Vendor,
        field: &str,
        word: Option<&str>,
        table: &[(&str, Severity)],
    ) -> Severity {
        Severity::from_word(word, table).unwrap_or_else(|| {
            tracing::debug!(target: "vectis::map", %vendor, field, word = ?word, "unknown value, mapped to medium");
            Severity::Medium
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        })
    }
}

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AlertStatus {
    /// Raised and not dealt with.
    Open,
    /// Seen by someone, not yet resolved.
    Acknowledged,
    /// Closed.
    Resolved,
}

impl AlertStatus {
    /// `Resolved` when `resolved`, else `Open`: the status of a vendor whose
    /// alerts carry only a resolved flag.
    pub fn from_resolved(resolved: bool) -> AlertStatus {
        if resolved {
            AlertStatus::Resolved
        } else {
            AlertStatus::Open
        }
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AlertStatus::Open => "open",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
        })
    }
}

/// A customer of the MSP: an Atera customer, a VSA X organization, a Datto
/// site, a ConnectWise company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// Which tool this record came from.
    pub vendor: Vendor,
    /// The vendor's id for it, as a string.
    pub id: String,
    /// Display name, as the vendor spells it.
    pub name: String,
    /// Last change, where the vendor reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The vendor's original JSON for this record.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub raw: serde_json::Value,
}

impl Customer {
    /// A customer with its vendor, id and name; `updated_at` and `raw` are
    /// empty until set (`c.updated_at = …`).
    pub fn new(vendor: Vendor, id: impl Into<String>, name: impl Into<String>) -> Customer {
        Customer {
            vendor,
            id: id.into(),
            name: name.into(),
            updated_at: None,
            raw: serde_json::Value::Null,
        }
    }
}

/// A managed machine: an agent, a device, a configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Device {
    /// Which tool this record came from.
    pub vendor: Vendor,
    /// The vendor's id for it.
    pub id: String,
    /// The customer it belongs to, when the vendor says.
    pub customer_id: Option<String>,
    /// Machine name. Not unique: two agents may share one.
    pub name: String,
    /// The vendor's OS text (`Windows Server 2019 Standard`).
    pub os: Option<String>,
    /// OS family derived from `os`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_family: Option<OsFamily>,
    /// Whether the agent is online now, when the vendor says.
    pub online: Option<bool>,
    /// When the agent last checked in.
    pub last_seen: Option<DateTime<Utc>>,
    /// The vendor's original JSON for this record.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub raw: serde_json::Value,
}

impl Device {
    /// A device with its vendor, id and name; every other field is empty
    /// (`None`, `raw` null) until set (`d.os = …`).
    pub fn new(vendor: Vendor, id: impl Into<String>, name: impl Into<String>) -> Device {
        Device {
            vendor,
            id: id.into(),
            customer_id: None,
            name: name.into(),
            os: None,
            os_family: None,
            online: None,
            last_seen: None,
            raw: serde_json::Value::Null,
        }
    }

    /// Sets the OS name as the vendor wrote it, and the family read from it
    /// (`Windows Server 2019` → [`OsFamily::Windows`]).
    pub fn set_os(&mut self, os: Option<String>) {
        self.os_family = os.as_deref().map(OsFamily::from_os_name);
        self.os = os;
    }

    /// Sets what the agent reports about the machine: its OS text (see
    /// [`Device::set_os`]), whether it is online now, and when it last
    /// checked in.
    pub fn set_agent_state(
        &mut self,
        os: Option<String>,
        online: Option<bool>,
        last_seen: Option<DateTime<Utc>>,
    ) {
        self.set_os(os);
        self.online = online;
        self.last_seen = last_seen;
    }
}

/// A monitoring alert raised on a device or customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Alert {
    /// Which tool this record came from.
    pub vendor: Vendor,
    /// The vendor's id for it.
    pub id: String,
    /// The customer it concerns, when the vendor says.
    pub customer_id: Option<String>,
    /// The device it concerns, when the vendor says.
    pub device_id: Option<String>,
    /// Severity on the common scale.
    pub severity: Severity,
    /// Open, acknowledged or resolved.
    pub status: AlertStatus,
    /// One-line description.
    pub title: String,
    /// When it was raised.
    pub created_at: Option<DateTime<Utc>>,
    /// When it was resolved, if it was and the vendor says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The vendor's original JSON for this record.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub raw: serde_json::Value,
}

impl Alert {
    /// An alert with its vendor, id, severity, status and title; the
    /// customer, device, times and `raw` are empty until set
    /// (`a.device_id = …`).
    pub fn new(
        vendor: Vendor,
        id: impl Into<String>,
        severity: Severity,
        status: AlertStatus,
        title: impl Into<String>,
    ) -> Alert {
        Alert {
            vendor,
            id: id.into(),
            customer_id: None,
            device_id: None,
            severity,
            status,
            title: title.into(),
            created_at: None,
            resolved_at: None,
            raw: serde_json::Value::Null,
        }
    }

    /// Sets when the alert was raised and when it was resolved; a resolution
    /// time on an alert that is not [`AlertStatus::Resolved`] is left out
    /// (vendors keep a stale one on a reopened alert).
    pub fn set_times(
        &mut self,
        created_at: Option<DateTime<Utc>>,
        resolved_at: Option<DateTime<Utc>>,
    ) {
        self.created_at = created_at;
        self.resolved_at = resolved_at.filter(|_| self.status == AlertStatus::Resolved);
    }
}

/// What a caller fills in to open a ticket in a PSA.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketDraft {
    /// Short summary (ConnectWise: at most 100 characters).
    pub summary: String,
    /// The customer (company) id the ticket is for.
    pub customer_id: String,
    /// The first description / initial note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Board, by id or name, where the PSA has boards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<String>,
    /// Status, by id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Priority, by id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// A caller-chosen external reference (ConnectWise `externalXRef`, at
    /// most 100 characters) that the ticket carries and can be found by;
    /// when absent the connector puts a random marker there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
}

impl TicketDraft {
    /// A draft for the customer (company) `customer_id` with `summary`; the
    /// optional fields are `None` until set (`draft.board = Some(…)`).
    pub fn new(customer_id: impl Into<String>, summary: impl Into<String>) -> TicketDraft {
        TicketDraft {
            summary: summary.into(),
            customer_id: customer_id.into(),
            ..TicketDraft::default()
        }
    }
}

/// A ticket as the PSA holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Ticket {
    /// Which tool this record came from.
    pub vendor: Vendor,
    /// The vendor's id for it.
    pub id: String,
    /// The customer it belongs to.
    pub customer_id: Option<String>,
    /// Summary line.
    pub summary: String,
    /// Status name, as the PSA spells it.
    pub status: Option<String>,
    /// When it was opened.
    pub created_at: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The vendor's original JSON for this record.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub raw: serde_json::Value,
}

impl Ticket {
    /// A ticket with its vendor, id and summary; every other field is empty
    /// (`None`, `raw` null) until set (`t.status = …`).
    pub fn new(vendor: Vendor, id: impl Into<String>, summary: impl Into<String>) -> Ticket {
        Ticket {
            vendor,
            id: id.into(),
            customer_id: None,
            summary: summary.into(),
            status: None,
            created_at: None,
            updated_at: None,
            raw: serde_json::Value::Null,
        }
    }
}

#[cfg(test)]
mod tests;
