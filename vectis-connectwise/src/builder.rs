//! Building a connector: site URL, company id, API member keys, clientId,
//! and the per-list settings.

use crate::classify::rules;
use crate::codebase::{api_root, clean_codebase};
use crate::connector::Inner;
use crate::info::{
    CLIENT_ID_VAR, COMPANY_ID_VAR, INFO, PRIVATE_KEY_VAR, PUBLIC_KEY_VAR, SITE_URL_VAR,
};
use crate::{ConnectWiseConnector, Listing, Paging};
use std::fmt;
use std::sync::Arc;
use tokio::sync::OnceCell;
use vectis_core::builder::Common;
use vectis_core::credential::Basic;
use vectis_core::error::Result;
use vectis_core::{BaseUrl, Error, ExposeSecret, HttpClient, SecretString};

/// Builds a [`ConnectWiseConnector`].
pub struct ConnectWiseBuilder {
    common: Common,
    site_url: String,
    company_id: String,
    public_key: String,
    private_key: SecretString,
    client_id: String,
    codebase: Option<String>,
    paging: Paging,
    conditions: [Option<String>; 3],
    include_deleted_companies: bool,
    closed_status: Option<String>,
}

impl fmt::Debug for ConnectWiseBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectWiseBuilder")
            .field("site_url", &self.site_url)
            .field("base_url", &self.common.base_url)
            .field("company_id", &self.company_id)
            .field("public_key", &"[redacted]")
            .field("private_key", &"[redacted]")
            .field("codebase", &self.codebase)
            .field("paging", &self.paging)
            .finish_non_exhaustive()
    }
}

impl ConnectWiseBuilder {
    vectis_core::builder_setters! {
        /// Another origin instead of the site URL (a proxy, a fake);
        /// `/login/companyinfo/…` and `/<codebase>/apis/3.0` go under it.
    }

    /// Forward-only (the default) or navigable paging.
    pub fn paging(mut self, paging: Paging) -> Self {
        self.paging = paging;
        self
    }

    /// Uses this codebase (`v2025_1`) instead of asking `/login/companyinfo`.
    pub fn codebase(mut self, codebase: &str) -> Self {
        self.codebase = Some(codebase.to_string());
        self
    }

    /// ConnectWise `conditions` for one list, in its own syntax
    /// (`board/name="Help Desk" and closedFlag=false`); kept on every page
    /// and joined with `and` to the connector's own conditions.
    pub fn conditions(mut self, listing: Listing, conditions: &str) -> Self {
        let c = conditions.trim();
        self.conditions[listing.index()] = (!c.is_empty()).then(|| c.to_string());
        self
    }

    /// The name of the status that closes a ticket, on every board (default:
    /// the board's `>Closed` or `Closed` status, else its first status marked
    /// `closedStatus`).
    pub fn closed_status(mut self, name: &str) -> Self {
        let n = name.trim();
        self.closed_status = (!n.is_empty()).then(|| n.to_string());
        self
    }

    /// Lists companies marked `deletedFlag` too (left out by default).
    pub fn include_deleted_companies(mut self, yes: bool) -> Self {
        self.include_deleted_companies = yes;
        self
    }

    /// Validates the configuration. No request is made: the codebase is
    /// looked up on first use.
    pub fn build(self) -> Result<ConnectWiseConnector> {
        let company = self.company_id.trim();
        if company.is_empty() || company.contains(|c: char| c.is_whitespace() || c == ':') {
            return Err(Error::config(COMPANY_ID_VAR, INFO.env_help(COMPANY_ID_VAR)));
        }
        let public = self.public_key.trim();
        if public.is_empty() || public.contains(':') {
            return Err(Error::config(
                PUBLIC_KEY_VAR,
                format!(
                    "the public key is empty or malformed; {}",
                    INFO.env_help(PUBLIC_KEY_VAR)
                ),
            ));
        }
        INFO.required(PRIVATE_KEY_VAR, self.private_key.expose_secret())?;
        let client_id = parse_guid(&self.client_id).ok_or_else(|| {
            Error::config(
                CLIENT_ID_VAR,
                format!(
                    "`{}` is not a GUID; {}",
                    self.client_id.trim(),
                    INFO.env_help(CLIENT_ID_VAR)
                ),
            )
        })?;
        let given = "ConnectWise base URL";
        let (raw_site, what) = self.common.url(&self.site_url, SITE_URL_VAR, given);
        let (site, found_codebase) = parse_site(raw_site, what)?;
        let codebase = match self.codebase.as_deref().or(found_codebase.as_deref()) {
            Some(c) => Some(clean_codebase(c).ok_or_else(|| {
                Error::config(
                    "ConnectWise codebase",
                    format!("`{c}` is not a codebase (like v2025_1 or v4_6_release)"),
                )
            })?),
            None => None,
        };
        let credential = Basic::new(INFO.vendor, format!("{company}+{public}"), self.private_key)
            .with_header("clientid", &client_id)?;
        let retry = self.common.settings.retry;
        let client = HttpClient::try_new(
            Arc::new(rules()),
            site,
            Arc::new(credential),
            self.common.settings,
        )?;
        let api = match codebase {
            Some(cb) => OnceCell::from(api_root(&client, &cb)),
            None => OnceCell::new(),
        };
        Ok(ConnectWiseConnector {
            inner: Arc::new(Inner {
                client,
                company_id: company.to_string(),
                api,
                paging: self.paging,
                conditions: self.conditions,
                include_deleted_companies: self.include_deleted_companies,
                closed_status: self.closed_status,
                retry,
            }),
        })
    }
}

