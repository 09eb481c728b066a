//! What every fetch of one listing shares: fetching and reading a page,
//! the loop, count and repeat checks, and the record of what was delivered.

use super::*;

impl<T: Send + 'static> Shared<T> {
    /// Fetches and reads one page's envelope, without mapping its items.
    /// With `early`, the next request is sent there as soon as the headers
    /// decide it ([`Paginator::next_from_headers`]), before the body is
    /// parsed; dropped unsent when they do not.
    pub(super) fn fetch_raw(
        self: Arc<Self>,
        url: Url,
        index: u64,
        early: Option<EarlyNext>,
        net: Option<Arc<Semaphore>>,
    ) -> BoxFuture<'static, Result<RawPage>> {
        let span = tracing::debug_span!(
            "vectis.page",
            vendor = self.client.vendor().slug(),
            endpoint = %self.req.endpoint,
            page = index + 1,
            items = tracing::field::Empty,
        );
        Box::pin(
            async move {
                let mut spec = RequestSpec::get(url, self.req.endpoint.clone());
                spec.page = Some(index + 1);
                spec.headers = self.req.headers.clone();
                let sent = spec.url.clone();
                let resp = {
                    // Held while the request travels, released before the parse:
                    // the next page's request goes out as soon as this answer
                    // is in, not when the listing gets round to it.
                    let on_the_wire = match &net {
                        Some(s) => s.clone().acquire_owned().await.ok(),
                        None => None,
                    };
                    let resp = self.client.execute(spec).await;
                    if let Some(permit) = on_the_wire {
                        drop(permit);
                        // Let the page waiting for that place send its request
                        // before this one is parsed (on a one-thread runtime it
                        // would otherwise wait for the parse).
                        tokio::task::yield_now().await;
                    }
                    resp?
                };
                if let Some(tx) = early
                    && let Some(next) = self.req.paginator.next_from_headers(&sent, &resp)
                {
                    let chain = self.awaiting.load(Ordering::SeqCst) == index;
                    let msg = next.map(|n| {
                        n.map(|n| {
                            // Started from this task, not the listing's, so the
                            // request is on its way before this page is parsed
                            // (only while the caller waits for this page).
                            let mut ahead = None;
                            if chain && self.mark_seen(&n) {
                                ahead = Prefetch::spawn(&self, n.clone(), index + 1);
                                if ahead.is_none() {
                                    self.unmark_seen(&n);
                                }
                            }
                            (n, ahead)
                        })
                    });
                    let started = matches!(&msg, Ok(Some((_, Some(_)))));
                    // The receiver is gone only if the listing was dropped (the
                    // started fetch is then dropped, and aborted, with `msg`).
                    if tx.send(msg).is_ok() && started {
                        tokio::task::yield_now().await;
                    }
                }
                let raw = (self.req.parse)(&resp)?;
                tracing::Span::current().record("items", raw.items.len());
                Ok(raw)
            }
            .instrument(span),
        )
    }

    /// Records `url` as requested; `false` if it already was (a loop).
    pub(super) fn mark_seen(&self, url: &Url) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(url_key(url))
    }

    /// Forgets `url` (it was not requested after all).
    pub(super) fn unmark_seen(&self, url: &Url) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&url_key(url));
    }

    /// At the end of a listing: what arrived must match the vendor's last
    /// stated total (when the listing started at its first page).
    pub(super) fn end_check(&self, arrived: Option<u64>, total: Option<u64>) -> Result<()> {
        match (arrived, total) {
            (Some(arrived), Some(total)) if arrived != total => Err(Error::Inconsistent {
                vendor: self.client.vendor(),
                endpoint: self.req.endpoint.clone(),
                detail: format!(
                    "the listing ended after {arrived} records, but the vendor's total says {total}; records were probably added or removed while it was read (or the total is wrong) — run it again, and report it if it persists"
                ),
            }),
            _ => Ok(()),
        }
    }

    /// While a listing runs: more records than the vendor's total says
    /// exist means the total (or the paging) is wrong, and following more
    /// links could go on for ever.
    pub(super) fn past_total_check(&self, arrived: Option<u64>, total: Option<u64>) -> Result<()> {
        match (arrived, total) {
            (Some(arrived), Some(total)) if arrived > total => Err(Error::Inconsistent {
                vendor: self.client.vendor(),
                endpoint: self.req.endpoint.clone(),
                detail: format!(
                    "{arrived} records arrived, more than the {total} the vendor's total says; stopping rather than following its next-page links for ever — run it again, and report it if it persists"
                ),
            }),
            _ => Ok(()),
        }
    }

    /// A fan-out page that said it was the last while the plan from the
    /// first page's total had more, with no item total to count against.
    pub(super) fn early_end_error(&self, page: u64) -> Error {
        Error::Inconsistent {
            vendor: self.client.vendor(),
            endpoint: self.req.endpoint.clone(),
            detail: format!(
                "page {page} ended the listing (empty, or no next page), but the first page announced more pages; the vendor's page count is wrong — run it again, and report it if it persists"
            ),
        }
    }

    /// After a page with `next`: fails when the listing has reached its
    /// page limit or followed too many empty pages in a row.
    pub(super) fn bound_check(&self, pages: u64, empty_run: u32, has_next: bool) -> Result<()> {
        if !has_next {
            return Ok(());
        }
        let detail = if empty_run >= MAX_EMPTY_PAGES {
            format!(
                "{empty_run} empty pages in a row each named a next page; stopping rather than following them for ever — run it again, and report it if it persists"
            )
        } else if pages >= self.client.max_pages() {
            format!(
                "the listing reached {pages} pages and the vendor names yet another; that is the most one listing requests (EngineSettings::max_pages) — raise it if the tenant is really that large, otherwise report the vendor's paging"
            )
        } else {
            return Ok(());
        };
        Err(Error::Inconsistent {
            vendor: self.client.vendor(),
            endpoint: self.req.endpoint.clone(),
            detail,
        })
    }

    pub(super) fn loop_error(&self) -> Error {
        Error::PaginationLoop {
            vendor: self.client.vendor(),
            endpoint: self.req.endpoint.clone(),
        }
    }

    /// Page `index` as the caller gets it: its mapped `items` without the
    /// ids delivered lately ([`Shared::unique`]), the vendor's total and
    /// where to resume after it.
    pub(super) fn deliver(
        &self,
        items: Vec<T>,
        index: u64,
        total: Option<u64>,
        resume: Option<crate::Cursor>,
    ) -> Page<T> {
        Page {
            items: self.unique(items, index),
            index,
            total,
            resume,
        }
    }

    /// Drops records whose id this listing already delivered (only with
    /// [`ListRequest::unique_by`]); called in delivery order, so a page
    /// fetched and then cancelled never marks its ids.
    pub(super) fn unique(&self, mut items: Vec<T>, page: u64) -> Vec<T> {
        let Some(id_of) = self.req.unique else {
            return items;
        };
        let mut delivered = self.delivered.lock().unwrap_or_else(|p| p.into_inner());
        let before = items.len();
        let mut this_page: HashSet<u64> = HashSet::with_capacity(items.len());
        items.retain(|item| {
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(id_of(item), &mut h);
            let h = std::hash::Hasher::finish(&h);
            !delivered.iter().any(|p| p.contains(&h)) && this_page.insert(h)
        });
        delivered.push_back(this_page);
        while delivered.len() > UNIQUE_WINDOW {
            delivered.pop_front();
        }
        let dropped = before - items.len();
        if dropped > 0 {
            tracing::warn!(
                target: "vectis::paginate",
                vendor = self.client.vendor().slug(),
                endpoint = %self.req.endpoint,
                page = page + 1,
                dropped,
                "records arrived twice in one listing (they moved between pages while it was read); each is delivered once"
            );
        }
        items
    }

    pub(super) fn map_items(&self, raw: Vec<serde_json::Value>) -> Result<Vec<T>> {
        let mut items = Vec::with_capacity(raw.len());
        for (i, v) in raw.into_iter().enumerate() {
            if let Some(item) = (self.req.map)(i, v)? {
                items.push(item);
            }
        }
        Ok(items)
    }

    pub(super) async fn fetch(
        self: Arc<Self>,
        url: Url,
        index: u64,
        net: Arc<Semaphore>,
    ) -> Result<(Vec<T>, PageMeta)> {
        let raw = self.clone().fetch_raw(url, index, None, Some(net)).await?;
        Ok((self.map_items(raw.items)?, raw.meta))
    }

    pub(super) fn page_error(&self, e: PageError) -> Error {
        let vendor = self.client.vendor();
        match e {
            PageError::ForeignOrigin(origin) => Error::Inconsistent {
                vendor,
                endpoint: self.req.endpoint.clone(),
                detail: format!(
                    "the next-page link points at another origin ({origin}); refusing to send credentials there — if that is the vendor's own API host (a regional or renamed one), configure it as the base URL"
                ),
            },
            PageError::BadUrl(why) => Error::Inconsistent {
                vendor,
                endpoint: self.req.endpoint.clone(),
                detail: format!("the next-page link is not a URL ({why})"),
            },
            PageError::Overflow(why) => Error::Inconsistent {
                vendor,
                endpoint: self.req.endpoint.clone(),
                detail: format!(
                    "the next page cannot be computed ({why}); check the resume cursor, or report the vendor's paging numbers"
                ),
            },
        }
    }
}
