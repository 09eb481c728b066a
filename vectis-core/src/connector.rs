//! The `Connector` trait: one configured tenant of one vendor.

use crate::error::{Error, Result, Verb};
use crate::model::{Alert, Customer, Device, Kind, Record, Ticket, TicketDraft, Vendor};
use crate::paginate::{Cursor, ItemStream, PageStream, error_stream, items};
use crate::vendor_info::VendorInfo;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::fmt;

/// What a connector can do. It must agree with the connector's behaviour:
/// a verb marked `false` returns [`Error::Unsupported`] without sending
/// anything (the testkit checks this for every connector).
///
/// Everything is `false` by default; a connector turns on what it does:
///
/// ```
/// use vectis_core::{Capabilities, Verb};
///
/// let caps = Capabilities::default()
///     .list_customers(true)
///     .list_alerts(true)
///     .resolve_alert(true);
/// assert!(caps.supports(Verb::ResolveAlert));
/// assert!(!caps.supports(Verb::CreateTicket));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// `customers()` works.
    pub list_customers: bool,
    /// `devices()` works.
    pub list_devices: bool,
    /// `alerts()` works.
    pub list_alerts: bool,
    /// `tickets()` works.
    pub list_tickets: bool,
    /// `acknowledge_alert()` works.
    pub acknowledge_alert: bool,
    /// `resolve_alert()` works.
    pub resolve_alert: bool,
    /// `create_ticket()` works.
    pub create_ticket: bool,
    /// `ListOptions::since` is applied by the vendor for at least one kind.
    pub incremental: bool,
}

impl Capabilities {
    /// Sets [`list_customers`](field@Capabilities::list_customers).
    pub fn list_customers(mut self, yes: bool) -> Self {
        self.list_customers = yes;
        self
    }

    /// Sets [`list_devices`](field@Capabilities::list_devices).
    pub fn list_devices(mut self, yes: bool) -> Self {
        self.list_devices = yes;
        self
    }

    /// Sets [`list_alerts`](field@Capabilities::list_alerts).
    pub fn list_alerts(mut self, yes: bool) -> Self {
        self.list_alerts = yes;
        self
    }

    /// Sets [`list_tickets`](field@Capabilities::list_tickets).
    pub fn list_tickets(mut self, yes: bool) -> Self {
        self.list_tickets = yes;
        self
    }

    /// Sets [`acknowledge_alert`](field@Capabilities::acknowledge_alert).
    pub fn acknowledge_alert(mut self, yes: bool) -> Self {
        self.acknowledge_alert = yes;
        self
    }

    /// Sets [`resolve_alert`](field@Capabilities::resolve_alert).
    pub fn resolve_alert(mut self, yes: bool) -> Self {
        self.resolve_alert = yes;
        self
    }

    /// Sets [`create_ticket`](field@Capabilities::create_ticket).
    pub fn create_ticket(mut self, yes: bool) -> Self {
        self.create_ticket = yes;
        self
    }

    /// Sets [`incremental`](field@Capabilities::incremental).
    pub fn incremental(mut self, yes: bool) -> Self {
        self.incremental = yes;
        self
    }

    /// Whether `verb` is supported.
    pub fn supports(&self, verb: Verb) -> bool {
        match verb {
            Verb::ListCustomers => self.list_customers,
            Verb::ListDevices => self.list_devices,
            Verb::ListAlerts => self.list_alerts,
            Verb::ListTickets => self.list_tickets,
            Verb::AcknowledgeAlert => self.acknowledge_alert,
            Verb::ResolveAlert => self.resolve_alert,
            Verb::CreateTicket => self.create_ticket,
        }
    }
}

/// The answer to [`Connector::check`]; displays as
/// `Connected to <product>: <summary>` (`Connected to Atera: 42 customers`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The vendor reached.
    pub vendor: Vendor,
    /// What the vendor said about the tenant (`42 customers`, an account name).
    pub summary: String,
}

impl ConnectionInfo {
    /// `Connected to <product>: <n> <noun>`.
    pub fn counted(vendor: Vendor, n: u64, noun: &str) -> ConnectionInfo {
        ConnectionInfo {
            vendor,
            summary: format!("{n} {noun}"),
        }
    }

