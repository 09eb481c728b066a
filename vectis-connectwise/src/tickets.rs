//! Opening a ticket exactly once: a marker in `externalXRef`, and a lookup
//! by it before any second `POST`.

use crate::ConnectWiseConnector;
use crate::info::{INFO, MARKER_PREFIX, MAX_EXTERNAL_REF_CHARS, MAX_SUMMARY_CHARS};
use crate::listings::TICKETS;
use crate::{map, raw};
use vectis_core::error::Result;
use vectis_core::http::Method;
use vectis_core::paginate::decode_item;
use vectis_core::{BaseUrl, Error, Ticket, TicketDraft};

impl ConnectWiseConnector {
    pub(crate) async fn create(&self, draft: &TicketDraft) -> Result<Ticket> {
        let given = draft
            .external_ref
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let marker = match given {
            Some(r) => r.to_string(),
            None => new_marker(),
        };
        let open_only = given.is_some();
        let body = ticket_body(draft, &marker)?;
        let api = self.api_root().await?;
        let client = &self.inner.client;
        let post = client
            .spec_at(&api, Method::POST, TICKETS.path, &[])?
            .json(body);
        let attempts = self.inner.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let err = match client.execute(post.clone()).await {
                Ok(resp) => {
                    let read = resp.record().map(|(t, raw)| map::ticket(t, raw));
                    return match read {
                        Ok(t) => Ok(t),
                        // A 2xx means the ticket exists: an unreadable answer
                        // (a proxy page, truncated JSON) must not make the
                        // caller create it again.
                        Err(unreadable) => {
                            self.adopt_after_unreadable(&api, &marker, open_only, unreadable)
                                .await
                        }
                    };
                }
                Err(e) if maybe_created(&e) => e,
                Err(e) => return Err(e),
            };
            match self.find_by_marker(&api, &marker, open_only).await {
                Ok(Some(t)) => {
                    tracing::info!(target: "vectis::connectwise", ticket = %t.id, "the ticket was created although its answer was lost");
                    return Ok(t);
                }
                Ok(None) if attempt < attempts => {
                    tracing::debug!(target: "vectis::connectwise", attempt, error = %err, "ticket not created; posting again");
                    client
                        .time()
                        .sleep(self.inner.retry.delay(attempt, err.retry_after()))
                        .await;
                }
                Ok(None) => return Err(err),
                Err(lookup) => {
                    return Err(self.unsure(format!(
                        "creating the ticket failed ({err}) and looking it up failed too ({lookup}); it may or may not exist — search ConnectWise for externalXRef \"{marker}\" before creating it again"
                    )));
                }
            }
        }
    }

    /// The ticket a `POST` answered 2xx for with an unreadable body, found by
    /// its marker; an error saying so (and what to search for) when it
    /// cannot be found.
    async fn adopt_after_unreadable(
        &self,
        api: &BaseUrl,
        marker: &str,
        open_only: bool,
        unreadable: Error,
    ) -> Result<Ticket> {
        match self.find_by_marker(api, marker, open_only).await {
            Ok(Some(t)) => {
                tracing::warn!(target: "vectis::connectwise", ticket = %t.id, error = %unreadable, "the ticket was created but its answer was unreadable; found it by its marker");
                Ok(t)
            }
            Ok(None) => Err(self.unsure(format!(
                "the ticket POST was accepted but its answer was unreadable ({unreadable}), and no ticket with externalXRef \"{marker}\" is listed yet — search ConnectWise for it before creating the ticket again"
            ))),
            Err(lookup) => Err(self.unsure(format!(
                "the ticket POST was accepted but its answer was unreadable ({unreadable}), and looking it up failed too ({lookup}) — search ConnectWise for externalXRef \"{marker}\" before creating the ticket again"
            ))),
        }
    }

    /// A ticket that may or may not have been created, and what to search
    /// for before creating it again.
    fn unsure(&self, detail: String) -> Error {
        Error::Inconsistent {
            vendor: INFO.vendor,
            endpoint: self.inner.client.endpoint(TICKETS.path),
            detail,
        }
    }

    /// Looks up the ticket carrying `marker` in `externalXRef` (only open
    /// ones when `open_only`: a caller's reference is reused across tickets).
    async fn find_by_marker(
        &self,
        api: &BaseUrl,
        marker: &str,
        open_only: bool,
    ) -> Result<Option<Ticket>> {
        let client = &self.inner.client;
        let mut get = client.spec_at(api, Method::GET, TICKETS.path, &[])?;
        let mut conditions = format!("externalXRef = \"{marker}\"");
        if open_only {
            conditions.push_str(" and closedFlag = false");
        }
        get.url
            .query_pairs_mut()
            .append_pair("conditions", &conditions)
            .append_pair("pageSize", "10");
        let resp = client.execute(get).await?;
        let items: Vec<serde_json::Value> = resp.json()?;
        for (i, v) in items.into_iter().enumerate() {
            let t: raw::Ticket = decode_item(resp.vendor, &resp.endpoint, i, &v)?;
            // Trust the marker, not the server's filtering.
            if t.external_x_ref.as_deref() == Some(marker)
                && !(open_only && t.closed_flag == Some(true))
            {
                return Ok(Some(map::ticket(t, v)));
            }
        }
        Ok(None)
    }
}

