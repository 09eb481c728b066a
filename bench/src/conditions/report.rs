//! The rows of the three scenarios, their targets and the printed report.

/// One line of scenario 1.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallRow {
    /// The vendor.
    pub vendor: &'static str,
    /// Records the sync wrote.
    pub records: u64,
    /// Requests the fake received (default-quota run).
    pub requests: u64,
    /// Seconds with the vendor's default quota.
    pub default_secs: f64,
    /// Seconds with no client quota (the server's own time).
    pub off_secs: f64,
}

impl SmallRow {
    /// Default-quota time over the server's own time.
    pub fn ratio(&self) -> f64 {
        self.default_secs / self.off_secs.max(1e-9)
    }
}

/// Scenario 1 target: the default quota costs at most this ratio.
pub const SMALL_TARGET: f64 = 1.25;
/// Scenario 2 target: at most this ratio to the bound.
pub const FULL_TARGET: f64 = 1.05;

/// One line of scenario 2.
#[derive(Debug, Clone, PartialEq)]
pub struct FullRow {
    /// Records the sync wrote.
    pub records: u64,
    /// Requests the fake received.
    pub requests: u64,
    /// Latency per answer, seconds.
    pub latency: f64,
    /// `--concurrency`.
    pub concurrency: u64,
    /// Seconds.
    pub secs: f64,
}

impl FullRow {
    /// requests × latency ÷ concurrency.
    pub fn bound(&self) -> f64 {
        self.requests as f64 * self.latency / self.concurrency.max(1) as f64
    }
    /// Seconds over the bound.
    pub fn ratio(&self) -> f64 {
        self.secs / self.bound().max(1e-9)
    }
}

/// Scenario 3's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum SharedOutcome {
    /// Measured.
    Ran {
        /// Requests the server counted (429s included).
        requests: u64,
        /// 429s the server sent.
        throttled: u64,
        /// Wall time of both processes, seconds.
        secs: f64,
        /// The quota, requests per second.
        quota: u32,
        /// Records both wrote.
        records: u64,
    },
    /// Not run, and why.
    Skipped(String),
}

impl SharedOutcome {
    /// `met` only when measured with zero 429s.
    pub fn verdict(&self) -> &'static str {
        match self {
            SharedOutcome::Ran { throttled: 0, .. } => "met",
            SharedOutcome::Ran { .. } => "MISSED",
            SharedOutcome::Skipped(_) => "skipped",
        }
    }
}

pub(super) fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// The report, and the missed targets.
/// `context`: listings measured beside the full sync for comparison (no
/// target of their own).
pub fn report(
    small: &[SmallRow],
    full: &FullRow,
    context: &[(&str, FullRow)],
    shared: &SharedOutcome,
) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut missed = Vec::new();
    out.push_str(
        "\n## 5.1 Small tenant, the vendor's default quota vs none (20 ms per answer)\n\n",
    );
    out.push_str("| vendor | records | requests | default quota secs | no quota secs | ratio | target |\n|---|---:|---:|---:|---:|---:|---|\n");
    for r in small {
        let ok = r.ratio() <= SMALL_TARGET;
        if !ok {
            missed.push(format!("5.1 {} ({:.2})", r.vendor, r.ratio()));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {} |\n",
            r.vendor,
            r.records,
            r.requests,
            r.default_secs,
            r.off_secs,
            r.ratio(),
            verdict(ok)
        ));
    }
    out.push_str("\n## 5.2 Full Atera sync, three kinds side by side, 50 ms per answer\n\n");
    out.push_str("| listing | records | requests | concurrency | bound secs | secs | ratio | target |\n|---|---:|---:|---:|---:|---:|---:|---|\n");
    let ok = full.ratio() <= FULL_TARGET;
    if !ok {
        missed.push(format!("5.2 full sync ({:.2})", full.ratio()));
    }
    let row = |name: &str, r: &FullRow, target: &str| {
        format!(
            "| {name} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {target} |\n",
            r.records,
            r.requests,
            r.concurrency,
            r.bound(),
            r.secs,
            r.ratio(),
        )
    };
    out.push_str(&row("all kinds", full, verdict(ok)));
    for (name, r) in context {
        out.push_str(&row(name, r, "–"));
    }
    out.push_str("\n## 5.3 Two `sync` processes on one Redis quota\n\n");
    match shared {
        SharedOutcome::Ran {
            requests,
            throttled,
            secs,
            quota,
            records,
        } => {
            // The window admits `quota` at once, then `quota` a second.
            let bound = requests.saturating_sub(u64::from(*quota)) as f64 / f64::from(*quota);
            out.push_str("| processes | quota/s | records | requests | bound secs | secs | 429s | target |\n|---:|---:|---:|---:|---:|---:|---:|---|\n");
            out.push_str(&format!(
                "| 2 | {quota} | {records} | {requests} | {bound:.2} | {secs:.2} | {throttled} | {} |\n",
                shared.verdict()
            ));
            if *throttled > 0 {
                missed.push(format!("5.3 shared quota ({throttled} 429s)"));
            }
        }
        SharedOutcome::Skipped(why) => out.push_str(&format!("skipped: {why}\n")),
    }
    (out, missed)
}
