//! ConnectWise records → the normalized model: one plain function per type.

use crate::raw::{Company, Configuration, Ticket};
use vectis_core::{Customer, Device, Vendor};

/// `Company` → [`Customer`]. The name falls back to the short identifier.
pub fn customer(c: Company, raw: serde_json::Value) -> Customer {
    let mut customer = Customer::new(
        Vendor::ConnectWise,
        c.id.to_string(),
        c.name.or(c.identifier).unwrap_or_default(),
    );
    customer.updated_at = c.info.time("lastUpdated");
    customer.raw = raw;
    customer
}

/// `Configuration` → [`Device`], linked to its company by `company.id`.
/// A PSA does not know whether a machine is online or when it last checked
/// in, so `online` and `last_seen` are `None`.
pub fn device(c: Configuration, raw: serde_json::Value) -> Device {
    let os = non_empty(c.os_type).or_else(|| non_empty(c.os_info));
    let mut device = Device::new(
        Vendor::ConnectWise,
        c.id.to_string(),
        c.name.unwrap_or_default(),
    );
    device.customer_id = c.company.and_then(|r| r.id).map(|id| id.to_string());
    device.set_os(os);
    device.raw = raw;
    device
}

/// `Ticket` → [`vectis_core::Ticket`]. Opened at `_info.dateEntered` (or the
/// top-level `dateEntered` of older API versions).
pub fn ticket(t: Ticket, raw: serde_json::Value) -> vectis_core::Ticket {
    let mut ticket = vectis_core::Ticket::new(
        Vendor::ConnectWise,
        t.id.to_string(),
        t.summary.unwrap_or_default(),
    );
    ticket.customer_id = t.company.and_then(|r| r.id).map(|id| id.to_string());
    ticket.status = t.status.and_then(|s| s.name);
    ticket.created_at = t.info.time("dateEntered").or(t.date_entered);
    ticket.updated_at = t.info.time("lastUpdated");
    ticket.raw = raw;
    ticket
}

/// A ticket with its workflow facts (status id, closed, merge, enteredBy).
pub fn ticket_state(t: Ticket, raw: serde_json::Value) -> vectis_core::TicketState {
    let status_id = t
        .status
        .as_ref()
        .and_then(|s| s.id)
        .map(|id| id.to_string());
    let closed = t.closed_flag.unwrap_or(false);
    let merged_into = t
        .merged_parent_ticket
        .as_ref()
        .and_then(|r| r.id)
        .map(|id| id.to_string());
    let entered_by = t.info.get("enteredBy").map(str::to_string);
    let external_ref = non_empty(t.external_x_ref.clone());
    let board_id = t.board.as_ref().and_then(|b| b.id).map(|id| id.to_string());
    let mut state = vectis_core::TicketState::new(ticket(t, raw));
    state.status_id = status_id;
    state.closed = closed;
    state.merged_into = merged_into;
    state.entered_by = entered_by;
    state.external_ref = external_ref;
    state.board_id = board_id;
    state
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;
    use vectis_core::OsFamily;

    fn de<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> T {
        serde_json::from_value(v.clone()).unwrap()
    }

    #[test]
    fn maps_a_company() {
        let v = json!({"id":250,"identifier":"Fabrikam","name":"Fabrikam Ltd",
            "status":{"id":1,"name":"Active","_info":{"status_href":"https://h/x"}},
            "country":{"id":2,"name":"United Kingdom","_info":null},
            "types":[{"id":1,"name":"Client","_info":null}],"deletedFlag":false,
            "_info":{"lastUpdated":"2024-03-02T10:11:12Z","updatedBy":"jdoe"},
            "customFields":[{"id":4,"caption":"Tier","type":"Text","entryMethod":"List","numberOfDecimals":0,"value":"Gold"}]});
        let c = customer(de(&v), v.clone());
        assert_eq!(c.id, "250");
        assert_eq!(c.name, "Fabrikam Ltd");
        assert_eq!(
            c.updated_at.unwrap().to_rfc3339(),
            "2024-03-02T10:11:12+00:00"
        );
        assert_eq!(c.raw, v);
        let v = json!({"id":251,"identifier":"Northwind"});
        assert_eq!(customer(de(&v), v).name, "Northwind");
    }

    #[test]
    fn maps_a_configuration_to_its_company() {
        let v = json!({"id":7001,"name":"FAB-WS-014","type":{"id":12,"name":"Managed Workstation","_info":null},
            "company":{"id":250,"identifier":"Fabrikam","name":"Fabrikam Ltd","_info":{"company_href":"https://h/c/250"}},
            "osType":"Windows 11","osInfo":"Microsoft Windows 11 Pro 23H2","activeFlag":true,
            "warrantyExpirationDate":"2026-03-31T00:00:00Z","questions":[],
            "_info":{"lastUpdated":"2024-06-10T12:00:00Z","updatedBy":"api"},"customFields":[{"id":1,"value":3}]});
        let d = device(de(&v), v.clone());
        assert_eq!(d.id, "7001");
        assert_eq!(d.customer_id.as_deref(), Some("250"));
        assert_eq!(d.name, "FAB-WS-014");
        assert_eq!(d.os.as_deref(), Some("Windows 11"));
        assert_eq!(d.os_family, Some(OsFamily::Windows));
        assert_eq!(d.online, None);
        // A bare reference and an empty OS type.
        let v =
            json!({"id":7002,"name":"NAS","company":{"id":9},"osType":"","osInfo":"Ubuntu 22.04"});
        let d = device(de(&v), v);
        assert_eq!(d.customer_id.as_deref(), Some("9"));
        assert_eq!(d.os_family, Some(OsFamily::Linux));
    }

    #[test]
    fn maps_a_ticket() {
        let v = json!({"id":4242,"summary":"Device FAB-WS-014 offline","recordType":"ServiceTicket",
            "board":{"id":1,"name":"Help Desk"},"status":{"id":16,"name":"New","sort":0,"_info":null},
            "company":{"id":250,"identifier":"Fabrikam","name":"Fabrikam Ltd","_info":null},
            "priority":{"id":4,"name":"Priority 3 - Normal Response","sort":6,"level":"Medium","_info":null},
            "closedFlag":false,"closedDate":null,"customFields":[],
            "_info":{"lastUpdated":"2024-06-10T12:01:00Z","dateEntered":"2024-06-10T12:00:00Z"}});
        let t = ticket(de(&v), v.clone());
        assert_eq!(t.id, "4242");
        assert_eq!(t.customer_id.as_deref(), Some("250"));
        assert_eq!(t.status.as_deref(), Some("New"));
        assert_eq!(
            t.created_at.unwrap().to_rfc3339(),
            "2024-06-10T12:00:00+00:00"
        );
        assert_eq!(
            t.updated_at.unwrap().to_rfc3339(),
            "2024-06-10T12:01:00+00:00"
        );
        // Older API versions: dateEntered at the top level.
        let v = json!({"id":1,"summary":"x","dateEntered":"2019-01-01T00:00:00Z","_info":null});
        assert!(ticket(de(&v), v).created_at.is_some());
    }
}
