//! How [`GovernorLimit`] grants: the rolling window, evenly spaced slots and
//! the pause gate, on the injected time.

use super::*;

impl GovernorLimit {
    /// A limiter for `quota` on real time.
    pub fn new(quota: Quota) -> GovernorLimit {
        GovernorLimit::with_time(quota, Time::real())
    }

    /// A limiter for `quota` reading and sleeping through `time`, with
    /// [`Pacing::Burst`].
    pub fn with_time(quota: Quota, time: Time) -> GovernorLimit {
        GovernorLimit::with_pacing(quota, Pacing::Burst, time)
    }

    /// A limiter for `quota` with the given [`Pacing`].
    ///
    /// [`Pacing::Burst`]: each request reserves the earliest time at which
    /// the window of its `count` predecessors has room — now, while fewer
    /// than `count` were granted in the last `period` + [`arrival_margin`]
    /// — so waiters get distinct times and none is woken for nothing.
    pub fn with_pacing(quota: Quota, pacing: Pacing, time: Time) -> GovernorLimit {
        match (pacing, quota) {
            (Pacing::Burst, Quota::Limited { count, period })
                if count.get() <= BURST_WINDOW_MAX =>
            {
                let span = period.saturating_add(arrival_margin(period));
                GovernorLimit {
                    quota,
                    burst: Some((count.get() as usize, span)),
                    interval: None,
                    window: None,
                    schedule: Mutex::new(Schedule::default()),
                    paused_until: Mutex::new(None),
                    time,
                }
            }
            _ => GovernorLimit::even(quota, time),
        }
    }

    /// [`Pacing::Even`]: requests are spaced `period / count` apart (plus a
    /// 0.4 % margin). Vendors count over rolling windows (Datto: 600 per rolling
    /// 60 s), and any burst allowance would let some window see more than
    /// the quota — which is exactly when the vendor answers 429. Spaced
    /// requests still use the whole quota: each request reserves the next
    /// free slot, so a sync waits only for its turn, never for a window, and
    /// a waiter woken late (a busy runtime thread, the timer's millisecond)
    /// does not push every later slot back, as a GCRA `check` after the
    /// sleep would. What a late grant could cost — two grants closer than
    /// the spacing — is caught by the window guard: no grant comes sooner
    /// than `period` (plus the margin) after the grant `count` before it.
    fn even(quota: Quota, time: Time) -> GovernorLimit {
        let (interval, window) = match quota {
            Quota::Off => (None, None),
            Quota::Limited { count, period } => {
                let spread = period + period / WINDOW_MARGIN_DIVISOR;
                let interval = (spread / count.get()).max(Duration::from_nanos(1));
                let window =
                    (count.get() <= WINDOW_GUARD_MAX).then(|| (count.get() as usize, spread));
                (Some(interval), window)
            }
        };
        GovernorLimit {
            quota,
            burst: None,
            interval,
            window,
            schedule: Mutex::new(Schedule::default()),
            paused_until: Mutex::new(None),
            time,
        }
    }

    fn pause_remaining(&self) -> Option<Duration> {
        let until = (*self.paused_until.lock().unwrap_or_else(|p| p.into_inner()))?;
        let now = self.time.now();
        (until > now).then(|| until - now)
    }

    fn schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves the next free slot at or after `now`.
    fn reserve(&self, interval: Duration, now: Duration) -> Duration {
        let mut s = self.schedule();
        let slot = s.next_slot.max(now);
        s.next_slot = slot + interval;
        slot
    }

    /// [`Pacing::Burst`]: reserves the earliest time at or after `now` at
    /// which fewer than `count` grants fall in the `span` before it.
    fn reserve_in_window(&self, count: usize, span: Duration, now: Duration) -> Duration {
        let mut s = self.schedule();
        let slot = match s.recent.len().checked_sub(count) {
            Some(i) => now.max(s.recent[i].saturating_add(span)),
            None => now,
        };
        s.recent.push_back(slot);
        while s.recent.len() > count {
            s.recent.pop_front();
        }
        slot
    }

    /// Sleeps out a server pause (a 429's `Retry-After`) when one is in
    /// force; says whether it slept.
    async fn wait_out_pause(&self) -> bool {
        let Some(wait) = self.pause_remaining() else {
            return false;
        };
        tracing::debug!(
            target: "vectis::rate_limit",
            wait_ms = wait.as_millis() as u64,
            reason = "server_pause",
            "rate_limit.wait"
        );
        self.time.sleep(wait).await;
        true
    }

    /// Sleeps `wait` for the quota's own `reason` (`quota`, `window`).
    async fn wait_for(&self, wait: Duration, reason: &'static str) {
        tracing::trace!(
            target: "vectis::rate_limit",
            wait_ms = wait.as_millis() as u64,
            reason,
            "rate_limit.wait"
        );
        self.time.sleep(wait).await;
    }

    async fn acquire_burst(&self, count: usize, span: Duration) -> Result<()> {
        loop {
            if self.wait_out_pause().await {
                continue;
            }
            let now = self.time.now();
            let slot = self.reserve_in_window(count, span, now);
            if slot > now {
                let wait = slot - now;
                self.wait_for(wait, "window").await;
            }
            // A 429 that arrived meanwhile holds this request back too; it
            // reserves again after the pause (the old reservation only makes
            // later ones wait a little longer, never less).
            if self.pause_remaining().is_none() {
                return Ok(());
            }
        }
    }

    /// Grants now if the rolling window has room (and records the grant);
    /// otherwise says how long until it has.
    fn try_grant(&self) -> Option<Duration> {
        let now = self.time.now();
        let mut s = self.schedule();
        if let Some((count, span)) = self.window {
            if s.recent.len() >= count {
                let earliest = s.recent.front().map_or(now, |oldest| *oldest + span);
                if earliest > now {
                    return Some(earliest - now);
                }
                s.recent.pop_front();
            }
            s.recent.push_back(now);
        }
        None
    }
}

#[async_trait]
impl RateLimit for GovernorLimit {
    async fn acquire(&self) -> Result<()> {
        if let Some((count, span)) = self.burst {
            return self.acquire_burst(count, span).await;
        }
        'slot: loop {
            if self.wait_out_pause().await {
                continue;
            }
            let Some(interval) = self.interval else {
                return Ok(());
            };
            let now = self.time.now();
            let slot = self.reserve(interval, now);
            if slot > now {
                let wait = slot - now;
                self.wait_for(wait, "quota").await;
            }
            loop {
                // A 429 that arrived meanwhile holds this request back too;
                // it takes a new slot after the pause.
                if self.pause_remaining().is_some() {
                    continue 'slot;
                }
                match self.try_grant() {
                    None => return Ok(()),
                    Some(wait) => {
                        self.wait_for(wait.max(Duration::from_micros(1)), "window")
                            .await;
                    }
                }
            }
        }
    }

    fn pause_for(&self, d: Duration) {
        // `d` may come from a server (`Retry-After`): never overflow.
        let until = self.time.now().saturating_add(d);
        let mut slot = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none_or(|cur| cur < until) {
            *slot = Some(until);
        }
    }

    fn paused_for(&self) -> Option<Duration> {
        self.pause_remaining()
    }

    fn quota(&self) -> Quota {
        self.quota
    }
}
