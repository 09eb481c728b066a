//! # vectis-rules
//!
//! RMM alerts become PSA tickets by rules, without ever opening a second
//! ticket for the same problem — across re-runs, crashes, lost answers and a
//! lost store. Works over a [`vectis_sync::Store`] (the alerts, the customer
//! links) and any [`vectis_core::Psa`] (ConnectWise today).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vectis_rules::Error> {
//! use vectis_rules::{Key, Rules};
//!
//! let rules = Rules::parse("rules.toml", r#"
//!     [[rule]]
//!     name = "Disks"
//!     title_contains = ["disk"]
//!     [rule.ticket]
//!     summary = "[{severity}] {title} on {device}"
//!     close_when_resolved = true
//! "#)?;
//! assert_eq!(rules.rules[0].name, "Disks");
//!
//! // One key per problem: numbers, case and spacing do not make a new one.
//! let a = Key::new("atera", Some("7"), None, "Disk C: 3.1 GB free");
//! let b = Key::new("atera", Some("7"), None, "disk C:  2.9 GB free");
//! assert_eq!(a.reference(), b.reference()); // "vectis:" + 32 hex digits
//!
//! // With a store and a PSA connector (e.g. vectis-connectwise):
//! //   let engine = Engine::new(&store, &connectwise, "connectwise", &rules, RunOptions::default());
//! //   engine.check().await?;                       // boards and priorities exist
//! //   let report = engine.run(|a| println!("{}", serde_json::to_string(a).unwrap_or_default())).await?;
//! //   eprintln!("{}", report.summary());
//! let store = vectis_sync::Store::open("sqlite::memory:").await?;
//! vectis_rules::RuleState::open(&store).await?; // its tables, created idempotently
//! # Ok(()) }
//! ```
//!
//! How one ticket per key is kept:
//!
//! - **The key** is `(RMM connection, device — or customer —, condition)`,
//!   the condition being the alert's title case-folded, whitespace collapsed
//!   and digit runs replaced by `#`. It is written into the ticket
//!   (ConnectWise `externalXRef`) as `vectis:` + 32 hex digits, and into the
//!   store (`rule_tickets`).
//! - **Create safely**: an intent row is committed in the store
//!   (`rule_intents`, one per key: a second process skips the key), the PSA
//!   is searched for open tickets carrying the key (found → adopted), and
//!   only then is a ticket created. A create whose answer is lost (timeout,
//!   reset, 5xx) is looked up again before any retry. An empty or lost store
//!   finds the PSA's tickets by key and adopts them.
//! - **Repeats** of an open key add one note per new occurrence (a new alert
//!   id), never a ticket, and never the same note twice.
//! - **Resolved** (every alert under the key resolved, or gone): with
//!   `close_when_resolved`, the ticket is closed only if nobody touched it (no
//!   note or time entry by anyone but the member that entered it, status
//!   still ours); otherwise one note says the RMM reports it resolved.
//! - **Reopen**: a new occurrence within `reopen_within` of our close
//!   reopens the ticket; later — or after a person closed or merged it — a new
//!   ticket.
//! - **Noise**: `min_age`; an unlinked customer opens nothing (`skip`); a
//!   maintenance window (`[[window]]`) holds tickets back for its customers
//!   without losing their alerts.
//! - **Dry run** ([`RunOptions::dry_run`](field@RunOptions::dry_run)): the
//!   same actions, nothing written anywhere (reads only).
//!
//! Layout: [`config`] (the TOML rules), [`key`], [`state`] (the store
//! tables), [`engine`] (the run), [`error`].
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod config;
pub mod engine;
pub mod error;
pub mod key;
pub mod state;

pub use config::{ConfigError, Rule, Rules, TicketRule, Window};
pub use engine::{Action, ActionKind, Engine, Report, RunOptions};
pub use error::{Error, Result};
pub use key::{Key, Subject, condition};
pub use state::{RuleState, RuleTicket, TicketStatus};
