//! Datto RMM's facts, stated once: what every other file reads.

use crate::raw;
use std::time::Duration;
use vectis_core::vendor_info::{
    EnvVar, Hints, VendorInfo, WithBaseUrl, quota_per, read_error_body,
};
use vectis_core::{Vendor, Verb};

/// The six Datto RMM platforms (the first part of the API host).
pub const PLATFORMS: [&str; 6] = [
    "pinotage",
    "merlot",
    "concord",
    "vidal",
    "zinfandel",
    "syrah",
];
/// The API root under the origin.
pub const API_ROOT: &str = "/api/v2";
/// The token endpoint under the origin (no `/api` prefix).
pub const TOKEN_PATH: &str = "/auth/oauth/token";
/// The fixed OAuth client every Datto RMM API client uses.
pub const OAUTH_CLIENT_ID: &str = "public-client";
/// The fixed OAuth client secret (public by design).
pub const OAUTH_CLIENT_SECRET: &str = "public";
/// The documented page size (`max`), also the usual account maximum.
pub const DEFAULT_PAGE_SIZE: u32 = 250;
/// Datto RMM's read limit per rolling minute, per account.
pub const ACCOUNT_READ_LIMIT_PER_MINUTE: u32 = 600;
/// Default client-side quota: 540 requests per minute, 90 % of the limit.
pub const DEFAULT_QUOTA_PER_MINUTE: u32 = 540;
/// How long a Datto RMM token lives.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(100 * 3600);
/// How long every request on the credential waits after a 429 that names no
/// `Retry-After`: the window is a rolling minute.
pub const THROTTLE_WAIT: Duration = Duration::from_secs(60);
/// The shortest IP block Datto RMM imposes when a client keeps going after a 429.
pub const IP_BLOCK: Duration = Duration::from_secs(300);
/// The variable the platform is read from.
pub const PLATFORM_VAR: &str = "DATTO_PLATFORM";
/// The variable the API key is read from.
pub const API_KEY_VAR: &str = "DATTO_API_KEY";
/// The variable the API secret is read from.
pub const API_SECRET_VAR: &str = "DATTO_API_SECRET";

/// Datto RMM, as data.
pub static INFO: VendorInfo = VendorInfo {
    vendor: Vendor::DattoRmm,
    product: "Datto RMM",
    example_url: "https://merlot-api.centrastage.net",
    api_root: API_ROOT,
    api_root_aliases: &["/api"],
    env: &[
        EnvVar::new(
            PLATFORM_VAR,
            "the platform",
            "it is the first part of your API URL, https://<platform>-api.centrastage.net (pinotage, merlot, concord, vidal, zinfandel or syrah), shown in {access}",
        )
        .with_base_url(WithBaseUrl::Replaced),
        EnvVar::new(
            API_KEY_VAR,
            "the API key",
            "generate a key pair for the API user in Datto RMM ({users})",
        ),
        EnvVar::new(
            API_SECRET_VAR,
            "the API secret",
            "it is shown once, when the key pair is generated ({users})",
        ),
    ],
    consoles: &[
        ("users", "Setup → Users"),
        ("access", "Setup → Global Settings → Access Control"),
    ],
    hints: Hints {
        unauthorized: "the token was refused even after getting a new one: check that API access is on ({access}) and that the API user is enabled; re-copy the key pair, or generate a new one under the API user ({users})",
        forbidden: "the API user's security level does not allow this ({users}); or, if requests went on after a 429, Datto RMM has blocked this IP address for at least 5 minutes",
        not_found: "no such record in this Datto RMM account; check the uid — if every request answers 404, {wrong_platform}",
        rate_limited: "Datto RMM allows {limit} reads per rolling minute per account, shared by every API key and script on it — wait a minute, and lower --rate-limit (default {quota}) if other integrations use the same account",
        timeout: "check outbound HTTPS to {host} (or the --base-url given)",
    },
    supports: &[
        Verb::ListCustomers,
        Verb::ListDevices,
        Verb::ListAlerts,
        Verb::ResolveAlert,
    ],
    since_kinds: &[],
    unsupported: &[
        (
            &[Verb::AcknowledgeAlert],
            "Datto RMM removed muting (its only acknowledge) in release 8.9.0 — `POST /api/v2/alert/{uid}/mute` still answers 200 but does nothing, so the alert would not be silenced; resolve it instead",
        ),
        (
            &[Verb::ListTickets, Verb::CreateTicket],
            "Datto RMM has no tickets; open them in a PSA (e.g. with the ConnectWise connector)",
        ),
    ],
    default_quota: quota_per(DEFAULT_QUOTA_PER_MINUTE, 60),
    error_body: Some(read_error_body::<raw::ErrorBody>),
};

/// The API origin of `platform`: `https://<platform>-api.centrastage.net`.
pub fn platform_origin(platform: &str) -> String {
    format!("https://{platform}-api.centrastage.net")
}

/// The six platforms, for messages.
pub(crate) fn platform_list() -> String {
    PLATFORMS.join(", ")
}

/// The hint for a platform that looks wrong, naming the six; for a base URL
/// given without a platform (`platform` empty), the hint for that URL.
pub(crate) fn wrong_platform_hint(platform: &str, host: &str) -> String {
    if platform.is_empty() {
        return format!(
            "the base URL ({host}) looks wrong for this account — point it at your Datto RMM API host, https://<platform>-api.centrastage.net with one of {}",
            platform_list()
        );
    }
    format!(
        "the platform `{platform}` ({host}) looks wrong for this account — use the platform your Datto RMM API URL names (https://<platform>-api.centrastage.net): one of {}",
        platform_list()
    )
}

#[cfg(test)]
mod tests {
    use crate::throttle::rules;
    use vectis_core::http::{Situation, VendorRules};
    use vectis_core::{Quota, Time};

    #[test]
    fn reads_both_error_body_shapes() {
        let r = rules("merlot", "https://merlot-api.centrastage.net", Time::real());
        let oauth =
            serde_json::json!({"error": "invalid_grant", "error_description": "Bad credentials"});
        assert_eq!(
            r.error_body(&oauth),
            Some((Some("invalid_grant".into()), "Bad credentials".into()))
        );
        let spring = serde_json::json!({"timestamp": 1718035200000_i64, "status": 404, "error": "Not Found",
            "message": "Device was not found.", "path": "/api/v2/device/x"});
        assert_eq!(
            r.error_body(&spring),
            Some((Some("Not Found".into()), "Device was not found.".into()))
        );
        assert_eq!(r.error_body(&serde_json::json!([1, 2])), None);
    }

    #[test]
    fn the_default_quota_is_ninety_percent_of_the_account_limit() {
        let r = rules("merlot", "h", Time::real());
        assert_eq!(r.default_quota(), Quota::per_minute(540));
        assert!(r.hint(Situation::RateLimited).contains("600"));
    }
}
