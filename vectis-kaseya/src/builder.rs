//! Building a connector: tenant URL, API token, settings, and the two
//! switches (device enrichment, alert linking).

use crate::KaseyaConnector;
use crate::info::{INFO, TENANT_URL_VAR, TOKEN_ID_VAR, TOKEN_SECRET_VAR};
use std::sync::Arc;
use vectis_core::builder::Common;
use vectis_core::credential::Basic;
use vectis_core::error::Result;
use vectis_core::{BaseUrl, HttpClient, InfoRules, SecretString};

/// Normalizes a tenant URL: trims it, drops a trailing slash, doubled slashes
/// and a pasted `/api/v3` (or `/api`), and validates it (https, or http on
/// loopback; no query). Returns the tenant root, without `/api/v3`.
pub fn normalize_tenant_url(raw: &str) -> Result<BaseUrl> {
    Ok(INFO.base_url(raw, TENANT_URL_VAR)?.site)
}

/// Builds a [`KaseyaConnector`].
pub struct KaseyaBuilder {
    common: Common,
    tenant_url: String,
    token_id: String,
    token_secret: SecretString,
    enrich_devices: bool,
    link_alerts: bool,
}

impl std::fmt::Debug for KaseyaBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token id is half of the Basic credential: shown as a
        // fingerprint only, like the secret is never shown.
        f.debug_struct("KaseyaBuilder")
            .field("tenant_url", &self.tenant_url)
            .field("base_url", &self.common.base_url)
            .field(
                "token_id",
                &vectis_core::credential::fingerprint(&SecretString::from(self.token_id.clone())),
            )
            .field("token_secret", &"[redacted]")
            .field("settings", &self.common.settings)
            .field("enrich_devices", &self.enrich_devices)
            .field("link_alerts", &self.link_alerts)
            .finish()
    }
}

impl KaseyaBuilder {
    vectis_core::builder_setters! {
        /// Another address instead of the tenant URL given to
        /// [`KaseyaConnector::builder`] (a proxy, a fake); `/api/v3` is appended.
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
        let base = self.common.base(&INFO, &self.tenant_url, TENANT_URL_VAR)?;
        let id = INFO.required(TOKEN_ID_VAR, &self.token_id)?;
        let secret = INFO.required_secret(TOKEN_SECRET_VAR, &self.token_secret)?;
        let credential = Basic::new(INFO.vendor, id, secret);
        let rules = InfoRules::new(&INFO).var("tenant", base.site.as_str());
        let client = HttpClient::new(
            Arc::new(rules),
            base.api,
            Arc::new(credential),
            self.common.settings,
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
            common: Common::default(),
            tenant_url: tenant_url.to_string(),
            token_id: token_id.to_string(),
            token_secret,
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