    /// `Connected to <product>: <name>`.
    pub fn named(vendor: Vendor, name: impl Into<String>) -> ConnectionInfo {
        ConnectionInfo {
            vendor,
            summary: name.into(),
        }
    }
}

impl fmt::Display for ConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Connected to {}: {}",
            self.vendor.product(),
            self.summary
        )
    }
}

/// What an action did, in the vendor's terms (`Atera: alert 9001 resolved`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ActionOutcome {
    /// The vendor acted on.
    pub vendor: Vendor,
    /// The alert id.
    pub id: String,
    /// What happened, in the vendor's words.
    pub message: String,
}

impl ActionOutcome {
    /// What happened to alert `id` at `vendor`, in the vendor's words
    /// (`alert 9001 resolved`).
    pub fn new(vendor: Vendor, id: impl Into<String>, message: impl Into<String>) -> ActionOutcome {
        ActionOutcome {
            vendor,
            id: id.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ActionOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.vendor.product(), self.message)
    }
}

/// What a connector's transport has seen so far: requests sent and the
/// vendor's clock. A store uses it to count a run's requests and to take its
/// incremental watermark from the vendor's clock rather than ours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observed {
    /// Requests sent (every attempt counts).
    pub requests: u64,
    /// The vendor's clock: the `Date` header of the latest answer, moved
    /// forward by the time elapsed on our monotonic clock since it arrived.
    pub server_now: Option<DateTime<Utc>>,
}

impl Observed {
    /// A reading (for connectors that keep their own transport).
    pub fn new(requests: u64, server_now: Option<DateTime<Utc>>) -> Observed {
        Observed {
            requests,
            server_now,
        }
    }
}

/// Options for a listing: everything, first page first, at the vendor's
/// page size unless set (`ListOptions::default().page_size(100)`).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ListOptions {
    /// Only records changed since then, where the vendor can filter
    /// (see [`Capabilities::incremental`](field@Capabilities::incremental));
    /// otherwise everything.
    pub since: Option<DateTime<Utc>>,
    /// Items per page to ask for (capped at the vendor's maximum).
    pub page_size: Option<u32>,
    /// Resume from a page's cursor instead of the first page.
    pub resume: Option<Cursor>,
}

impl ListOptions {
    /// Only records changed since `since` (sets [`since`](field@ListOptions::since)).
    pub fn since(mut self, since: DateTime<Utc>) -> Self {
        self.since = Some(since);
        self
    }

    /// Items per page to ask for (sets [`page_size`](field@ListOptions::page_size)).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// Resume from `cursor` (sets [`resume`](field@ListOptions::resume)).
    pub fn resume(mut self, cursor: Cursor) -> Self {
        self.resume = Some(cursor);
        self
    }

    /// `since` moved `margin` earlier (a vendor that reads it in an unknown
    /// time zone, say); `None` without `since`. A `since` too early to move
    /// (near chrono's minimum) is an [`Error::InvalidInput`], never a panic.
    pub fn since_minus(&self, margin: chrono::TimeDelta) -> Result<Option<DateTime<Utc>>> {
        let Some(since) = self.since else {
            return Ok(None);
        };
        since
            .checked_sub_signed(margin)
            .map(Some)
            .ok_or_else(|| Error::InvalidInput {
                what: "since".into(),
                reason: format!(
                    "{since} is too far in the past to filter by; give a later date, or none to list everything"
                ),
            })
    }
}

/// One configured tenant of one vendor.
///
/// Object-safe: keep many in a `Vec<Box<dyn Connector>>`. Streams are lazy
/// and `'static` (they own what they need), so they can be moved into
/// `tokio::spawn`; pages are fetched as the stream is polled.
#[async_trait]
pub trait Connector: Send + Sync + fmt::Debug {
    /// The vendor's table: what [`vendor`](Connector::vendor),
    /// [`capabilities`](Connector::capabilities),
    /// [`unsupported`](Connector::unsupported) and
    /// [`filters_since`](Connector::filters_since) read, so they cannot
    /// disagree.
    fn info(&self) -> &'static VendorInfo;

