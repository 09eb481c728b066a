//! Unit tests of `config`.

#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

const GOOD: &str = r#"
[[rule]]
name = "Critical and high alerts"
severity = ["critical", "high"]
vendors = ["atera", "datto-rmm"]
title_contains = ["disk", "offline"]
min_age = "5m"
[rule.ticket]
summary = "[{severity}] {title} on {device}"
board = "Service Board"
priority = "Priority 2 - Quick Response"
close_when_resolved = true
reopen_within = "24h"
"#;

#[test]
fn the_design_example_parses() {
    let r = Rules::parse("rules.toml", GOOD).unwrap();
    let rule = &r.rules[0];
    assert_eq!(rule.severity, vec![Severity::Critical, Severity::High]);
    assert_eq!(rule.vendors, vec![Vendor::Atera, Vendor::DattoRmm]);
    assert_eq!(rule.min_age, Duration::from_secs(300));
    assert_eq!(rule.ticket.reopen_within, Duration::from_secs(86_400));
    assert_eq!(rule.ticket.board.as_deref(), Some("Service Board"));
    assert_eq!(rule.ticket.board_line, 10);
    assert!(rule.ticket.close_when_resolved);
}

#[test]
fn an_unknown_field_names_file_line_and_field() {
    let bad = GOOD.replace("close_when_resolved", "close_when_resolve");
    let e = Rules::parse("rules.toml", &bad).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("rules.toml", 12), "{e}");
    assert_eq!(e.field, "close_when_resolve", "{e}");
    assert!(
        e.to_string()
            .starts_with("rules.toml:12: close_when_resolve:"),
        "{e}"
    );
}

#[test]
fn a_missing_placeholder_and_a_bad_duration_are_named() {
    let bad = GOOD.replace("{device}", "{host}");
    let e = Rules::parse("r.toml", &bad).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (9, "rule.ticket.summary"));
    assert!(e.message.contains("{host}"), "{e}");
    let bad = GOOD.replace("\"5m\"", "\"five minutes\"");
    let e = Rules::parse("r.toml", &bad).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (7, "rule.min_age"));
    let bad = GOOD.replace("\"high\"", "\"urgent\"");
    let e = Rules::parse("r.toml", &bad).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (4, "rule.severity"));
    let e = Rules::parse("r.toml", "[[rule]\nname=").unwrap_err();
    assert_eq!(e.line, 1, "{e}");
}

#[test]
fn a_window_covers_its_customers_for_its_time_only() {
    let text = format!(
        "{GOOD}\n[[window]]\nname = \"Patch night\"\ncustomers = [\"Acme Ltd\", \"42\"]\nstart = \"2026-05-01T22:00:00Z\"\nend = \"2026-05-02T02:00:00Z\"\n"
    );
    let r = Rules::parse("r.toml", &text).unwrap();
    let w = &r.windows[0];
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    assert!(w.covers(None, Some("acme ltd"), at("2026-05-01T23:00:00Z")));
    assert!(w.covers(Some("42"), None, at("2026-05-02T01:59:59Z")));
    assert!(!w.covers(Some("42"), None, at("2026-05-02T02:00:00Z")));
    assert!(!w.covers(Some("7"), Some("Globex"), at("2026-05-01T23:00:00Z")));
    let bad = text.replace("2026-05-02T02:00:00Z", "tomorrow");
    let e = Rules::parse("r.toml", &bad).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (19, "window.end"), "{e}");
}

#[test]
fn durations() {
    assert_eq!(parse_duration("0"), Some(Duration::ZERO));
    assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5_400)));
    assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172_800)));
    assert_eq!(parse_duration("5"), None);
    assert_eq!(parse_duration("5x"), None);
}

#[test]
fn a_long_summary_is_cut_never_rejected() {
    let fill = Fill {
        severity: "critical",
        title: &"Disk C: nearly full ".repeat(10),
        device: "SRV-01",
        ..Fill::default()
    };
    let s = render("[{severity}] {title} on {device}", &fill, 100);
    assert!(s.chars().count() <= 100, "{s}");
    assert!(s.starts_with("[critical] Disk C: nearly full"));
    assert!(s.ends_with('…'));
    assert_eq!(
        render(
            "{{x}} {vendor}",
            &Fill {
                vendor: "Atera",
                ..Fill::default()
            },
            100
        ),
        "{x} Atera"
    );
}
