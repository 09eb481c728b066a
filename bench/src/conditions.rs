//! `bench conditions`: the connectors under the conditions users meet, each
//! measured through the `sync` example's own front end ([`run_sync`]), the
//! code a user runs:
//!
//! 1. **small tenant at the default quota**: a small tenant of each vendor
//!    (every kind `sync` lists), 20 ms per answer, once with the vendor's
//!    default quota (no `--rate-limit`) and once with `--rate-limit off`
//!    (the server's own time); the quota must cost (almost) nothing when a
//!    sync fits in the vendor's window.
//! 2. **full three-kind sync at 50 ms**: a whole Atera sync (customers,
//!    devices, open and resolved alerts side by side) at 50 ms per answer
//!    and `--concurrency 8`, against the bound requests × latency ÷
//!    concurrency.
//! 3. **two processes, one Redis quota**: two `sync atera --only devices
//!    --rate-limit 40/s --shared-quota redis://…` processes at once against
//!    the bench server, which enforces 40 requests per rolling second and
//!    answers `429` past it; the 429s are counted.
//!
//! Scenario 1 serves the testkit's vendor fakes (wiremock, in a child
//! process of its own); scenarios 2 and 3 the bench's loopback server child
//! (an answer leaves `latency` after its request arrived, whatever the
//! server's own work), and 3 a `redis-server` started for the run (skipped,
//! with the reason, where there is none: never `met`).

use super::client::ATERA_KEY;
use super::{BenchError, ServerChild};
use std::collections::HashMap;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vectis_examples::cli::{Io, run_sync};

/// `bench conditions [--quick]`.
#[derive(Debug, clap::Args)]
pub struct ConditionsCli {
    /// Smaller tenants (well under a minute).
    #[arg(long)]
    pub quick: bool,
    /// The Redis server binary for scenario 3.
    #[arg(long, default_value = "redis-server")]
    pub redis_server: String,
}

/// One `sync` run in a child process (`__sync`).
#[derive(Debug, Clone, clap::Args)]
pub struct SyncChildArgs {
    /// Serve a testkit fake of this vendor (`atera`, `datto-rmm`,
    /// `connectwise`, `kaseya`) in this process and point `sync` at it.
    #[arg(long)]
    pub fake: Option<String>,
    /// The fake's tenant: customers, devices, alerts (`10,200,50`).
    #[arg(long, value_delimiter = ',')]
    pub tenant: Vec<usize>,
    /// The fake's latency per answer, ms.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// A fake of `--fake`'s vendor already running there (a `__fake`
    /// child): use its credentials and this URI instead of starting one.
    #[arg(long)]
    pub uri: Option<String>,
    /// The `sync` arguments.
    #[arg(last = true)]
    pub sync: Vec<String>,
}

/// A testkit fake served by a child process of its own (`__fake`), so its
/// work does not share the measured client's threads: prints `URI <uri>`,
/// serves until its stdin closes, then prints `REQUESTS <n>`.
#[derive(Debug, Clone, clap::Args)]
pub struct FakeChildArgs {
    /// The vendor (`atera`, `datto-rmm`, `connectwise`, `kaseya`).
    #[arg(long)]
    pub vendor: String,
    /// The tenant: customers, devices, alerts (`10,200,50`).
    #[arg(long, value_delimiter = ',')]
    pub tenant: Vec<usize>,
    /// Latency per answer, ms.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

/// Runs a `__fake` child (see [`FakeChildArgs`]).
pub async fn fake_child(args: &FakeChildArgs) -> Result<(), BenchError> {
    let fake = start_fake(
        &args.vendor,
        &args.tenant,
        Duration::from_millis(args.latency_ms),
    )
    .await?;
    println!("URI {}", fake.uri);
    std::io::stdout().flush()?;
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
    })
    .await
    .map_err(|e| {
        BenchError(format!(
            "the fake's stdin reader failed: {e}; a bench bug, please report it"
        ))
    })?;
    println!("REQUESTS {}", (fake.received)().await);
    std::io::stdout().flush()?;
    Ok(())
}