    /// Which vendor.
    fn vendor(&self) -> Vendor {
        self.info().vendor
    }

    /// What it supports.
    fn capabilities(&self) -> Capabilities {
        self.info().capabilities()
    }

    /// Tests the connection and credentials with one cheap call.
    async fn check(&self) -> Result<ConnectionInfo>;

    /// Customers, page by page.
    fn customer_pages(&self, opts: &ListOptions) -> PageStream<Customer> {
        let _ = opts;
        error_stream(self.unsupported(Verb::ListCustomers))
    }

    /// Devices, page by page.
    fn device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        let _ = opts;
        error_stream(self.unsupported(Verb::ListDevices))
    }

    /// Alerts (open and resolved), page by page.
    fn alert_pages(&self, opts: &ListOptions) -> PageStream<Alert> {
        let _ = opts;
        error_stream(self.unsupported(Verb::ListAlerts))
    }

    /// Tickets, page by page.
    fn ticket_pages(&self, opts: &ListOptions) -> PageStream<Ticket> {
        let _ = opts;
        error_stream(self.unsupported(Verb::ListTickets))
    }

    /// Every customer, lazily.
    fn customers(&self, opts: &ListOptions) -> ItemStream<Customer> {
        items(self.customer_pages(opts))
    }

    /// Every device, lazily.
    fn devices(&self, opts: &ListOptions) -> ItemStream<Device> {
        items(self.device_pages(opts))
    }

    /// Every alert, lazily.
    fn alerts(&self, opts: &ListOptions) -> ItemStream<Alert> {
        items(self.alert_pages(opts))
    }

    /// Every ticket, lazily.
    fn tickets(&self, opts: &ListOptions) -> ItemStream<Ticket> {
        items(self.ticket_pages(opts))
    }

    /// Every record of one kind, page by page, as [`Record`]s.
    fn record_pages(&self, kind: Kind, opts: &ListOptions) -> PageStream<Record> {
        use futures::StreamExt;
        fn wrap<T: Send + 'static>(pages: PageStream<T>, f: fn(T) -> Record) -> PageStream<Record> {
            pages
                .map(move |p| {
                    p.map(|p| crate::paginate::Page {
                        items: p.items.into_iter().map(f).collect(),
                        index: p.index,
                        total: p.total,
                        resume: p.resume,
                    })
                })
                .boxed()
        }
        match kind {
            Kind::Customers => wrap(self.customer_pages(opts), Record::Customer),
            Kind::Devices => wrap(self.device_pages(opts), Record::Device),
            Kind::Alerts => wrap(self.alert_pages(opts), Record::Alert),
            Kind::Tickets => wrap(self.ticket_pages(opts), Record::Ticket),
        }
    }

    /// Whether the vendor applies [`ListOptions::since`](field@ListOptions::since) to `kind` (a listing
    /// of a kind it cannot filter returns everything): the table's
    /// [`since_kinds`](field@VendorInfo::since_kinds).
    fn filters_since(&self, kind: Kind) -> bool {
        self.info().filters_since(kind)
    }

    /// What the transport has seen so far (requests, the vendor's clock).
    fn observed(&self) -> Observed {
        Observed::default()
    }

    /// Acknowledges an alert.
    async fn acknowledge_alert(&self, id: &str) -> Result<ActionOutcome> {
        let _ = id;
        Err(self.unsupported(Verb::AcknowledgeAlert))
    }

    /// Resolves (closes) an alert.
    async fn resolve_alert(&self, id: &str) -> Result<ActionOutcome> {
        let _ = id;
        Err(self.unsupported(Verb::ResolveAlert))
    }

    /// Opens a ticket.
    async fn create_ticket(&self, draft: &TicketDraft) -> Result<Ticket> {
        let _ = draft;
        Err(self.unsupported(Verb::CreateTicket))
    }

    /// The error for a verb this vendor lacks, with the table's reason.
    fn unsupported(&self, verb: Verb) -> Error {
        self.info().unsupported(verb)
    }
}
