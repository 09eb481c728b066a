//! `cargo run --example rules -- --store URL --rules FILE --psa CONN [--dry-run]`:
//! RMM alerts in the store become PSA tickets by rules, one ticket per key.

#[tokio::main]
async fn main() {
    let code = vectis_examples::cli::main(vectis_examples::cli::Command::Rules).await;
    std::process::exit(code);
}
