//! A key whose alerts are all resolved: its ticket closed.

use super::*;

impl<'a> Engine<'a> {
    /// Every alert under an open ticket's key is resolved (or gone).
    pub(super) async fn handle_resolved(
        &self,
        row: &RuleTicket,
        group: Option<&Group<'_>>,
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Action>> {
        let key = row.key.as_str();
        let Some(rule) = self.rules.rules.iter().find(|r| r.name == row.rule) else {
            return Ok(None);
        };
        if !rule.ticket.close_when_resolved {
            return Ok(None);
        }
        let alerts: Vec<&Alert> = group.map(|g| g.alerts.iter().collect()).unwrap_or_default();
        let act = |kind, reason: String| Action {
            action: kind,
            rule: Some(row.rule.clone()),
            key: key.to_string(),
            ticket_id: Some(row.ticket_id.clone()),
            alert_ids: alerts.iter().map(|a| a.id.clone()).collect(),
            reason: Some(reason),
        };
        if row.resolved_noted {
            return Ok(Some(act(
                ActionKind::Skip,
                "resolved in the RMM; left open because it was worked on (noted already)".into(),
            )));
        }
        let live = self.live_ticket(key, &row.ticket_id).await?;
        let Some(t) = live.filter(|t| !t.closed && t.merged_into.is_none()) else {
            if let Some(s) = state {
                let mut gone = row.clone();
                gone.status = TicketStatus::Gone;
                s.save(&self.psa_connection, &gone, now).await?;
            }
            return Ok(Some(act(
                ActionKind::Skip,
                "resolved in the RMM; the ticket was already closed, merged or deleted in the PSA"
                    .into(),
            )));
        };
        let mut touched: Vec<String> = Vec::new();
        if t.status_id != row.status_id {
            touched.push(format!(
                "its status is now `{}`",
                t.ticket.status.clone().unwrap_or_default()
            ));
        }
        let activity = self
            .psa
            .activity(&row.ticket_id)
            .await
            .map_err(self.psa_err(
                key,
                format!(
                    "reading the notes and time entries of ticket {}",
                    row.ticket_id
                ),
                "run again; nothing was changed for this key",
            ))?;
        let entered_by = t.entered_by.as_deref();
        for a in &activity {
            if a.author.is_none() || a.author.as_deref() != entered_by {
                touched.push(format!(
                    "a {} by {}",
                    match a.kind {
                        vectis_core::ActivityKind::Note => "note",
                        vectis_core::ActivityKind::TimeEntry => "time entry",
                        _ => "change",
                    },
                    a.author.as_deref().unwrap_or("a contact")
                ));
            }
        }
        if touched.is_empty() {
            if let Some(s) = state {
                let closed = self
                    .psa
                    .close_ticket(&row.ticket_id)
                    .await
                    .map_err(self.psa_err(
                        key,
                        format!("closing ticket {}", row.ticket_id),
                        "the ticket stays open; fix the cause and run again",
                    ))?;
                let mut r = row.clone();
                r.status = TicketStatus::Closed;
                r.status_id = closed.status_id.clone();
                r.closed_at = Some(now);
                s.save(&self.psa_connection, &r, now).await?;
            }
            return Ok(Some(act(
                ActionKind::Close,
                "every alert under the key is resolved in the RMM and nobody touched the ticket"
                    .into(),
            )));
        }
        touched.dedup();
        let text = "The RMM reports every alert under this ticket resolved. Left open because it was worked on in the PSA; close it when done.";
        if let Some(s) = state {
            if !activity
                .iter()
                .any(|a| a.text.as_deref().map(str::trim) == Some(text))
            {
                self.psa
                    .add_note(&row.ticket_id, text)
                    .await
                    .map_err(self.psa_err(
                        key,
                        format!("adding a note to ticket {}", row.ticket_id),
                        "run again; the note is added unless it is already there",
                    ))?;
            }
            let mut r = row.clone();
            r.resolved_noted = true;
            s.save(&self.psa_connection, &r, now).await?;
        }
        Ok(Some(act(
            ActionKind::Note,
            format!(
                "resolved in the RMM; left open because it was touched: {}",
                touched.join(", ")
            ),
        )))
    }
}
