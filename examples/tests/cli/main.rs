//! The `sync` and `alert` command-line contract (DESIGN.md), driven through
//! the same functions the examples' `main`s call.

use vectis_examples::cli::{Io, run_sync};
use vectis_testkit::atera::{ATERA_API_KEY, AteraData, AteraFake};

mod atera;
mod matching;
mod output;
mod vendors;

#[path = "../common/mod.rs"]
mod common;
use common::{Cmd, Run};

async fn sync(args: &[&str], env: &[(&str, &str)]) -> Run {
    run(args, env, false).await
}

/// Runs `sync atera` at `fake` with the fake's key; `args` come after the
/// base URL.
async fn sync_atera(fake: &AteraFake, args: &[&str]) -> Run {
    let uri = fake.uri();
    let mut all = vec!["atera", "--base-url", &uri];
    all.extend_from_slice(args);
    sync(&all, &[("ATERA_API_KEY", ATERA_API_KEY)]).await
}

async fn run(args: &[&str], env: &[(&str, &str)], alert: bool) -> Run {
    let cmd = if alert { Cmd::Alert } else { Cmd::Sync };
    common::run(cmd, args, env).await
}
