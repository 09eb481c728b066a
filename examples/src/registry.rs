//! Which vendors the examples know, and how each is built from the
//! environment. A new vendor crate plugs in with one [`VendorEntry`].

use std::sync::Arc;
use vectis_core::{Connector, EngineSettings, Error, Result, SecretString, Vendor};

/// Reads an environment variable (injected so tests need not touch the
/// process environment).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Builds a connector from the environment, an optional `--base-url` and
/// engine settings.
pub type BuildFn = fn(Env<'_>, Option<&str>, EngineSettings) -> Result<Arc<dyn Connector>>;

/// How to build one vendor's connector.
pub struct VendorEntry {
    /// The vendor.
    pub vendor: Vendor,
    /// The environment variables it reads, in the order they are explained.
    pub env_vars: &'static [&'static str],
    /// Builds the connector from the environment, an optional `--base-url`
    /// and engine settings.
    pub build: BuildFn,
    /// The kinds (`customers`, `devices`, `alerts`, `tickets`) the vendor
    /// filters by `--since`; the others are always listed in full.
    pub since_kinds: &'static [&'static str],
}

/// A required variable, or a configuration error that names it and says
/// where the value comes from.
pub fn require(env: Env<'_>, name: &str, where_from: &str) -> Result<String> {
    match env(name) {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(Error::config(
            name,
            format!("{name} is not set; {where_from}, then export {name}=…"),
        )),
    }
}

fn atera(
    env: Env<'_>,
    base_url: Option<&str>,
    settings: EngineSettings,
) -> Result<Arc<dyn Connector>> {
    let key = require(
        env,
        "ATERA_API_KEY",
        "create an API key in Atera → Admin → API",
    )?;
    let mut b = vectis_atera::AteraConnector::builder(SecretString::from(key)).settings(settings);
    if let Some(url) = base_url {
        b = b.base_url(url);
    }
    Ok(Arc::new(b.build()?))
}

fn kaseya(
    env: Env<'_>,
    base_url: Option<&str>,
    settings: EngineSettings,
) -> Result<Arc<dyn Connector>> {
    // With --base-url the tenant URL is not needed: the base URL wins.
    let tenant = match base_url {
        Some(url) => url.to_string(),
        None => require(
            env,
            "KASEYA_TENANT_URL",
            "it is the address you open VSA X at, e.g. https://acme.vsax.net",
        )?,
    };
    let id = require(
        env,
        "KASEYA_TOKEN_ID",
        "create an API token in VSA X → Settings → API Access → Tokens",
    )?;
    let secret = require(
        env,
        "KASEYA_TOKEN_SECRET",
        "it is shown once, when the token is created; if it was not kept, create a new token in VSA X → Settings → API Access → Tokens",
    )?;
    let mut b = vectis_kaseya::KaseyaConnector::builder(&tenant, &id, SecretString::from(secret))
        .settings(settings);
    if let Some(url) = base_url {
        // Errors about it then name --base-url, not KASEYA_TENANT_URL.
        b = b.base_url(url);
    }
    Ok(Arc::new(b.build()?))
}

fn datto_rmm(
    env: Env<'_>,
    base_url: Option<&str>,
    settings: EngineSettings,
) -> Result<Arc<dyn Connector>> {
    let platform = require(
        env,
        "DATTO_PLATFORM",
        "it is the first part of your API URL (pinotage, merlot, concord, vidal, zinfandel or syrah), \
         shown in Setup → Global Settings → Access Control",
    )?;
    let key = require(
        env,
        "DATTO_API_KEY",
        "generate an API key pair for an API user in Datto RMM → Setup → Users",
    )?;
    let secret = require(
        env,
        "DATTO_API_SECRET",
        "it is shown once, with the API key",
    )?;
    let mut b = vectis_datto_rmm::DattoRmmConnector::builder(
        &platform,
        SecretString::from(key),
        SecretString::from(secret),
    )
    .settings(settings);
    if let Some(url) = base_url {
        b = b.base_url(url);
    }
    Ok(Arc::new(b.build()?))
}

