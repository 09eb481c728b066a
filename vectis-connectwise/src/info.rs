//! ConnectWise Manage's facts, stated once: what every other file reads.

use crate::raw;
use vectis_core::vendor_info::{
    EnvVar, Hints, VendorInfo, WithBaseUrl, quota_per, read_error_body,
};
use vectis_core::{Kind, Vendor, Verb};

/// The release alias every cloud instance accepts (the vendor's OpenAPI
/// server URL uses it); accepted as a configured codebase.
pub const DEFAULT_CODEBASE: &str = "v4_6_release";
/// The API root under `https://<site>/<codebase>`.
pub const API_ROOT: &str = "apis/3.0";
/// ConnectWise's largest page.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Longest ticket summary ConnectWise accepts.
pub const MAX_SUMMARY_CHARS: usize = 100;
/// Longest `externalXRef` ConnectWise accepts.
pub const MAX_EXTERNAL_REF_CHARS: usize = 100;
/// Default client-side quota (ConnectWise publishes none).
pub const DEFAULT_QUOTA_PER_MINUTE: u32 = 60;
/// The request header that selects forward-only paging.
pub const PAGINATION_TYPE_HEADER: &str = "pagination-type";
/// Prefix of the `externalXRef` marker put on tickets this connector opens,
/// so a create whose answer was lost can be found instead of repeated.
pub const MARKER_PREFIX: &str = "vectis-";
/// Status names tried, in order, for a board's closed status when none is
/// configured with [`ConnectWiseBuilder::closed_status`](crate::ConnectWiseBuilder::closed_status).
pub const CLOSED_STATUS_NAMES: &[&str] = &[">Closed", "Closed"];
/// The variable the site URL is read from.
pub const SITE_URL_VAR: &str = "CONNECTWISE_SITE_URL";
/// The variable the login company id is read from.
pub const COMPANY_ID_VAR: &str = "CONNECTWISE_COMPANY_ID";
/// The variable the API member's public key is read from.
pub const PUBLIC_KEY_VAR: &str = "CONNECTWISE_PUBLIC_KEY";
/// The variable the API member's private key is read from.
pub const PRIVATE_KEY_VAR: &str = "CONNECTWISE_PRIVATE_KEY";
/// The variable the integration's `clientId` is read from.
pub const CLIENT_ID_VAR: &str = "CONNECTWISE_CLIENT_ID";

/// ConnectWise Manage, as data.
pub static INFO: VendorInfo = VendorInfo {
    vendor: Vendor::ConnectWise,
    product: "ConnectWise Manage",
    example_url: "https://na.myconnectwise.net",
    api_root: API_ROOT,
    api_root_aliases: &[],
    env: &[
        EnvVar::new(
            SITE_URL_VAR,
            "the site URL",
            "it is the address you log in at, e.g. https://na.myconnectwise.net",
        )
        .with_base_url(WithBaseUrl::IsIt),
        EnvVar::new(
            COMPANY_ID_VAR,
            "the company id",
            "give the short company id you log in to ConnectWise with (case-sensitive, no spaces, e.g. `contoso`), not the company's display name",
        ),
        EnvVar::new(PUBLIC_KEY_VAR, "the public key", "copy it from {keys}"),
        EnvVar::new(
            PRIVATE_KEY_VAR,
            "the private key",
            "it is shown once when the API key is created ({keys}) — create a new key if it was lost",
        ),
        EnvVar::new(
            CLIENT_ID_VAR,
            "the client id",
            "register this integration at {portal} and paste the GUID it gives you (like 1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d)",
        ),
    ],
    consoles: &[
        ("keys", "System → Members → API Members → API Keys"),
        ("roles", "ConnectWise → System → Security Roles"),
        (
            "portal",
            "the ConnectWise developer portal (https://developer.connectwise.com → Client ID)",
        ),
        (
            "modules",
            "the modules this integration reads: Companies → Company Maintenance and Configurations, Service Desk → Service Tickets (Inquire)",
        ),
    ],
    hints: Hints {
        unauthorized: "the company id, public key or private key is wrong — the company id is the short one you log in with (case-sensitive, e.g. `contoso`, not the company's display name), and the keys are an API member's ({keys}); check CONNECTWISE_COMPANY_ID, CONNECTWISE_PUBLIC_KEY and CONNECTWISE_PRIVATE_KEY",
        forbidden: "the API member's security role lacks read access; in {roles} give its role {modules}",
        not_found: "no such record in this ConnectWise company; check the id",
        rate_limited: "ConnectWise (Cloudflare, on cloud instances) is throttling these requests, which other integrations using this API member may share — wait, or lower --rate-limit (default {quota})",
        timeout: "check CONNECTWISE_SITE_URL: the site and region (na., eu. or au.myconnectwise.net, or your on-premises host) must be right, and outbound HTTPS to it allowed",
    },
    supports: &[
        Verb::ListCustomers,
        Verb::ListDevices,
        Verb::ListTickets,
        Verb::CreateTicket,
    ],
    // `conditions=lastUpdated > [...]` on every list.
    since_kinds: &[Kind::Customers, Kind::Devices, Kind::Tickets],
    unsupported: &[
        (
            &[Verb::ListAlerts],
            "ConnectWise Manage is a PSA: it has service tickets, not monitoring alerts — list tickets instead (alerts come from the RMM)",
        ),
        (
            &[Verb::AcknowledgeAlert, Verb::ResolveAlert],
            "ConnectWise Manage has no monitoring alerts to act on; update or close the service ticket in ConnectWise instead",
        ),
    ],
    default_quota: quota_per(DEFAULT_QUOTA_PER_MINUTE, 60),
    error_body: Some(read_error_body::<raw::ErrorResponse>),
};

/// What to say when ConnectWise refuses a call for its missing or unknown
/// `clientId`.
pub(crate) const CLIENT_ID_HINT: &str = "ConnectWise requires a registered clientId on every API call: register this integration at {portal} and set CONNECTWISE_CLIENT_ID to the GUID it gives you";
