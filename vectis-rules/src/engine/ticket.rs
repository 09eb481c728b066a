//! Finding and opening a key's ticket: lookup, then adopt or create, never
//! two creates for one key.

use super::*;

impl<'a> Engine<'a> {
    /// The key's open tickets in the PSA, leaving out merged ones (a
    /// person merged them into another ticket: never written to again).
    pub(super) async fn lookup(&self, key: &str, hint: String) -> Result<Vec<TicketState>> {
        let found = self.psa.find_open_tickets(key).await.map_err(self.psa_err(
            key,
            "looking up the key's open tickets",
            hint,
        ))?;
        Ok(found
            .into_iter()
            .filter(|t| !t.closed && t.merged_into.is_none())
            .collect())
    }

    /// Intent → lookup → adopt or create, never two creates for one key.
    pub(super) async fn open_ticket(
        &self,
        g: &Group<'_>,
        ripe: &[&Alert],
        company: &str,
        before: Option<&RuleTicket>,
        state: Option<&RuleState<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Action> {
        let key = g.reference.as_str();
        let lookup_hint = format!(
            "nothing was created; run again (it looks for open tickets with externalXRef \"{key}\" first)"
        );
        let Some(s) = state else {
            let found = self.lookup(key, lookup_hint).await?;
            return Ok(match found.first() {
                Some(t) => self.action(
                    ActionKind::Adopt,
                    Some(g),
                    key,
                    Some(&t.ticket.id),
                    ripe,
                    Some("an open ticket carries this key".into()),
                ),
                None => self.action(ActionKind::Create, Some(g), key, None, ripe, None),
            });
        };
        // At most a week (its timestamp must stay comparable as text).
        let lease = self.opts.intent_lease.min(Duration::from_secs(7 * 86_400));
        let until = chrono::Duration::from_std(lease)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(now);
        if !s
            .take_intent(&self.psa_connection, key, &self.holder, now, until)
            .await?
        {
            return Ok(self.action(
                ActionKind::Skip,
                Some(g),
                key,
                None,
                ripe,
                Some("another rules run is working on this key now".into()),
            ));
        }
        let result = self
            .open_ticket_holding(g, ripe, company, before, s, now, lookup_hint)
            .await;
        let released = s
            .release_intent(&self.psa_connection, key, &self.holder)
            .await;
        let action = result?;
        released?;
        Ok(action)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn open_ticket_holding(
        &self,
        g: &Group<'_>,
        ripe: &[&Alert],
        company: &str,
        before: Option<&RuleTicket>,
        s: &RuleState<'_>,
        now: DateTime<Utc>,
        lookup_hint: String,
    ) -> Result<Action> {
        let key = g.reference.as_str();
        // Another process may have finished this key while we waited.
        if let Some(cur) = s.ticket(&self.psa_connection, key).await?
            && cur.status == TicketStatus::Open
            && before.is_none_or(|b| b.ticket_id != cur.ticket_id || b.status != TicketStatus::Open)
        {
            return Ok(self.action(
                ActionKind::Skip,
                Some(g),
                key,
                Some(&cur.ticket_id),
                ripe,
                Some("another rules run took this key on".into()),
            ));
        }
        let found = self.lookup(key, lookup_hint).await?;
        let seen: Vec<String> = ripe.iter().map(|a| a.id.clone()).collect();
        let row = |t: &TicketState| {
            let mut row = RuleTicket::new(
                key,
                g.rule.name.clone(),
                g.key.rmm_connection.clone(),
                t.ticket.id.clone(),
            );
            row.status_id = t.status_id.clone();
            row.open_status_id = t.status_id.clone();
            row.occurrences = seen.len() as i64;
            row.seen_alerts = seen.clone();
            row
        };
        if let Some(t) = found.first() {
            s.save(&self.psa_connection, &row(t), now).await?;
            let mut reason = "an open ticket already carries this key".to_string();
            if found.len() > 1 {
                reason.push_str(&format!(
                    " ({} do; the oldest was taken — merge the others in the PSA)",
                    found.len()
                ));
            }
            return Ok(self.action(
                ActionKind::Adopt,
                Some(g),
                key,
                Some(&t.ticket.id),
                ripe,
                Some(reason),
            ));
        }
        let first = ripe.first().copied();
        let title = first.map(|a| a.title.as_str()).unwrap_or_default();
        let severity = first.map(|a| a.severity.to_string()).unwrap_or_default();
        let vendor = first.map(|a| a.vendor.product()).unwrap_or_default();
        let device = g.device.as_deref().unwrap_or("");
        let customer = g.customer.as_deref().unwrap_or("");
        let fill = Fill {
            severity: &severity,
            title,
            device: if device.is_empty() { customer } else { device },
            customer,
            vendor,
        };
        let mut description = format!(
            "Opened by Vectis rule \"{}\" for {} alert(s):\n",
            g.rule.name,
            ripe.len()
        );
        for a in ripe {
            description.push_str(&format!(
                "- {} alert {}: {} ({})\n",
                a.vendor.product(),
                a.id,
                a.title,
                a.severity
            ));
        }
        description.push_str(&format!(
            "\nKey: {key} (in externalXRef; one ticket per key)"
        ));
        let mut draft = TicketDraft::new(
            company,
            render(&g.rule.ticket.summary, &fill, MAX_SUMMARY_CHARS),
        );
        draft.description = Some(description);
        draft.board = g.rule.ticket.board.clone();
        draft.priority = g.rule.ticket.priority.clone();
        draft.external_ref = Some(key.to_string());
        let ticket = self.psa.create_ticket(&draft).await.map_err(self.psa_err(
            key,
            "creating the ticket",
            format!("if the PSA may have created it, the next run finds it by externalXRef \"{key}\" and adopts it; fix the cause and run again"),
        ))?;
        let mut st = TicketState::new(ticket.clone());
        if let Ok(Some(live)) = self.psa.ticket_state(&ticket.id).await {
            st = live;
        }
        s.save(&self.psa_connection, &row(&st), now).await?;
        let reason = before.map(|b| match b.status {
            TicketStatus::Closed => format!(
                "ticket {}, closed by us, was not reopened: outside reopen_within, or changed in the PSA since",
                b.ticket_id
            ),
            _ => format!(
                "ticket {} was closed, merged or deleted by a person",
                b.ticket_id
            ),
        });
        Ok(self.action(
            ActionKind::Create,
            Some(g),
            key,
            Some(&ticket.id),
            ripe,
            reason,
        ))
    }
}
