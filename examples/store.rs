//! `cargo run --example store -- export|runs --store URL`: a store's records
//! (the `sync` shape plus connection and sync times) or its runs, as JSON lines.

#[tokio::main]
async fn main() {
    let code = vectis_examples::cli::main(vectis_examples::cli::Command::Store).await;
    std::process::exit(code);
}
