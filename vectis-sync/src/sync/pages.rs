//! The page loop of a run: list, commit page k while page k+1 is fetched,
//! count, and stop on cancel.

use super::*;

impl Syncer<'_> {
    pub(super) async fn list(
        &self,
        kind: Kind,
        run: i64,
        mode: Mode,
        since: Option<String>,
        cursor: Option<Cursor>,
        report: &mut KindReport,
    ) -> Result<()> {
        let since = since
            .map(|s| {
                DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| {
                        rows::damaged(
                            "run watermark",
                            format!("`{s}`: {e}; sync with --full to list everything"),
                        )
                    })
            })
            .transpose()?;
        let mut opts = ListOptions::default();
        opts.since = since;
        opts.page_size = self.opts.page_size;
        opts.resume = cursor;
        let time = &self.opts.time;
        let started = time.now();
        let start_wall = self.now();
        let mut requests_seen = self.connector.observed().requests;
        let mut watermark: Option<(String, &'static str)> = None;
        let mut pages = self.connector.record_pages(kind, &opts);
        let mut cancel = self.opts.cancel.clone();
        // Page k is committed while page k+1 is fetched and mapped: the
        // database's work (SQLite's worker thread, or the PostgreSQL server)
        // overlaps the listing's. Commits stay in page order, one at a time.
        let mut pending: Option<(BoxFuture<'_, Result<Counters>>, Option<u64>)> = None;
        loop {
            // The next page; its hashing starts on the worker the moment it
            // arrives, beside the commit of the page before.
            let next_page = async {
                match pages.next().await {
                    Some(Ok(p)) => Some(Ok((p.total, self.hash_page(kind, p)))),
                    Some(Err(e)) => Some(Err(e)),
                    None => None,
                }
            };
            let step = async {
                match pending.take() {
                    Some((commit, total)) => {
                        // The page's counts (and the progress callback) as
                        // soon as it is committed, not when the next page
                        // has arrived: a slow answer must not hold back the
                        // news that the page before it is safe.
                        let committed = async {
                            let counts = commit.await?;
                            self.add_counts(kind, counts, total, report);
                            Ok::<(), Error>(())
                        };
                        let (done, next) = futures::join!(committed, next_page);
                        (Some(done), next)
                    }
                    None => (None, next_page.await),
                }
            };
            let (done, next) = self.unless_cancelled(kind, &mut cancel, step).await?;
            if let Some(done) = done {
                done?;
            }
            let page = match next {
                None => break,
                Some(Err(vectis_core::Error::Inconsistent { detail, .. }))
                    if watermark.is_none() && opts.resume.is_some() =>
                {
                    // The saved cursor no longer fits this connector (its base
                    // URL changed since the run began): list from the start
                    // within the same run; ids already seen stay seen.
                    tracing::warn!(
                        connection = %self.connection,
                        kind = %kind,
                        "the saved resume cursor was refused ({detail}); listing from the first page"
                    );
                    opts.resume = None;
                    pages = self.connector.record_pages(kind, &opts);
                    continue;
                }
                Some(Err(e)) => return Err(e.into()),
                Some(Ok((total, hashing))) => (total, hashing?),
            };
            let (total, page) = page;
            if watermark.is_none() {
                let margin =
                    chrono::Duration::from_std(self.opts.watermark_margin).unwrap_or_default();
                let elapsed = chrono::Duration::from_std(time.now().saturating_sub(started))
                    .unwrap_or_default();
                watermark = Some(match self.connector.observed().server_now {
                    Some(server) => (rows::ts(server - elapsed - margin), "vendor"),
                    None => (rows::ts(start_wall - margin), "local"),
                });
            }
            let requests = self.connector.observed().requests;
            let delta = requests.saturating_sub(requests_seen);
            requests_seen = requests;
            pending = Some((
                Box::pin(self.commit_page(kind, run, mode, page, delta, watermark.clone())),
                total,
            ));
        }
        if let Some((commit, total)) = pending.take() {
            let counts = self.unless_cancelled(kind, &mut cancel, commit).await?;
            self.add_counts(kind, counts?, total, report);
        }
        Ok(())
    }

    /// Awaits `work` unless the sync is cancelled first: then the
    /// interrupted error, and `work` (a commit under way included) is dropped
    /// whole, so its transaction rolls back.
    async fn unless_cancelled<F: std::future::Future>(
        &self,
        kind: Kind,
        cancel: &mut Option<tokio::sync::watch::Receiver<bool>>,
        work: F,
    ) -> Result<F::Output> {
        match cancel.as_mut() {
            Some(rx) => tokio::select! {
                biased;
                _ = cancelled(rx) => Err(Error::config(
                    format!("{} {kind}", self.connection),
                    "interrupted; the committed pages are kept and the next sync resumes after them",
                )),
                r = work => Ok(r),
            },
            None => Ok(work.await),
        }
    }

    /// Adds a committed page's counts to the report and tells the progress
    /// callback.
    fn add_counts(
        &self,
        kind: Kind,
        counts: Counters,
        total: Option<u64>,
        report: &mut KindReport,
    ) {
        report.records += counts.records;
        report.new += counts.new;
        report.changed += counts.changed;
        report.revived += counts.revived;
        if let Some(p) = &self.opts.progress {
            p(kind, report.records, total);
        }
    }
}

/// Resolves when `rx` turns `true`; never when its sender is gone.
async fn cancelled(rx: &mut tokio::sync::watch::Receiver<bool>) {
    if rx.wait_for(|c| *c).await.is_err() {
        futures::future::pending::<()>().await;
    }
}
