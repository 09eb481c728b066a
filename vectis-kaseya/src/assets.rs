//! The device ↔ asset join: the device list has no OS, online flag or
//! last-seen; the asset list has them. Both are ordered by identifier, so
//! the asset list is read in step with the device list and only the assets
//! not yet matched are held.

use crate::connector::key;
use crate::listings::{ASSETS, DEVICES};
use crate::{KaseyaConnector, map, raw};
use futures::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use vectis_core::error::Result;
use vectis_core::model::VendorId;
use vectis_core::paginate::{Cursor, Page, PageStream, set_query};
use vectis_core::{Device, ListOptions};

/// How far (in assets) the join reads past a device's position in the list
/// looking for its asset before it gives up on that device.
const ASSET_LOOKAHEAD: u64 = 1_000;

/// The asset side of the device ↔ asset join (see [`KaseyaConnector`]'s
/// `device_pages`): the asset list read in step with the device list.
struct AssetJoin {
    /// The rest of the asset list; `None` once it has ended.
    assets: Option<PageStream<raw::Asset>>,
    /// Assets read but not yet matched, by identifier.
    unmatched: HashMap<String, raw::Asset>,
    /// Assets read so far.
    read: u64,
    /// Devices asked for so far.
    wanted: u64,
    /// Devices given no asset.
    missing: u64,
}

impl AssetJoin {
    /// The asset of the device `identifier`, reading ahead as far as
    /// [`ASSET_LOOKAHEAD`] past this device's position for it.
    async fn take(&mut self, identifier: &str) -> Result<Option<raw::Asset>> {
        self.wanted += 1;
        let k = key(identifier);
        loop {
            if let Some(a) = self.unmatched.remove(&k) {
                return Ok(Some(a));
            }
            let ahead = self.read.saturating_sub(self.wanted);
            let Some(assets) = self.assets.as_mut().filter(|_| ahead < ASSET_LOOKAHEAD) else {
                self.missing += 1;
                return Ok(None);
            };
            match assets.try_next().await? {
                Some(page) => {
                    for a in page.items {
                        self.read += 1;
                        self.unmatched.insert(key(&a.identifier), a);
                    }
                }
                None => self.assets = None,
            }
        }
    }

    /// Reports devices that went without an asset.
    fn finish(&self) {
        if self.missing > 0 {
            tracing::debug!(
                target: "vectis::kaseya",
                devices_without_asset = self.missing,
                assets_unmatched = self.unmatched.len(),
                "some devices had no asset within the look-ahead: their OS, online state and last-seen are empty"
            );
        }
    }
}

/// A device list item with its raw JSON, known by its identifier.
struct Listed(raw::DeviceItem, serde_json::Value);

impl VendorId for Listed {
    fn vendor_id(&self) -> &str {
        &self.0.identifier
    }
}

impl KaseyaConnector {
    /// The asset list, ordered like the device list, from `skip` on.
    fn asset_pages(&self, skip: u64) -> PageStream<raw::Asset> {
        let call = self.client.list(&ASSETS, &ListOptions::default());
        let resume = match call.first_url() {
            Ok(first) if skip > 0 => Some(Cursor {
                next: set_query(&first, "$skip", &skip.to_string()).to_string(),
            }),
            _ => None,
        };
        call.resume(resume).map(|a, _| Some(a)).pages()
    }

    /// Devices with OS, online state and last-seen from their assets.
    pub(crate) fn joined_device_pages(&self, opts: &ListOptions) -> PageStream<Device> {
        // Both lists are ordered by identifier, so device n's asset is
        // (nearly always) asset n: the join reads the asset list alongside
        // the device list and holds only the assets not yet matched.
        let skip = opts
            .resume
            .as_ref()
            .and_then(|c| c.query::<u64>("$skip"))
            .unwrap_or(0);
        let devices = self
            .client
            .list(&DEVICES, opts)
            .map(|d, v| Some(Listed(d, v)))
            .pages();
        let join = AssetJoin {
            assets: Some(self.asset_pages(skip)),
            unmatched: HashMap::new(),
            read: 0,
            wanted: 0,
            missing: 0,
        };
        futures::stream::try_unfold((devices, join), |(mut devices, mut join)| async move {
            let Some(page) = devices.try_next().await? else {
                join.finish();
                return Ok(None);
            };
            let mut items = Vec::with_capacity(page.items.len());
            for Listed(d, v) in page.items {
                let asset = join.take(&d.identifier).await?;
                items.push(map::device(d, v, asset.as_ref()));
            }
            let page = Page {
                items,
                index: page.index,
                total: page.total,
                resume: page.resume,
            };
            Ok(Some((page, (devices, join))))
        })
        .boxed()
    }
}
