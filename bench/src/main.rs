//! `cargo run --release -p vectis-bench -- [--vendor …] [--quick]`, or one of
//! its scenarios (`store`, `conditions`): see BENCHMARKS.md and the
//! `vectis_bench` library.

fn main() -> std::process::ExitCode {
    vectis_bench::main()
}