fn connectwise(
    env: Env<'_>,
    base_url: Option<&str>,
    settings: EngineSettings,
) -> Result<Arc<dyn Connector>> {
    Ok(Arc::new(connectwise_connector(env, base_url, settings)?))
}

/// The ConnectWise connector itself (the `ticket` example needs more than
/// `dyn Connector`).
pub fn connectwise_connector(
    env: Env<'_>,
    base_url: Option<&str>,
    settings: EngineSettings,
) -> Result<vectis_connectwise::ConnectWiseConnector> {
    // With --base-url the site URL is not needed: the base URL wins.
    let site = match base_url {
        Some(url) => env("CONNECTWISE_SITE_URL").unwrap_or_else(|| url.to_string()),
        None => require(
            env,
            "CONNECTWISE_SITE_URL",
            "it is the address you log in at, e.g. https://na.myconnectwise.net",
        )?,
    };
    let company = require(
        env,
        "CONNECTWISE_COMPANY_ID",
        "it is the short company id on the login page (case-sensitive)",
    )?;
    let public = require(
        env,
        "CONNECTWISE_PUBLIC_KEY",
        "create an API key pair under System → Members → API Members",
    )?;
    let private = require(
        env,
        "CONNECTWISE_PRIVATE_KEY",
        "it is shown once with the public key",
    )?;
    let client_id = require(
        env,
        "CONNECTWISE_CLIENT_ID",
        "register a client id at the ConnectWise developer portal",
    )?;
    let mut b = vectis_connectwise::ConnectWiseConnector::builder(
        &site,
        &company,
        &public,
        SecretString::from(private),
        &client_id,
    )
    .settings(settings);
    if let Some(url) = base_url {
        b = b.base_url(url);
    }
    b.build()
}

/// Every vendor the examples can talk to.
pub fn registry() -> Vec<VendorEntry> {
    vec![
        VendorEntry {
            vendor: Vendor::Atera,
            env_vars: &["ATERA_API_KEY"],
            build: atera,
            // `FromLastModifiedDate` exists on customers only.
            since_kinds: &["customers"],
        },
        VendorEntry {
            vendor: Vendor::Kaseya,
            env_vars: &[
                "KASEYA_TENANT_URL",
                "KASEYA_TOKEN_ID",
                "KASEYA_TOKEN_SECRET",
            ],
            build: kaseya,
            since_kinds: &[],
        },
        VendorEntry {
            vendor: Vendor::DattoRmm,
            env_vars: &["DATTO_PLATFORM", "DATTO_API_KEY", "DATTO_API_SECRET"],
            build: datto_rmm,
            since_kinds: &[],
        },
        VendorEntry {
            vendor: Vendor::ConnectWise,
            env_vars: &[
                "CONNECTWISE_SITE_URL",
                "CONNECTWISE_COMPANY_ID",
                "CONNECTWISE_PUBLIC_KEY",
                "CONNECTWISE_PRIVATE_KEY",
                "CONNECTWISE_CLIENT_ID",
            ],
            build: connectwise,
            // `conditions=lastUpdated > [...]` on every list.
            since_kinds: &["customers", "devices", "tickets"],
        },
    ]
}

/// The entry for a command-line vendor name, or a usage error listing the
/// known ones.
pub fn lookup(name: &str) -> Result<VendorEntry> {
    let known: Vec<&str> = registry().iter().map(|e| e.vendor.slug()).collect();
    let vendor = Vendor::from_slug(name);
    registry()
        .into_iter()
        .find(|e| Some(e.vendor) == vendor)
        .ok_or_else(|| {
            let why = if vendor.is_some() {
                format!(
                    "`{name}` is not built into these examples yet; available: {}",
                    known.join(", ")
                )
            } else {
                format!("unknown vendor `{name}`; use one of: {}", known.join(", "))
            };
            Error::config("VENDOR", why)
        })
}
