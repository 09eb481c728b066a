//! `cargo run --example alert -- <VENDOR> <ack|resolve> <ALERT_ID>`: act on
//! one alert and say what was done, in the vendor's terms.

#[tokio::main]
async fn main() {
    let code = vectis_examples::cli::main(vectis_examples::cli::Command::Alert).await;
    std::process::exit(code);
}
