//! Ticket text templates: `{name}` placeholders checked when the file is
//! read, and [`render`]ed for an alert.

use super::*;

/// Every `{name}` in `template` must be a known placeholder; `{{`/`}}` are
/// literal braces.
pub(super) fn check_template(template: &str) -> Result<(), String> {
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
