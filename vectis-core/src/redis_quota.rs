//! One vendor quota shared by many processes, kept in Redis (feature `redis`).
//!
//! Vendor quotas are per key or per account, not per process: Datto counts
//! 600 requests per 60 s across the whole account, and MSP platforms run many
//! sync workers on several machines against one tenant. [`RedisQuota`] plugs
//! into [`EngineSettings::shared_quota`](crate::EngineSettings) and gives each
//! credential a [`RateLimit`] whose state lives in Redis:
//!
//! - **Algorithm**: a sliding-window log in one Lua script, atomic on the
//!   server and timed by the server's own clock (`TIME`), so machines with
//!   skewed clocks still share one window: a grant is made at once while
//!   fewer than `count` were made in the last period plus the
//!   [`arrival_margin`] — the same rule
//!   as the in-process limiter — so no window of one period sees more than
//!   the quota arrive. (The vendors
//!   count over rolling windows too: Datto's 600 per rolling 60 s.)
//! - **Pause gate**: a 429 seen by any process (`pause_for`) is written to
//!   Redis too, and every process waits it out.
//! - **Keys**: `vectis:quota:<credential id>|<quota>` and `…:pause`, where
//!   the credential id is the vendor, a user id or an 8-hex fingerprint of the
//!   key, and the origin — never a secret. Both keys expire by themselves
//!   (one second after the window they describe).
//! - **When Redis is slow or down** (each call is bounded by
//!   [`RedisQuota::with_op_timeout`], 250 ms by default), the [`Fallback`]
//!   decides: [`Fallback::Fail`] (the default) makes `acquire` fail with
//!   [`Error::SharedQuota`]; [`Fallback::Local`] switches to an in-process
//!   limiter at the quota divided by the number of workers you declare, and
//!   goes back to Redis once it answers again. Never silently unlimited.

use crate::error::{Error, Result};
use crate::rate_limit::{GovernorLimit, LimiterFactory, Quota, RateLimit, arrival_margin};
use crate::time::Time;
use async_trait::async_trait;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Mutex as AsyncMutex;

/// A sliding-window log on the server clock: a grant is recorded in a sorted
/// set, and one is allowed only while fewer than `count` were granted in the
/// last `period` — so no window of one period ever holds more than the quota,
/// while a client that wakes a little late loses nothing.
/// KEYS: log, pause. ARGV: count, period µs, pause µs (>0 sets a pause), member.
/// Returns {granted (1/0), wait µs, now µs}.
const SCRIPT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local count = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local set_pause = tonumber(ARGV[3])
if set_pause > 0 then
  local until_ = now + set_pause
  local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
  if until_ > cur then
    redis.call('SET', KEYS[2], tostring(until_), 'PX', math.ceil(set_pause / 1000) + 1000)
  end
  return {0, 0, now}
end
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then
  return {0, pause - now, now}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZCARD', KEYS[1]) < count then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(period / 1000) + 1000)
  return {1, 0, now}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + period - now + 1, now}
"#;

/// What to do when Redis cannot be reached in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// `acquire` fails with [`Error::SharedQuota`]; nothing is sent.
    Fail,
    /// Limit in-process at `quota / workers` until Redis answers again.
    Local {
        /// How many processes share the quota (each takes its share).
        workers: u32,
    },
}

impl std::str::FromStr for Fallback {
    type Err = Error;

    /// `fail` or `local:N`.
    fn from_str(s: &str) -> Result<Fallback> {
        let bad = || {
            Error::config(
                "shared quota fallback",
                format!(
                    "`{s}` is not a fallback; write `fail` or `local:N` (N = worker processes sharing the quota)"
                ),
            )
        };
        match s.trim() {
            "fail" => Ok(Fallback::Fail),
            other => {
                let n = other.strip_prefix("local:").ok_or_else(bad)?;
                let workers: u32 = n.parse().map_err(|_| bad())?;
                if workers == 0 {
                    return Err(bad());
                }
                Ok(Fallback::Local { workers })
            }
        }
    }
}

/// A connection to the Redis that holds shared quotas; hands out one
/// [`RedisLimit`] per credential.
#[derive(Clone)]
pub struct RedisQuota {
    inner: Arc<Shared>,
}

struct Shared {
    client: redis::Client,
    conn: AsyncMutex<Option<redis::aio::ConnectionManager>>,
    script: redis::Script,
    op_timeout: Duration,
    fallback: Fallback,
    address: String,
}

impl fmt::Debug for RedisQuota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisQuota")
            .field("address", &self.inner.address)
            .field("fallback", &self.inner.fallback)
            .finish_non_exhaustive()
    }
}

