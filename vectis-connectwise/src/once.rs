//! Exactly once: pages come in id order in both paging modes, so a record
//! that arrives again fails the listing instead of being delivered twice.

use crate::{INFO, Paging, raw};
use std::collections::HashSet;
use std::sync::Mutex;
use vectis_core::Error;
use vectis_core::error::Result;

/// The id every ConnectWise record has, for the exactly-once check.
pub trait HasId {
    /// The record id.
    fn id(&self) -> i64;
}

impl HasId for raw::Company {
    fn id(&self) -> i64 {
        self.id
    }
}
impl HasId for raw::Configuration {
    fn id(&self) -> i64 {
        self.id
    }
}
impl HasId for raw::Ticket {
    fn id(&self) -> i64 {
        self.id
    }
}

/// Pages come in id order in both modes (forward-only pages by id; navigable
/// pages are asked `orderBy=id asc`): every id must be above the previous
/// page's highest and unique on its page. So a record is never delivered
/// twice, with constant memory whatever the tenant's size.
#[derive(Default)]
struct OnceGuard {
    floor: Option<i64>,
    page_max: Option<i64>,
    page_ids: HashSet<i64>,
}

/// `map`, behind the exactly-once check of the list at `endpoint`, whose
/// records are each a `noun` (`configuration 2 arrived twice`).
pub(crate) fn once_each<R, T>(
    noun: &'static str,
    endpoint: String,
    paging: Paging,
    map: fn(R, serde_json::Value) -> Option<T>,
) -> impl Fn(usize, R, serde_json::Value) -> Result<Option<T>> + Send + Sync + 'static
where
    R: HasId + 'static,
    T: 'static,
{
    let guard = Mutex::new(OnceGuard::default());
    move |i, r, v| {
        let id = r.id();
        {
            let mut g = guard.lock().unwrap_or_else(|p| p.into_inner());
            if i == 0 {
                g.floor = g.floor.max(g.page_max);
                g.page_ids.clear();
            }
            let repeat = g.floor.is_some_and(|f| id <= f) || !g.page_ids.insert(id);
            if repeat {
                let why = match paging {
                    Paging::Navigable => {
                        "the list changed while it was paged by page number; run the sync again, or use forward-only paging (the default), which is stable while records change"
                    }
                    Paging::ForwardOnly => {
                        "forward-only pages should never repeat a record; please report this"
                    }
                };
                return Err(Error::Inconsistent {
                    vendor: INFO.vendor,
                    endpoint: endpoint.clone(),
                    detail: format!("{noun} {id} arrived twice: {why}"),
                });
            }
            g.page_max = g.page_max.max(Some(id));
        }
        Ok(map(r, v))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_fail_the_listing() {
        let once = once_each::<raw::Configuration, i64>(
            "configuration",
            "/apis/3.0/company/configurations".into(),
            Paging::Navigable,
            |c, _| Some(c.id),
        );
        let f = |i: usize, id: i64| {
            let v = serde_json::json!({"id": id});
            once(i, serde_json::from_value(v.clone()).unwrap(), v)
        };
        assert_eq!(f(0, 1).unwrap(), Some(1));
        assert_eq!(f(1, 3).unwrap(), Some(3));
        // Next page: unsorted within a page is fine, below the floor is not.
        assert_eq!(f(0, 5).unwrap(), Some(5));
        assert_eq!(f(1, 4).unwrap(), Some(4));
        assert!(f(2, 4).is_err());
        let e = f(0, 2).unwrap_err();
        assert!(
            e.to_string().contains("configuration 2 arrived twice"),
            "{e}"
        );
    }
}
