//! Alert linking: the notification list carries no device, so each alert is
//! linked through its detail or through its device's list, whichever costs
//! fewer requests (see the crate docs).

use crate::connector::key;
use crate::info::PAGE_SIZE;
use crate::listings::{DEVICE_NOTIFICATIONS, DEVICES, NOTIFICATIONS};
use crate::{KaseyaConnector, map, raw};
use futures::{StreamExt, TryStreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use vectis_core::error::Result;
use vectis_core::listing::lazy;
use vectis_core::paginate::{Page, PageStream, decode_item};
use vectis_core::{Alert, Error, ErrorKind, ListOptions};

impl KaseyaConnector {
    /// Every device's identifier and organization, in list order.
    async fn device_organizations(&self) -> Result<Vec<(String, Option<String>)>> {
        let opts = ListOptions::default();
        let devices = self
            .client
            .list(&DEVICES, &opts)
            .map(|d, _| Some(d))
            .all()
            .await?;
        Ok(devices
            .into_iter()
            .map(|d| (d.identifier, d.organization_id.map(|o| o.to_string())))
            .collect())
    }

    /// How many notifications the tenant has (one request).
    async fn notification_count(&self) -> Result<u64> {
        let opts = ListOptions::default();
        let total = self.client.list(&NOTIFICATIONS, &opts).total().await?;
        Ok(total.unwrap_or(0))
    }

    /// One notification's detail mapped to a linked alert; `None` when it
    /// was deleted since it was listed.
    async fn detailed_alert(
        &self,
        id: i64,
        orgs: &HashMap<String, Option<String>>,
    ) -> Result<Option<Alert>> {
        const DETAIL: &str = "/notifications/{id}";
        let detail: Result<raw::One<serde_json::Value>> =
            self.client.fetch(DETAIL, &[("id", &id.to_string())]).await;
        let raw_detail = match detail {
            Ok(one) => one.data,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                tracing::debug!(target: "vectis::kaseya", id, "notification deleted while listing; skipped");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let endpoint = self.client.endpoint(DETAIL);
        let n: raw::Notification = decode_item(self.client.vendor(), &endpoint, 0, &raw_detail)?;
        let device = n
            .computer_identifier
            .clone()
            .filter(|d| !d.trim().is_empty());
        let customer = device
            .as_deref()
            .and_then(|d| orgs.get(&key(d)).cloned().flatten());
        Ok(Some(map::notification(n, raw_detail, device, customer)))
    }

    /// The notification list, each item linked through its detail; ids in
    /// `skip` are left out (already delivered).
    fn alerts_by_detail(
        &self,
        opts: &ListOptions,
        orgs: Arc<HashMap<String, Option<String>>>,
        skip: Option<Arc<HashSet<i64>>>,
    ) -> PageStream<Alert> {
        let pages = self
            .client
            .list(&NOTIFICATIONS, opts)
            .map_items(|_, n: raw::Notification, _| Ok(Some(n.id)))
            .pages();
        let me = self.clone();
        pages
            .and_then(move |page| {
                let me = me.clone();
                let orgs = Arc::clone(&orgs);
                let skip = skip.clone();
                async move {
                    let wanted: Vec<i64> = page
                        .items
                        .into_iter()
                        .filter(|id| skip.as_ref().is_none_or(|s| !s.contains(id)))
                        .collect();
                    let width = me.client.concurrency().max(1);
                    let alerts: Vec<Option<Alert>> = futures::stream::iter(wanted)
                        .map(|id| {
                            let me = me.clone();
                            let orgs = Arc::clone(&orgs);
                            async move { me.detailed_alert(id, &orgs).await }
                        })
                        .buffered(width)
                        .try_collect()
                        .await?;
                    Ok(Page {
                        items: alerts.into_iter().flatten().collect(),
                        index: page.index,
                        total: page.total,
                        resume: page.resume,
                    })
                }
            })
            .boxed()
    }

    /// One notification list per device (the device link is the path), then
    /// a sweep of the global list for every id no device list had (a
    /// notification of a device removed or added since the device list was
    /// read), each with a detail call. The sweep always runs: comparing
    /// counts cannot tell, since a notification created during the sync
    /// makes them agree while an older one was never seen. It costs the
    /// global list's pages (⌈A/100⌉) plus one detail per missing id.
    fn alerts_by_device(
        &self,
        devices: Vec<(String, Option<String>)>,
        orgs: Arc<HashMap<String, Option<String>>>,
    ) -> PageStream<Alert> {
        let seen: Arc<Mutex<HashSet<i64>>> = Arc::default();
        let width = self.client.concurrency().max(1);
        let me = self.clone();
        let seen_in = Arc::clone(&seen);
        let per_device = futures::stream::iter(devices)
            .map(move |(device, org)| {
                let seen = Arc::clone(&seen_in);
                let pages = me
                    .client
                    .list(&DEVICE_NOTIFICATIONS, &ListOptions::default())
                    .path_arg("identifier", device.clone())
                    .try_map(move |_, n: raw::Notification, v| {
                        if !seen
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(n.id)
                        {
                            return Ok(None);
                        }
                        let device = Some(device.clone());
                        Ok(Some(map::notification(n, v, device, org.clone())))
                    })
                    .pages();
                async move {
                    match pages.try_collect::<Vec<Page<Alert>>>().await {
                        // Removed since the device list was read: whatever
                        // notifications it had are swept up below.
                        Err(Error::NotFound { .. }) => {
                            tracing::debug!(target: "vectis::kaseya", "a device's notification list answered 404 (device removed); its notifications come from the sweep");
                            Ok(Vec::new())
                        }
                        other => other,
                    }
                }
            })
            .buffered(width)
            .map_ok(|pages| futures::stream::iter(pages.into_iter().map(Ok)))
            .try_flatten();
        let me = self.clone();
        let sweep = lazy(async move {
            let seen: HashSet<i64> = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
            tracing::debug!(target: "vectis::kaseya", seen = seen.len(), "sweeping the global notification list for ids no device list had");
            let opts = ListOptions::default();
            Ok(me.alerts_by_detail(&opts, orgs, Some(Arc::new(seen))))
        });
        let mut index = 0u64;
        per_device
            .chain(sweep)
            .map_ok(move |mut page: Page<Alert>| {
                // Page numbers restart per device; renumber, and give no
                // resume cursor (it would resume one device's list only).
                page.index = index;
                page.resume = None;
                index += 1;
                page
            })
            .boxed()
    }

    /// Linked alerts: the device → organization map, then the cheaper way.
    pub(crate) async fn linked_alerts(&self, opts: &ListOptions) -> Result<PageStream<Alert>> {
        let devices = self.device_organizations().await?;
        let orgs: Arc<HashMap<String, Option<String>>> =
            Arc::new(devices.iter().map(|(d, o)| (key(d), o.clone())).collect());
        if opts.resume.is_some() {
            // A cursor points into the notification list.
            return Ok(self.alerts_by_detail(opts, orgs, None));
        }
        let total = self.notification_count().await?;
        // `total` came over the network: saturate, never overflow.
        let by_detail = total.div_ceil(u64::from(PAGE_SIZE)).saturating_add(total);
        let by_device = devices.len() as u64;
        tracing::debug!(target: "vectis::kaseya", notifications = total, devices = by_device, by_detail, by_device, "linking alerts");
        if by_detail <= by_device {
            Ok(self.alerts_by_detail(opts, orgs, None))
        } else {
            Ok(self.alerts_by_device(devices, orgs))
        }
    }
}
