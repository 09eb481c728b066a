//! Client-side quotas: stay under the vendor's limit instead of bouncing off it.
//!
//! A [`RateLimit`] is shared by every request made with one credential — the
//! vendors count per key or per account, not per connector. [`GovernorLimit`]
//! is the in-process implementation: a virtual schedule of evenly spaced
//! send slots (GCRA's theoretical arrival time, reserved per request) with a
//! rolling-window guard, driven by the injected [`Time`] so tests control
//! the clock, plus a pause gate: when the server answers 429 with
//! `Retry-After`, [`RateLimit::pause_for`] holds back *every* request on that
//! credential, not only the one that was refused.
//!
//! [`shared_limiter`] hands out one limiter per credential id per process, so
//! two connectors built with the same key share one quota.

use crate::error::{Error, Result};
use crate::time::Time;
use async_trait::async_trait;
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

/// A quota: `count` requests per `period`, or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    /// At most `count` requests in any `period`, with small bursts.
    Limited {
        /// Requests allowed per period.
        count: NonZeroU32,
        /// The period.
        period: Duration,
    },
    /// No client-side limit (the server may still throttle).
    Off,
}

impl Quota {
    /// `count` requests per minute.
    pub fn per_minute(count: u32) -> Quota {
        Quota::per(count, Duration::from_secs(60))
    }

    /// `count` requests per hour.
    pub fn per_hour(count: u32) -> Quota {
        Quota::per(count, Duration::from_secs(3600))
    }

    /// `count` requests per second.
    pub fn per_second(count: u32) -> Quota {
        Quota::per(count, Duration::from_secs(1))
    }

    /// `count` requests per `period`; zero means [`Quota::Off`].
    pub fn per(count: u32, period: Duration) -> Quota {
        match NonZeroU32::new(count) {
            Some(count) if !period.is_zero() => Quota::Limited { count, period },
            _ => Quota::Off,
        }
    }

    /// Requests per second this quota allows on average.
    pub fn per_second_rate(&self) -> Option<f64> {
        match self {
            Quota::Limited { count, period } => Some(count.get() as f64 / period.as_secs_f64()),
            Quota::Off => None,
        }
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quota::Off => f.write_str("off"),
            Quota::Limited { count, period } => match period.as_secs() {
                1 => write!(f, "{count}/s"),
                60 => write!(f, "{count}/min"),
                3600 => write!(f, "{count}/h"),
                _ => write!(f, "{count} per {:?}", period),
            },
        }
    }
}

impl FromStr for Quota {
    type Err = Error;

    /// Parses `N/s`, `N/min`, `N/h` or `off`.
    fn from_str(s: &str) -> Result<Quota> {
        let bad = || {
            Error::config(
                "rate limit",
                format!("`{s}` is not a quota; write N/s, N/min, N/h or off (e.g. 700/min)"),
            )
        };
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(Quota::Off);
        }
        let (n, unit) = s.split_once('/').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hr" | "hour" => Duration::from_secs(3600),
            _ => return Err(bad()),
        };
        if n == 0 {
            return Err(bad());
        }
        Ok(Quota::per(n, period))
    }
}

/// A limiter every request made with one credential goes through.
#[async_trait]
pub trait RateLimit: Send + Sync + fmt::Debug {
    /// Waits until one more request may be sent. Fails only when the
    /// limiter cannot tell (a shared store that is down, with no fallback).
    async fn acquire(&self) -> Result<()>;
    /// Holds back every request on this limiter for `d` (the server said so).
    fn pause_for(&self, d: Duration);
    /// How long requests are still held back by a pause, if they are.
    fn paused_for(&self) -> Option<Duration>;
    /// The quota this limiter enforces.
    fn quota(&self) -> Quota;
}

/// How much longer than `period` the `count` slots of one period are spread
/// over: 0.4 % (4 ms a second, 240 ms a minute). Absorbs the few
/// milliseconds by which a request can reach the server later than its
/// grant (a busy runtime thread, the connection task's turn), so that a late
/// request and an on-time one `count` requests later stay inside the
/// vendor's rolling window.
const WINDOW_MARGIN_DIVISOR: u32 = 250;

/// Above this many requests per period the limiter only spaces requests and
/// keeps no window of recent grants (memory stays small for any quota).
const WINDOW_GUARD_MAX: u32 = 10_000;

/// The limiter's schedule: the next free send slot, and the times of the
/// last `count` grants (the rolling window as the vendor would count it).
#[derive(Debug, Default)]
struct Schedule {
    next_slot: Duration,
    recent: std::collections::VecDeque<Duration>,
}

