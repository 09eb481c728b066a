//! The `Psa` trait: what a ticket-keeping tool does beyond [`Connector`] —
//! find tickets by a caller's reference, add notes, read who worked on a
//! ticket, close and reopen — so a rules engine can run over any PSA.
//!
//! A PSA connector implements it next to [`Connector`]; a connector that
//! does not implement it is simply not a PSA (no stubs).

use crate::connector::Connector;
use crate::error::Result;
use crate::model::Ticket;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A ticket with the workflow facts a rules engine needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketState {
    /// The ticket as the PSA holds it (its `status` is the status name).
    pub ticket: Ticket,
    /// The status's id (ConnectWise: `status/id`), as a string.
    pub status_id: Option<String>,
    /// Whether the PSA counts it closed.
    pub closed: bool,
    /// The ticket it was merged into, when a person merged it.
    pub merged_into: Option<String>,
    /// Who entered (created) it (ConnectWise `_info.enteredBy`).
    pub entered_by: Option<String>,
    /// The caller-chosen reference it carries (ConnectWise `externalXRef`).
    pub external_ref: Option<String>,
    /// The board it is on, where the PSA has boards.
    pub board_id: Option<String>,
}

impl TicketState {
    /// A state for `ticket` with nothing else known.
    pub fn new(ticket: Ticket) -> TicketState {
        TicketState {
            ticket,
            status_id: None,
            closed: false,
            merged_into: None,
            entered_by: None,
            external_ref: None,
            board_id: None,
        }
    }
}

/// What kind of work an [`Activity`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActivityKind {
    /// A note (ConnectWise: a service note).
    Note,
    /// Time logged against the ticket.
    TimeEntry,
}

/// One note or time entry on a ticket, with its author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Activity {
    /// Note or time entry.
    pub kind: ActivityKind,
    /// The PSA's id for it.
    pub id: String,
    /// Who wrote or logged it (member identifier), when the PSA says.
    pub author: Option<String>,
    /// The note's text (time entries: their notes).
    pub text: Option<String>,
}

impl Activity {
    /// An activity record.
    pub fn new(
        kind: ActivityKind,
        id: String,
        author: Option<String>,
        text: Option<String>,
    ) -> Activity {
        Activity {
            kind,
            id,
            author,
            text,
        }
    }
}

/// A named thing a ticket refers to (a board, a priority, a status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Named {
    /// The PSA's id for it.
    pub id: String,
    /// Its name, as the PSA spells it.
    pub name: String,
}

impl Named {
    /// A thing with the PSA's `id` and `name`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Named {
        Named {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// A PSA: tickets found by reference, noted, closed and reopened.
///
/// Every method is one documented call (or a short, bounded series) of the
/// vendor's API; none retries a write that may have happened.
#[async_trait]
pub trait Psa: Connector {
    /// Open tickets carrying `reference` (ConnectWise: `externalXRef =
    /// "…" and closedFlag = false`), oldest first.
    async fn find_open_tickets(&self, reference: &str) -> Result<Vec<TicketState>>;

    /// One ticket by id; `None` when the PSA has no such ticket.
    async fn ticket_state(&self, id: &str) -> Result<Option<TicketState>>;

    /// Adds a note to a ticket.
    async fn add_note(&self, ticket_id: &str, text: &str) -> Result<Activity>;

    /// The ticket's notes and time entries, with their authors.
    async fn activity(&self, ticket_id: &str) -> Result<Vec<Activity>>;

    /// Closes a ticket: its board's closed status, found by name.
    async fn close_ticket(&self, ticket_id: &str) -> Result<TicketState>;

    /// Reopens a ticket, setting `status_id` (an open status of its board).
    async fn reopen_ticket(&self, ticket_id: &str, status_id: &str) -> Result<TicketState>;

    /// A board by name (case-insensitive); `None` when there is none.
    async fn board(&self, name: &str) -> Result<Option<Named>>;

    /// A priority by name (case-insensitive); `None` when there is none.
    async fn priority(&self, name: &str) -> Result<Option<Named>>;
}
