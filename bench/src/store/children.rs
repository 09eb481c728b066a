//! The processes of `bench store`: a measuring child per sync, a throwaway PostgreSQL, and dlt in Python on the same records.

use super::*;

pub(super) fn run_store_child(
    port: u16,
    run: &str,
    devices: u64,
    store: &str,
    runtime: Runtime,
    export: bool,
) -> Result<StoreMeasured, BenchError> {
    let exe = std::env::current_exe()?;
    let runtime = match runtime {
        Runtime::OneThread => "one-thread",
        Runtime::Example => "example",
    };
    let mut cmd = Command::new(exe);
    cmd.arg("__store");
    if export {
        cmd.arg("--export");
    }
    let out = cmd
        .args(["--runtime", runtime])
        .args(["--port", &port.to_string(), "--run", run])
        .args(["--devices", &devices.to_string()])
        .env(STORE_ENV, store)
        // Not the terminal: the `sync` command would draw its progress bar
        // there, inside the measured time.
        .stderr(Stdio::piped())
        .output()?;
    if !out.status.success() {
        return Err(BenchError(format!(
            "store run {run} ({devices} devices into {}) failed ({}): {}",
            shown(store),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let m: StoreMeasured = serde_json::from_str(text.lines().last().unwrap_or(""))?;
    if m.records != devices {
        return Err(BenchError(format!(
            "store run {run}: {} records instead of {devices}; the connector, the store or the bench server lost or repeated records — a bug, please report it with this line",
            m.records
        )));
    }
    Ok(m)
}

/// A store URL for messages: the password hidden.
pub(super) fn shown(url: &str) -> String {
    vectis_sync::StoreUrl::parse(url).map_or_else(
        |_| vectis_core::http::scheme_and_host(url),
        |u| u.to_string(),
    )
}

/// A throwaway PostgreSQL from `.ci/postgres.sh`, stopped when dropped.
pub(super) struct Postgres {
    dir: PathBuf,
    script: PathBuf,
}

impl Postgres {
    pub(super) fn start(dir: PathBuf) -> Result<(Postgres, String), String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/postgres.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(&dir)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("could not run {}: {e}", script.display()))?;
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || !url.starts_with("postgres://") {
            return Err(format!(
                "{} start failed ({})",
                script.display(),
                out.status
            ));
        }
        Ok((Postgres { dir, script }, url))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

/// `admin` with its database replaced by `db`.
pub(super) fn with_database(admin: &str, db: &str) -> Result<String, BenchError> {
    let mut u = url::Url::parse(admin)
        .map_err(|e| BenchError(format!("--postgres-url {}: {e}", shown(admin))))?;
    u.set_path(&format!("/{db}"));
    Ok(u.to_string())
}

/// Drops (when `create` is false) or recreates the bench's database `db`.
pub(super) fn pg_database(admin: &str, db: &str, create: bool) -> Result<(), BenchError> {
    use sqlx::Connection;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(admin)
            .await
            .map_err(|e| BenchError(format!("PostgreSQL {}: {e}", shown(admin))))?;
        let mut stmts = vec![format!("DROP DATABASE IF EXISTS {db}")];
        if create {
            stmts.push(format!("CREATE DATABASE {db}"));
        }
        for s in stmts {
            sqlx::query(&s)
                .execute(&mut c)
                .await
                .map_err(|e| BenchError(format!("PostgreSQL {}: {s}: {e}", shown(admin))))?;
        }
        let _ = c.close().await;
        Ok(())
    })
}

pub(super) fn write_jsonl(path: &Path, devices: u64) -> Result<(), BenchError> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut line = String::with_capacity(2048);
    for id in 1..=devices {
        line.clear();
        server::datto_device(&mut line, id);
        line.push('\n');
        std::io::Write::write_all(&mut w, line.as_bytes())?;
    }
    std::io::Write::flush(&mut w)?;
    Ok(())
}

pub(super) fn run_dlt(
    python: &str,
    jsonl: &Path,
    destination: &str,
    dir: &Path,
    timeout: std::time::Duration,
) -> Result<DltMeasured, String> {
    use std::io::Read;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("dlt_load.py");
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut child = Command::new(python)
        .arg(&script)
        .arg("--jsonl")
        .arg(jsonl)
        .args(["--destination", destination])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run {python}: {e}"))?;
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let text = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    let last: Option<DltMeasured> = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok());
    match (status, last) {
        (Some(s), Some(d)) if s.success() => Ok(d),
        // Stopped at the time limit after its first load: keep that.
        (None, Some(d)) => Ok(d),
        (None, None) => Err(format!(
            "{destination}: stopped after {} s, before its first load finished",
            timeout.as_secs()
        )),
        (Some(s), _) => {
            let tail: Vec<&str> = err.lines().rev().take(3).collect();
            Err(format!(
                "{destination}: the dlt script failed ({s}): {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ))
        }
    }
}
