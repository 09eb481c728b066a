//! Records of any kind: [`Kind`], [`Record`], and the [`VendorId`] every
//! record has.

use super::*;

/// The kinds of record a connector lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// [`Customer`]s.
    Customers,
    /// [`Device`]s.
    Devices,
    /// [`Alert`]s.
    Alerts,
    /// [`Ticket`]s.
    Tickets,
}

impl Kind {
    /// Every kind, in the order a sync reads them.
    pub const ALL: [Kind; 4] = [Kind::Customers, Kind::Devices, Kind::Alerts, Kind::Tickets];

    /// The plural name used on the command line and in stores (`customers`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Customers => "customers",
            Kind::Devices => "devices",
            Kind::Alerts => "alerts",
            Kind::Tickets => "tickets",
        }
    }

    /// The noun for `n` records: `customer` for one, `customers` else.
    ///
    /// ```
    /// use vectis_core::Kind;
    /// assert_eq!(format!("1 {}", Kind::Customers.noun(1)), "1 customer");
    /// assert_eq!(format!("0 {}", Kind::Alerts.noun(0)), "0 alerts");
    /// ```
    pub fn noun(self, n: u64) -> &'static str {
        match (self, n) {
            (Kind::Customers, 1) => "customer",
            (Kind::Devices, 1) => "device",
            (Kind::Alerts, 1) => "alert",
            (Kind::Tickets, 1) => "ticket",
            _ => self.as_str(),
        }
    }

    /// Parses `customers`, `devices`, `alerts` or `tickets`.
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The verb that lists this kind (for capabilities and errors).
    pub fn list_verb(self) -> crate::error::Verb {
        use crate::error::Verb;
        match self {
            Kind::Customers => Verb::ListCustomers,
            Kind::Devices => Verb::ListDevices,
            Kind::Alerts => Verb::ListAlerts,
            Kind::Tickets => Verb::ListTickets,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any record a sync produces, tagged with its `type` for JSON lines output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A [`Customer`].
    Customer(Customer),
    /// A [`Device`].
    Device(Device),
    /// An [`Alert`].
    Alert(Alert),
    /// A [`Ticket`].
    Ticket(Ticket),
}

impl Record {
    /// Which kind of record this is.
    pub fn kind(&self) -> Kind {
        match self {
            Record::Customer(_) => Kind::Customers,
            Record::Device(_) => Kind::Devices,
            Record::Alert(_) => Kind::Alerts,
            Record::Ticket(_) => Kind::Tickets,
        }
    }

    /// The vendor's id for the record.
    pub fn id(&self) -> &str {
        match self {
            Record::Customer(r) => &r.id,
            Record::Device(r) => &r.id,
            Record::Alert(r) => &r.id,
            Record::Ticket(r) => &r.id,
        }
    }

    /// The vendor the record came from.
    pub fn vendor(&self) -> Vendor {
        match self {
            Record::Customer(r) => r.vendor,
            Record::Device(r) => r.vendor,
            Record::Alert(r) => r.vendor,
            Record::Ticket(r) => r.vendor,
        }
    }
}

/// A record with a vendor id: what [`crate::paginate::ListRequest::unique_by`]
/// reads (`.unique_by(VendorId::vendor_id)`).
pub trait VendorId {
    /// The vendor's id of this record.
    fn vendor_id(&self) -> &str;
}

macro_rules! vendor_id {
    ($($t:ty),*) => {$(
        impl VendorId for $t {
            fn vendor_id(&self) -> &str {
                &self.id
            }
        }
    )*};
}

vendor_id!(Customer, Device, Alert, Ticket);

impl VendorId for Record {
    fn vendor_id(&self) -> &str {
        self.id()
    }
}
