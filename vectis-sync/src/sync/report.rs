//! What a sync did: one [`KindReport`] per kind, in a [`SyncReport`].

use super::*;

/// What one kind's run did.
#[derive(Debug)]
#[non_exhaustive]
pub struct KindReport {
    /// The connection.
    pub connection: String,
    /// The product name (`Atera`), for messages.
    pub product: &'static str,
    /// The kind.
    pub kind: Kind,
    /// The run's id in the store (`None` when it could not be recorded).
    pub run_id: Option<i64>,
    /// How it ended.
    pub status: RunStatus,
    /// Full or incremental.
    pub mode: Mode,
    /// Whether it continued a run an earlier process left unfinished.
    pub resumed: bool,
    /// Records received (over every process of this run).
    pub records: u64,
    /// Records stored for the first time.
    pub new: u64,
    /// Records whose content changed.
    pub changed: u64,
    /// Records tombstoned.
    pub gone: u64,
    /// Tombstoned records that came back.
    pub revived: u64,
    /// For a held run: how many it would have tombstoned, of how many live.
    pub held_back: Option<(u64, u64)>,
    /// Why it failed or was held.
    pub error: Option<Error>,
}

impl KindReport {
    /// Whether it ended `ok`.
    pub fn is_ok(&self) -> bool {
        self.status == RunStatus::Ok
    }
}

impl fmt::Display for KindReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = self.kind.noun(self.records);
        write!(
            f,
            "{}: {} {} ({} new, {} changed, {} gone",
            self.product, self.records, noun, self.new, self.changed, self.gone
        )?;
        if self.revived > 0 {
            write!(f, ", {} back", self.revived)?;
        }
        if self.mode == Mode::Incremental {
            f.write_str("; incremental: changes only")?;
        }
        if self.resumed {
            f.write_str("; resumed")?;
        }
        f.write_str(")")?;
        match (self.status, &self.held_back, &self.error) {
            (RunStatus::Held, Some((gone, live)), _) => write!(
                f,
                " — held: this run would mark {gone} of {live} live {} gone, more than the mass-delete guard allows, so nothing was marked; if they really are gone, run again with --allow-mass-delete",
                self.kind
            ),
            (RunStatus::Failed, _, Some(e)) => {
                write!(f, " — failed: {e}; run again to resume")
            }
            _ => Ok(()),
        }
    }
}

/// What a [`Syncer::run`] did, kind by kind.
#[derive(Debug)]
#[non_exhaustive]
pub struct SyncReport {
    /// One report per kind, in [`Kind::ALL`] order.
    pub kinds: Vec<KindReport>,
}

impl SyncReport {
    /// Whether every kind ended `ok`.
    pub fn is_ok(&self) -> bool {
        self.kinds.iter().all(KindReport::is_ok)
    }
}
