//! `cargo run --example sync -- <VENDOR> [OPTIONS]`: sync customers, devices
//! and alerts from one vendor; see `--help` and DESIGN.md for the contract.

#[tokio::main]
async fn main() {
    let code = vectis_examples::cli::main(vectis_examples::cli::Command::Sync).await;
    std::process::exit(code);
}
