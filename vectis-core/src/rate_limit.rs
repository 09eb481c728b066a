//! Client-side quotas: stay under the vendor's limit instead of bouncing off it.
//!
//! A [`RateLimit`] is shared by every request made with one credential — the
//! vendors count per key or per account, not per connector. [`GovernorLimit`]
//! is the in-process implementation, driven by the injected [`Time`] so tests
//! control the clock. Its rule is the vendors' own: *never more than `count`
//! requests in any rolling window of `period`*, plus an arrival margin
//! ([`arrival_margin`]). With the default [`Pacing::Burst`] a request goes
//! out at once while the window (the last `count` grants) has room, so a
//! ten-request sync under `3,600/h` does not wait at all; [`Pacing::Even`]
//! spaces every request `period / count` apart instead, for vendors or users
//! who want that. A pause gate sits in front of both: when the server
//! answers 429 with `Retry-After`, [`RateLimit::pause_for`] holds back
//! *every* request on that credential, not only the one that was refused.
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

mod governor;

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

    /// `count` requests per `period`.
    ///
    /// A zero is clamped, never read as "unlimited": a computed quota of 0
    /// requests (say, a share of a quota among more workers than it has
    /// requests) becomes 1 per `period`, and a zero period becomes one
    /// millisecond, each with a warning. Only [`Quota::Off`] turns
    /// client-side throttling off.
    pub fn per(count: u32, period: Duration) -> Quota {
        let count = NonZeroU32::new(count).unwrap_or_else(|| {
            tracing::warn!(
                target: "vectis::rate_limit",
                period_ms = period.as_millis() as u64,
                "a quota of 0 requests was clamped to 1 per period (use Quota::Off for no limit)"
            );
            NonZeroU32::MIN
        });
        let period = if period.is_zero() {
            tracing::warn!(
                target: "vectis::rate_limit",
                "a quota over a zero period was clamped to a period of 1 ms"
            );
            Duration::from_millis(1)
        } else {
            period
        };
        Quota::Limited { count, period }
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
/// over with [`Pacing::Even`]: 0.4 % (4 ms a second, 240 ms a minute).
const WINDOW_MARGIN_DIVISOR: u32 = 250;

/// The smallest arrival margin ([`arrival_margin`]).
pub const MIN_ARRIVAL_MARGIN: Duration = Duration::from_millis(50);

/// How much longer than `period` a grant waits for the grant `count` before
/// it to leave the window: `max(0.4 % of period, 50 ms)`, at most a tenth of
/// the period.
///
/// Why: the vendor counts *arrivals*, we count *grants*. A request granted
/// on time can arrive later than one granted `count` requests after it by
/// the difference in their travel times — a busy runtime thread, a new TLS
/// connection, ordinary network jitter — which is tens of milliseconds on
/// the internet whatever the quota. 0.4 % alone is 4 ms at a per-second
/// quota (not enough: 40/s through two processes got 24 429s) and 240 ms at
/// a per-minute one (plenty); the 50 ms floor covers the short periods and
/// costs a per-second quota 5 % of its steady-state rate, none of its burst.
/// The tenth-of-a-period cap keeps sub-second periods usable.
pub fn arrival_margin(period: Duration) -> Duration {
    (period / WINDOW_MARGIN_DIVISOR)
        .max(MIN_ARRIVAL_MARGIN)
        .min(period / 10)
}

/// Above this many requests per period the even limiter keeps no window of
/// recent grants (memory stays small for any quota).
const WINDOW_GUARD_MAX: u32 = 10_000;

/// Above this many requests per period a [`Pacing::Burst`] limiter paces
/// evenly instead (its window would hold this many grant times).
const BURST_WINDOW_MAX: u32 = 100_000;

/// How a [`GovernorLimit`] spreads its quota over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Pacing {
    /// Grant at once while the rolling window (the last `count` grants) has
    /// room; then wait for the oldest grant to leave it, plus the
    /// [`arrival_margin`]. A short sync goes out as fast as the server
    /// answers; a long one runs at the quota. The default.
    #[default]
    Burst,
    /// Space every request `period / count` apart (plus 0.4 %): no bursts at
    /// all, for a vendor that counts in short sub-windows or a user who
    /// wants a steady trickle.
    Even,
}

impl fmt::Display for Pacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pacing::Burst => "burst",
            Pacing::Even => "even",
        })
    }
}

/// The limiter's schedule: the next free send slot, and the times of the
/// last `count` grants (the rolling window as the vendor would count it).
#[derive(Debug, Default)]
struct Schedule {
    next_slot: Duration,
    recent: std::collections::VecDeque<Duration>,
}

/// The in-process limiter: a rolling window of recent grants (bursting while
/// it has room, or evenly spaced slots), a pause gate, the injected time.
pub struct GovernorLimit {
    quota: Quota,
    /// `(count, period + arrival margin)` with [`Pacing::Burst`].
    burst: Option<(usize, Duration)>,
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
    shared_limiter_with(key, quota, Pacing::default(), time)
}

/// [`shared_limiter`] with a [`Pacing`] (limiters of different pacing are
/// different limiters).
pub fn shared_limiter_with(
    key: &str,
    quota: Quota,
    pacing: Pacing,
    time: &Time,
) -> Arc<dyn RateLimit> {
    let full_key = format!("{key}|{quota}|{pacing}");
    let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(existing) = map.get(&full_key).and_then(Weak::upgrade) {
        return existing;
    }
    map.retain(|_, w| w.strong_count() > 0);
    let limiter: Arc<dyn RateLimit> =
        Arc::new(GovernorLimit::with_pacing(quota, pacing, time.clone()));
    map.insert(full_key, Arc::downgrade(&limiter));
    limiter
}

#[cfg(test)]
mod tests;
