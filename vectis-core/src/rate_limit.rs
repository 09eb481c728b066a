//! Client-side quotas: stay under the vendor's limit instead of bouncing off it.
//!
//! A [`RateLimit`] is shared by every request made with one credential — the
//! vendors count per key or per account, not per connector. [`GovernorLimit`]
//! is the in-process implementation: a GCRA quota from `governor`, driven by
//! the injected [`Time`] (governor's own `until_ready` reads a clock tests
//! cannot control), plus a pause gate: when the server answers 429 with
//! `Retry-After`, [`RateLimit::pause_for`] holds back *every* request on that
//! credential, not only the one that was refused.
//!
//! [`shared_limiter`] hands out one limiter per credential id per process, so
//! two connectors built with the same key share one quota.

use crate::error::{Error, Result};
use crate::time::Time;
use async_trait::async_trait;
use governor::clock::Clock as GovClock;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota as GovQuota, RateLimiter};
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

#[derive(Clone, Debug)]
struct TimeClock(Arc<dyn crate::time::Clock>);

impl GovClock for TimeClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        Nanos::from(self.0.now())
    }
}

type Gcra =
    RateLimiter<NotKeyed, InMemoryState, TimeClock, governor::middleware::NoOpMiddleware<Nanos>>;

/// The in-process limiter: a governor quota, a pause gate, the injected time.
pub struct GovernorLimit {
    quota: Quota,
    gcra: Option<Gcra>,
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
    /// No bursts: requests are spaced `period / count` apart. Vendors count
    /// over rolling windows (Datto: 600 per rolling 60 s), and any burst
    /// allowance would let some window see more than the quota — which is
    /// exactly when the vendor answers 429. Spaced requests still use the
    /// whole quota: a sync waits only for its turn, never for a window.
    pub fn with_time(quota: Quota, time: Time) -> GovernorLimit {
        let gcra = match quota {
            Quota::Off => None,
            Quota::Limited { count, period } => {
                let interval = period / count.get();
                GovQuota::with_period(interval.max(Duration::from_nanos(1)))
                    .map(|q| q.allow_burst(NonZeroU32::MIN))
                    .map(|q| RateLimiter::direct_with_clock(q, TimeClock(time.clock())))
            }
        };
        GovernorLimit {
            quota,
            gcra,
            paused_until: Mutex::new(None),
            time,
        }
    }

    fn pause_remaining(&self) -> Option<Duration> {
        let until = (*self.paused_until.lock().unwrap_or_else(|p| p.into_inner()))?;
        let now = self.time.now();
        (until > now).then(|| until - now)
    }
}

#[async_trait]
impl RateLimit for GovernorLimit {
    async fn acquire(&self) -> Result<()> {
        loop {
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
            let Some(gcra) = &self.gcra else {
                return Ok(());
            };
            match gcra.check() {
                Ok(()) => return Ok(()),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(Nanos::from(self.time.now()));
                    tracing::trace!(
                        target: "vectis::rate_limit",
                        wait_ms = wait.as_millis() as u64,
                        reason = "quota",
                        "rate_limit.wait"
                    );
                    self.time.sleep(wait.max(Duration::from_micros(1))).await;
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
