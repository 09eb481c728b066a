//! Captures everything `tracing` emits, so a test can assert what never
//! appears in it (a key, a token, a password).

use std::sync::{Arc, Mutex, PoisonError};

/// The text of every event and span (with all fields) emitted while the
/// guard from [`capture`] is alive, at every level.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<String>>);

impl Captured {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

thread_local! {
    static SINK: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// Writes to this thread's capture, if one is running; otherwise nowhere.
struct ThreadSink;

impl std::io::Write for ThreadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        SINK.with(|s| {
            if let Some(c) = s.borrow_mut().as_mut() {
                let _ = c.write(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stops this thread's capture when dropped.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        SINK.with(|s| *s.borrow_mut() = None);
    }
}

/// Starts capturing what this thread emits (use a current-thread runtime,
/// the `#[tokio::test]` default); capturing stops when the guard is dropped.
///
/// One process-wide subscriber at every level routes each thread's output
/// to that thread's capture. A per-thread default subscriber would be
/// simpler, but `tracing` caches per call site whether anyone listens: a
/// call site first reached on another test's thread while this one was
/// being set up could stay cached as unheard, and the capture would miss it.
pub fn capture() -> (CaptureGuard, Captured) {
    static INSTALLED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| ThreadSink)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .finish();
        // Only fails if something else installed one first; the capture
        // then sees nothing, and the tests that read it say so.
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
    let captured = Captured::default();
    SINK.with(|s| *s.borrow_mut() = Some(captured.clone()));
    (CaptureGuard(()), captured)
}
