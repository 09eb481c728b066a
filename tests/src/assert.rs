//! Assertions the integration tests share, each failing with what it looked
//! at.

use crate::RecordingTime;
use std::time::Duration;

/// Asserts that `text` (an error's message, an output) mentions every one of
/// `parts`; a failure shows the text and the part it lacks.
#[track_caller]
pub fn assert_mentions(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{text}\n(does not mention {part:?})");
    }
}

/// Asserts that `time` slept `at_least` in all; a failure lists its sleeps.
#[track_caller]
pub fn assert_slept_at_least(time: &RecordingTime, at_least: Duration) {
    assert!(time.total_slept() >= at_least, "slept {:?}", time.sleeps());
}
