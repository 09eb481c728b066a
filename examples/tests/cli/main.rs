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

async fn run(args: &[&str], env: &[(&str, &str)], alert: bool) -> Run {
    let cmd = if alert { Cmd::Alert } else { Cmd::Sync };
    common::run(cmd, args, env).await
}
