//! Reading a rules file: its raw TOML shapes, checked into [`Rules`] with
//! the line of every mistake.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    window: Vec<RawWindow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWindow {
    name: Spanned<String>,
    customers: Vec<String>,
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
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
pub(super) struct RawTicket {
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

pub(super) fn line_of(text: &str, at: usize) -> usize {
    text.get(..at.min(text.len()))
        .map(|s| s.matches('\n').count() + 1)
        .unwrap_or(1)
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
