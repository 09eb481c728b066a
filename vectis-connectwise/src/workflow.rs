//! Ticket workflow: tickets by `externalXRef`, notes, time entries, closing
//! and reopening through `PATCH` (JSON Patch on `status`), boards and
//! priorities by name — and the [`Psa`] trait over them.

use crate::info::{CLOSED_STATUS_NAMES, INFO, MAX_EXTERNAL_REF_CHARS};
use crate::listings::{BOARD_STATUSES, BOARDS, NOTES, PRIORITIES, TICKETS, TIME_ENTRIES};
use crate::{ConnectWiseConnector, map, raw};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use vectis_core::error::Result;
use vectis_core::http::{Method, RequestSpec};
use vectis_core::{Activity, ActivityKind, Error, Named, Psa, TicketState};
use vectis_core::{ListOptions, Listing};

/// One ticket.
const TICKET: &str = "/service/tickets/{id}";

/// A ticket id must be a ConnectWise ticket number.
fn ticket_number(id: &str) -> Result<i64> {
    id.trim().parse::<i64>().map_err(|_| Error::InvalidInput {
        what: "ConnectWise ticket id".into(),
        reason: format!("`{id}` is not a ticket number (like 4242)"),
    })
}

impl ConnectWiseConnector {
    /// A `method` request of `path` (its `{name}`s filled from `args`) at
    /// the API root.
    async fn spec(&self, method: Method, path: &str, args: &[(&str, &str)]) -> Result<RequestSpec> {
        let api = self.api_root().await?;
        self.inner.client.spec_at(&api, method, path, args)
    }

