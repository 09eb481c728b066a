//! Building a connector: the platform (or a base URL), the key pair, the
//! OAuth token it is exchanged for, settings.

use crate::DattoRmmConnector;
use crate::info::{
    API_KEY_VAR, API_SECRET_VAR, INFO, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, PLATFORM_VAR,
    PLATFORMS, TOKEN_LIFETIME, TOKEN_PATH, platform_list, platform_origin,
};
use crate::throttle::rules;
use std::sync::Arc;
use vectis_core::builder::Common;
use vectis_core::credential::OAuth2Password;
use vectis_core::error::Result;
use vectis_core::{Error, HttpClient, SecretString};

/// Builds a [`DattoRmmConnector`].
#[derive(Debug)]
pub struct DattoRmmBuilder {
    common: Common,
    platform: String,
    api_key: SecretString,
    api_secret: SecretString,
    keep_deleted_devices: bool,
}

impl DattoRmmBuilder {
    vectis_core::builder_setters! {
        /// Another origin instead of the platform's host (a proxy, a fake); the
        /// vendor paths (`/api/v2/…`, `/auth/oauth/token`) are appended.
    }

    /// Also list devices marked `deleted` (in the Deleted Devices site), with
    /// no customer. Default: they are dropped.
    pub fn keep_deleted_devices(mut self, yes: bool) -> Self {
        self.keep_deleted_devices = yes;
        self
    }

    /// Validates the configuration.
    pub fn build(self) -> Result<DattoRmmConnector> {
        let platform = self.platform.trim().to_ascii_lowercase();
        // With a base URL the platform only names the account in messages:
        // it may be left empty, but one that is given must be real.
        let replaced = platform.is_empty() && self.common.base_url.is_some();
        if !replaced && !PLATFORMS.contains(&platform.as_str()) {
            return Err(Error::config(
                PLATFORM_VAR,
                format!(
                    "`{}` is not a Datto RMM platform; use one of {} (the first part of your API URL, https://<platform>-api.centrastage.net)",
                    self.platform.trim(),
                    platform_list()
                ),
            ));
        }
        let key = INFO.required_secret(API_KEY_VAR, &self.api_key)?;
        let secret = INFO.required_secret(API_SECRET_VAR, &self.api_secret)?;
        let origin = platform_origin(&platform);
        let base = self.common.base(&INFO, &origin, "Datto RMM base URL")?;
        let token_url = base.site.join(TOKEN_PATH)?;
        let host = base.site.as_str().to_string();
        let custom_host = self.common.base_url.is_some();
        let time = self.common.settings.time.clone();
        let account = if replaced {
            format!("the base URL ({host}) is your account's API host")
        } else {
            format!("the platform `{platform}` is the one your API URL names")
        };
        let bad_credentials = INFO.text(
            "the API key or secret is wrong — re-copy the key pair, or generate a new one under the API user in Datto RMM ({users}); also check that API access is on ({access}) and that {account}",
            &[("account", &account)],
        );
        let credential = OAuth2Password::new(
            INFO.vendor,
            token_url,
            OAUTH_CLIENT_ID,
            SecretString::from(OAUTH_CLIENT_SECRET),
            key,
            secret,
        )
        .with_bad_credentials_hint(bad_credentials)
        .with_default_lifetime(TOKEN_LIFETIME)
        .with_time(time.clone());
        let rules = rules(&platform, &host, time);
        let client = HttpClient::try_new(
            Arc::new(rules),
            base.api,
            Arc::new(credential),
            self.common.settings,
        )?;
        Ok(DattoRmmConnector {
            client,
            platform,
            host,
            custom_host,
            keep_deleted_devices: self.keep_deleted_devices,
            page_max: Arc::new(futures::lock::Mutex::new(None)),
        })
    }
}

impl DattoRmmConnector {
    /// A connector for `platform`'s host with default settings.
    pub fn new(
        platform: &str,
        api_key: SecretString,
        api_secret: SecretString,
    ) -> Result<DattoRmmConnector> {
        DattoRmmConnector::builder(platform, api_key, api_secret).build()
    }

    /// A builder, to set the base URL or engine settings. With a base URL
    /// the platform may be `""` (the URL names the host); one that is given
    /// must still be one of the six.
    pub fn builder(
        platform: &str,
        api_key: SecretString,
        api_secret: SecretString,
    ) -> DattoRmmBuilder {
        DattoRmmBuilder {
            common: Common::default(),
            platform: platform.to_string(),
            api_key,
            api_secret,
            keep_deleted_devices: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vectis_core::{Connector, ErrorKind, Verb};

    fn builder(platform: &str) -> DattoRmmBuilder {
        DattoRmmConnector::builder(platform, SecretString::from("k"), SecretString::from("s"))
    }

    #[test]
    fn the_platform_picks_the_host() {
        let c = builder("Merlot").build().unwrap();
        assert_eq!(
            c.client().base().as_str(),
            "https://merlot-api.centrastage.net/api/v2"
        );
        assert_eq!(c.platform(), "merlot");
        for p in PLATFORMS {
            assert!(builder(p).build().is_ok(), "{p}");
        }
    }

    #[test]
    fn an_unknown_platform_is_a_config_error_listing_the_six() {
        let e = builder("shiraz").build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let msg = e.to_string();
        assert!(
            msg.contains("DATTO_PLATFORM") && msg.contains("shiraz"),
            "{msg}"
        );
        for p in PLATFORMS {
            assert!(msg.contains(p), "{msg}");
        }
    }

    #[test]
    fn with_a_base_url_the_platform_may_be_left_empty_but_not_wrong() {
        let c = builder("")
            .base_url("http://127.0.0.1:8080")
            .build()
            .unwrap();
        assert_eq!(c.client().base().as_str(), "http://127.0.0.1:8080/api/v2");
        assert_eq!(c.platform(), "");
        let e = builder("").build().unwrap_err();
        assert!(e.to_string().contains("DATTO_PLATFORM"), "{e}");
        let e = builder("shiraz")
            .base_url("http://127.0.0.1:8080")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("shiraz"), "{e}");
    }

    #[test]
    fn a_base_url_overrides_the_host_and_gets_the_api_root_once() {
        for raw in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/api",
            "http://127.0.0.1:8080/api/v2/",
        ] {
            let c = builder("merlot").base_url(raw).build().unwrap();
            assert_eq!(
                c.client().base().as_str(),
                "http://127.0.0.1:8080/api/v2",
                "{raw}"
            );
        }
        let e = builder("merlot")
            .base_url("http://merlot-api.centrastage.net")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("plain http"), "{e}");
        assert_eq!(
            INFO.base_url("https://proxy.example/datto", "x")
                .unwrap()
                .site
                .as_str(),
            "https://proxy.example/datto"
        );
    }

    #[test]
    fn empty_credentials_name_their_variable() {
        let e = DattoRmmConnector::new("merlot", SecretString::from(" "), SecretString::from("s"))
            .unwrap_err();
        assert!(e.to_string().contains("DATTO_API_KEY"), "{e}");
        let e = DattoRmmConnector::new("merlot", SecretString::from("k"), SecretString::from(""))
            .unwrap_err();
        assert!(e.to_string().contains("DATTO_API_SECRET"), "{e}");
    }

    #[test]
    fn acknowledge_explains_the_8_9_0_removal() {
        let c = builder("merlot").build().unwrap();
        let e = c.unsupported(Verb::AcknowledgeAlert);
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.to_string().contains("8.9.0"), "{e}");
    }
}
