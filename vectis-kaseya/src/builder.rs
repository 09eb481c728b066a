//! Building a connector: tenant URL, API token, settings, and the two
//! switches (device enrichment, alert linking).

use crate::KaseyaConnector;
use crate::info::{INFO, TENANT_URL_VAR, TOKEN_ID_VAR, TOKEN_SECRET_VAR};
use std::sync::Arc;
use vectis_core::credential::Basic;
use vectis_core::error::Result;
use vectis_core::{BaseUrl, EngineSettings, HttpClient, InfoRules, SecretString, Vendor};

/// Normalizes a tenant URL: trims it, drops a trailing slash, doubled slashes
/// and a pasted `/api/v3` (or `/api`), and validates it (https, or http on
/// loopback; no query). Returns the tenant root, without `/api/v3`.
pub fn normalize_tenant_url(raw: &str) -> Result<BaseUrl> {
    Ok(INFO.base_url(raw, TENANT_URL_VAR)?.site)
}

/// Builds a [`KaseyaConnector`].
pub struct KaseyaBuilder {
    tenant_url: String,
    /// What an error about `tenant_url` calls it.
    url_setting: &'static str,
    token_id: String,
    token_secret: SecretString,
    settings: EngineSettings,
    enrich_devices: bool,
    link_alerts: bool,
}

impl std::fmt::Debug for KaseyaBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token id is half of the Basic credential: shown as a
        // fingerprint only, like the secret is never shown.
        f.debug_struct("KaseyaBuilder")
            .field("tenant_url", &self.tenant_url)
            .field(
                "token_id",
                &vectis_core::credential::fingerprint(&SecretString::from(self.token_id.clone())),
            )
            .field("token_secret", &"[redacted]")
            .field("settings", &self.settings)
            .field("enrich_devices", &self.enrich_devices)
            .field("link_alerts", &self.link_alerts)
            .finish()
    }
}

impl KaseyaBuilder {
    /// Another address instead of the tenant URL given to
    /// [`KaseyaConnector::builder`] (a proxy, a fake); `/api/v3` is appended.
    pub fn base_url(mut self, url: &str) -> Self {
        self.tenant_url = url.to_string();
        self.url_setting = "base URL";
        self
    }

    /// Engine settings: quota, retries, timeout, concurrency, time.
    pub fn settings(mut self, settings: EngineSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Whether devices get OS, online and last-seen from `GET /api/v3/assets`
    /// (one extra request per 100 devices). Default: on.
    pub fn enrich_devices(mut self, yes: bool) -> Self {
        self.enrich_devices = yes;
        self
    }

    /// Whether every alert carries its device and organization (costs in the
    /// crate docs). Off: a fast listing with `device_id` and `customer_id`
    /// null. Default: on.
    pub fn link_alerts(mut self, yes: bool) -> Self {
        self.link_alerts = yes;
        self
    }

    /// Validates the configuration.
    pub fn build(self) -> Result<KaseyaConnector> {
        use vectis_core::ExposeSecret;
        let base = INFO.base_url(&self.tenant_url, self.url_setting)?;
        let id = self.token_id.trim();
        if id.is_empty() {
            return Err(INFO.missing(TOKEN_ID_VAR));
        }
        if self.token_secret.expose_secret().trim().is_empty() {
            return Err(INFO.missing(TOKEN_SECRET_VAR));
        }
        let secret = SecretString::from(self.token_secret.expose_secret().trim().to_string());
        let credential = Basic::new(Vendor::Kaseya, id, secret);
        let rules = InfoRules::new(&INFO).var("tenant", base.site.as_str());
        let client = HttpClient::new(
            Arc::new(rules),
            base.api,
            Arc::new(credential),
            self.settings,
        );
        Ok(KaseyaConnector {
            client,
            enrich_devices: self.enrich_devices,
            link_alerts: self.link_alerts,
        })
    }
}

impl KaseyaConnector {
    /// A connector for the tenant at `tenant_url` with default settings.
    pub fn new(
        tenant_url: &str,
        token_id: &str,
        token_secret: SecretString,
    ) -> Result<KaseyaConnector> {
        KaseyaConnector::builder(tenant_url, token_id, token_secret).build()
    }

    /// A builder, for engine settings, enrichment and linking.
    pub fn builder(tenant_url: &str, token_id: &str, token_secret: SecretString) -> KaseyaBuilder {
        KaseyaBuilder {
            tenant_url: tenant_url.to_string(),
            url_setting: TENANT_URL_VAR,
            token_id: token_id.to_string(),
            token_secret,
            settings: EngineSettings::default(),
            enrich_devices: true,
            link_alerts: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vectis_core::ErrorKind;

    #[test]
    fn tenant_urls_are_normalized() {
        for raw in [
            "https://acme.vsax.net",
            "https://acme.vsax.net/",
            " https://acme.vsax.net//api/v3/ ",
            "https://acme.vsax.net/api/v3",
            "https://acme.vsax.net/api",
        ] {
            assert_eq!(
                normalize_tenant_url(raw).unwrap().as_str(),
                "https://acme.vsax.net",
                "{raw}"
            );
        }
        assert_eq!(
            normalize_tenant_url("https://rmm.example.com/vsa/api/v3")
                .unwrap()
                .as_str(),
            "https://rmm.example.com/vsa"
        );
    }

    #[test]
    fn bad_tenant_urls_are_config_errors() {
        for raw in [
            "http://acme.vsax.net",
            "acme.vsax.net",
            "https://acme.vsax.net/?x=1",
            "",
        ] {
            let e = normalize_tenant_url(raw).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{raw}: {e}");
            assert!(e.to_string().contains("KASEYA_TENANT_URL"), "{e}");
        }
        assert!(normalize_tenant_url("http://127.0.0.1:8080").is_ok());
    }

    #[test]
    fn empty_credentials_name_their_variable() {
        let e = KaseyaConnector::builder("https://acme.vsax.net", " ", SecretString::from("s"))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("KASEYA_TOKEN_ID"), "{e}");
        let e = KaseyaConnector::builder("https://acme.vsax.net", "id", SecretString::from(""))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("KASEYA_TOKEN_SECRET"), "{e}");
    }
}
