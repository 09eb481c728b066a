//! When to try a request again, and how long to wait first.
//!
//! Three small pieces, kept apart: the [`RetryPolicy`] (how many attempts,
//! how long in total, the longest `Retry-After` we accept), the backoff
//! (full jitter: a random wait in `[0, min(cap, base·2ⁿ)]`), and
//! [`parse_retry_after`] (delta-seconds or an HTTP date, RFC 9110 §10.2.3).
//! Which responses are worth a retry is decided by the engine's classifier
//! (`http`); only idempotent requests are ever retried.

use std::time::{Duration, SystemTime};

/// How hard to try before giving up. Start from the default (or
/// [`RetryPolicy::never`]) and change what you need with the setters, named
/// after the fields (`RetryPolicy::default().max_attempts(6)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff base for the first retry.
    pub initial_backoff: Duration,
    /// Longest backoff between two attempts.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this fails at once with `RateLimited`
    /// instead of stalling the sync.
    pub max_retry_after: Duration,
    /// Time budget across all attempts of one request, waits included.
    pub total_time: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            total_time: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, the first included (sets
    /// [`max_attempts`](field@RetryPolicy::max_attempts)).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// The backoff base for the first retry (sets
    /// [`initial_backoff`](field@RetryPolicy::initial_backoff)).
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest backoff between two attempts (sets
    /// [`max_backoff`](field@RetryPolicy::max_backoff)).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` waited for (sets
    /// [`max_retry_after`](field@RetryPolicy::max_retry_after)).
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The time budget across all attempts of one request (sets
    /// [`total_time`](field@RetryPolicy::total_time)).
    pub fn total_time(mut self, d: Duration) -> Self {
        self.total_time = d;
        self
    }

    /// The backoff ceiling before retry number `retry` (1 for the first
    /// retry): `min(max_backoff, initial · 2^(retry-1))`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// Full-jitter backoff before retry number `retry`: uniformly random in
    /// `[0, ceiling]`, so clients that failed together do not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    /// The wait before retry number `retry`: the server's `Retry-After` when
    /// it gave one (never less), else the jittered backoff.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self.backoff(retry);
        match retry_after {
            Some(after) => after.max(backoff.min(Duration::from_millis(250))),
            None => backoff,
        }
    }
}

/// One failed attempt the engine may retry, as it saw it: the input of
/// [`RetryPolicy::decide`]. Build it with [`Failure::new`] and the setters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// Which attempt failed (1 for the first).
    pub attempt: u32,
    /// Whether sending the request again is safe (GET, or a verb the vendor
    /// makes idempotent).
    pub idempotent: bool,
    /// The server's `Retry-After`, when it gave one.
    pub retry_after: Option<Duration>,
    /// Whether the server throttled the credential (a 429, or the vendor's
    /// own throttle answer): then everyone on it pauses.
    pub throttled: bool,
    /// Time spent on this request so far, all attempts.
    pub elapsed: Duration,
    /// How long the credential's limiter is still paused.
    pub paused_for: Duration,
}

impl Failure {
    /// Attempt `attempt` failed; nothing else known yet.
    pub fn new(attempt: u32, idempotent: bool) -> Failure {
        Failure {
            attempt,
            idempotent,
            retry_after: None,
            throttled: false,
            elapsed: Duration::ZERO,
            paused_for: Duration::ZERO,
        }
    }

    /// The server's `Retry-After`.
    pub fn retry_after(mut self, d: Option<Duration>) -> Self {
        self.retry_after = d;
        self
    }

    /// Whether the server throttled the credential.
    pub fn throttled(mut self, yes: bool) -> Self {
        self.throttled = yes;
        self
    }

    /// Time spent on the request so far.
    pub fn elapsed(mut self, d: Duration) -> Self {
        self.elapsed = d;
        self
    }

    /// How long the limiter is still paused.
    pub fn paused_for(mut self, d: Duration) -> Self {
        self.paused_for = d;
        self
    }
}

/// What to do after a [`Failure`] ([`RetryPolicy::decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Stop: the caller gets the error.
    GiveUp,
    /// Send again after this wait (the limiter's pause gate may hold the
    /// request longer).
    Wait(Duration),
}

/// How a throttle answer affects every request on the credential
/// ([`RetryPolicy::throttle_pause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottlePause {
    /// How long everyone on the credential waits: what the server asked (or
    /// the backoff ceiling), at most [`RetryPolicy::max_retry_after`].
    pub pause: Duration,
    /// When the server asked for longer than the cap: how long it refuses
    /// the credential; requests fail at once with the rate-limit error
    /// until then instead of waiting.
    pub refused_for: Option<Duration>,
}

