//! Atera's facts, stated once: what every other file reads.

use crate::raw;
use vectis_core::vendor_info::{EnvVar, Hints, VendorInfo, quota_per, read_error_body};
use vectis_core::{Kind, Vendor, Verb};

/// Atera's API origin.
pub const DEFAULT_BASE_URL: &str = "https://app.atera.com";
/// The API root under the origin.
pub const API_ROOT: &str = "/api/v3";
/// Atera's largest page (`itemsInPage` "max is 50").
pub const MAX_PAGE_SIZE: u32 = 50;
/// Default client-side quota: 700 requests per minute.
pub const DEFAULT_QUOTA_PER_MINUTE: u32 = 700;
/// The variable the API key is read from.
pub const API_KEY_VAR: &str = "ATERA_API_KEY";

/// Atera, as data.
pub static INFO: VendorInfo = VendorInfo {
    vendor: Vendor::Atera,
    product: "Atera",
    example_url: DEFAULT_BASE_URL,
    api_root: API_ROOT,
    api_root_aliases: &[],
    env: &[EnvVar::new(
        API_KEY_VAR,
        "the API key",
        "create an API key in {keys}",
    )],
    consoles: &[("keys", "Atera → Admin → API")],
    hints: Hints {
        unauthorized: "the API key is wrong or revoked — generate a new one in {keys} and set ATERA_API_KEY",
        forbidden: "the key may not read this, or the Atera subscription does not include API access (it is disabled during the free trial) — check the key's permissions in {keys}",
        not_found: "no such record in this Atera account; check the id",
        rate_limited: "Atera is rate-limiting this key, which another integration may share — wait a minute, or lower --rate-limit (default {quota})",
        timeout: "check outbound HTTPS to app.atera.com (or the --base-url given)",
    },
    supports: &[
        Verb::ListCustomers,
        Verb::ListDevices,
        Verb::ListAlerts,
        Verb::ResolveAlert,
    ],
    // `FromLastModifiedDate` exists on customers only.
    since_kinds: &[Kind::Customers],
    unsupported: &[
        (
            &[Verb::AcknowledgeAlert],
            "Atera has no acknowledge verb (alerts are Open, Snoozed or Resolved); resolve it instead, or snooze it in the Atera console",
        ),
        (
            &[Verb::ListTickets, Verb::CreateTicket],
            "Atera tickets are not supported by this connector yet",
        ),
    ],
    default_quota: quota_per(DEFAULT_QUOTA_PER_MINUTE, 60),
    error_body: Some(read_error_body::<raw::ProblemDetails>),
};
