//! `cargo run --example match -- --rmm-file A.jsonl --psa-file B.jsonl`, or
//! live with `--rmm <VENDOR> --psa connectwise`: links each RMM customer to
//! at most one PSA company and prints one JSON line per RMM customer.

#[tokio::main]
async fn main() {
    let code = vectis_examples::cli::main(vectis_examples::cli::Command::Match).await;
    std::process::exit(code);
}