/// A `__fake` child, stopped when dropped.
struct FakeChild {
    child: Child,
    uri: String,
}

impl FakeChild {
    fn start(vendor: &str, tenant: &str, latency_ms: u64) -> Result<FakeChild, BenchError> {
        use std::io::BufRead;
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .args(["__fake", "--vendor", vendor, "--tenant", tenant])
            .args(["--latency-ms", &latency_ms.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.as_mut() {
            std::io::BufReader::new(out).read_line(&mut line)?;
        }
        match line.trim().strip_prefix("URI ") {
            Some(uri) => Ok(FakeChild {
                uri: uri.to_string(),
                child,
            }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(BenchError(format!(
                    "the {vendor} fake child did not report its URI (said {line:?}); run `vectis-bench __fake --vendor {vendor}` by hand to see why"
                )))
            }
        }
    }

    /// Stops the fake; the requests it received.
    fn stop(mut self) -> Result<u64, BenchError> {
        drop(self.child.stdin.take());
        let mut rest = String::new();
        if let Some(out) = self.child.stdout.as_mut() {
            std::io::Read::read_to_string(out, &mut rest)?;
        }
        let _ = self.child.wait();
        rest.lines()
            .find_map(|l| l.strip_prefix("REQUESTS "))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| {
                BenchError(format!(
                    "the fake child did not count its requests ({rest:?}); run `vectis-bench __fake --vendor VENDOR` by hand to see why"
                ))
            })
    }
}

impl Drop for FakeChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `sync` of `vendor` (with `sync_args`) in a child process against a
/// fresh fake child serving `tenant` with `latency_ms` per answer; the
/// requests are the fake's count.
fn sync_against_fake(
    vendor: &str,
    tenant: &str,
    latency_ms: u64,
    sync_args: &[&str],
) -> Result<SyncRun, BenchError> {
    let fake = FakeChild::start(vendor, tenant, latency_ms)?;
    let mut args = strings(&["--fake", vendor, "--uri", &fake.uri, "--"]);
    args.extend(strings(sync_args));
    let mut run = run_one(&args)?;
    run.requests = fake.stop()?;
    Ok(run)
}

/// What a `__sync` child reports.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct SyncRun {
    /// `sync`'s exit code.
    pub code: i32,
    /// Wall time of the `sync` run, seconds.
    pub secs: f64,
    /// Records written (stdout lines).
    pub records: u64,
    /// Requests the fake received (0 without a fake).
    pub requests: u64,
}

/// Counts lines, keeps nothing.
struct LineCounter(u64);

