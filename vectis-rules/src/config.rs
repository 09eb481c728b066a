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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    window: Vec<RawWindow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    name: Spanned<String>,
    customers: Vec<String>,
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    #[serde(default)]
    severity: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    vendors: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    title_contains: Option<Vec<String>>,
    #[serde(default)]
    min_age: Option<Spanned<String>>,
    ticket: RawTicket,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTicket {
    summary: Spanned<String>,
    #[serde(default)]
    board: Option<Spanned<String>>,
    #[serde(default)]
    priority: Option<Spanned<String>>,
    #[serde(default)]
    close_when_resolved: bool,
    #[serde(default)]
    reopen_within: Option<Spanned<String>>,
}

fn line_of(text: &str, at: usize) -> usize {
    text.get(..at.min(text.len()))
        .map(|s| s.matches('\n').count() + 1)
        .unwrap_or(1)
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

impl Rules {
    /// Reads and checks the rules file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Rules, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: 0,
            field: "file".into(),
            message: format!("cannot read it ({e}); give the path of a rules TOML file"),
        })?;
        Rules::parse(&file, &text)
    }

    /// Parses and checks rules from `text`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Rules, ConfigError> {
        let err = |line: usize, field: &str, message: String| ConfigError {
            file: file.to_string(),
            line,
            field: field.to_string(),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            let line = line_of(text, at);
            // The key on that line, or the text the error points at.
            let key = e
                .span()
                .and_then(|s| text.get(s))
                .map(str::trim)
                .filter(|k| !k.is_empty() && !k.contains('\n') && k.len() < 60)
                .map(str::to_string)
                .or_else(|| {
                    text.lines()
                        .nth(line.saturating_sub(1))
                        .and_then(|l| l.split_once('='))
                        .map(|(k, _)| k.trim().to_string())
                })
                .unwrap_or_else(|| "file".into());
            let message = e.message().trim().to_string();
            err(
                line,
                &key,
                format!("{message} — see the rules format in the vectis-rules docs"),
            )
        })?;
        if raw.rule.is_empty() {
            return Err(err(
                1,
                "rule",
                "no [[rule]] in the file; add at least one".into(),
            ));
        }
        let mut rules = Vec::with_capacity(raw.rule.len());
        let mut names = std::collections::HashSet::new();
        for r in raw.rule {
            let line = line_of(text, r.name.span().start);
            let name = r.name.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(err(
                    line,
                    "rule.name",
                    "is empty; give the rule a name".into(),
                ));
            }
            if !names.insert(name.clone()) {
                return Err(err(
                    line,
                    "rule.name",
                    format!("`{name}` names two rules; names must be unique"),
                ));
            }
            let mut severity = Vec::new();
            if let Some(list) = &r.severity {
                let l = line_of(text, list.span().start);
                for s in list.get_ref() {
                    let v: Severity = serde_json::from_value(serde_json::json!(
                        s.trim().to_lowercase()
                    ))
                    .map_err(|_| {
                        err(
                            l,
                            "rule.severity",
                            format!(
                                "`{s}` is not a severity; use critical, high, medium, low or info"
                            ),
                        )
                    })?;
                    severity.push(v);
                }
            }
            let mut vendors = Vec::new();
            if let Some(list) = &r.vendors {
                let l = line_of(text, list.span().start);
                for s in list.get_ref() {
                    let v = Vendor::from_slug(s.trim()).ok_or_else(|| {
                        err(
                            l,
                            "rule.vendors",
                            format!("`{s}` is not a vendor; use atera, kaseya or datto-rmm"),
                        )
                    })?;
                    vendors.push(v);
                }
            }
            let duration = |v: &Option<Spanned<String>>, field: &str| match v {
                None => Ok(Duration::ZERO),
                Some(s) => parse_duration(s.get_ref()).ok_or_else(|| {
                    err(
                        line_of(text, s.span().start),
                        field,
                        format!(
                            "`{}` is not a duration; write e.g. \"90s\", \"5m\", \"24h\" or \"2d\"",
                            s.get_ref()
                        ),
                    )
                }),
            };
            let min_age = duration(&r.min_age, "rule.min_age")?;
            let reopen_within = duration(&r.ticket.reopen_within, "rule.ticket.reopen_within")?;
            let summary = r.ticket.summary.get_ref().clone();
            let sline = line_of(text, r.ticket.summary.span().start);
            if summary.trim().is_empty() {
                return Err(err(
                    sline,
                    "rule.ticket.summary",
                    "is empty; give a template like \"[{severity}] {title} on {device}\"".into(),
                ));
            }
            check_template(&summary).map_err(|m| err(sline, "rule.ticket.summary", m))?;
            let spanned = |v: &Option<Spanned<String>>| match v {
                Some(s) if !s.get_ref().trim().is_empty() => (
                    Some(s.get_ref().trim().to_string()),
                    line_of(text, s.span().start),
                ),
                _ => (None, 0),
            };
            let (board, board_line) = spanned(&r.ticket.board);
            let (priority, priority_line) = spanned(&r.ticket.priority);
            rules.push(Rule {
                name,
                severity,
                vendors,
                title_contains: r
                    .title_contains
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| s.trim().to_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect(),
                min_age,
                ticket: TicketRule {
                    summary,
                    board,
                    priority,
                    close_when_resolved: r.ticket.close_when_resolved,
                    reopen_within,
                    board_line,
                    priority_line,
                },
                line,
            });
        }
        let mut windows = Vec::with_capacity(raw.window.len());
        for w in raw.window {
            let line = line_of(text, w.name.span().start);
            let time = |v: &Spanned<String>, field: &str| {
                chrono::DateTime::parse_from_rfc3339(v.get_ref().trim())
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| {
                        err(
                            line_of(text, v.span().start),
                            field,
                            format!(
                                "`{}` is not a date-time; write RFC 3339 with a zone, e.g. \"2026-05-01T22:00:00Z\"",
                                v.get_ref()
                            ),
                        )
                    })
            };
            let start = time(&w.start, "window.start")?;
            let end = time(&w.end, "window.end")?;
            if end <= start {
                return Err(err(
                    line_of(text, w.end.span().start),
                    "window.end",
                    "is not after start; a window must end after it starts".into(),
                ));
            }
            let customers: Vec<String> = w
                .customers
                .into_iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            if customers.is_empty() {
                return Err(err(
                    line,
                    "window.customers",
                    "is empty; name the RMM customers (names or ids) it covers".into(),
                ));
            }
            windows.push(Window {
                name: w.name.get_ref().trim().to_string(),
                customers,
                start,
                end,
            });
        }
        Ok(Rules {
            file: file.to_string(),
            rules,
            windows,
        })
    }

    /// The first rule `alert` matches.
    pub fn first_match(&self, alert: &Alert) -> Option<&Rule> {
        self.rules.iter().find(|r| r.matches(alert))
    }

    /// An error about this file.
    pub fn error(&self, line: usize, field: &str, message: String) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line,
            field: field.to_string(),
            message,
        }
    }
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

