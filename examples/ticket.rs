//! `cargo run --example ticket -- connectwise --company 19 --summary "Disk full on ACME-DC01"`:
//! opens a ticket in the PSA and says what was created.

use std::io::IsTerminal;

#[tokio::main]
async fn main() {
    vectis_examples::cli::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = |name: &str| std::env::var(name).ok();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let out_is_terminal = std::io::stdout().is_terminal();
    let code = vectis_examples::cli::run_ticket(
        &args,
        vectis_examples::cli::Io {
            out: &mut out,
            err: &mut err,
            env: &env,
            out_is_terminal,
        },
    )
    .await;
    std::process::exit(code);
}
