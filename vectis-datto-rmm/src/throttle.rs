//! Datto's throttle → IP-block classifier: a 429 pauses every request on
//! the credential for a minute; a 403 soon after one is Datto's IP block,
//! not a missing permission.

use crate::info::{
    ACCOUNT_READ_LIMIT_PER_MINUTE, INFO, IP_BLOCK, THROTTLE_WAIT, wrong_platform_hint,
};
use std::sync::Mutex;
use std::time::Duration;
use vectis_core::http::{Outcome, Response};
use vectis_core::{Error, InfoRules, Time, Vendor};

/// A 403 this soon after a 429 (or an earlier block) is taken for an IP block.
const BLOCK_MEMORY: Duration = Duration::from_secs(900);

/// The rules for an account on `platform`, reached at `host` (the origin,
/// e.g. `https://merlot-api.centrastage.net`), reading the clock through
/// `time` (the engine's): the table's hints, and Datto's throttle → IP-block
/// classifier.
pub(crate) fn rules(platform: &str, host: &str, time: Time) -> InfoRules {
    let memory = ThrottleMemory::new(time);
    InfoRules::new(&INFO)
        .var("wrong_platform", wrong_platform_hint(platform, host))
        .var("host", host)
        .var("limit", ACCOUNT_READ_LIMIT_PER_MINUTE.to_string())
        .throttle_wait(THROTTLE_WAIT)
        .classify(move |resp, _| memory.classify(resp))
}

/// When this credential last saw a 429, so that a 403 soon after is
/// reported as Datto's IP block rather than as a missing permission.
#[derive(Debug)]
struct ThrottleMemory {
    time: Time,
    last_throttle: Mutex<Option<Duration>>,
}

impl ThrottleMemory {
    fn new(time: Time) -> ThrottleMemory {
        ThrottleMemory {
            time,
            last_throttle: Mutex::new(None),
        }
    }

    fn note_throttle(&self) {
        let now = self.time.now();
        *self.last_throttle.lock().unwrap_or_else(|p| p.into_inner()) = Some(now);
    }

    fn throttled_recently(&self) -> bool {
        let last = *self.last_throttle.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.time.now();
        last.is_some_and(|t| now.saturating_sub(t) <= BLOCK_MEMORY)
    }

    fn classify(&self, resp: &Response) -> Option<Outcome> {
        match resp.status.as_u16() {
            429 => {
                // Remembered for a 403 soon after; the retry is the engine's
                // (Datto names no wait: `throttle_wait`, its rolling minute).
                self.note_throttle();
                None
            }
            403 if self.throttled_recently() => {
                self.note_throttle();
                Some(Outcome::Fail(Error::RateLimited {
                    vendor: Vendor::DattoRmm,
                    endpoint: resp.endpoint.clone(),
                    retry_after: Some(IP_BLOCK),
                    attempts: 1,
                    hint: format!(
                        "403 right after a 429: Datto RMM has blocked this IP address for at least {} minutes because requests went on past its limit of {ACCOUNT_READ_LIMIT_PER_MINUTE} reads per minute per account — stop every script using this account, wait, then run with a lower --rate-limit",
                        IP_BLOCK.as_secs() / 60
                    ),
                }))
            }
            _ => None,
        }
    }
}
