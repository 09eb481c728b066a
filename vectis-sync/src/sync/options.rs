//! How a sync runs ([`SyncOptions`]) and how a run ends ([`RunStatus`], [`Mode`]).

use super::*;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunStatus {
    /// Still going, or its process was killed (the next sync resumes it).
    Running,
    /// Completed.
    Ok,
    /// Failed; the next sync of this connection and kind resumes it.
    Failed,
    /// Completed, but the mass-delete guard held its tombstones back.
    Held,
}

impl RunStatus {
    /// `running`, `ok`, `failed`, `held`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Held => "held",
        }
    }

    pub(crate) fn parse(s: &str) -> RunStatus {
        match s {
            "ok" => RunStatus::Ok,
            "held" => RunStatus::Held,
            "running" => RunStatus::Running,
            _ => RunStatus::Failed,
        }
    }
}

/// Whether a run lists everything (and so may tombstone) or only changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// Every record; the only mode that detects deletes.
    Full,
    /// Records changed since the last successful run's watermark.
    Incremental,
}

impl Mode {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
        }
    }
}

/// Called after each committed page: the kind, records so far in this run,
/// and the vendor's total when it says.
pub type Progress = std::sync::Arc<dyn Fn(Kind, u64, Option<u64>) + Send + Sync>;

/// How a [`Syncer`] runs.
#[derive(Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Which kinds (default: every kind the connector lists).
    pub kinds: Option<Vec<Kind>>,
    /// Force a full listing even where an incremental one is possible.
    pub full: bool,
    /// Let a run tombstone more than the guard allows.
    pub allow_mass_delete: bool,
    /// The guard: a run may tombstone at most this fraction of a kind's live
    /// records (default 0.5) …
    pub mass_delete_fraction: f64,
    /// … unless it tombstones at most this many (default 5).
    pub mass_delete_min: u64,
    /// How long a run's lease lasts without being renewed (default 120 s);
    /// a committed page renews it once a quarter of this has passed, and a
    /// killed process's lease expires this long after its last renewal.
    pub lease: Duration,
    /// Subtracted from the vendor's clock at a run's start to make the next
    /// run's watermark (default 5 minutes: records in flight, clock skew).
    pub watermark_margin: Duration,
    /// Items per page to ask for.
    pub page_size: Option<u32>,
    /// The clock (injected in tests).
    pub time: Time,
    /// When this turns `true`, the current page commits or rolls back whole,
    /// the run ends `failed` and its lease is released.
    pub cancel: Option<tokio::sync::watch::Receiver<bool>>,
    /// Told after every committed page (a progress bar, a log line).
    pub progress: Option<Progress>,
}

impl fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncOptions")
            .field("kinds", &self.kinds)
            .field("full", &self.full)
            .field("allow_mass_delete", &self.allow_mass_delete)
            .field("mass_delete_fraction", &self.mass_delete_fraction)
            .field("mass_delete_min", &self.mass_delete_min)
            .field("lease", &self.lease)
            .field("watermark_margin", &self.watermark_margin)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            kinds: None,
            full: false,
            allow_mass_delete: false,
            mass_delete_fraction: 0.5,
            mass_delete_min: 5,
            lease: Duration::from_secs(120),
            watermark_margin: Duration::from_secs(300),
            page_size: None,
            time: Time::real(),
            cancel: None,
            progress: None,
        }
    }
}

impl SyncOptions {
    /// The defaults.
    pub fn new() -> SyncOptions {
        SyncOptions::default()
    }

    /// Only these kinds.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = Kind>) -> Self {
        self.kinds = Some(kinds.into_iter().collect());
        self
    }

    /// Force a full listing.
    pub fn full(mut self, yes: bool) -> Self {
        self.full = yes;
        self
    }

    /// Let a run tombstone past the guard.
    pub fn allow_mass_delete(mut self, yes: bool) -> Self {
        self.allow_mass_delete = yes;
        self
    }

    /// The guard's fraction (0 … 1; a value outside is taken at the nearer
    /// end, and NaN as 0).
    pub fn mass_delete_fraction(mut self, f: f64) -> Self {
        self.mass_delete_fraction = f;
        self
    }

    /// The guard's floor: a run may always tombstone this many.
    pub fn mass_delete_min(mut self, n: u64) -> Self {
        self.mass_delete_min = n;
        self
    }

    /// The lease's length.
    pub fn lease(mut self, d: Duration) -> Self {
        self.lease = d;
        self
    }

    /// The watermark margin.
    pub fn watermark_margin(mut self, d: Duration) -> Self {
        self.watermark_margin = d;
        self
    }

    /// Items per page to ask for.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// The clock.
    pub fn time(mut self, t: Time) -> Self {
        self.time = t;
        self
    }

    /// Calls `f` after every committed page.
    pub fn on_progress(mut self, f: Progress) -> Self {
        self.progress = Some(f);
        self
    }

    /// Stop cleanly when `rx` turns `true`.
    pub fn cancel_on(mut self, rx: tokio::sync::watch::Receiver<bool>) -> Self {
        self.cancel = Some(rx);
        self
    }
}
