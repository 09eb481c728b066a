//! The connector: VSA X's listings (declared in `listings`) on the engine in
//! `vectis-core`; the asset join is in `assets`, the alert linking in
//! `alerts`.

use crate::listings::{DEVICES, NOTIFICATIONS, ORGANIZATIONS};
use crate::{INFO, map};
use async_trait::async_trait;
use vectis_core::error::Result;
use vectis_core::listing::lazy;
use vectis_core::paginate::PageStream;
use vectis_core::{Alert, ConnectionInfo, Connector, Customer, Device, HttpClient, ListOptions};

/// One VSA X tenant.
#[derive(Debug, Clone)]
pub struct KaseyaConnector {
    pub(crate) client: HttpClient,
    pub(crate) enrich_devices: bool,
    pub(crate) link_alerts: bool,
}

/// A GUID as a map key (case-insensitive).
pub(crate) fn key(identifier: &str) -> String {
    identifier.trim().to_ascii_lowercase()
}

impl KaseyaConnector {
    /// The engine underneath (for its limiter or base URL).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }
}

#[async_trait]
impl Connector for KaseyaConnector {
    vectis_core::connector_basics!(INFO, client);

    async fn check(&self) -> Result<ConnectionInfo> {
        let opts = ListOptions::default();
        let n = self
            .client
            .list(&ORGANIZATIONS, &opts)
            .stated_total()
            .await?;
        Ok(ConnectionInfo::counted(self.vendor(), n, "organizations"))
    }

    fn customer_pages(&self, opts: &ListOptions) -> PageStream<Customer> {
        let call = self.client.list(&ORGANIZATIONS, opts);
        call.map(|o, v| Some(map::organization(o, v))).pages()
    }

    fn device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        if self.enrich_devices {
            return self.joined_device_pages(opts);
        }
        let call = self.client.list(&DEVICES, opts);
        call.map(|d, v| Some(map::device(d, v, None))).pages()
    }

    fn alert_pages(&self, opts: &ListOptions) -> PageStream<Alert> {
        if self.link_alerts {
            let me = self.clone();
            let opts = opts.clone();
            return lazy(async move { me.linked_alerts(&opts).await });
        }
        let call = self.client.list(&NOTIFICATIONS, opts);
        call.map(|n, v| Some(map::notification(n, v, None, None)))
            .pages()
    }
}
