//! # vectis-testkit
//!
//! Wiremock fakes of every vendor Vectis connects to, usable by your own
//! tests too: each fake speaks its vendor's documented surface (auth checks,
//! pagination built from the request, envelopes, error bodies, quirks), with
//! helpers for scripted failures (429 with `Retry-After`, 5xx sequences, a
//! truncated body, an HTML login page) and a catch-all that answers any
//! request nobody expected with a loud failure.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use vectis_testkit::atera::{AteraData, AteraFake};
//!
//! let fake = AteraFake::with_data(AteraData::generate(120, 300, 40, 7)).await;
//! // Point a connector at `fake.uri()`; the API root is `/api/v3` under it.
//! assert!(fake.uri().starts_with("http://127.0.0.1:"));
//! # }
//! ```
//!
//! Every fake is one [`fake::FakeServer`] driven by its vendor's
//! [`fake::Vendor`] impl: the vendor module holds only its routes, its data
//! and the vendor's facts; the server, the request reader
//! ([`fake::RequestView`]) and server-side paging ([`fake::paging`]) are
//! shared. A new vendor's fake is a `Vendor` impl plus its data.
//!
//! Time: [`RecordingTime`] is the recording sleeper and clock to give a
//! connector (`EngineSettings::time`) so tests of backoff, `Retry-After` and
//! quotas assert the waits without waiting.

pub mod assert;
pub mod atera;
pub mod conformance;
pub mod connectwise;
pub mod datto;
pub mod fake;
pub mod kaseya;
pub mod listing;
pub mod names;
pub mod redis;
pub mod store;
pub mod trace;

pub use assert::{assert_mentions, assert_slept_at_least};
pub use listing::ListAll;

/// The recording sleeper + manual clock (see [`vectis_core::time::ManualTime`]).
pub use vectis_core::time::ManualTime as RecordingTime;

/// Engine settings for a test: no quota, a limiter of its own (never the
/// process-wide one shared by credential, which parallel tests would share)
/// and `time` for every wait, with `concurrency` pages at once.
pub fn unthrottled(time: &RecordingTime, concurrency: usize) -> vectis_core::EngineSettings {
    vectis_core::EngineSettings::default()
        .quota(vectis_core::Quota::Off)
        .limiter(std::sync::Arc::new(
            vectis_core::rate_limit::GovernorLimit::with_time(vectis_core::Quota::Off, time.time()),
        ))
        .time(time.time())
        .concurrency(concurrency)
}
