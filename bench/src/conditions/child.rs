//! The `sync` runs in child processes (`__sync`), the testkit fakes they sync against (`__fake`), and scenario 2's runs on the bench server.

use super::*;

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
pub(super) struct FakeChild {
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
pub(super) fn sync_against_fake(
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

/// A started fake: its URI, its credentials, and how to read its request count.
pub(super) struct Fake {
    uri: String,
    env: Vec<(&'static str, &'static str)>,
    received: Box<dyn Fn() -> futures::future::BoxFuture<'static, u64> + Send + Sync>,
    /// Keeps the server alive.
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

pub(super) async fn start_fake(
    vendor: &str,
    tenant: &[usize],
    latency: Duration,
) -> Result<Fake, BenchError> {
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
pub(super) fn credentials_for(vendor: &str, uri: &str) -> Result<Fake, BenchError> {
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
    let started = Instant::now();
    let records = crate::sync_command(&sync, &lookup).await?;
    let secs = started.elapsed().as_secs_f64();
    let requests = match &fake {
        Some(f) => (f.received)().await,
        None => 0,
    };
    Ok(SyncRun {
        // A non-zero exit is an error above.
        code: 0,
        secs,
        records,
        requests,
    })
}

/// Starts a `__sync` child (its result is read with [`finish`]).
pub(super) fn spawn_sync(args: &[String]) -> Result<Child, BenchError> {
    let exe = std::env::current_exe()?;
    Ok(Command::new(exe)
        .arg("__sync")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?)
}

pub(super) fn finish(child: Child) -> Result<SyncRun, BenchError> {
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

pub(super) fn run_one(args: &[String]) -> Result<SyncRun, BenchError> {
    finish(spawn_sync(args)?)
}

/// Scenario 5.2's run: `sync atera` (every kind, or what `extra` says) with
/// `--concurrency 8` and no client quota against the bench server's Atera
/// tenant of `devices` agents at 50 ms an answer; the requests are the
/// server's count for `run`.
pub(super) fn full_sync(
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
    let stats = crate::client::Target {
        vendor: crate::BenchVendor::Atera,
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

pub(super) fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_string()).collect()
}