impl Write for LineCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.iter().filter(|b| **b == b'\n').count() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A started fake: its URI, its credentials, and how to read its request count.
struct Fake {
    uri: String,
    env: Vec<(&'static str, &'static str)>,
    received: Box<dyn Fn() -> futures::future::BoxFuture<'static, u64> + Send + Sync>,
    /// Keeps the server alive.
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

async fn start_fake(vendor: &str, tenant: &[usize], latency: Duration) -> Result<Fake, BenchError> {
    use std::sync::Arc;
    use vectis_testkit::{atera, connectwise, datto, kaseya};
    let [c, d, a] = tenant else {
        return Err(BenchError(
            "--tenant needs three numbers: CUSTOMERS,DEVICES,ALERTS, e.g. 10,200,50".into(),
        ));
    };
    let (c, d, a) = (*c, *d, *a);
    macro_rules! fake {
        ($fake:expr, $env:expr) => {{
            let f = Arc::new($fake);
            f.set_latency(latency);
            let uri = f.uri();
            let g = Arc::clone(&f);
            Fake {
                uri,
                env: $env,
                received: Box::new(move || {
                    let g = Arc::clone(&g);
                    Box::pin(async move { g.received().await.len() as u64 })
                }),
                _keep: Box::new(f),
            }
        }};
    }
    Ok(match vendor {
        "atera" => fake!(
            atera::AteraFake::with_data(atera::AteraData::generate(c, d, a, 7)).await,
            vec![("ATERA_API_KEY", atera::ATERA_API_KEY)]
        ),
        "datto-rmm" => fake!(
            datto::DattoFake::with_data(datto::DattoData::generate(c, d, a, 7)).await,
            vec![
                ("DATTO_PLATFORM", datto::PLATFORM),
                ("DATTO_API_KEY", datto::API_KEY),
                ("DATTO_API_SECRET", datto::API_SECRET),
            ]
        ),
        "connectwise" => fake!(
            connectwise::ConnectWiseFake::with_data(connectwise::ConnectWiseData::generate(
                c, d, a, 7
            ))
            .await,
            vec![
                ("CONNECTWISE_COMPANY_ID", connectwise::COMPANY_ID),
                ("CONNECTWISE_PUBLIC_KEY", connectwise::PUBLIC_KEY),
                ("CONNECTWISE_PRIVATE_KEY", connectwise::PRIVATE_KEY),
                ("CONNECTWISE_CLIENT_ID", connectwise::CLIENT_ID),
            ]
        ),
        "kaseya" => fake!(
            kaseya::KaseyaFake::with_data(kaseya::KaseyaData::generate(c, d, a, 7)).await,
            vec![
                ("KASEYA_TOKEN_ID", kaseya::TOKEN_ID),
                ("KASEYA_TOKEN_SECRET", kaseya::TOKEN_SECRET),
            ]
        ),
        other => {
            return Err(BenchError(format!(
                "no fake for {other:?}: use atera, datto-rmm, connectwise or kaseya"
            )));
        }
    })
}

/// A fake already running at `uri` (in a `__fake` child): its credentials.
fn credentials_for(vendor: &str, uri: &str) -> Result<Fake, BenchError> {
    use vectis_testkit::{atera, connectwise, datto, kaseya};
    let env = match vendor {
        "atera" => vec![("ATERA_API_KEY", atera::ATERA_API_KEY)],
        "datto-rmm" => vec![
            ("DATTO_PLATFORM", datto::PLATFORM),
            ("DATTO_API_KEY", datto::API_KEY),
            ("DATTO_API_SECRET", datto::API_SECRET),
        ],
        "connectwise" => vec![
            ("CONNECTWISE_COMPANY_ID", connectwise::COMPANY_ID),
            ("CONNECTWISE_PUBLIC_KEY", connectwise::PUBLIC_KEY),
            ("CONNECTWISE_PRIVATE_KEY", connectwise::PRIVATE_KEY),
            ("CONNECTWISE_CLIENT_ID", connectwise::CLIENT_ID),
        ],
        "kaseya" => vec![
            ("KASEYA_TOKEN_ID", kaseya::TOKEN_ID),
            ("KASEYA_TOKEN_SECRET", kaseya::TOKEN_SECRET),
        ],
        other => {
            return Err(BenchError(format!(
                "no fake for {other:?}: use atera, datto-rmm, connectwise or kaseya"
            )));
        }
    };
    Ok(Fake {
        uri: uri.to_string(),
        env,
        received: Box::new(|| Box::pin(async { 0 })),
        _keep: Box::new(()),
    })
}

/// Runs `sync` in this process (what `__sync` does).
pub async fn sync_child(args: &SyncChildArgs) -> Result<SyncRun, BenchError> {
    let mut sync = args.sync.clone();
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("ATERA_API_KEY".into(), ATERA_KEY.into());
    let fake = match &args.fake {
        Some(vendor) => {
            let f = match &args.uri {
                Some(uri) => credentials_for(vendor, uri)?,
                None => {
                    start_fake(vendor, &args.tenant, Duration::from_millis(args.latency_ms)).await?
                }
            };
            sync.insert(0, vendor.clone());
            sync.extend(["--base-url".to_string(), f.uri.clone()]);
            for (k, v) in &f.env {
                env.insert((*k).to_string(), (*v).to_string());
            }
            Some(f)
        }
        None => None,
    };
    let lookup = move |k: &str| env.get(k).cloned();
    let mut out = LineCounter(0);
    let mut err: Vec<u8> = Vec::new();
    let started = Instant::now();
    let code = run_sync(
        &sync,
        Io {
            out: &mut out,
            err: &mut err,
            env: &lookup,
            out_is_terminal: false,
        },
    )
    .await;
    let secs = started.elapsed().as_secs_f64();
    if code != 0 {
        return Err(BenchError(format!(
            "sync {} exited {code}: {}",
            sync.join(" "),
            String::from_utf8_lossy(&err).trim()
        )));
    }
    let requests = match &fake {
        Some(f) => (f.received)().await,
        None => 0,
    };
    Ok(SyncRun {
        code,
        secs,
        records: out.0,
        requests,
    })
}

/// Starts a `__sync` child (its result is read with [`finish`]).
fn spawn_sync(args: &[String]) -> Result<Child, BenchError> {
    let exe = std::env::current_exe()?;
    Ok(Command::new(exe)
        .arg("__sync")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?)
}

fn finish(child: Child) -> Result<SyncRun, BenchError> {
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    serde_json::from_str(line).map_err(|e| {
        BenchError(format!(
            "a sync child failed ({}): {e}; its output: {text:?}",
            out.status
        ))
    })
}

fn run_one(args: &[String]) -> Result<SyncRun, BenchError> {
    finish(spawn_sync(args)?)
}

/// Scenario 5.2's run: `sync atera` (every kind, or what `extra` says) with
/// `--concurrency 8` and no client quota against the bench server's Atera
/// tenant of `devices` agents at 50 ms an answer; the requests are the
/// server's count for `run`.
fn full_sync(
    server: &ServerChild,
    run: &str,
    devices: u64,
    extra: &[&str],
) -> Result<FullRow, BenchError> {
    const LATENCY_MS: u64 = 50;
    let base = format!(
        "http://127.0.0.1:{}/b/{run}/{devices}/{LATENCY_MS}/0",
        server.port
    );
    let mut args = strings(&[
        "--",
        "atera",
        "--base-url",
        &base,
        "--rate-limit",
        "off",
        "--concurrency",
        "8",
    ]);
    args.extend(strings(extra));
    let r = run_one(&args)?;
    let stats = super::client::Target {
        vendor: super::BenchVendor::Atera,
        port: server.port,
        run: run.into(),
        devices,
        latency_ms: LATENCY_MS,
        quota: 0,
        page_size: None,
    };
    let stats = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(stats.stats())?;
    Ok(FullRow {
        records: r.records,
        requests: stats.requests,
        latency: LATENCY_MS as f64 / 1000.0,
        concurrency: 8,
        secs: r.secs,
    })
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_string()).collect()
}

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

