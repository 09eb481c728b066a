//! `cargo run --example alert -- <VENDOR> <ack|resolve> <ALERT_ID>`: act on
//! one alert and say what was done, in the vendor's terms.

use std::io::IsTerminal;

#[tokio::main]
async fn main() {
    vectis_examples::cli::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = |name: &str| std::env::var(name).ok();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let out_is_terminal = std::io::stdout().is_terminal();
    let code = vectis_examples::cli::run_alert(
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