impl RedisQuota {
    /// A quota store at `url` (`redis://host:port[/db]`). Connects lazily;
    /// the default fallback is [`Fallback::Fail`].
    pub fn new(url: &str) -> Result<RedisQuota> {
        // Never repeat the URL itself: it may carry a password, and the
        // parser's error may quote it.
        let client = redis::Client::open(url).map_err(|e| {
            let kind = format!("{:?}", e.kind());
            Error::config(
                "shared quota",
                format!(
                    "`{}` is not a Redis URL ({kind}); write redis://HOST:PORT",
                    crate::http::scheme_and_host(url)
                ),
            )
        })?;
        let info = client.get_connection_info();
        let address = info.addr().to_string();
        Ok(RedisQuota {
            inner: Arc::new(Shared {
                client,
                conn: AsyncMutex::new(None),
                script: redis::Script::new(SCRIPT),
                op_timeout: Duration::from_millis(250),
                fallback: Fallback::Fail,
                address,
            }),
        })
    }

    fn rebuild(self, f: impl FnOnce(&mut Shared)) -> RedisQuota {
        let mut shared = match Arc::try_unwrap(self.inner) {
            Ok(s) => s,
            Err(arc) => Shared {
                client: arc.client.clone(),
                conn: AsyncMutex::new(None),
                script: redis::Script::new(SCRIPT),
                op_timeout: arc.op_timeout,
                fallback: arc.fallback,
                address: arc.address.clone(),
            },
        };
        f(&mut shared);
        RedisQuota {
            inner: Arc::new(shared),
        }
    }

    /// What to do when Redis is down or slow.
    pub fn with_fallback(self, fallback: Fallback) -> RedisQuota {
        self.rebuild(|s| s.fallback = fallback)
    }

    /// The longest one Redis call may take before the fallback applies.
    pub fn with_op_timeout(self, d: Duration) -> RedisQuota {
        self.rebuild(|s| s.op_timeout = d)
    }

    /// The limiter for credential `key` (no secret in it) at `quota`.
    pub fn limiter_for(&self, key: &str, quota: Quota, time: &Time) -> RedisLimit {
        let local = match (self.inner.fallback, quota) {
            (Fallback::Local { workers }, Quota::Limited { count, period }) => {
                let share = (count.get() / workers).max(1);
                Some(GovernorLimit::with_time(
                    Quota::per(share, period),
                    time.clone(),
                ))
            }
            (Fallback::Local { .. }, Quota::Off) => {
                Some(GovernorLimit::with_time(Quota::Off, time.clone()))
            }
            (Fallback::Fail, _) => None,
        };
        let window = match quota {
            // The same rule as the in-process limiter: the window is the
            // period plus the arrival margin (the grant is timed by Redis,
            // the vendor counts the request's arrival after it).
            Quota::Limited { count, period } => (
                count.get(),
                u64::try_from(period.saturating_add(arrival_margin(period)).as_micros())
                    .unwrap_or(u64::MAX),
            ),
            Quota::Off => (u32::MAX, 1),
        };
        RedisLimit {
            store: self.clone(),
            quota,
            tat_key: format!("vectis:quota:{key}|{quota}"),
            pause_key: format!("vectis:quota:{key}|{quota}:pause"),
            window,
            local,
            local_pause: GovernorLimit::with_time(Quota::Off, time.clone()),
            time: time.clone(),
            degraded: Mutex::new(false),
        }
    }

    async fn call(
        &self,
        keys: [&str; 2],
        window: (u32, u64),
        pause_us: u64,
    ) -> std::result::Result<(bool, u64, u64), CallError> {
        let member = format!("{:016x}", fastrand::u64(..));
        let shared = &self.inner;
        let attempt = async {
            let mut guard = shared.conn.lock().await;
            if guard.is_none() {
                let cm = redis::aio::ConnectionManager::new(shared.client.clone())
                    .await
                    .map_err(|e| CallError::redis(&shared.address, e))?;
                *guard = Some(cm);
            }
            let Some(conn) = guard.as_mut() else {
                return Err(CallError {
                    detail: format!("Redis at {}: no connection", shared.address),
                    source: None,
                });
            };
            let mut conn = conn.clone();
            drop(guard);
            let r: (i64, i64, i64) = shared
                .script
                .key(keys[0])
                .key(keys[1])
                .arg(window.0)
                .arg(window.1)
                .arg(pause_us)
                .arg(&member)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| CallError::redis(&shared.address, e))?;
            Ok((r.0 == 1, r.1.max(0) as u64, r.2.max(0) as u64))
        };
        match tokio::time::timeout(shared.op_timeout, attempt).await {
            Ok(r) => r,
            Err(_) => Err(CallError {
                detail: format!(
                    "Redis at {} did not answer within {:?}",
                    shared.address, shared.op_timeout
                ),
                source: None,
            }),
        }
    }
}

