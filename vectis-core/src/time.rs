//! The seam through which every wait and every reading of the clock goes.
//!
//! The engine never calls `tokio::time::sleep` or `Instant::now` directly: it
//! asks a [`Time`], which is real time in production and a [`ManualTime`] in
//! tests. A `ManualTime` returns from every sleep at once, records how long
//! was asked for, and moves its clock forward, so a test can assert "waited
//! ≥ 2 s for `Retry-After: 2`" without waiting, while real sockets (wiremock)
//! keep working — tokio's paused clock would make reqwest's timeouts misfire.

use futures::future::BoxFuture;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A monotonic clock plus the wall clock.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic time since an arbitrary origin fixed when the clock was made.
    fn now(&self) -> Duration;
    /// Wall-clock time (for HTTP dates in `Retry-After`).
    fn wall(&self) -> SystemTime;
}

/// Something that can wait.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Waits for `d`.
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()>;
}

/// A clock and a sleeper that belong together.
#[derive(Clone, Debug)]
pub struct Time {
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
}

impl Time {
    /// Real time: tokio's timer and the system clocks.
    pub fn real() -> Time {
        let real = Arc::new(RealTime {
            origin: std::time::Instant::now(),
        });
        Time {
            clock: real.clone(),
            sleeper: real,
        }
    }

    /// A custom pair, e.g. [`ManualTime::time`].
    pub fn new(clock: Arc<dyn Clock>, sleeper: Arc<dyn Sleeper>) -> Time {
        Time { clock, sleeper }
    }

    /// Monotonic now.
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// Wall-clock now.
    pub fn wall(&self) -> SystemTime {
        self.clock.wall()
    }

    /// Waits for `d` (returns at once for zero).
    pub async fn sleep(&self, d: Duration) {
        if !d.is_zero() {
            self.sleeper.sleep(d).await;
        }
    }

    /// The clock alone.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }
}

impl Default for Time {
    fn default() -> Self {
        Time::real()
    }
}

#[derive(Debug)]
struct RealTime {
    origin: std::time::Instant,
}

impl Clock for RealTime {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

impl Sleeper for RealTime {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// Test time: sleeps return at once, are recorded, and move the clock
/// forward by the time slept (so a rate limiter waiting on it sees the time
/// pass and lets the next request through).
#[derive(Clone, Debug)]
pub struct ManualTime {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now: Duration,
    wall_origin: SystemTime,
    sleeps: Vec<Duration>,
}

impl ManualTime {
    /// A clock at zero, its wall clock at the real current time.
    pub fn new() -> ManualTime {
        ManualTime {
            inner: Arc::new(Mutex::new(ManualState {
                now: Duration::ZERO,
                wall_origin: SystemTime::now(),
                sleeps: Vec::new(),
            })),
        }
    }

    /// This as a [`Time`] to hand to a client.
    pub fn time(&self) -> Time {
        let me = Arc::new(self.clone());
        Time::new(me.clone(), me)
    }

    /// Every sleep asked for so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// The sum of all sleeps.
    pub fn total_slept(&self) -> Duration {
        self.lock().sleeps.iter().sum()
    }

    /// Moves the clock forward without sleeping.
    pub fn advance(&self, d: Duration) {
        self.lock().now += d;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        // A panic while holding this lock can only come from a test; keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for ManualTime {
    fn default() -> Self {
        ManualTime::new()
    }
}

impl Clock for ManualTime {
    fn now(&self) -> Duration {
        self.lock().now
    }
    fn wall(&self) -> SystemTime {
        let s = self.lock();
        s.wall_origin + s.now
    }
}

impl Sleeper for ManualTime {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        let mut s = self.lock();
        s.sleeps.push(d);
        s.now += d;
        drop(s);
        // Yield once so a sleeping task lets others run, as a real sleep would.
        Box::pin(tokio::task::yield_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_time_records_and_advances() {
        let m = ManualTime::new();
        let t = m.time();
        t.sleep(Duration::from_secs(2)).await;
        t.sleep(Duration::ZERO).await;
        assert_eq!(m.sleeps(), vec![Duration::from_secs(2)]);
        assert_eq!(t.now(), Duration::from_secs(2));
    }
}
