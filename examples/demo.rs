//! `cargo run --example demo`: starts embedded fakes of Atera, Kaseya VSA X,
//! Datto RMM and ConnectWise, syncs each through the real connectors,
//! matches the RMM customers to the PSA's companies and prints a
//! per-customer hub. No credentials, no network.

#[tokio::main]
async fn main() {
    vectis_examples::cli::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let code = vectis_examples::demo::main_with(&args, &mut out, &mut err).await;
    drop(out);
    std::process::exit(code);
}
