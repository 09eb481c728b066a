//! `cargo run --example demo`: starts embedded fakes of Atera, Kaseya VSA X,
//! Datto RMM and ConnectWise, syncs each through the real connectors,
//! matches the RMM customers to the PSA's companies and prints a
//! per-customer hub. No credentials, no network.

#[tokio::main]
async fn main() {
    vectis_examples::cli::init_tracing();
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    if let Err(e) = vectis_examples::demo::run(&mut out, &mut err).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