impl RetryPolicy {
    /// The pause after a throttle answer on attempt `attempt` with the
    /// server's `retry_after`. Pure: the engine applies it to the limiter.
    pub fn throttle_pause(&self, attempt: u32, retry_after: Option<Duration>) -> ThrottlePause {
        let wanted = retry_after.unwrap_or_else(|| self.backoff_ceiling(attempt));
        ThrottlePause {
            pause: wanted.min(self.max_retry_after),
            refused_for: (wanted > self.max_retry_after).then_some(wanted),
        }
    }

    /// Retry or give up, and how long to wait: a pure function of the
    /// failure and the policy (the engine does only the I/O around it).
    /// Gives up on a request that is not safe to repeat, on a `Retry-After`
    /// past [`RetryPolicy::max_retry_after`], after
    /// [`RetryPolicy::max_attempts`], or when the wait would end past
    /// [`RetryPolicy::total_time`]. A throttled request waits on the
    /// limiter's pause, not on its own timer.
    pub fn decide(&self, f: &Failure) -> RetryDecision {
        let too_long = f.retry_after.is_some_and(|a| a > self.max_retry_after);
        if !f.idempotent || too_long {
            return RetryDecision::GiveUp;
        }
        let delay = if f.throttled {
            Duration::ZERO
        } else {
            self.delay(f.attempt, f.retry_after)
        };
        if f.attempt >= self.max_attempts
            || f.elapsed.saturating_add(delay.max(f.paused_for)) > self.total_time
        {
            return RetryDecision::GiveUp;
        }
        RetryDecision::Wait(delay)
    }
}

/// Reads a `Retry-After` value: delta-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`), relative to `now`. A date in the past
/// means zero. Anything else is `None`. Never panics: a number too large
/// for a [`Duration`] (`1e20`, a 30-digit integer) saturates to
/// [`Duration::MAX`], which every caller treats as "longer than the cap".
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::MAX); // digits past u64
    }
    // Some servers send fractional seconds; accept them.
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_nan() || secs < 0.0 {
            return None;
        }
        return Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .max_attempts(3)
            .max_retry_after(Duration::from_secs(60))
            .total_time(Duration::from_secs(120))
    }

    #[test]
    fn decide_gives_up_on_unsafe_requests_long_waits_and_spent_budgets() {
        let p = policy();
        let get = |attempt| Failure::new(attempt, true);
        assert_eq!(p.decide(&Failure::new(1, false)), RetryDecision::GiveUp);
        assert_eq!(
            p.decide(&get(1).retry_after(Some(Duration::from_secs(61)))),
            RetryDecision::GiveUp
        );
        assert_eq!(p.decide(&get(3)), RetryDecision::GiveUp);
        assert_eq!(
            p.decide(
                &get(1)
                    .elapsed(Duration::from_secs(119))
                    .paused_for(Duration::from_secs(5))
            ),
            RetryDecision::GiveUp
        );
        // A server's Retry-After is waited, never less.
        assert_eq!(
            p.decide(&get(1).retry_after(Some(Duration::from_secs(7)))),
            RetryDecision::Wait(Duration::from_secs(7))
        );
        // Throttled: the limiter's pause does the waiting.
        assert_eq!(
            p.decide(
                &get(2)
                    .throttled(true)
                    .retry_after(Some(Duration::from_secs(7)))
            ),
            RetryDecision::Wait(Duration::ZERO)
        );
        match p.decide(&get(1)) {
            RetryDecision::Wait(d) => assert!(d <= p.backoff_ceiling(1), "{d:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_throttle_pauses_at_most_the_cap_and_refuses_past_it() {
        let p = policy();
        let t = p.throttle_pause(1, Some(Duration::from_secs(10)));
        assert_eq!((t.pause, t.refused_for), (Duration::from_secs(10), None));
        let t = p.throttle_pause(1, Some(Duration::from_secs(1_000_000_000)));
        assert_eq!(t.pause, Duration::from_secs(60));
        assert_eq!(t.refused_for, Some(Duration::from_secs(1_000_000_000)));
        let t = p.throttle_pause(2, None);
        assert_eq!((t.pause, t.refused_for), (p.backoff_ceiling(2), None));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(500));
        assert_eq!(p.backoff_ceiling(2), Duration::from_secs(1));
        assert_eq!(p.backoff_ceiling(3), Duration::from_secs(2));
        assert_eq!(p.backoff_ceiling(20), Duration::from_secs(30));
        assert_eq!(p.backoff_ceiling(200), Duration::from_secs(30));
        for _ in 0..100 {
            assert!(p.backoff(3) <= Duration::from_secs(2));
        }
    }

    #[test]
    fn retry_after_is_never_shortened() {
        let p = RetryPolicy::default();
        for _ in 0..100 {
            assert!(p.delay(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
        }
    }

    #[test]
    fn parses_retry_after_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn huge_retry_after_values_saturate_instead_of_panicking() {
        let now = SystemTime::now();
        for v in [
            "1e20",
            "1e400",
            "inf",
            "18446744073709551616",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_retry_after(v, now), Some(Duration::MAX), "{v}");
        }
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(parse_retry_after("NaN", now), None);
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
    }
}