/// A reference by id (all digits) or by name.
fn reference(value: &str) -> serde_json::Value {
    let v = value.trim();
    match v.parse::<i64>() {
        Ok(id) => serde_json::json!({ "id": id }),
        Err(_) => serde_json::json!({ "name": v }),
    }
}

/// The `POST /service/tickets` body for `draft`, refused before any request
/// when ConnectWise would refuse it.
fn ticket_body(draft: &TicketDraft, marker: &str) -> Result<serde_json::Value> {
    let summary = draft.summary.trim();
    if summary.is_empty() {
        return Err(Error::InvalidInput {
            what: "ConnectWise ticket summary".into(),
            reason: "it is empty; give a one-line summary".into(),
        });
    }
    let n = summary.chars().count();
    if n > MAX_SUMMARY_CHARS {
        return Err(Error::InvalidInput {
            what: "ConnectWise ticket summary".into(),
            reason: format!(
                "it is {n} characters; ConnectWise allows at most {MAX_SUMMARY_CHARS} — shorten it and put the rest in the description"
            ),
        });
    }
    let company = draft.customer_id.trim();
    if company.is_empty() {
        return Err(Error::InvalidInput {
            what: "ConnectWise company".into(),
            reason:
                "no customer_id; give the company's id (e.g. 250) or its identifier (e.g. Fabrikam)"
                    .into(),
        });
    }
    let company = match company.parse::<i64>() {
        Ok(id) => serde_json::json!({ "id": id }),
        Err(_) => serde_json::json!({ "identifier": company }),
    };
    let n = marker.chars().count();
    if n > MAX_EXTERNAL_REF_CHARS || marker.contains('"') {
        return Err(Error::InvalidInput {
            what: "ConnectWise ticket externalXRef".into(),
            reason: format!(
                "it is {n} characters{}; ConnectWise allows at most {MAX_EXTERNAL_REF_CHARS}, and it must be searchable — use a shorter reference without quotes",
                if marker.contains('"') {
                    " with a quote"
                } else {
                    ""
                }
            ),
        });
    }
    let mut body = serde_json::json!({
        "summary": summary,
        "company": company,
        "externalXRef": marker,
    });
    if let Some(obj) = body.as_object_mut() {
        for (key, value) in [
            ("board", &draft.board),
            ("status", &draft.status),
            ("priority", &draft.priority),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                obj.insert(key.into(), reference(v));
            }
        }
        if let Some(d) = draft
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            obj.insert("initialDescription".into(), d.into());
        }
    }
    Ok(body)
}

fn new_marker() -> String {
    format!("{MARKER_PREFIX}{:016x}", fastrand::u64(..))
}

/// A failed POST whose ticket may nonetheless exist.
fn maybe_created(e: &Error) -> bool {
    matches!(
        e,
        Error::Timeout { .. }
            | Error::Network { .. }
            | Error::Server { .. }
            | Error::RateLimited { .. }
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ticket_body_validates_and_references_by_id_or_name() {
        let mut draft = TicketDraft::new("250", "Disk full");
        draft.board = Some("Help Desk".into());
        draft.status = Some("16".into());
        draft.description = Some("C: at 99%".into());
        let b = ticket_body(&draft, "vectis-1").unwrap();
        assert_eq!(
            b,
            serde_json::json!({"summary":"Disk full","company":{"id":250},"externalXRef":"vectis-1",
                "board":{"name":"Help Desk"},"status":{"id":16},"initialDescription":"C: at 99%"})
        );
        let mut long = draft.clone();
        long.summary = "é".repeat(101);
        let e = ticket_body(&long, "m").unwrap_err();
        assert!(e.to_string().contains("101 characters"), "{e}");
        let mut at_most = draft.clone();
        at_most.summary = "é".repeat(100);
        assert!(ticket_body(&at_most, "m").is_ok());
        let mut by_identifier = draft;
        by_identifier.customer_id = "Fabrikam".into();
        assert_eq!(
            ticket_body(&by_identifier, "m").unwrap()["company"],
            serde_json::json!({"identifier":"Fabrikam"})
        );
    }
}
