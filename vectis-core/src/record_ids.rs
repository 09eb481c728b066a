//! Records a listing cannot identify.
//!
//! Some vendors' own API descriptions mark a record's id as nullable (Atera's
//! `AgentID`, `CustomerID`, `AlertID`; Datto RMM's `uid`, `alertUid`). One
//! such record must not take down the page it came on, losing every valid
//! record of the listing: it is skipped with a `warn` event that names the
//! endpoint and the record's index, and counted. A listing where *every*
//! record lacks its id is not a listing at all (a changed API, a proxy
//! answering something else) and ends with an error.
//!
//! ```
//! use vectis_core::record_ids::IdCheck;
//! use vectis_core::Vendor;
//!
//! let ids = IdCheck::new(Vendor::Atera, "/api/v3/agents", "AgentID");
//! assert!(ids.keep(0, true));
//! assert!(!ids.keep(1, false)); // skipped, warned, counted
//! assert_eq!(ids.missing(), 1);
//! ```

use crate::error::{Error, Result};
use crate::model::Vendor;
use crate::paginate::PageStream;
use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts, for one listing, the records that carry their id and the ones
/// that do not (see the [module docs](self)).
#[derive(Debug)]
pub struct IdCheck {
    vendor: Vendor,
    endpoint: String,
    field: &'static str,
    missing: AtomicU64,
    present: AtomicU64,
}

impl IdCheck {
    /// A check for the listing at `endpoint` (a path template), whose records
    /// are identified by `field` (the vendor's name for it, e.g. `AgentID`).
    pub fn new(vendor: Vendor, endpoint: impl Into<String>, field: &'static str) -> Arc<IdCheck> {
        Arc::new(IdCheck {
            vendor,
            endpoint: endpoint.into(),
            field,
            missing: AtomicU64::new(0),
            present: AtomicU64::new(0),
        })
    }

    /// Whether the record at `index` on its page is kept: `has_id` says
    /// whether it carries its id. A record without one is counted and
    /// reported at `warn`, naming the endpoint and the index.
    pub fn keep(&self, index: usize, has_id: bool) -> bool {
        if has_id {
            self.present.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        let n = self.missing.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::warn!(
            target: "vectis::records",
            vendor = self.vendor.slug(),
            endpoint = %self.endpoint,
            index,
            skipped = n,
            "{} on {}: items[{index}] has no `{}`; it cannot be identified and is skipped",
            self.vendor,
            self.endpoint,
            self.field
        );
        false
    }

    /// How many records were skipped so far for lacking their id.
    pub fn missing(&self) -> u64 {
        self.missing.load(Ordering::Relaxed)
    }

    /// How many records carried their id so far.
    pub fn present(&self) -> u64 {
        self.present.load(Ordering::Relaxed)
    }

    /// The listing's verdict once it has ended: an error when it had records
    /// and none of them carried its id.
    pub fn verdict(&self) -> Result<()> {
        let missing = self.missing();
        if missing == 0 {
            return Ok(());
        }
        if self.present() == 0 {
            return Err(Error::Inconsistent {
                vendor: self.vendor,
                endpoint: self.endpoint.clone(),
                detail: format!(
                    "none of its {missing} record(s) has a `{}`, so none can be identified — the API may have changed, or something other than {} answered; check the base URL, and report this if it persists",
                    self.field, self.vendor
                ),
            });
        }
        tracing::warn!(
            target: "vectis::records",
            vendor = self.vendor.slug(),
            endpoint = %self.endpoint,
            skipped = missing,
            "{} on {}: {missing} record(s) without `{}` were skipped",
            self.vendor,
            self.endpoint,
            self.field
        );
        Ok(())
    }

    /// `pages`, followed by the [`verdict`](IdCheck::verdict) when they end
    /// (an error item if every record lacked its id).
    pub fn guard<T: Send + 'static>(self: &Arc<Self>, pages: PageStream<T>) -> PageStream<T> {
        let me = Arc::clone(self);
        let tail = futures::stream::once(async move { me.verdict() })
            .filter_map(|r| async move { r.err().map(Err) });
        pages.chain(tail).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paginate::Page;
    use futures::TryStreamExt;

    fn page(items: Vec<u32>) -> Result<Page<u32>> {
        Ok(Page {
            items,
            index: 0,
            total: None,
            resume: None,
        })
    }

    #[tokio::test]
    async fn some_missing_ids_are_skipped_and_counted_all_missing_is_an_error() {
        let ids = IdCheck::new(Vendor::DattoRmm, "/api/v2/account/devices", "uid");
        assert!(ids.keep(0, true));
        assert!(!ids.keep(1, false));
        let pages = ids.guard(futures::stream::iter(vec![page(vec![1])]).boxed());
        let got: Vec<_> = pages.try_collect().await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(ids.missing(), 1);

        let ids = IdCheck::new(Vendor::DattoRmm, "/api/v2/account/devices", "uid");
        assert!(!ids.keep(0, false));
        let pages = ids.guard(futures::stream::iter(vec![page(vec![])]).boxed());
        let e = pages.try_collect::<Vec<_>>().await.unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("/api/v2/account/devices") && msg.contains("`uid`"),
            "{msg}"
        );

        // An empty listing is fine.
        let ids = IdCheck::new(Vendor::Atera, "/api/v3/agents", "AgentID");
        assert!(ids.verdict().is_ok());
    }
}
