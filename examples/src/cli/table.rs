//! The text tables `sync --format table` prints.

use super::*;

pub(super) fn strip_raw(rec: &mut Record) {
    let raw = match rec {
        Record::Customer(c) => &mut c.raw,
        Record::Device(d) => &mut d.raw,
        Record::Alert(a) => &mut a.raw,
        Record::Ticket(t) => &mut t.raw,
    };
    *raw = serde_json::Value::Null;
}

/// Collects records into aligned text tables, one per kind.
#[derive(Default)]
pub struct Table {
    customers: Vec<[String; 2]>,
    devices: Vec<[String; 6]>,
    alerts: Vec<[String; 6]>,
    tickets: Vec<[String; 4]>,
}

pub(super) fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|x| x.to_string())
        .unwrap_or_else(|| "-".into())
}

impl Table {
    /// Adds one record.
    pub fn push(&mut self, rec: &Record) {
        match rec {
            Record::Customer(c) => self.customers.push([c.id.clone(), c.name.clone()]),
            Record::Device(d) => self.devices.push([
                d.id.clone(),
                opt(&d.customer_id),
                d.name.clone(),
                opt(&d.os),
                opt(&d.online),
                d.last_seen
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into()),
            ]),
            Record::Alert(a) => self.alerts.push([
                a.id.clone(),
                opt(&a.customer_id),
                opt(&a.device_id),
                a.severity.to_string(),
                a.status.to_string(),
                a.title.clone(),
            ]),
            Record::Ticket(t) => self.tickets.push([
                t.id.clone(),
                opt(&t.customer_id),
                opt(&t.status),
                t.summary.clone(),
            ]),
        }
    }

    /// The tables as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        section(&mut out, "CUSTOMERS", &["id", "name"], &self.customers);
        section(
            &mut out,
            "DEVICES",
            &["id", "customer", "name", "os", "online", "last seen"],
            &self.devices,
        );
        section(
            &mut out,
            "ALERTS",
            &["id", "customer", "device", "severity", "status", "title"],
            &self.alerts,
        );
        section(
            &mut out,
            "TICKETS",
            &["id", "customer", "status", "summary"],
            &self.tickets,
        );
        out
    }
}

pub(super) fn section<const N: usize>(
    out: &mut String,
    title: &str,
    head: &[&str; N],
    rows: &[[String; N]],
) {
    if rows.is_empty() {
        return;
    }
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count().min(48));
        }
    }
    out.push_str(&format!("{title} ({})\n", rows.len()));
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            let c: String = c.chars().take(48).collect();
            if i + 1 == cells.len() {
                s.push_str(&c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(head.iter().map(|h| h.to_uppercase()).collect()));
    for r in rows {
        out.push_str(&line(r.to_vec()));
    }
    out.push('\n');
}
