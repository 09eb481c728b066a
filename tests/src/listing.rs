//! Whole listings in one call, for tests: [`ListAll`] on every connector.

use futures::TryStreamExt;
use futures::stream::TryCollect;
use vectis_core::paginate::ItemStream;
use vectis_core::{Alert, Connector, Customer, Device, ListOptions, Ticket};

/// What a whole listing with default options collects to: every record, or
/// the listing's first error.
pub type All<T> = TryCollect<ItemStream<T>, Vec<T>>;

/// Every record of a kind with default [`ListOptions`], collected
/// (`c.all_devices().await`), so a test states what it lists rather than
/// how a stream is drained.
pub trait ListAll: Connector {
    /// Every customer.
    fn all_customers(&self) -> All<Customer> {
        self.customers(&ListOptions::default()).try_collect()
    }

    /// Every device.
    fn all_devices(&self) -> All<Device> {
        self.devices(&ListOptions::default()).try_collect()
    }

    /// Every alert.
    fn all_alerts(&self) -> All<Alert> {
        self.alerts(&ListOptions::default()).try_collect()
    }

    /// Every ticket.
    fn all_tickets(&self) -> All<Ticket> {
        self.tickets(&ListOptions::default()).try_collect()
    }
}

impl<C: Connector + ?Sized> ListAll for C {}
