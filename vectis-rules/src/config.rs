//! The rules file (TOML): which alerts open tickets, and how.
//!
//! ```toml
//! [[rule]]
//! name = "Critical and high alerts"
//! severity = ["critical", "high"]       # any of; default: all
//! vendors = ["atera", "datto-rmm"]      # default: all
//! title_contains = ["disk", "offline"]  # any of, case-insensitive; default: all
//! min_age = "5m"                        # default 0
//! [rule.ticket]
//! summary = "[{severity}] {title} on {device}"   # also {customer}, {vendor}; cut to 100 chars
//! board = "Service Board"               # optional, by name
//! priority = "Priority 2 - Quick Response"   # optional, by name
//! close_when_resolved = true            # only when untouched
//! reopen_within = "24h"                 # default 0: always a new ticket
//! ```
//!
//! Maintenance windows suppress tickets (and notes and reopens) for some
//! customers for a while; their alerts are kept and considered afterwards:
//!
//! ```toml
//! [[window]]
//! name = "Acme patch night"
//! customers = ["Acme Ltd", "42"]       # RMM customer names or ids
//! start = "2026-05-01T22:00:00Z"
//! end = "2026-05-02T02:00:00Z"
//! ```
//!
//! Unknown fields are refused; every error names the file, the line and the
//! field.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;
use toml::Spanned;
use vectis_core::{Alert, Severity, Vendor};

mod parse;
mod template;

use template::check_template;
pub use template::{Fill, render};

/// The placeholders a summary template may use.
pub const PLACEHOLDERS: [&str; 5] = ["severity", "title", "device", "customer", "vendor"];

/// A rules file that cannot be used: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
#[non_exhaustive]
pub struct ConfigError {
    /// The file, as given.
    pub file: String,
    /// 1-based line (0 when the file could not be read at all).
    pub line: usize,
    /// The field (`rule.ticket.summary`), or `file` when the whole file is wrong.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Rules, in file order: the first matching rule wins.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Rules {
    /// The file they came from.
    pub file: String,
    /// The rules.
    pub rules: Vec<Rule>,
    /// Maintenance windows.
    pub windows: Vec<Window>,
}

/// One `[[window]]`: no tickets for these customers between `start` and `end`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Window {
    /// Its name (reported in skips).
    pub name: String,
    /// RMM customer names (case-insensitive) or ids.
    pub customers: Vec<String>,
    /// When it starts.
    pub start: chrono::DateTime<chrono::Utc>,
    /// When it ends.
    pub end: chrono::DateTime<chrono::Utc>,
}

impl Window {
    /// Whether it covers the customer (`id`, `name`) at `now`.
    pub fn covers(
        &self,
        id: Option<&str>,
        name: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        let name = name.map(|n| n.trim().to_lowercase());
        now >= self.start
            && now < self.end
            && self.customers.iter().any(|c| {
                id.is_some_and(|i| i == c.as_str())
                    || name.as_deref() == Some(c.to_lowercase().as_str())
            })
    }
}

/// One `[[rule]]`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Rule {
    /// Its name (reported in every action).
    pub name: String,
    /// Any of these severities; empty: all.
    pub severity: Vec<Severity>,
    /// Any of these vendors; empty: all.
    pub vendors: Vec<Vendor>,
    /// Any of these in the title, case-insensitive; empty: all.
    pub title_contains: Vec<String>,
    /// How long an alert must have been open before it opens a ticket.
    pub min_age: Duration,
    /// The ticket it opens.
    pub ticket: TicketRule,
    /// The line of `[[rule]]`'s `name`.
    pub line: usize,
}

/// A rule's `[rule.ticket]`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TicketRule {
    /// The summary template.
    pub summary: String,
    /// Board name.
    pub board: Option<String>,
    /// Priority name.
    pub priority: Option<String>,
    /// Close the ticket when every alert under its key is resolved (only
    /// when nobody touched it).
    pub close_when_resolved: bool,
    /// A new occurrence within this long of our close reopens the ticket.
    pub reopen_within: Duration,
    /// Line of `board`.
    pub board_line: usize,
    /// Line of `priority`.
    pub priority_line: usize,
}

/// Parses `"90s"`, `"5m"`, `"24h"`, `"2d"`, `"1h30m"` or `"0"`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        any = true;
    }
    (any && num.is_empty()).then(|| Duration::from_secs(total))
}

impl Rule {
    /// Whether `alert` matches this rule's severity, vendor and title filters.
    pub fn matches(&self, alert: &Alert) -> bool {
        let title = alert.title.to_lowercase();
        (self.severity.is_empty() || self.severity.contains(&alert.severity))
            && (self.vendors.is_empty() || self.vendors.contains(&alert.vendor))
            && (self.title_contains.is_empty()
                || self
                    .title_contains
                    .iter()
                    .any(|t| title.contains(t.as_str())))
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests;
