//! The main bench's runs: the plan of jobs, each measured in a fresh child process, and the whole run.

use super::*;

/// The section of the report a measurement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Throughput,
    Quota,
    Memory,
}

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) section: Section,
    pub(crate) label: &'static str,
    pub(crate) vendor: BenchVendor,
    pub(crate) mode: Mode,
    pub(crate) devices: u64,
    pub(crate) latency_ms: u64,
    pub(crate) quota: u32,
    pub(crate) concurrency: usize,
}

impl Job {
    /// Pages of every listing the sync reads.
    pub(crate) fn pages(&self) -> u64 {
        self.devices.div_ceil(self.vendor.max_page()).max(1) * self.vendor.listings()
    }

    /// Requests the connector needs: the pages and any setup request.
    fn requests(&self) -> u64 {
        self.pages() + self.vendor.setup_requests()
    }

    /// `max(requests / quota, pages × latency / concurrency)`, in seconds,
    /// with the concurrency one listing of this vendor can use.
    pub(crate) fn lower_bound(&self) -> f64 {
        let pages = self.pages() as f64;
        let by_quota = if self.quota > 0 {
            self.requests() as f64 / f64::from(self.quota)
        } else {
            0.0
        };
        let conc = self.vendor.listing_concurrency(self.concurrency) as f64;
        let by_latency = pages * self.latency_ms as f64 / 1000.0 / conc;
        by_quota.max(by_latency)
    }
}

pub(crate) const LATENCY_MS: u64 = 50;
pub(crate) const CONCURRENCY: usize = 4;

pub(crate) fn plan(vendors: &[BenchVendor], quick: bool) -> Vec<Job> {
    let pick = |full: u64, q: u64| if quick { q } else { full };
    let mut jobs = Vec::new();
    let job = |section, label, vendor, mode, devices, latency_ms, quota| Job {
        section,
        label,
        vendor,
        mode,
        devices,
        latency_ms,
        quota,
        concurrency: CONCURRENCY,
    };
    for &v in vendors {
        let devices = match v {
            BenchVendor::Atera => pick(100_000, 20_000),
            BenchVendor::DattoRmm => pick(200_000, 25_000),
            BenchVendor::ConnectWise => pick(300_000, 50_000),
            BenchVendor::Kaseya => pick(100_000, 20_000),
        };
        for mode in [Mode::Connector, Mode::Naive] {
            jobs.push(job(Section::Throughput, "", v, mode, devices, 0, 0));
        }
        // One scenario where the quota binds, one where latency does.
        let scenarios: [(&'static str, u64, u32); 2] = match v {
            // 400 pages: 10 s at 40/s; 5 s of latency at 4 in flight.
            BenchVendor::Atera => [
                ("quota-bound", pick(20_000, 5_000), 40),
                ("latency-bound", pick(20_000, 5_000), 100),
            ],
            // Datto's 600/min is 10/s: 200 pages + 1 at 10/s = 20.1 s;
            // 200 pages × 50 ms at 4 in flight = 2.5 s.
            BenchVendor::DattoRmm => [
                ("quota-bound", pick(50_000, 5_000), 10),
                ("latency-bound", pick(50_000, 25_000), 100),
            ],
            // Sequential: 100 pages at 10/s = 10 s; 150 × 50 ms = 7.5 s.
            BenchVendor::ConnectWise => [
                ("quota-bound", pick(100_000, 30_000), 10),
                ("latency-bound", pick(150_000, 30_000), 40),
            ],
            // VSA X publishes no quota. 200 + 200 pages: 10 s at 40/s;
            // 400 × 50 ms at 4 in flight = 5 s (4 s of quota at 100/s).
            BenchVendor::Kaseya => [
                ("quota-bound", pick(20_000, 5_000), 40),
                ("latency-bound", pick(20_000, 5_000), 100),
            ],
        };
        for (label, devices, quota) in scenarios {
            for mode in [Mode::Connector, Mode::Naive] {
                jobs.push(job(
                    Section::Quota,
                    label,
                    v,
                    mode,
                    devices,
                    LATENCY_MS,
                    quota,
                ));
            }
        }
        for devices in [10_000, pick(1_000_000, 200_000)] {
            jobs.push(job(Section::Memory, "", v, Mode::Connector, devices, 0, 0));
        }
    }
    jobs
}

pub(crate) fn run_child(port: u16, run: &str, job: &Job) -> Result<Measured, BenchError> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .arg("__client")
        .args(["--vendor", job.vendor.name()])
        .args([
            "--mode",
            match job.mode {
                Mode::Connector => "connector",
                Mode::Naive => "naive",
            },
        ])
        .args(["--port", &port.to_string(), "--run", run])
        .args(["--devices", &job.devices.to_string()])
        .args(["--latency-ms", &job.latency_ms.to_string()])
        .args(["--quota", &job.quota.to_string()])
        .args(["--concurrency", &job.concurrency.to_string()])
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(BenchError(format!(
            "{} {} run {run} failed ({}); its own error is printed above — rerun with `--vendor {}` to reproduce it alone",
            job.vendor.name(),
            mode_name(job.mode),
            out.status,
            job.vendor.name()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    Ok(serde_json::from_str(line)?)
}

pub(crate) fn run(cli: &Cli) -> Result<(), BenchError> {
    let vendors: Vec<BenchVendor> = match cli.vendor {
        VendorChoice::Atera => vec![BenchVendor::Atera],
        VendorChoice::DattoRmm => vec![BenchVendor::DattoRmm],
        VendorChoice::ConnectWise => vec![BenchVendor::ConnectWise],
        VendorChoice::Kaseya => vec![BenchVendor::Kaseya],
        VendorChoice::All => vec![
            BenchVendor::Atera,
            BenchVendor::DattoRmm,
            BenchVendor::ConnectWise,
            BenchVendor::Kaseya,
        ],
    };
    let server = ServerChild::start()?;
    let jobs = plan(&vendors, cli.quick);
    let mut results = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        eprint!(
            "[{}/{}] {} {:?} {:?} {} devices{}…",
            i + 1,
            jobs.len(),
            job.vendor.name(),
            job.section,
            job.mode,
            job.devices,
            if job.quota > 0 {
                format!(", {}/s, {} ms", job.quota, job.latency_ms)
            } else {
                String::new()
            }
        );
        let m = run_child(server.port, &format!("r{i}"), job)?;
        eprintln!(" {:.2} s", m.tally.secs);
        if m.tally.records != job.devices {
            return Err(BenchError(format!(
                "{} {}: {} records instead of {}; the client or the bench server lost or repeated records — a bug, please report it with this line",
                job.vendor.name(),
                mode_name(job.mode),
                m.tally.records,
                job.devices
            )));
        }
        results.push((job.clone(), m));
    }
    drop(server);
    print!("{}", report(&results, cli.quick));
    let missed = missed_targets(&results);
    if !missed.is_empty() {
        return Err(BenchError(format!(
            "{} target(s) MISSED ({}); see the tables above — a missed target fails the run",
            missed.len(),
            missed.join(", ")
        )));
    }
    Ok(())
}
