//! Marks the PostgreSQL store tests as ignored, with the reason, when no
//! server was given (`VECTIS_TEST_POSTGRES_URL`); under `CI=true` they are
//! never ignored, so a CI without PostgreSQL fails instead of skipping.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(vectis_no_postgres)");
    println!("cargo::rerun-if-env-changed=VECTIS_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    let given = std::env::var("VECTIS_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty());
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    if !given && !ci {
        println!("cargo::rustc-cfg=vectis_no_postgres");
    }
}
