//! Unit tests of `vendor_info`.

use super::*;
use crate::http::VendorRules;

static T: VendorInfo = VendorInfo {
    vendor: Vendor::Kaseya,
    product: "VSA X",
    example_url: "https://acme.vsax.net",
    api_root: "/api/v3",
    api_root_aliases: &["/api"],
    env: &[EnvVar::new(
        "KASEYA_TOKEN_ID",
        "the token id",
        "create an API token in {tokens}",
    )],
    consoles: &[("tokens", "VSA → Settings → API Access → Tokens")],
    hints: Hints {
        unauthorized: "re-mint it in {tokens}",
        forbidden: "f",
        not_found: "the tenant URL `{tenant}` is wrong",
        rate_limited: "lower --rate-limit (default {quota})",
        timeout: "t",
    },
    supports: &[Verb::ListCustomers, Verb::ListAlerts],
    since_kinds: &[],
    unsupported: &[(
        &[Verb::AcknowledgeAlert, Verb::ResolveAlert],
        "{product} has no acknowledge or close verb",
    )],
    default_quota: quota_per(3_600, 3_600),
    error_body: None,
};

#[test]
fn hints_fill_console_paths_run_time_values_and_the_quota() {
    let rules = InfoRules::new(&T).var("tenant", "https://acme.vsax.net");
    assert_eq!(
        rules.hint(Situation::Unauthorized),
        "re-mint it in VSA → Settings → API Access → Tokens"
    );
    assert_eq!(
        rules.hint(Situation::NotFound),
        "the tenant URL `https://acme.vsax.net` is wrong"
    );
    assert_eq!(
        rules.hint(Situation::RateLimited),
        "lower --rate-limit (default 3600/h)"
    );
    assert_eq!(rules.default_quota(), Quota::per_hour(3_600));
    assert_eq!(T.text("{unknown} stays", &[]), "{unknown} stays");
}

#[test]
fn capabilities_and_unsupported_reasons_come_from_one_table() {
    let caps = T.capabilities();
    assert!(caps.supports(Verb::ListAlerts) && !caps.supports(Verb::ListDevices));
    assert!(!caps.incremental);
    assert_eq!(
        T.unsupported(Verb::ResolveAlert).to_string(),
        "Kaseya VSA cannot resolve an alert: VSA X has no acknowledge or close verb"
    );
    assert_eq!(
        T.unsupported(Verb::ListDevices).to_string(),
        "Kaseya VSA cannot list devices: VSA X's API has no such verb"
    );
}

#[test]
fn the_api_root_is_cut_once_whatever_its_case_and_only_at_a_segment() {
    let b = with_api_root("https://h.example/API/V3", "/api/v3", &[], "x").unwrap();
    assert_eq!(b.api.as_str(), "https://h.example/api/v3");
    assert!(b.had_root);
    let b = with_api_root("https://h.example/xapi/v3", "/api/v3", &[], "x").unwrap();
    assert_eq!(b.api.as_str(), "https://h.example/xapi/v3/api/v3");
    assert!(!b.had_root);
    let b = with_api_root("http://127.0.0.1:9/proxy", "apis/3.0", &[], "x").unwrap();
    assert_eq!(b.api.as_str(), "http://127.0.0.1:9/proxy/apis/3.0");
    assert!(with_api_root("http://h.example", "/api/v3", &[], "x").is_err());
}

#[test]
fn base_url_explains_an_empty_or_schemeless_address() {
    let e = T.base_url("  ", "KASEYA_TENANT_URL").unwrap_err();
    assert!(e.to_string().contains("https://acme.vsax.net"), "{e}");
    let e = T
        .base_url("acme.vsax.net", "KASEYA_TENANT_URL")
        .unwrap_err();
    assert!(
        e.to_string().contains("write it as https://acme.vsax.net"),
        "{e}"
    );
}

#[test]
fn a_missing_variable_says_what_it_is_and_where_it_comes_from() {
    assert_eq!(
        T.missing("KASEYA_TOKEN_ID").to_string(),
        "configuration: KASEYA_TOKEN_ID: the token id is empty; create an API token in VSA → Settings → API Access → Tokens"
    );
}