/// Reads a GUID, with or without braces; `None` if it is not one.
fn parse_guid(raw: &str) -> Option<String> {
    let s = raw.trim().trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| s.to_string())
}

/// Validates a site URL (see [`VendorInfo::base_url`]); a path ending in
/// `/<codebase>/apis/3.0` gives the codebase and is cut off.
fn parse_site(raw: &str, what: &str) -> Result<(BaseUrl, Option<String>)> {
    let base = INFO.base_url(raw, what)?;
    if base.had_root {
        let site = base.site.as_str();
        if let Some((prefix, codebase)) = site.rsplit_once('/')
            && !prefix.ends_with('/')
        {
            return Ok((BaseUrl::parse(prefix, what)?, Some(codebase.to_string())));
        }
    }
    Ok((BaseUrl::parse(raw, what)?, None))
}

impl ConnectWiseConnector {
    /// A builder: site URL (`https://na.myconnectwise.net`), login company
    /// id, the API member's public and private key, and the integration's
    /// registered `clientId` GUID.
    pub fn builder(
        site_url: &str,
        company_id: &str,
        public_key: &str,
        private_key: SecretString,
        client_id: &str,
    ) -> ConnectWiseBuilder {
        ConnectWiseBuilder {
            common: Common::default(),
            site_url: site_url.to_string(),
            company_id: company_id.to_string(),
            public_key: public_key.to_string(),
            private_key,
            client_id: client_id.to_string(),
            codebase: None,
            paging: Paging::default(),
            conditions: [None, None, None],
            include_deleted_companies: false,
            closed_status: None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const GUID: &str = "7a9e3c1d-5b2f-4e8a-9c6d-1f0e2b3a4c5d";

    fn builder(site: &str) -> ConnectWiseBuilder {
        ConnectWiseConnector::builder(site, "contoso", "pub", SecretString::from("priv"), GUID)
    }

    #[test]
    fn site_urls_need_a_scheme_and_are_normalized() {
        let c = builder("https://na.myconnectwise.net/").build().unwrap();
        assert_eq!(c.client().base().as_str(), "https://na.myconnectwise.net");
        let e = builder("na.myconnectwise.net").build().unwrap_err();
        assert!(
            e.to_string().contains("https://na.myconnectwise.net"),
            "{e}"
        );
        assert!(e.to_string().contains("CONNECTWISE_SITE_URL"), "{e}");
        let e = builder("http://na.myconnectwise.net").build().unwrap_err();
        assert!(e.to_string().contains("plain http"), "{e}");
    }

    #[test]
    fn a_full_api_url_gives_the_codebase() {
        let c = builder("https://na.myconnectwise.net//v2025_1/apis/3.0/")
            .build()
            .unwrap();
        assert_eq!(c.client().base().as_str(), "https://na.myconnectwise.net");
        assert_eq!(
            c.inner.api.get().unwrap().as_str(),
            "https://na.myconnectwise.net/v2025_1/apis/3.0"
        );
        let c = builder("https://x.example")
            .base_url("http://127.0.0.1:9/proxy")
            .codebase("/v2024_2/")
            .build()
            .unwrap();
        assert_eq!(
            c.inner.api.get().unwrap().as_str(),
            "http://127.0.0.1:9/proxy/v2024_2/apis/3.0"
        );
    }

    #[test]
    fn client_id_must_be_a_guid() {
        let e = ConnectWiseConnector::builder(
            "https://na.myconnectwise.net",
            "contoso",
            "pub",
            SecretString::from("priv"),
            "my-app",
        )
        .build()
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("CONNECTWISE_CLIENT_ID") && msg.contains("developer"),
            "{msg}"
        );
        assert_eq!(parse_guid(&format!("{{{GUID}}}")).as_deref(), Some(GUID));
        assert_eq!(parse_guid("7a9e3c1d5b2f4e8a9c6d1f0e2b3a4c5d"), None);
    }

    #[test]
    fn empty_credentials_name_their_variable_and_hide_secrets() {
        for (company, public, private, var) in [
            ("", "p", "s", "CONNECTWISE_COMPANY_ID"),
            ("Contoso Ltd", "p", "s", "CONNECTWISE_COMPANY_ID"),
            ("c", " ", "s", "CONNECTWISE_PUBLIC_KEY"),
            ("c", "p", "  ", "CONNECTWISE_PRIVATE_KEY"),
        ] {
            let e = ConnectWiseConnector::builder(
                "https://na.myconnectwise.net",
                company,
                public,
                SecretString::from(private),
                GUID,
            )
            .build()
            .unwrap_err();
            assert!(e.to_string().contains(var), "{e}");
        }
        let b = ConnectWiseConnector::builder(
            "https://na.myconnectwise.net",
            "contoso",
            "PUBLICKEY123",
            SecretString::from("PRIVATEKEY456"),
            GUID,
        );
        let c = ConnectWiseConnector::builder(
            "https://na.myconnectwise.net",
            "contoso",
            "PUBLICKEY123",
            SecretString::from("PRIVATEKEY456"),
            GUID,
        )
        .build()
        .unwrap();
        for dump in [format!("{b:?}"), format!("{c:?}")] {
            assert!(
                !dump.contains("PRIVATEKEY456") && !dump.contains("PUBLICKEY123"),
                "{dump}"
            );
        }
    }
}
