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

/// The allocator of every example (and of the bench, which runs their
/// commands): jemalloc instead of the system's.
///
/// A sync into a store hands each page between threads (the listing's, the
/// syncer's worker, SQLite's worker), so memory allocated on one thread is
/// freed on another. glibc's malloc makes that slow (arena locks,
/// consolidation): on the store bench (150,000 Datto RMM devices, 2 cores)
/// a first SQLite sync took 2.3 s with glibc and 1.76 s with jemalloc, an
/// unchanged one 1.36 s and 1.06 s, PostgreSQL 3.2 s → 2.9 s and 1.68 s →
/// 1.32 s, while the sync to /dev/null stayed at 0.8 s and peak memory
/// moved by a few MiB. Its decay is set at build time in the workspace's
/// `.cargo/config.toml` (freed pages handed back after 200 ms: with the
/// default 10 s a 1M-device sync's peak memory moved by a fifth from run to
/// run). A program of your own that syncs large tenants gains the same by
/// declaring it (see `vectis-sync`'s docs).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
