//! `cargo run --example ticket -- connectwise --company 19 --summary "Disk full on ACME-DC01"`:
//! opens a ticket in the PSA and says what was created.

#[tokio::main]
async fn main() {
    let code = vectis_examples::cli::main(vectis_examples::cli::Command::Ticket).await;
    std::process::exit(code);
}
