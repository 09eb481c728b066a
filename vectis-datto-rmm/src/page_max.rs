//! The account's page maximum (`GET /api/v2/system/pagination`), asked once
//! per connector and alongside the first page.

use crate::explain::is_token_error;
use crate::info::DEFAULT_PAGE_SIZE;
use crate::{DattoRmmConnector, raw};
use futures::StreamExt;
use vectis_core::error::Result;
use vectis_core::listing::lazy;
use vectis_core::paginate::{Cursor, PageStream};
use vectis_core::{ErrorKind, ListCall, ListOptions, ListRun, Listing};

impl DattoRmmConnector {
    /// The account's largest page (`GET /api/v2/system/pagination`), asked
    /// once per connector; [`DEFAULT_PAGE_SIZE`] when Datto does not say.
    /// A refused credential, throttling or a network failure is an error
    /// (the listing would fail the same way).
    pub async fn account_page_max(&self) -> Result<u32> {
        let mut slot = self.page_max.lock().await;
        if let Some(max) = *slot {
            return Ok(max);
        }
        let config = self.client.fetch("/system/pagination", &[]).await;
        let max = match config.map(|c: raw::PaginationConfiguration| c.max) {
            Ok(max) => max.filter(|m| *m > 0).unwrap_or(DEFAULT_PAGE_SIZE),
            // A token failure is the listing's failure too: asking the token
            // endpoint again for the listing would only repeat it.
            Err(e)
                if is_token_error(&e)
                    || matches!(
                        e.kind(),
                        ErrorKind::Auth
                            | ErrorKind::Throttled
                            | ErrorKind::Transient
                            | ErrorKind::Config
                    ) =>
            {
                return Err(self.explain(e));
            }
            Err(e) => {
                tracing::debug!(target: "vectis::datto", error = %e, "no pagination configuration; using the documented 250");
                DEFAULT_PAGE_SIZE
            }
        };
        *slot = Some(max);
        Ok(max)
    }

    /// A listing whose page size is capped by the account's maximum (asked
    /// once per connector); a resumed listing keeps the cursor's size.
    /// `map` names the mapping of each call it makes.
    ///
    /// The first time, the maximum (`/system/pagination`) and page 0 at the
    /// size the documented maximum of 250 gives are asked at once, so the
    /// listing starts one round trip sooner (token, then both, then the
    /// rest). If the account's maximum turns out smaller, that page 0 is
    /// dropped and the listing starts again at the account's size: one
    /// request spent, nothing delivered twice.
    pub(crate) fn capped<R, T>(
        &self,
        listing: Listing<R>,
        opts: &ListOptions,
        map: impl Fn(ListCall<R>) -> ListRun<T> + Send + Sync + 'static,
    ) -> PageStream<T>
    where
        R: 'static,
        T: Send + 'static,
    {
        if opts.resume.as_ref().and_then(cursor_size).is_some() {
            return map(self.list(&listing, opts)).pages();
        }
        let me = self.clone();
        let opts = opts.clone();
        let wanted = opts.page_size;
        // A fresh listing at `size` records a page.
        let sized = move |me: &DattoRmmConnector, size: u32| {
            map(me.list(&listing, &opts).size(size).resume(None)).pages()
        };
        lazy(async move {
            let known = *me.page_max.lock().await;
            if let Some(max) = known {
                return Ok(sized(&me, wanted.unwrap_or(max).clamp(1, max.max(1))));
            }
            let guess = wanted
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, DEFAULT_PAGE_SIZE);
            let mut speculative = sized(&me, guess);
            let (max, first) = futures::join!(me.account_page_max(), speculative.next());
            let max = max?;
            let size = wanted.unwrap_or(max).clamp(1, max.max(1));
            if size == guess {
                return Ok(match first {
                    Some(page) => futures::stream::iter([page]).chain(speculative).boxed(),
                    None => futures::stream::empty().boxed(),
                });
            }
            drop(speculative);
            tracing::debug!(
                target: "vectis::datto",
                account_max = max,
                "the account's page maximum is below the documented 250; listing again at its size"
            );
            Ok(sized(&me, size))
        })
    }
}

/// The page size a resume cursor was made with (its `max`).
pub(crate) fn cursor_size(c: &Cursor) -> Option<u32> {
    c.query::<u32>("max").filter(|m| *m > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_cursors_keep_their_page_size() {
        let c = Cursor {
            next: "https://h/api/v2/account/devices?page=2&max=100".into(),
        };
        assert_eq!(cursor_size(&c), Some(100));
        let c = Cursor {
            next: "https://h/api/v2/account/devices?page=2".into(),
        };
        assert_eq!(cursor_size(&c), None);
    }
}