/// Every `{name}` in `template` must be a known placeholder; `{{`/`}}` are
/// literal braces.
fn check_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        if let Some(stripped) = after.strip_prefix('{') {
            rest = stripped;
            continue;
        }
        let Some(j) = after.find('}') else {
            return Err("has a `{` without its `}`; write `{{` for a literal brace".into());
        };
        let name = &after[..j];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "has the placeholder `{{{name}}}`, which does not exist; use {}",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ));
        }
        rest = &after[j + 1..];
    }
    Ok(())
}

/// The values a summary template is filled with: the default (every value
/// empty) with the ones you have set by name (`fill.title = "…"`).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Fill<'a> {
    /// `{severity}`.
    pub severity: &'a str,
    /// `{title}`.
    pub title: &'a str,
    /// `{device}`.
    pub device: &'a str,
    /// `{customer}`.
    pub customer: &'a str,
    /// `{vendor}`.
    pub vendor: &'a str,
}

/// Fills `template` and cuts the result to `max` characters (an ellipsis
/// marks the cut), never rejecting it.
pub fn render(template: &str, fill: &Fill<'_>, max: usize) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let c = &rest[i..];
        if c.starts_with("{{") || c.starts_with("}}") {
            out.push_str(&c[..1]);
            rest = &c[2..];
            continue;
        }
        if let (true, Some(j)) = (c.starts_with('{'), c.find('}')) {
            out.push_str(match &c[1..j] {
                "severity" => fill.severity,
                "title" => fill.title,
                "device" => fill.device,
                "customer" => fill.customer,
                "vendor" => fill.vendor,
                other => other,
            });
            rest = &c[j + 1..];
        } else {
            out.push_str(&c[..1]);
            rest = &c[1..];
        }
    }
    out.push_str(rest);
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() <= max {
        return out;
    }
    let mut cut: String = out.chars().take(max.saturating_sub(1)).collect();
    cut = cut.trim_end().to_string();
    cut.push('…');
    cut
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests;
