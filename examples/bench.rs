//! `cargo run --release --example bench -- [--vendor atera|datto-rmm|connectwise|all] [--quick]`:
//! see BENCHMARKS.md and `vectis_examples::bench`.

fn main() -> std::process::ExitCode {
    vectis_examples::bench::main()
}