impl LimiterFactory for RedisQuota {
    fn limiter(&self, key: &str, quota: Quota, time: &Time) -> Arc<dyn RateLimit> {
        Arc::new(self.limiter_for(key, quota, time))
    }
}

/// One credential's limiter in Redis (see the module docs).
pub struct RedisLimit {
    store: RedisQuota,
    quota: Quota,
    tat_key: String,
    pause_key: String,
    window: (u32, u64),
    local: Option<GovernorLimit>,
    local_pause: GovernorLimit,
    time: Time,
    degraded: Mutex<bool>,
}

impl fmt::Debug for RedisLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimit")
            .field("key", &self.tat_key)
            .field("quota", &self.quota.to_string())
            .finish_non_exhaustive()
    }
}

impl RedisLimit {
    /// The Redis key holding this credential's schedule.
    pub fn key(&self) -> &str {
        &self.tat_key
    }

    fn set_degraded(&self, yes: bool, why: &str) {
        let mut d = self.degraded.lock().unwrap_or_else(|p| p.into_inner());
        if *d != yes {
            if yes {
                tracing::warn!(target: "vectis::rate_limit", reason = why, "shared quota unavailable, using the local fallback");
            } else {
                tracing::info!(target: "vectis::rate_limit", "shared quota reachable again");
            }
            *d = yes;
        }
    }

    /// Waits for a slot; returns the server time (µs since the epoch) at
    /// which Redis granted it, or `None` when the local fallback did.
    pub async fn acquire_at(&self) -> Result<Option<u64>> {
        if self.quota == Quota::Off {
            self.local_pause.acquire().await?;
            return Ok(None);
        }
        loop {
            // A pause this process learned of applies at once, even before
            // Redis has it.
            self.local_pause.acquire().await?;
            match self
                .store
                .call([&self.tat_key, &self.pause_key], self.window, 0)
                .await
            {
                Ok((true, _, now)) => {
                    self.set_degraded(false, "");
                    return Ok(Some(now));
                }
                Ok((false, wait_us, _)) => {
                    self.set_degraded(false, "");
                    self.time.sleep(Duration::from_micros(wait_us.max(1))).await;
                }
                Err(why) => match &self.local {
                    Some(local) => {
                        self.set_degraded(true, &why.detail);
                        local.acquire().await?;
                        return Ok(None);
                    }
                    None => return Err(why.into_error()),
                },
            }
        }
    }
}

#[async_trait]
impl RateLimit for RedisLimit {
    async fn acquire(&self) -> Result<()> {
        self.acquire_at().await.map(|_| ())
    }

    fn pause_for(&self, d: Duration) {
        self.local_pause.pause_for(d);
        if let Some(local) = &self.local {
            local.pause_for(d);
        }
        let store = self.store.clone();
        let keys = (self.tat_key.clone(), self.pause_key.clone());
        let pause_us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1);
        // Tell the other processes; this one already waits through local_pause.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(why) = store.call([&keys.0, &keys.1], (1, 1), pause_us).await {
                    tracing::warn!(target: "vectis::rate_limit", reason = %why.detail, "could not share a pause through Redis");
                }
            });
        }
    }

    fn paused_for(&self) -> Option<Duration> {
        self.local_pause.paused_for()
    }

    fn quota(&self) -> Quota {
        self.quota
    }
}

impl RedisLimit {
    /// Shares a pause through Redis and waits until it is stored (for callers
    /// that must know the other processes will see it).
    pub async fn pause_shared(&self, d: Duration) -> Result<()> {
        self.local_pause.pause_for(d);
        let pause_us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1);
        self.store
            .call([&self.tat_key, &self.pause_key], (1, 1), pause_us)
            .await
            .map(|_| ())
            .map_err(CallError::into_error)
    }
}

/// Why a call to Redis failed: what, in words (naming the server), and the
/// Redis client's own error when there is one.
struct CallError {
    detail: String,
    source: Option<redis::RedisError>,
}

impl CallError {
    fn redis(address: &str, e: redis::RedisError) -> CallError {
        CallError {
            detail: format!("Redis at {address}: {e}"),
            source: Some(e),
        }
    }

    fn into_error(self) -> Error {
        Error::SharedQuota {
            detail: self.detail,
            source: self
                .source
                .map(|e| Arc::new(e) as Arc<dyn std::error::Error + Send + Sync>),
        }
    }
}

#[cfg(test)]
mod tests;
