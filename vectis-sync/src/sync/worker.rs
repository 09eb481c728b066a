//! The syncer's own thread for the CPU work on pages ([`Worker`]), and a
//! page's hashing on it ([`Hashing`]).

use super::*;

/// A job for the [`Worker`].
type Job = Box<dyn FnOnce() + Send>;

/// The syncer's own thread for the CPU work on pages, started on first use
/// and ended when the syncer is dropped. One thread, always the same: with
/// tokio's blocking pool the work alternated between threads, each with its
/// own allocator arena, and a 150,000-device sync's peak memory grew to
/// 1.2 × a 10,000-device one's (1.01 with the work on the listing's thread).
pub(super) struct Worker {
    tx: std::sync::Mutex<Option<std::sync::mpsc::Sender<Job>>>,
}

impl Worker {
    pub(super) fn new() -> Worker {
        Worker {
            tx: std::sync::Mutex::new(None),
        }
    }

    /// Runs `work` on the worker thread; `doing` names it in an error.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        doing: String,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        self.submit(doing, work)?.await
    }

    /// Hands `work` to the worker thread at once (it starts while the
    /// caller does something else); the returned future gives its result.
    pub(super) fn submit<T: Send + 'static>(
        &self,
        doing: String,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<impl std::future::Future<Output = Result<T>> + Send + 'static> {
        let stopped = move |doing: String, why: String| {
            Error::config(
                doing,
                format!(
                    "the work on the page's records stopped ({why}); this is a bug in vectis-sync, please report it — the page was not written and the next sync resumes before it"
                ),
            )
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        {
            let mut tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
            // A thread that stopped (a panic in a job) is replaced.
            let job = match tx.as_ref() {
                Some(t) => t.send(job).err().map(|std::sync::mpsc::SendError(job)| job),
                None => Some(job),
            };
            if let Some(job) = job {
                let (sender, jobs) = std::sync::mpsc::channel::<Job>();
                std::thread::Builder::new()
                    .name("vectis-sync-pages".into())
                    .spawn(move || {
                        for job in jobs {
                            job();
                        }
                    })
                    .map_err(|e| {
                        stopped(doing.clone(), format!("no thread could be started: {e}"))
                    })?;
                sender
                    .send(job)
                    .map_err(|_| stopped(doing.clone(), "the new thread is gone".into()))?;
                *tx = Some(sender);
            }
        }
        Ok(async move {
            result
                .await
                .map_err(|_| stopped(doing, "the job ended without a result".into()))
        })
    }
}

/// Drops `records` in a task on the runtime's threads, where the listing
/// parsed them, off the commit's path. Freeing them on another thread was a
/// third of the syncer thread's time (the allocator's locks between
/// threads); this way an unchanged 150,000-device sync took 1.25 s instead of
/// 1.75 s (store bench). Outside a runtime they are dropped here.
pub(super) fn drop_on_runtime<T: Send + 'static>(records: T) {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn(async move { drop(records) });
        }
        Err(_) => drop(records),
    }
}

/// A record of a page, with what the commit needs of it made on the
/// [`Worker`].
pub(super) struct Entry {
    pub(super) rec: Record,
    /// The content hash.
    pub(super) hash: String,
    /// The version stamp ([`rows::version`]).
    pub(super) version: Option<String>,
    /// The row's values but the connection and the sync times
    /// ([`row_values`]), made ahead when the page is likely to be written.
    pub(super) row: Option<Vec<Val>>,
}

/// A page's records, each id once (the last occurrence wins, at the place
/// of the first), with their content hashes.
pub(super) struct Prepared {
    /// The ids, in page order.
    pub(super) order: Vec<String>,
    /// `order`'s records, in the same order.
    pub(super) records: Vec<Entry>,
}

/// A record's row values after the connection and before the sync times:
/// `id, vendor`, the kind's [`rows::columns`], `raw`, `hash`.
pub(super) fn row_values(rec: &Record, hash: &str, raw_len: &mut usize) -> Vec<Val> {
    let mut vals = Vec::with_capacity(4 + rows::columns(rec.kind()).len());
    vals.push(Val::Text(Some(rec.id().to_string())));
    vals.push(Val::Text(Some(rec.vendor().slug().to_string())));
    vals.extend(rows::values(rec));
    // The JSON text written straight into a buffer sized like the last
    // record's (`Display` goes through a formatter, and growing the buffer
    // copied it several times over).
    let mut raw = Vec::with_capacity(*raw_len + *raw_len / 8 + 16);
    let raw = match serde_json::to_writer(&mut raw, rows::raw(rec)) {
        Ok(()) => String::from_utf8(raw).unwrap_or_else(|_| rows::raw(rec).to_string()),
        Err(_) => rows::raw(rec).to_string(),
    };
    *raw_len = raw.len();
    vals.push(Val::Text(Some(raw)));
    vals.push(Val::Text(Some(hash.to_string())));
    vals
}

impl Prepared {
    /// De-duplicates and hashes `items`; with `rows`, makes every record's
    /// row values too (see [`Entry::row`]).
    fn new(kind: Kind, items: Vec<Record>, rows: bool) -> Prepared {
        let mut at: HashMap<String, usize> = HashMap::with_capacity(items.len());
        let mut order: Vec<String> = Vec::with_capacity(items.len());
        let mut kept: Vec<Record> = Vec::with_capacity(items.len());
        for rec in items {
            if rec.kind() != kind {
                continue;
            }
            match at.get(rec.id()) {
                Some(&i) => kept[i] = rec,
                None => {
                    at.insert(rec.id().to_string(), kept.len());
                    order.push(rec.id().to_string());
                    kept.push(rec);
                }
            }
        }
        let mut raw_len = 0;
        let records = kept
            .into_iter()
            .map(|rec| {
                let hash = hash::hash(&rec);
                let row = rows.then(|| row_values(&rec, &hash, &mut raw_len));
                Entry {
                    version: rows::version(&rec),
                    rec,
                    hash,
                    row,
                }
            })
            .collect();
        Prepared { order, records }
    }
}

/// A page whose records are being de-duplicated and hashed on the
/// [`Worker`] (started as the page arrives, so a commit under way overlaps
/// it), with what the commit needs besides.
pub(super) struct Hashing {
    pub(super) prepared: BoxFuture<'static, Result<Prepared>>,
    pub(super) index: u64,
    pub(super) resume: Option<Cursor>,
}

impl Syncer<'_> {
    /// Starts hashing `page` on the worker. While the pages before wrote
    /// most of their records (a first sync), the rows' values are made too,
    /// off the commit's path; an unchanged sync does not pay for rows it
    /// will not write.
    pub(super) fn hash_page(&self, kind: Kind, page: vectis_core::Page<Record>) -> Result<Hashing> {
        let index = page.index;
        let doing = format!(
            "hash the records ({} {kind}, page {})",
            self.connection,
            index + 1
        );
        let items = page.items;
        let rows = {
            let writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
            writing.get(&kind).copied().unwrap_or(true)
        };
        let prepared = self
            .worker
            .submit(doing, move || Prepared::new(kind, items, rows))?;
        Ok(Hashing {
            prepared: Box::pin(prepared),
            index,
            resume: page.resume,
        })
    }
}
