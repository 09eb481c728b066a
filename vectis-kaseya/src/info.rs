//! VSA X's facts, stated once: what every other file reads.

use crate::raw;
use vectis_core::vendor_info::{
    EnvVar, Hints, VendorInfo, WithBaseUrl, quota_per, read_error_body,
};
use vectis_core::{Vendor, Verb};

/// The API root under the tenant URL.
pub const API_ROOT: &str = "/api/v3";
/// The largest `$top` VSA X accepts (and its default).
pub const PAGE_SIZE: u32 = 100;
/// Default client-side quota, requests per hour.
pub const DEFAULT_QUOTA_PER_HOUR: u32 = 3_600;
/// The variable the tenant URL is read from (what its errors name unless
/// [`KaseyaBuilder::base_url`](crate::KaseyaBuilder::base_url) replaced it).
pub const TENANT_URL_VAR: &str = "KASEYA_TENANT_URL";
/// The variable the API token's id is read from.
pub const TOKEN_ID_VAR: &str = "KASEYA_TOKEN_ID";
/// The variable the API token's secret is read from.
pub const TOKEN_SECRET_VAR: &str = "KASEYA_TOKEN_SECRET";

/// Kaseya VSA X, as data.
pub static INFO: VendorInfo = VendorInfo {
    vendor: Vendor::Kaseya,
    product: "VSA X",
    example_url: "https://acme.vsax.net",
    api_root: API_ROOT,
    api_root_aliases: &["/api"],
    env: &[
        EnvVar::new(
            TENANT_URL_VAR,
            "the tenant URL",
            "it is the address you open VSA X at, e.g. https://acme.vsax.net",
        )
        .with_base_url(WithBaseUrl::IsIt),
        EnvVar::new(
            TOKEN_ID_VAR,
            "the token id",
            "create an API token in {tokens}",
        ),
        EnvVar::new(
            TOKEN_SECRET_VAR,
            "the token secret",
            "it is shown once, when the token is created in {tokens} — if it was not kept, create a new token there",
        ),
    ],
    consoles: &[("tokens", "VSA → Settings → API Access → Tokens")],
    hints: Hints {
        unauthorized: "the API token was refused (revoked, expired or mistyped): re-mint it in {tokens} and update both the token id and the token secret (KASEYA_TOKEN_ID, KASEYA_TOKEN_SECRET)",
        forbidden: "the token's role lacks read access to organizations, devices or notifications (or its IP allow-list or organization scope excludes this): edit the token's role in {tokens}",
        not_found: "the tenant URL `{tenant}` is wrong, or the server is an on-premises VSA 9, whose API is different and not supported (VSA X tenant URLs look like https://<name>.vsax.net)",
        rate_limited: "VSA X is throttling this token; another integration may share it — wait, and lower --rate-limit (default {quota})",
        timeout: "check the tenant URL `{tenant}` and outbound HTTPS to it",
    },
    supports: &[Verb::ListCustomers, Verb::ListDevices, Verb::ListAlerts],
    since_kinds: &[],
    unsupported: &[
        (
            &[Verb::AcknowledgeAlert, Verb::ResolveAlert],
            "VSA X has no acknowledge or close verb for notifications — its only write is DELETE, which destroys the record, so Vectis never sends it; handle the alert in VSA X",
        ),
        (
            &[Verb::ListTickets, Verb::CreateTicket],
            "VSA X has no tickets in its API; open them in a PSA (e.g. with the ConnectWise connector)",
        ),
    ],
    default_quota: quota_per(DEFAULT_QUOTA_PER_HOUR, 3_600),
    error_body: Some(read_error_body::<raw::ErrorBody>),
};

#[cfg(test)]
mod tests {
    use super::*;
    use vectis_core::http::{Situation, VendorRules};
    use vectis_core::{InfoRules, Quota};

    #[test]
    fn reads_the_meta_error_message() {
        let rules = InfoRules::new(&INFO).var("tenant", "https://acme.vsax.net");
        let body = serde_json::json!({"Data": null, "Meta": {"ResponseCode": 404, "ErrorMessage": "Entity is not found."}});
        assert_eq!(
            rules.error_body(&body),
            Some((Some("404".into()), "Entity is not found.".into()))
        );
        assert!(rules.hint(Situation::NotFound).contains("VSA 9"));
        assert_eq!(rules.default_quota(), Quota::per_hour(3_600));
    }
}
