//! The connector: Datto RMM's listings (declared in `listings`) on the
//! engine in `vectis-core`; the account's page maximum is in `page_max`,
//! token and platform errors are explained in `explain`.

use crate::info::{INFO, wrong_platform_hint};
use crate::listings::{DEVICES, OPEN_ALERTS, RESOLVED_ALERTS, SITES};
use crate::{map, raw};
use async_trait::async_trait;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use vectis_core::error::Result;
use vectis_core::http::Method;
use vectis_core::paginate::PageStream;
use vectis_core::{
    ActionOutcome, Alert, ConnectionInfo, Connector, Customer, Device, Error, HttpClient, ListCall,
    ListOptions, Listing,
};

/// One Datto RMM account.
#[derive(Debug, Clone)]
pub struct DattoRmmConnector {
    pub(crate) client: HttpClient,
    pub(crate) platform: String,
    pub(crate) host: String,
    /// Whether the host came from a base URL rather than the platform.
    pub(crate) custom_host: bool,
    pub(crate) keep_deleted_devices: bool,
    /// The account's page-size maximum, asked once.
    pub(crate) page_max: Arc<futures::lock::Mutex<Option<u32>>>,
}

impl DattoRmmConnector {
    /// The platform this connector was built for.
    pub fn platform(&self) -> &str {
        &self.platform
    }

    /// The engine underneath (for its limiter or base URL).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// A call of `listing` whose errors are explained in Datto RMM's terms.
    pub(crate) fn list<R>(&self, listing: &Listing<R>, opts: &ListOptions) -> ListCall<R> {
        let me = self.clone();
        self.client
            .list(listing, opts)
            .explain(move |e, delivered| me.explain_listing(e, delivered))
    }
}

#[async_trait]
impl Connector for DattoRmmConnector {
    vectis_core::connector_basics!(INFO, client);

    async fn check(&self) -> Result<ConnectionInfo> {
        let account: raw::Account = self.client.fetch("/account", &[]).await.map_err(|e| {
            let hint = format!(
                "Datto RMM has no account here: {}",
                wrong_platform_hint(&self.platform, &self.host)
            );
            self.explain_or(e, hint)
        })?;
        let name = account
            .name
            .filter(|n| !n.trim().is_empty())
            .or(account.uid)
            .or(account.id.map(|id| id.to_string()))
            .unwrap_or_else(|| "account".to_string());
        Ok(ConnectionInfo::named(self.vendor(), name))
    }

    /// Sites, without the built-in "Deleted Devices" site and without any
    /// whose uid is not a GUID (warned about and counted).
    fn customer_pages(&self, opts: &ListOptions) -> PageStream<Customer> {
        self.capped(SITES, opts, |call| {
            let endpoint = call.endpoint();
            let odd = AtomicU64::new(0);
            call.try_map(move |i, s: raw::DattoSite, v| {
                if map::is_deleted_devices_site(&s) {
                    tracing::debug!(target: "vectis::datto", uid = ?s.uid, "skipping the built-in Deleted Devices site");
                    return Ok(None);
                }
                let uid = map::site_uid(&s).unwrap_or_default().to_string();
                let name = s.name.clone().unwrap_or_default();
                let customer = map::site(s, v)?;
                if customer.is_none() {
                    let n = odd.fetch_add(1, Ordering::Relaxed) + 1;
                    tracing::warn!(target: "vectis::datto", index = i, uid = %uid, name = %name, dropped = n, "Datto RMM on {endpoint}: site `{name}` dropped: its uid `{uid}` is not a GUID, so no per-site call can use it ({n} site(s) dropped so far)");
                }
                Ok(customer)
            })
        })
    }

    fn device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        let keep = self.keep_deleted_devices;
        self.capped(DEVICES, opts, move |call| {
            call.map(move |d, v| map::device(d, v, keep))
        })
    }

    /// The open alerts, then the resolved ones (whose first page travels
    /// while the open list is read). A cursor into the resolved list
    /// resumes there; any other resumes the open list, and the resolved
    /// list follows in full.
    fn alert_pages(&self, opts: &ListOptions) -> PageStream<Alert> {
        let open = self.list(&OPEN_ALERTS, opts);
        let resolved = self.list(&RESOLVED_ALERTS, opts);
        let open = open.map(|a, v| map::alert(a, v, false));
        open.then(resolved.map(|a, v| map::alert(a, v, true)))
    }

    async fn resolve_alert(&self, id: &str) -> Result<ActionOutcome> {
        let id = id.trim();
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::InvalidInput {
                what: "Datto RMM alert uid".into(),
                reason: format!(
                    "`{id}` is not a Datto RMM alert uid (a GUID such as c2d3e4f5-6a7b-4c8d-9e0f-1a2b3c4d5e6f)"
                ),
            });
        }
        // A POST, but resolving an alert twice is harmless on Datto's side
        // (it stays resolved), so a request that may not have arrived can be
        // sent again after a timeout or a 5xx.
        let path = "/alert/{alertUid}/resolve";
        let spec = self.client.spec(Method::POST, path, &[("alertUid", id)])?;
        self.client
            .execute(spec.idempotent(true))
            .await
            .map_err(|e| {
                let hint = format!(
                    "there is no alert {id} in this Datto RMM account; list alerts to find its uid"
                );
                self.explain_or(e, hint)
            })?;
        let message = format!("alert {id} resolved");
        Ok(ActionOutcome::new(self.vendor(), id, message))
    }
}
