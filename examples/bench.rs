//! `cargo run --release --example bench`: see BENCHMARKS.md.

fn main() {}
