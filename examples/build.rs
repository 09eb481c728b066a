//! Tells the two-process shared-quota test whether it can run: where no
//! `redis-server` is on `PATH` it sets `cfg(no_redis)` and that test is
//! reported as ignored with the reason — never as passed. Under `CI=true`
//! the cfg is never set, so a CI machine without Redis fails it instead.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_redis)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=CI");
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("redis-server").is_file())
    });
    if !ci && !on_path {
        println!("cargo::rustc-cfg=no_redis");
    }
}