/// The in-process limiter: evenly spaced send slots, a rolling-window
/// guard, a pause gate, the injected time.
pub struct GovernorLimit {
    quota: Quota,
    /// Spacing between two slots, `None` for [`Quota::Off`].
    interval: Option<Duration>,
    /// `(count, period + margin)` when grants are also checked against the
    /// rolling window.
    window: Option<(usize, Duration)>,
    schedule: Mutex<Schedule>,
    paused_until: Mutex<Option<Duration>>,
    time: Time,
}

impl fmt::Debug for GovernorLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GovernorLimit")
            .field("quota", &self.quota.to_string())
            .finish_non_exhaustive()
    }
}

impl GovernorLimit {
    /// A limiter for `quota` on real time.
    pub fn new(quota: Quota) -> GovernorLimit {
        GovernorLimit::with_time(quota, Time::real())
    }

    /// A limiter for `quota` reading and sleeping through `time`.
    ///
    /// No bursts: requests are spaced `period / count` apart (plus a 0.4 %
    /// margin). Vendors count over rolling windows (Datto: 600 per rolling
    /// 60 s), and any burst allowance would let some window see more than
    /// the quota — which is exactly when the vendor answers 429. Spaced
    /// requests still use the whole quota: each request reserves the next
    /// free slot, so a sync waits only for its turn, never for a window, and
    /// a waiter woken late (a busy runtime thread, the timer's millisecond)
    /// does not push every later slot back, as a GCRA `check` after the
    /// sleep would. What a late grant could cost — two grants closer than
    /// the spacing — is caught by the window guard: no grant comes sooner
    /// than `period` (plus the margin) after the grant `count` before it.
    pub fn with_time(quota: Quota, time: Time) -> GovernorLimit {
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
        'slot: loop {
            if let Some(wait) = self.pause_remaining() {
                tracing::debug!(
                    target: "vectis::rate_limit",
                    wait_ms = wait.as_millis() as u64,
                    reason = "server_pause",
                    "rate_limit.wait"
                );
                self.time.sleep(wait).await;
                continue;
            }
            let Some(interval) = self.interval else {
                return Ok(());
            };
            let now = self.time.now();
            let slot = self.reserve(interval, now);
            if slot > now {
                let wait = slot - now;
                tracing::trace!(
                    target: "vectis::rate_limit",
                    wait_ms = wait.as_millis() as u64,
                    reason = "quota",
                    "rate_limit.wait"
                );
                self.time.sleep(wait).await;
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
                        tracing::trace!(
                            target: "vectis::rate_limit",
                            wait_ms = wait.as_millis() as u64,
                            reason = "window",
                            "rate_limit.wait"
                        );
                        self.time.sleep(wait.max(Duration::from_micros(1))).await;
                    }
                }
            }
        }
    }

    fn pause_for(&self, d: Duration) {
        let until = self.time.now() + d;
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

/// Makes the limiter for one credential: how a shared store (Redis) plugs
/// into the engine. `key` identifies the credential and holds no secret.
pub trait LimiterFactory: Send + Sync + fmt::Debug {
    /// The limiter for `key` with `quota`.
    fn limiter(&self, key: &str, quota: Quota, time: &Time) -> Arc<dyn RateLimit>;
}

type Registry = Mutex<HashMap<String, Weak<dyn RateLimit>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The process-wide limiter for credential `key` and `quota`: every caller
/// with the same key and quota gets the same limiter while any of them holds
/// it. `key` must not contain a secret (use [`crate::credential::Credential::id`]).
pub fn shared_limiter(key: &str, quota: Quota, time: &Time) -> Arc<dyn RateLimit> {
    let full_key = format!("{key}|{quota}");
    let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(existing) = map.get(&full_key).and_then(Weak::upgrade) {
        return existing;
    }
    map.retain(|_, w| w.strong_count() > 0);
    let limiter: Arc<dyn RateLimit> = Arc::new(GovernorLimit::with_time(quota, time.clone()));
    map.insert(full_key, Arc::downgrade(&limiter));
    limiter
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ManualTime;

    #[test]
    fn parses_quota_specs() {
        assert_eq!("700/min".parse::<Quota>().unwrap(), Quota::per_minute(700));
        assert_eq!("10/s".parse::<Quota>().unwrap(), Quota::per_second(10));
        assert_eq!("3600/h".parse::<Quota>().unwrap(), Quota::per_hour(3600));
        assert_eq!("off".parse::<Quota>().unwrap(), Quota::Off);
        let err = "fast".parse::<Quota>().unwrap_err().to_string();
        assert!(err.contains("N/s, N/min, N/h or off"), "{err}");
        assert!("0/s".parse::<Quota>().is_err());
        assert_eq!(Quota::per_minute(700).to_string(), "700/min");
    }

    #[tokio::test]
    async fn holds_requests_to_the_quota() {
        let m = ManualTime::new();
        let lim = GovernorLimit::with_time(Quota::per_second(10), m.time());
        let mut grants = Vec::new();
        for _ in 0..100 {
            lim.acquire().await.unwrap();
            grants.push(m.time().now());
        }
        for (i, g) in grants.iter().enumerate() {
            let in_window = grants[i..]
                .iter()
                .take_while(|h| **h < *g + Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 10,
                "{in_window} requests within a second of {g:?}"
            );
        }
        // One at once, then one every 100 ms: 99 more need 9.9 s — and no
        // window of one second ever holds more than 10.
        let elapsed = m.time().now();
        assert!(elapsed >= Duration::from_millis(9_850), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(9_950), "{elapsed:?}");
    }

    /// A sleeper that wakes 3 ms late, as a busy runtime thread does.
    #[derive(Debug)]
    struct Oversleeper(ManualTime);

    impl crate::time::Sleeper for Oversleeper {
        fn sleep(&self, d: Duration) -> futures::future::BoxFuture<'static, ()> {
            crate::time::Sleeper::sleep(&self.0, d + Duration::from_millis(3))
        }
    }

    #[tokio::test]
    async fn waking_late_does_not_push_later_requests_back() {
        let m = ManualTime::new();
        let time = Time::new(Arc::new(m.clone()), Arc::new(Oversleeper(m.clone())));
        let lim = GovernorLimit::with_time(Quota::per_second(10), time);
        for _ in 0..100 {
            lim.acquire().await.unwrap();
        }
        // Re-checking the quota after each late wake would add 3 ms a
        // request (10.2 s); reserved slots keep the schedule: 9.9 s, plus
        // the 0.4 % margin and one late wake.
        let elapsed = m.time().now();
        assert!(elapsed <= Duration::from_millis(9_950), "{elapsed:?}");
    }

    /// A sleeper whose first sleep ends 60 ms late (one busy moment).
    #[derive(Debug)]
    struct OnceLate(ManualTime, std::sync::atomic::AtomicBool);

    impl crate::time::Sleeper for OnceLate {
        fn sleep(&self, d: Duration) -> futures::future::BoxFuture<'static, ()> {
            let late = !self.1.swap(true, std::sync::atomic::Ordering::SeqCst);
            let extra = if late {
                Duration::from_millis(60)
            } else {
                Duration::ZERO
            };
            crate::time::Sleeper::sleep(&self.0, d + extra)
        }
    }

    #[tokio::test]
    async fn a_late_grant_never_puts_more_than_the_quota_in_one_rolling_window() {
        let m = ManualTime::new();
        let time = Time::new(
            Arc::new(m.clone()),
            Arc::new(OnceLate(m.clone(), Default::default())),
        );
        let lim = GovernorLimit::with_time(Quota::per_second(10), time);
        let mut grants = Vec::new();
        for _ in 0..40 {
            lim.acquire().await.unwrap();
            grants.push(m.time().now());
        }
        // The second request was granted 60 ms late; the slots after it are
        // not, so without the window guard the twelfth would come 944 ms
        // after the second: eleven requests inside one second.
        for w in grants.windows(11) {
            assert!(
                w[10] - w[0] >= Duration::from_secs(1),
                "11 grants within {:?}",
                w[10] - w[0]
            );
        }
    }

    #[tokio::test]
    async fn a_pause_holds_back_every_caller() {
        let m = ManualTime::new();
        let lim = Arc::new(GovernorLimit::with_time(Quota::Off, m.time()));
        lim.pause_for(Duration::from_secs(2));
        assert_eq!(lim.paused_for(), Some(Duration::from_secs(2)));
        lim.acquire().await.unwrap();
        assert!(m.total_slept() >= Duration::from_secs(2));
        // A shorter pause never shortens a longer one.
        lim.pause_for(Duration::from_secs(5));
        lim.pause_for(Duration::from_secs(1));
        assert_eq!(lim.paused_for(), Some(Duration::from_secs(5)));
    }

    #[tokio::test]
    async fn off_never_waits() {
        let m = ManualTime::new();
        let lim = GovernorLimit::with_time(Quota::Off, m.time());
        for _ in 0..1000 {
            lim.acquire().await.unwrap();
        }
        assert!(m.sleeps().is_empty());
    }

    #[test]
    fn one_limiter_per_credential() {
        let t = Time::real();
        let a = shared_limiter("atera|https://x|k1", Quota::per_minute(700), &t);
        let b = shared_limiter("atera|https://x|k1", Quota::per_minute(700), &t);
        let c = shared_limiter("atera|https://x|k2", Quota::per_minute(700), &t);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
