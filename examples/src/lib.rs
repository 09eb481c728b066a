//! Shared code of the Vectis examples (`sync`, `alert`, `demo`, `match`):
//! the vendor registry, the command-line front ends as testable functions,
//! and output formatting. The examples' `main`s are thin wrappers, so the
//! tests in `tests/` drive exactly what a user runs.

pub mod cli;
pub mod demo;
pub mod registry;
pub mod rules_cmd;
pub mod store_cmd;
pub mod url_arg;
