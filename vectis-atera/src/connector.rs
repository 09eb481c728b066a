//! The connector: Atera's listings (declared in `listings`) and its one
//! action, on the engine in `vectis-core`.

use crate::listings::{AGENTS, CUSTOMERS, OPEN_ALERTS, RESOLVED_ALERTS};
use crate::{INFO, map};
use async_trait::async_trait;
use vectis_core::error::Result;
use vectis_core::http::Method;
use vectis_core::paginate::{PageStream, error_stream};
use vectis_core::{
    ActionOutcome, Alert, ConnectionInfo, Connector, Customer, Device, Error, ErrorKind,
    HttpClient, ListOptions,
};

/// One Atera account.
#[derive(Debug, Clone)]
pub struct AteraConnector {
    pub(crate) client: HttpClient,
}

impl AteraConnector {
    /// The engine underneath (for its limiter or base URL).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }
}

#[async_trait]
impl Connector for AteraConnector {
    vectis_core::connector_basics!(INFO, client);

    async fn check(&self) -> Result<ConnectionInfo> {
        let _account: serde_json::Value = self.client.fetch("/account", &[]).await?;
        let opts = ListOptions::default();
        let n = self.client.list(&CUSTOMERS, &opts).stated_total().await?;
        Ok(ConnectionInfo::counted(self.vendor(), n, "customers"))
    }

    fn customer_pages(&self, opts: &ListOptions) -> PageStream<Customer> {
        let mut call = self.client.list(&CUSTOMERS, opts);
        // Atera reads this in the account's time zone, which we cannot
        // know: ask from the earliest zone's view (UTC−14h margin).
        match opts.since_minus(chrono::Duration::hours(14)) {
            Ok(Some(from)) => {
                let from = from.format("%Y-%m-%dT%H:%M:%S").to_string();
                call = call.query("FromLastModifiedDate", from);
            }
            Ok(None) => {}
            Err(e) => return error_stream(e),
        }
        call.map(map::customer).pages()
    }

    fn device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        self.client.list(&AGENTS, opts).map(map::device).pages()
    }

    /// The open alerts, then the resolved ones (whose first page travels
    /// while the open list is read). A cursor into the resolved list
    /// resumes there; any other resumes the open list, and the resolved
    /// list follows in full.
    fn alert_pages(&self, opts: &ListOptions) -> PageStream<Alert> {
        let open = self.client.list(&OPEN_ALERTS, opts).map(map::alert);
        let resolved = self.client.list(&RESOLVED_ALERTS, opts).map(map::alert);
        open.then(resolved)
    }

    async fn resolve_alert(&self, id: &str) -> Result<ActionOutcome> {
        let id = id.trim();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidInput {
                what: "Atera alert id".into(),
                reason: format!("`{id}` is not an Atera alert id (a number such as 9001)"),
            });
        }
        let spec = self
            .client
            .spec(Method::PUT, "/alerts/{id}", &[("id", id)])?;
        self.client.execute(spec).await.map_err(|e| {
            e.with_hint(
                ErrorKind::NotFound,
                format!("there is no alert {id} in this Atera account; list alerts to find its id"),
            )
        })?;
        let message = format!("alert {id} resolved");
        Ok(ActionOutcome::new(self.vendor(), id, message))
    }
}
