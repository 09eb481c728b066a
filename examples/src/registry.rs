//! Which vendors the examples know, and how each is built from the
//! environment. A new vendor crate plugs in with one [`VendorEntry`].

use std::sync::Arc;
use vectis_core::vendor_info::WithBaseUrl;
use vectis_core::{
    Connector, EngineSettings, Error, Kind, Result, SecretString, Vendor, VendorInfo,
};

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
    /// Its table: the environment variables it reads, in the order they are
    /// explained, and the kinds it filters by `--since`.
    pub info: &'static VendorInfo,
    /// Builds the connector from the environment, an optional `--base-url`
    /// and engine settings.
    pub build: BuildFn,
}

impl VendorEntry {
    /// Whether the vendor filters `kind` (`customers`, …) by `--since`; the
    /// others are always listed in full.
    pub fn filters_since(&self, kind: &str) -> bool {
        Kind::from_name(kind).is_some_and(|k| self.info.filters_since(k))
    }
}

/// Every variable of `info`'s table, in its order, or a configuration error
/// that names the first one missing and says where its value comes from.
/// With `--base-url`, a variable that holds the base URL
/// (`KASEYA_TENANT_URL`) takes it as its value, and one that only picks the
/// host (`DATTO_PLATFORM`) is not needed (empty when unset); see
/// [`WithBaseUrl`].
pub fn values<const N: usize>(
    env: Env<'_>,
    info: &VendorInfo,
    base_url: Option<&str>,
) -> Result<[String; N]> {
    let found: Vec<String> = info
        .env
        .iter()
        .map(|var| match env(var.name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => match (base_url, var.with_base_url) {
                (Some(url), WithBaseUrl::IsIt) => Ok(url.to_string()),
                (Some(_), WithBaseUrl::Replaced) => Ok(String::new()),
                _ => Err(Error::config(
                    var.name,
                    format!(
                        "{name} is not set; {}, then export {name}=…",
                        info.env_help(var.name),
                        name = var.name
                    ),
                )),
            },
        })
        .collect::<Result<_>>()?;
    found.try_into().map_err(|v: Vec<String>| {
        Error::config(
            "VENDOR",
            format!(
                "{} reads {} variables, not {N}: a bug in the examples' registry, please report it",
                info.product,
                v.len()
            ),
        )
    })
}

fn atera(
    env: Env<'_>,
    base_url: Option<&str>,
    settings: EngineSettings,
) -> Result<Arc<dyn Connector>> {
    let [key] = values(env, &vectis_atera::INFO, base_url)?;
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
    let [tenant, id, secret] = values(env, &vectis_kaseya::INFO, base_url)?;
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
    let [platform, key, secret] = values(env, &vectis_datto_rmm::INFO, base_url)?;
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
    let [site, company, public, private, client_id] =
        values(env, &vectis_connectwise::INFO, base_url)?;
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
    fn entry(info: &'static VendorInfo, build: BuildFn) -> VendorEntry {
        VendorEntry {
            vendor: info.vendor,
            info,
            build,
        }
    }
    vec![
        entry(&vectis_atera::INFO, atera),
        entry(&vectis_kaseya::INFO, kaseya),
        entry(&vectis_datto_rmm::INFO, datto_rmm),
        entry(&vectis_connectwise::INFO, connectwise),
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