    /// Every record of `listing` on the API root (its `{name}`s filled from
    /// `args`, `query` added), page after page by the `Link` header, each
    /// decoded with its JSON.
    async fn get_list<R: DeserializeOwned + Send + 'static>(
        &self,
        listing: &Listing<R>,
        args: &[(&'static str, &str)],
        query: &[(&str, String)],
    ) -> Result<Vec<(R, serde_json::Value)>> {
        let api = self.api_root().await?;
        let mut call = self
            .inner
            .client
            .list(listing, &ListOptions::default())
            .at(&api);
        for (name, value) in args {
            call = call.path_arg(name, *value);
        }
        for (name, value) in query {
            call = call.query(*name, value.clone());
        }
        call.map_items(|_, r, v| Ok(Some((r, v)))).all().await
    }

    /// Open tickets whose `externalXRef` is `reference`
    /// (`conditions=externalXRef = "…" and closedFlag = false`), lowest id
    /// first. The answer is checked too: a server that ignored the filter
    /// returns nothing wrong.
    pub async fn find_open_tickets(&self, reference: &str) -> Result<Vec<TicketState>> {
        let r = reference.trim();
        if r.is_empty() || r.contains('"') || r.chars().count() > MAX_EXTERNAL_REF_CHARS {
            return Err(Error::InvalidInput {
                what: "ConnectWise externalXRef".into(),
                reason: format!(
                    "`{r}` cannot be searched: give 1 to {MAX_EXTERNAL_REF_CHARS} characters without quotes"
                ),
            });
        }
        let found: Vec<(raw::Ticket, _)> = self
            .get_list(
                &TICKETS,
                &[],
                &[
                    (
                        "conditions",
                        format!("externalXRef = \"{r}\" and closedFlag = false"),
                    ),
                    ("orderBy", "id asc".into()),
                ],
            )
            .await?;
        let mut out: Vec<TicketState> = found
            .into_iter()
            .filter(|(t, _)| t.external_x_ref.as_deref() == Some(r) && t.closed_flag != Some(true))
            .map(|(t, v)| map::ticket_state(t, v))
            .collect();
        out.sort_by_key(|t| t.ticket.id.parse::<i64>().unwrap_or(i64::MAX));
        Ok(out)
    }

    /// `GET /service/tickets/{id}`; `None` on 404.
    pub async fn ticket_state(&self, id: &str) -> Result<Option<TicketState>> {
        let n = ticket_number(id)?.to_string();
        let get = self.spec(Method::GET, TICKET, &[("id", &n)]).await?;
        match self.inner.client.execute(get).await {
            Ok(resp) => {
                let (t, v) = resp.record::<raw::Ticket>()?;
                Ok(Some(map::ticket_state(t, v)))
            }
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /service/tickets/{id}/notes` with `detailDescriptionFlag`
    /// (a note on the ticket's discussion). Never retried: a note whose
    /// answer was lost may exist — list the notes before adding it again.
    pub async fn add_note(&self, ticket_id: &str, text: &str) -> Result<Activity> {
        let n = ticket_number(ticket_id)?;
        if text.trim().is_empty() {
            return Err(Error::InvalidInput {
                what: "ConnectWise service note".into(),
                reason: "its text is empty".into(),
            });
        }
        let post = self
            .spec(Method::POST, NOTES.path, &[("id", &n.to_string())])
            .await?;
        let body = serde_json::json!({
            "ticketId": n,
            "text": text,
            "detailDescriptionFlag": true,
            "internalAnalysisFlag": false,
            "resolutionFlag": false,
        });
        let resp = self.inner.client.execute(post.json(body)).await?;
        let (note, _) = resp.record::<raw::ServiceNote>()?;
        Ok(note_activity(note))
    }

    /// The ticket's notes (`GET /service/tickets/{id}/notes`) and time
    /// entries (`GET /time/entries?conditions=chargeToType="ServiceTicket"
    /// and chargeToId=…`), each with its author's member identifier, every
    /// page of each.
    pub async fn activity(&self, ticket_id: &str) -> Result<Vec<Activity>> {
        let n = ticket_number(ticket_id)?;
        let notes: Vec<(raw::ServiceNote, _)> = self
            .get_list(&NOTES, &[("id", &n.to_string())], &[])
            .await?;
        let entries: Vec<(raw::TimeEntry, _)> = self
            .get_list(
                &TIME_ENTRIES,
                &[],
                &[(
                    "conditions",
                    format!("chargeToType = \"ServiceTicket\" and chargeToId = {n}"),
                )],
            )
            .await?;
        let mut out: Vec<Activity> = notes.into_iter().map(|(t, _)| note_activity(t)).collect();
        out.extend(
            entries
                .into_iter()
                .filter(|(e, _)| e.charge_to_id == Some(n))
                .map(|(e, _)| {
                    let author = e
                        .member
                        .as_ref()
                        .and_then(|m| m.identifier.clone())
                        .or_else(|| e.info.get("enteredBy").map(str::to_string));
                    Activity::new(ActivityKind::TimeEntry, e.id.to_string(), author, e.notes)
                }),
        );
        Ok(out)
    }

    /// The statuses of board `board_id` (`GET /service/boards/{id}/statuses`).
    async fn board_statuses(&self, board_id: i64) -> Result<Vec<raw::BoardStatus>> {
        let list: Vec<(raw::BoardStatus, _)> = self
            .get_list(&BOARD_STATUSES, &[("id", &board_id.to_string())], &[])
            .await?;
        Ok(list.into_iter().map(|(s, _)| s).collect())
    }

    /// The closed status of board `board_id`, by name: the configured one, or
    /// `>Closed` / `Closed`, or else the first status marked `closedStatus`.
    pub async fn closed_status(&self, board_id: i64) -> Result<Named> {
        let statuses = self.board_statuses(board_id).await?;
        let named = |want: &str| {
            statuses.iter().find(|s| {
                s.inactive != Some(true)
                    && s.name
                        .as_deref()
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case(want))
            })
        };
        let found = match &self.inner.closed_status {
            Some(want) => named(want),
            None => CLOSED_STATUS_NAMES
                .iter()
                .find_map(|w| named(w))
                .or_else(|| {
                    statuses
                        .iter()
                        .find(|s| s.closed_status == Some(true) && s.inactive != Some(true))
                }),
        };
        match found {
            Some(s) => Ok(Named::new(
                s.id.to_string(),
                s.name.clone().unwrap_or_default(),
            )),
            None => Err(Error::config(
                "ConnectWise closed status",
                format!(
                    "service board {board_id} has no {} status (its statuses: {}); set the closed status's name with ConnectWiseBuilder::closed_status",
                    self.inner
                        .closed_status
                        .as_deref()
                        .map(|n| format!("`{n}`"))
                        .unwrap_or_else(|| "closed".into()),
                    statuses
                        .iter()
                        .filter_map(|s| s.name.as_deref())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// `PATCH /service/tickets/{id}` with
    /// `[{"op":"replace","path":"status","value":{"id":…}}]`.
    pub async fn set_status(&self, ticket_id: &str, status_id: &str) -> Result<TicketState> {
        let n = ticket_number(ticket_id)?;
        let sid = status_id
            .trim()
            .parse::<i64>()
            .map_err(|_| Error::InvalidInput {
                what: "ConnectWise status id".into(),
                reason: format!("`{status_id}` is not a status id"),
            })?;
        let spec = self
            .spec(Method::PATCH, TICKET, &[("id", &n.to_string())])
            .await?;
        let patch = serde_json::json!([{"op": "replace", "path": "status", "value": {"id": sid}}]);
        // Setting a status twice leaves it set: safe to retry.
        let spec = spec.json(patch).idempotent(true);
        let resp = self.inner.client.execute(spec).await?;
        let (t, v) = resp.record::<raw::Ticket>()?;
        Ok(map::ticket_state(t, v))
    }

    /// Closes a ticket: its board's closed status ([`Self::closed_status`]).
    pub async fn close_ticket(&self, ticket_id: &str) -> Result<TicketState> {
        let current = self
            .ticket_state(ticket_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                vendor: INFO.vendor,
                endpoint: self.inner.client.endpoint(TICKET),
                hint: format!("ticket {ticket_id} does not exist (deleted?); nothing to close"),
            })?;
        let board = current
            .board_id
            .as_deref()
            .and_then(|b| b.parse::<i64>().ok())
            .ok_or_else(|| Error::Inconsistent {
                vendor: INFO.vendor,
                endpoint: self.inner.client.endpoint(TICKET),
                detail: format!("ticket {ticket_id} has no board, so its closed status is unknown"),
            })?;
        let closed = self.closed_status(board).await?;
        self.set_status(ticket_id, &closed.id).await
    }

    /// Every service board (`GET /service/boards`).
    async fn boards(&self) -> Result<Vec<raw::Board>> {
        let list: Vec<(raw::Board, _)> = self.get_list(&BOARDS, &[], &[]).await?;
        Ok(list.into_iter().map(|(b, _)| b).collect())
    }

    /// A board by name, case-insensitive (inactive boards left out).
    pub async fn board_by_name(&self, name: &str) -> Result<Option<Named>> {
        Ok(self.boards().await?.into_iter().find_map(|b| {
            let n = b.name?;
            (b.inactive_flag != Some(true) && n.trim().eq_ignore_ascii_case(name.trim()))
                .then(|| Named::new(b.id.to_string(), n))
        }))
    }

    /// A priority by name, case-insensitive (`GET /service/priorities`).
    pub async fn priority_by_name(&self, name: &str) -> Result<Option<Named>> {
        let list: Vec<(raw::Priority, _)> = self.get_list(&PRIORITIES, &[], &[]).await?;
        Ok(list.into_iter().find_map(|(p, _)| {
            let n = p.name?;
            n.trim()
                .eq_ignore_ascii_case(name.trim())
                .then(|| Named::new(p.id.to_string(), n))
        }))
    }
}

fn note_activity(note: raw::ServiceNote) -> Activity {
    let author = note
        .member
        .as_ref()
        .and_then(|m| m.identifier.clone())
        .or(note.created_by)
        .or_else(|| note.info.get("enteredBy").map(str::to_string));
    Activity::new(ActivityKind::Note, note.id.to_string(), author, note.text)
}

#[async_trait]
impl Psa for ConnectWiseConnector {
    async fn find_open_tickets(&self, reference: &str) -> Result<Vec<TicketState>> {
        ConnectWiseConnector::find_open_tickets(self, reference).await
    }

    async fn ticket_state(&self, id: &str) -> Result<Option<TicketState>> {
        ConnectWiseConnector::ticket_state(self, id).await
    }

    async fn add_note(&self, ticket_id: &str, text: &str) -> Result<Activity> {
        ConnectWiseConnector::add_note(self, ticket_id, text).await
    }

    async fn activity(&self, ticket_id: &str) -> Result<Vec<Activity>> {
        ConnectWiseConnector::activity(self, ticket_id).await
    }

    async fn close_ticket(&self, ticket_id: &str) -> Result<TicketState> {
        ConnectWiseConnector::close_ticket(self, ticket_id).await
    }

    async fn reopen_ticket(&self, ticket_id: &str, status_id: &str) -> Result<TicketState> {
        self.set_status(ticket_id, status_id).await
    }

    async fn board(&self, name: &str) -> Result<Option<Named>> {
        self.board_by_name(name).await
    }

    async fn priority(&self, name: &str) -> Result<Option<Named>> {
        self.priority_by_name(name).await
    }
}
