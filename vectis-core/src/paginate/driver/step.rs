//! One turn of the driver: from the state it is in to the next page and
//! the next state (sequential, fanned out, or done).

use super::*;

pub(super) async fn step<T: Send + 'static>(
    mut d: Driver<T>,
) -> Result<Option<(Page<T>, Driver<T>)>> {
    match &mut d.state {
        State::Sequential { next, prefetch } => {
            let index = d.index;
            let pending = match prefetch.take() {
                Some(p) => Some(p),
                None => {
                    let Some(url) = next.take() else {
                        return Ok(None);
                    };
                    if !d.shared.mark_seen(&url) {
                        return Err(d.shared.loop_error());
                    }
                    let p = Prefetch::spawn(&d.shared, url.clone(), index);
                    if p.is_none() {
                        *next = Some(url);
                    }
                    p
                }
            };
            let (url, raw, early, ahead) = match pending {
                Some(p) => {
                    d.shared.awaiting.store(index, Ordering::SeqCst);
                    let awaited = await_prefetch(&d.shared, p, index).await;
                    d.shared.awaiting.store(NOT_WAITING, Ordering::SeqCst);
                    awaited?
                }
                None => {
                    // No runtime to spawn on: fetch inline.
                    let Some(url) = next.take() else {
                        return Ok(None);
                    };
                    let raw = d
                        .shared
                        .clone()
                        .fetch_raw(url.clone(), index, None, None)
                        .await?;
                    (url, raw, None, None)
                }
            };
            let meta = raw.meta.clone();
            d.index += 1;
            d.note(&meta);
            d.shared.past_total_check(d.arrived, d.last_total)?;
            let fan_out_possible = index == 0 && d.concurrency > 1 && early.is_none();
            let own_next = match early {
                Some(r) => r,
                None => d.shared.req.paginator.next(&url, &meta),
            }
            .map_err(|e| d.shared.page_error(e))?;
            d.shared
                .bound_check(d.index, d.empty_run, own_next.is_some())?;
            // Fan out only when the first page itself says there is more,
            // and the plan starts where it says.
            let mut fan_out = None;
            if fan_out_possible
                && let Some(n) = &own_next
                && let Some(rest) = d.shared.req.paginator.remaining_iter(&url, &meta)
            {
                let mut queue = rest.peekable();
                if queue.peek().is_some_and(|p| same_request(p, n)) {
                    fan_out = Some(queue);
                }
            }
            let resume;
            if let Some(mut queue) = fan_out {
                resume = queue.peek().map(|u| Cursor {
                    next: u.to_string(),
                });
                let mut next_index = 1;
                let mut inflight = FuturesOrdered::new();
                let mut inflight_urls = VecDeque::new();
                let net = Arc::new(Semaphore::new(d.concurrency.max(1)));
                // Start the rest now, so they travel while this page is mapped.
                refill(
                    &d.shared,
                    &net,
                    d.concurrency,
                    &mut queue,
                    &mut next_index,
                    &mut inflight,
                    &mut inflight_urls,
                );
                d.state = State::Concurrent {
                    queue,
                    next_index,
                    inflight,
                    net,
                    inflight_urls,
                };
            } else {
                let next_url = own_next;
                if next_url.is_none() {
                    d.shared.end_check(d.arrived, d.last_total)?;
                }
                resume = next_url.as_ref().map(|u| Cursor {
                    next: u.to_string(),
                });
                let ahead_started_here = ahead.is_none();
                let mut prefetch = ahead;
                if prefetch.is_none()
                    && let Some(n) = &next_url
                {
                    if !d.shared.mark_seen(n) {
                        return Err(d.shared.loop_error());
                    }
                    prefetch = Prefetch::spawn(&d.shared, n.clone(), index + 1);
                    if prefetch.is_none() {
                        // Fetched on the next poll, which marks it seen.
                        d.shared.unmark_seen(n);
                    }
                }
                if prefetch.is_some() && ahead_started_here {
                    // Let the prefetch send its request before this page is
                    // mapped: yield_now defers this task until the runtime
                    // has run the others, also on a one-thread runtime.
                    tokio::task::yield_now().await;
                }
                d.state = State::Sequential {
                    next: if prefetch.is_none() { next_url } else { None },
                    prefetch,
                };
            }
            let items = d.shared.map_items(raw.items)?;
            let page = d.shared.deliver(items, index, meta.total_items, resume);
            Ok(Some((page, d)))
        }
        State::Concurrent {
            queue,
            next_index,
            inflight,
            net,
            inflight_urls,
        } => {
            refill(
                &d.shared,
                net,
                d.concurrency,
                queue,
                next_index,
                inflight,
                inflight_urls,
            );
            let Some((index, url, result)) = inflight.next().await else {
                return Ok(None);
            };
            inflight_urls.pop_front();
            let (items, meta) = result?;
            d.index = index + 1;
            let own_next = d
                .shared
                .req
                .paginator
                .next(&url, &meta)
                .map_err(|e| d.shared.page_error(e))?;
            let planned = inflight_urls.front().or_else(|| queue.peek()).cloned();
            // An empty page never follows the plan: what the first page's
            // total promised is not there, so the fan-out stops and the
            // listing goes on (if at all) from what this page links.
            let follows_plan = meta.items > 0
                && matches!((&own_next, &planned), (Some(n), Some(p)) if same_request(n, p));
            let resume = if follows_plan {
                // Keep the window full while this page is consumed.
                refill(
                    &d.shared,
                    net,
                    d.concurrency,
                    queue,
                    next_index,
                    inflight,
                    inflight_urls,
                );
                planned.map(|u| Cursor {
                    next: u.to_string(),
                })
            } else {
                // The page and the plan disagree: the page wins. Cancel the
                // pages in flight (dropping them aborts their tasks) and
                // forget their URLs: the listing may still ask for them.
                for u in inflight_urls.drain(..) {
                    d.shared.unmark_seen(&u);
                }
                match &own_next {
                    None => {
                        if planned.is_some() {
                            tracing::debug!(
                                target: "vectis::paginate",
                                endpoint = %d.shared.req.endpoint,
                                page = index + 1,
                                "a page ended the listing before the planned last page; the fan-out is cancelled"
                            );
                            if meta.total_items.is_none() && d.last_total.is_none() {
                                return Err(d.shared.early_end_error(index + 1));
                            }
                        }
                    }
                    Some(n) => tracing::debug!(
                        target: "vectis::paginate",
                        endpoint = %d.shared.req.endpoint,
                        page = index + 1,
                        next = %n,
                        "a page's next request differs from the fan-out plan; following the page, one page at a time"
                    ),
                }
                own_next.as_ref().map(|u| Cursor {
                    next: u.to_string(),
                })
            };
            d.note(&meta);
            d.shared.past_total_check(d.arrived, d.last_total)?;
            d.shared
                .bound_check(d.index, d.empty_run, own_next.is_some())?;
            if !follows_plan {
                if own_next.is_none() {
                    d.shared.end_check(d.arrived, d.last_total)?;
                }
                d.state = State::Sequential {
                    next: own_next,
                    prefetch: None,
                };
            }
            let page = d.shared.deliver(items, index, meta.total_items, resume);
            Ok(Some((page, d)))
        }
    }
}
