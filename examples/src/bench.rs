//! The benchmark behind `BENCHMARKS.md` (`cargo run --release --example bench`).