fn verdict(ok: bool) -> &'static str {
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

/// Runs the three scenarios; `Err` names the missed targets.
pub fn run(cli: &ConditionsCli) -> Result<(), BenchError> {
    let (small_tenant, full_devices, shared_devices) = if cli.quick {
        ("5,60,20", 4_000u64, 2_000u64)
    } else {
        ("10,200,50", 20_000u64, 8_000u64)
    };
    let mut small = Vec::new();
    for vendor in ["atera", "datto-rmm", "connectwise", "kaseya"] {
        let off = sync_against_fake(vendor, small_tenant, 20, &["--rate-limit", "off"])?;
        let default = sync_against_fake(vendor, small_tenant, 20, &[])?;
        if default.records != off.records {
            return Err(BenchError(format!(
                "{vendor}: {} records with the default quota, {} without — a connector or bench bug, please report it with this line",
                default.records, off.records
            )));
        }
        eprintln!(
            "5.1 {vendor}: {:.2} s default quota, {:.2} s none",
            default.secs, off.secs
        );
        small.push(SmallRow {
            vendor,
            records: default.records,
            requests: default.requests,
            default_secs: default.secs,
            off_secs: off.secs,
        });
    }

    // 5.2 on the bench's loopback server: it answers `latency` after each
    // request arrived whatever its own work, like a vendor whose answers
    // take 50 ms, where the testkit's wiremock fake adds its one thread's
    // ~0.6 ms of matching and serializing to every answer.
    let server = ServerChild::start()?;
    let full = full_sync(&server, "full", full_devices, &[])?;
    // Beside it: the largest listing alone, on the same server and tenant.
    let devices = full_sync(&server, "devices", full_devices, &["--only", "devices"])?;
    let context = [("devices only", devices)];
    eprintln!(
        "5.2 full sync: {:.2} s, ratio {:.2}",
        full.secs,
        full.ratio()
    );

    let shared = match vectis_testkit::redis::RedisServer::start(&cli.redis_server) {
        Err(why) => SharedOutcome::Skipped(why),
        Ok(redis) => {
            let quota = 40u32;
            let base = format!(
                "http://127.0.0.1:{}/b/shared/{shared_devices}/0/{quota}",
                server.port
            );
            let args = strings(&[
                "--",
                "atera",
                "--only",
                "devices",
                "--base-url",
                &base,
                "--rate-limit",
                &format!("{quota}/s"),
                "--shared-quota",
                &redis.url(),
            ]);
            let started = Instant::now();
            let a = spawn_sync(&args)?;
            let b = spawn_sync(&args)?;
            let (a, b) = (finish(a)?, finish(b)?);
            let secs = started.elapsed().as_secs_f64();
            let stats = super::client::Target {
                vendor: super::BenchVendor::Atera,
                port: server.port,
                run: "shared".into(),
                devices: shared_devices,
                latency_ms: 0,
                quota,
                page_size: None,
            };
            let stats = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(stats.stats())?;
            eprintln!("5.3 shared quota: {secs:.2} s, {} 429s", stats.throttled);
            SharedOutcome::Ran {
                requests: stats.requests,
                throttled: stats.throttled,
                secs,
                quota,
                records: a.records + b.records,
            }
        }
    };

    let (text, missed) = report(&small, &full, &context, &shared);
    println!("{text}");
    if missed.is_empty() {
        Ok(())
    } else {
        Err(BenchError(format!("MISSED: {}", missed.join(", "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(default_secs: f64) -> SmallRow {
        SmallRow {
            vendor: "atera",
            records: 10,
            requests: 5,
            default_secs,
            off_secs: 1.0,
        }
    }

    fn full(secs: f64) -> FullRow {
        FullRow {
            records: 100,
            requests: 160,
            latency: 0.05,
            concurrency: 8,
            secs,
        }
    }

    #[test]
    fn a_slow_default_quota_or_full_sync_or_any_429_misses() {
        let ran = |throttled| SharedOutcome::Ran {
            requests: 100,
            throttled,
            secs: 2.5,
            quota: 40,
            records: 10,
        };
        let (_, missed) = report(&[small(1.2)], &full(1.0), &[], &ran(0));
        assert!(missed.is_empty(), "{missed:?}");
        let (_, missed) = report(&[small(1.3)], &full(1.0), &[], &ran(0));
        assert_eq!(missed.len(), 1, "{missed:?}");
        // bound = 160 × 0.05 / 8 = 1.0 s
        let (_, missed) = report(
            &[small(1.0)],
            &full(1.06),
            &[("devices only", full(2.0))],
            &ran(0),
        );
        assert_eq!(missed.len(), 1, "{missed:?}");
        let (text, missed) = report(&[small(1.0)], &full(1.0), &[], &ran(1));
        assert_eq!(missed.len(), 1, "{missed:?}");
        assert!(text.contains("MISSED"), "{text}");
    }

    #[test]
    fn no_redis_is_skipped_never_met() {
        let s = SharedOutcome::Skipped("no redis-server".into());
        assert_eq!(s.verdict(), "skipped");
        let (text, missed) = report(&[small(1.0)], &full(1.0), &[], &s);
        assert!(missed.is_empty());
        assert!(text.contains("skipped: no redis-server"), "{text}");
    }
}
