//! `cargo run --example hub -- --store URL`: per PSA company, its linked RMM
//! customers with devices and open alerts by severity, its open tickets, and
//! the customers nobody linked.

#[tokio::main]
async fn main() {
    let code = vectis_examples::cli::main(vectis_examples::cli::Command::Hub).await;
    std::process::exit(code);
}
