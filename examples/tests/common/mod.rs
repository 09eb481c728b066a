//! What the command-line tests share: run one example's front end (the
//! function its `main` calls) on arguments and an environment, and collect
//! its exit code, stdout and stderr.

// Each test file uses the commands it needs.
#![allow(dead_code)]

use std::collections::HashMap;
use vectis_examples::cli::{Io, run_alert, run_match, run_sync};
use vectis_testkit::atera::ATERA_API_KEY;

/// What one command did.
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Its stdout.
    pub out: String,
    /// Its stderr.
    pub err: String,
}

impl Run {
    /// Each line of stdout, parsed as JSON (a line that is not fails the
    /// test).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Which example.
#[derive(Clone, Copy)]
pub enum Cmd {
    Sync,
    Alert,
    Match,
    Store,
    Hub,
    Rules,
    Ticket,
}

/// Runs `cmd` with `args` (without the program name) and only `env` as its
/// environment; stdout is not a terminal.
pub async fn run(cmd: Cmd, args: &[&str], env: &[(&str, &str)]) -> Run {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |k: &str| env.get(k).cloned();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let io = Io {
        out: &mut out,
        err: &mut err,
        env: &lookup,
        out_is_terminal: false,
    };
    let code = match cmd {
        Cmd::Sync => run_sync(&args, io).await,
        Cmd::Alert => run_alert(&args, io).await,
        Cmd::Match => run_match(&args, io).await,
        Cmd::Store => vectis_examples::store_cmd::run_store(&args, io).await,
        Cmd::Hub => vectis_examples::store_cmd::run_hub(&args, io).await,
        Cmd::Rules => vectis_examples::rules_cmd::run_rules(&args, io).await,
        Cmd::Ticket => vectis_examples::cli::run_ticket(&args, io).await,
    };
    Run {
        code,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

/// [`run`] with the environment's values owned.
pub async fn run_owned(cmd: Cmd, args: &[&str], env: &[(&str, String)]) -> Run {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(cmd, args, &env).await
}

/// A new, empty directory under the system's temp directory, named for the
/// test (`what`), this process and the time, so parallel runs never share it.
pub fn fresh_dir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "vectis-{what}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The environment a ConnectWise command needs to reach the fake at `site`.
pub fn cw_env(site: &str) -> Vec<(&'static str, String)> {
    use vectis_testkit::connectwise as cw;
    vec![
        ("CONNECTWISE_SITE_URL", site.to_string()),
        ("CONNECTWISE_COMPANY_ID", cw::COMPANY_ID.to_string()),
        ("CONNECTWISE_PUBLIC_KEY", cw::PUBLIC_KEY.to_string()),
        ("CONNECTWISE_PRIVATE_KEY", cw::PRIVATE_KEY.to_string()),
        ("CONNECTWISE_CLIENT_ID", cw::CLIENT_ID.to_string()),
    ]
}

/// Runs `sync atera --store store` against the Atera fake at `atera`,
/// unthrottled, with the fake's key.
pub async fn sync_atera_into(store: &str, atera: &str) -> Run {
    let args = [
        "atera",
        "--base-url",
        atera,
        "--rate-limit",
        "off",
        "--store",
        store,
    ];
    run(Cmd::Sync, &args, &[("ATERA_API_KEY", ATERA_API_KEY)]).await
}
