//! `bench conditions`: the connectors under the conditions users meet, each
//! measured through the `sync` example's own front end ([`run_sync`](vectis_examples::cli::run_sync)), the
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

mod child;
pub use child::*;

mod report;
pub use report::*;

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
mod tests;
