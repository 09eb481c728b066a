//! A key with open alerts: its ticket opened, adopted, noted or reopened.

use super::*;

impl<'a> Engine<'a> {
    pub(super) async fn handle_open(
        &self,
        g: &Group<'_>,
        open: &[&Alert],
        row: Option<&RuleTicket>,
        links: &HashMap<(String, String), String>,
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Action>> {
        let key = g.reference.as_str();
        let min_age = chrono::Duration::from_std(g.rule.min_age).unwrap_or(chrono::Duration::MAX);
        let ripe: Vec<&Alert> = open
            .iter()
            .copied()
            .filter(|a| a.created_at.is_none_or(|c| now - c >= min_age))
            .collect();
        if ripe.is_empty() {
            return Ok(vec![self.action(
                ActionKind::Skip,
                Some(g),
                key,
                row.map(|r| r.ticket_id.as_str()),
                open,
                Some(format!(
                    "open for less than min_age ({})",
                    human(g.rule.min_age)
                )),
            )]);
        }
        if let Some(w) = self
            .rules
            .windows
            .iter()
            .find(|w| w.covers(g.customer_id.as_deref(), g.customer.as_deref(), now))
        {
            return Ok(vec![self.action(
                ActionKind::Skip,
                Some(g),
                key,
                row.map(|r| r.ticket_id.as_str()),
                &ripe,
                Some(format!(
                    "maintenance window `{}` until {}: no ticket, note or reopen; the alerts are kept and considered after it",
                    w.name,
                    w.end.to_rfc3339()
                )),
            )]);
        }
        let Some(company) = g
            .customer_id
            .as_ref()
            .and_then(|c| links.get(&(g.key.rmm_connection.clone(), c.clone())))
            .cloned()
        else {
            let who = match (&g.customer, &g.customer_id) {
                (Some(n), Some(id)) => format!("customer `{n}` ({id})"),
                (None, Some(id)) => format!("customer {id}"),
                _ => "the alert's customer (unknown)".into(),
            };
            return Ok(vec![self.action(
                ActionKind::Skip,
                Some(g),
                key,
                None,
                &ripe,
                Some(format!(
                    "{who} of connection `{}` is not linked to a company of `{}`; link it with `match --link` and run again",
                    g.key.rmm_connection, self.psa_connection
                )),
            )]);
        };
        let new: Vec<&Alert> = ripe
            .iter()
            .copied()
            .filter(|a| !row.is_some_and(|r| r.seen_alerts.contains(&a.id)))
            .collect();
        match row {
            Some(r) if r.status == TicketStatus::Open => {
                let live = self.live_ticket(key, &r.ticket_id).await?;
                match live {
                    Some(t) if !t.closed && t.merged_into.is_none() => {
                        if new.is_empty() {
                            return Ok(vec![self.action(
                                ActionKind::Skip,
                                Some(g),
                                key,
                                Some(&r.ticket_id),
                                &ripe,
                                Some("ticket open; no new occurrence".into()),
                            )]);
                        }
                        self.note_occurrences(g, r, &new, state, now).await
                    }
                    other => {
                        let why = match &other {
                            None => "was deleted in the PSA".to_string(),
                            Some(t) => match &t.merged_into {
                                Some(p) => format!("was merged into ticket {p} by a person"),
                                None => "was closed in the PSA by a person".to_string(),
                            },
                        };
                        if let Some(s) = state {
                            let mut gone = r.clone();
                            gone.status = TicketStatus::Gone;
                            s.save(&self.psa_connection, &gone, now).await?;
                        }
                        if new.is_empty() {
                            return Ok(vec![self.action(
                                ActionKind::Skip,
                                Some(g),
                                key,
                                Some(&r.ticket_id),
                                &ripe,
                                Some(format!(
                                    "ticket {why}; the next occurrence opens a new ticket"
                                )),
                            )]);
                        }
                        self.open_ticket(g, &ripe, &company, row, state, now)
                            .await
                            .map(|a| vec![a])
                    }
                }
            }
            Some(r) if r.status == TicketStatus::Closed && !new.is_empty() => {
                let window = chrono::Duration::from_std(g.rule.ticket.reopen_within)
                    .unwrap_or(chrono::Duration::MAX);
                let within = r.closed_at.is_some_and(|c| now - c <= window)
                    && !g.rule.ticket.reopen_within.is_zero();
                if within && let Some(a) = self.reopen(g, r, &new, state, now).await? {
                    return Ok(vec![a]);
                }
                self.open_ticket(g, &ripe, &company, row, state, now)
                    .await
                    .map(|a| vec![a])
            }
            Some(r) if new.is_empty() => Ok(vec![self.action(
                ActionKind::Skip,
                Some(g),
                key,
                Some(&r.ticket_id),
                &ripe,
                Some(match r.status {
                    TicketStatus::Closed => "closed by us; no new occurrence".into(),
                    _ => "ticket closed in the PSA by a person; no new occurrence".into(),
                }),
            )]),
            _ => self
                .open_ticket(g, &ripe, &company, row, state, now)
                .await
                .map(|a| vec![a]),
        }
    }

    /// One note per new occurrence on an open ticket, never twice.
    pub(super) async fn note_occurrences(
        &self,
        g: &Group<'_>,
        r: &RuleTicket,
        new: &[&Alert],
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Action>> {
        let key = g.reference.as_str();
        let mut out = Vec::new();
        let mut row = r.clone();
        let existing: Vec<String> = match state {
            Some(_) => self
                .psa
                .activity(&r.ticket_id)
                .await
                .map_err(self.psa_err(
                    key,
                    format!("reading the notes of ticket {}", r.ticket_id),
                    "run again; no note was added",
                ))?
                .into_iter()
                .filter_map(|a| a.text)
                .collect(),
            None => Vec::new(),
        };
        for a in new {
            let n = row.occurrences + 1;
            let text = format!(
                "Re-triggered — occurrence {n}: {} ({} alert {})",
                a.title,
                a.vendor.product(),
                a.id
            );
            let mut reason = format!("occurrence {n}");
            if let Some(s) = state {
                if existing.iter().any(|e| e.trim() == text) {
                    reason.push_str(" (already noted by an earlier run)");
                } else {
                    self.psa
                        .add_note(&r.ticket_id, &text)
                        .await
                        .map_err(self.psa_err(key, format!("adding a note to ticket {}", r.ticket_id), "check the ticket in the PSA; the next run adds the note unless it is already there"))?;
                }
                row.occurrences = n;
                row.seen_alerts.push(a.id.clone());
                s.save(&self.psa_connection, &row, now).await?;
            } else {
                row.occurrences = n;
            }
            out.push(self.action(
                ActionKind::Note,
                Some(g),
                key,
                Some(&r.ticket_id),
                &[a],
                Some(reason),
            ));
        }
        Ok(out)
    }

    /// Reopens the ticket we closed, if it is still as we left it.
    pub(super) async fn reopen(
        &self,
        g: &Group<'_>,
        r: &RuleTicket,
        new: &[&Alert],
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Action>> {
        let key = g.reference.as_str();
        let Some(open_status) = r.open_status_id.clone() else {
            return Ok(None);
        };
        let live = self.live_ticket(key, &r.ticket_id).await?;
        let ours = live
            .as_ref()
            .is_some_and(|t| t.closed && t.merged_into.is_none() && t.status_id == r.status_id);
        if !ours {
            // A person changed, merged or deleted it since we closed it.
            return Ok(None);
        }
        let reason = format!(
            "new occurrence within reopen_within ({})",
            human(g.rule.ticket.reopen_within)
        );
        if let Some(s) = state {
            let t = self
                .psa
                .reopen_ticket(&r.ticket_id, &open_status)
                .await
                .map_err(self.psa_err(
                    key,
                    format!("reopening ticket {}", r.ticket_id),
                    "check the ticket's board has that open status; the next run tries again",
                ))?;
            let mut row = r.clone();
            row.status = TicketStatus::Open;
            row.status_id = t.status_id.clone();
            row.closed_at = None;
            row.resolved_noted = false;
            row.occurrences += new.len() as i64;
            row.seen_alerts.extend(new.iter().map(|a| a.id.clone()));
            s.save(&self.psa_connection, &row, now).await?;
        }
        Ok(Some(self.action(
            ActionKind::Reopen,
            Some(g),
            key,
            Some(&r.ticket_id),
            new,
            Some(reason),
        )))
    }
}
