//! Building a connector: the key (classic or JWT), the base URL, settings.

use crate::AteraConnector;
use crate::info::{API_KEY_VAR, DEFAULT_BASE_URL, INFO};
use std::sync::Arc;
use vectis_core::builder::Common;
use vectis_core::credential::{ApiKeyHeader, BearerToken};
use vectis_core::error::Result;
use vectis_core::{Credential, ExposeSecret, HttpClient, InfoRules, SecretString};

/// Builds an [`AteraConnector`].
#[derive(Debug)]
pub struct AteraBuilder {
    common: Common,
    api_key: SecretString,
}

impl AteraBuilder {
    vectis_core::builder_setters! {
        /// Another origin instead of `https://app.atera.com` (a proxy, a fake);
        /// `/api/v3` is appended unless already there.
    }

    /// Validates the configuration.
    pub fn build(self) -> Result<AteraConnector> {
        let key = INFO.required_secret(API_KEY_VAR, &self.api_key)?;
        let base = self
            .common
            .base(&INFO, DEFAULT_BASE_URL, "Atera base URL")?;
        let credential: Arc<dyn Credential> = if looks_like_jwt(key.expose_secret()) {
            Arc::new(BearerToken::new(INFO.vendor, key))
        } else {
            Arc::new(ApiKeyHeader::new(INFO.vendor, "x-api-key", key))
        };
        let rules = Arc::new(InfoRules::new(&INFO));
        let client = HttpClient::try_new(rules, base.api, credential, self.common.settings)?;
        Ok(AteraConnector { client })
    }
}

/// Whether a key is one of Atera's newer JWT keys (sent as Bearer).
pub fn looks_like_jwt(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    let b64url = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    };
    key.len() > 100 || (parts.len() == 3 && parts.iter().all(|p| b64url(p)))
}

impl AteraConnector {
    /// A connector for `https://app.atera.com` with default settings.
    pub fn new(api_key: SecretString) -> Result<AteraConnector> {
        AteraConnector::builder(api_key).build()
    }

    /// A builder, to set the base URL or engine settings.
    pub fn builder(api_key: SecretString) -> AteraBuilder {
        AteraBuilder {
            common: Common::default(),
            api_key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_jwt_keys_from_classic_keys() {
        assert!(!looks_like_jwt("0123456789abcdef0123456789abcdef"));
        assert!(looks_like_jwt(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
        ));
        assert!(looks_like_jwt(&"a".repeat(101)));
    }

    #[test]
    fn base_url_gets_the_api_root_once() {
        for raw in [
            "https://app.atera.com",
            "https://app.atera.com/",
            "https://app.atera.com/api/v3/",
            "https://app.atera.com//api//v3",
        ] {
            let c = AteraConnector::builder(SecretString::from("k"))
                .base_url(raw)
                .build()
                .unwrap();
            assert_eq!(
                c.client().base().as_str(),
                "https://app.atera.com/api/v3",
                "{raw}"
            );
        }
        let err = AteraConnector::builder(SecretString::from("k"))
            .base_url("http://app.atera.com")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
        assert!(
            AteraConnector::builder(SecretString::from("k"))
                .base_url("http://127.0.0.1:9")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn empty_key_is_a_config_error_naming_the_variable() {
        let err = AteraConnector::new(SecretString::from("  ")).unwrap_err();
        assert!(err.to_string().contains("ATERA_API_KEY"));
    }
}
