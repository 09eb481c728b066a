//! Codebase discovery: the API root is `https://<site>/<codebase>/apis/3.0`,
//! and the codebase is looked up once, on first use, with the
//! unauthenticated `GET /login/companyinfo/<companyId>`.

use crate::ConnectWiseConnector;
use crate::info::{API_ROOT, COMPANY_ID_VAR, DEFAULT_CODEBASE};
use vectis_core::endpoint::fill;
use vectis_core::error::Result;
use vectis_core::http::RequestSpec;
use vectis_core::{BaseUrl, Error, ErrorKind, HttpClient};

/// The company info endpoint, under the site (not the API root).
const COMPANY_INFO: &str = "/login/companyinfo/{companyId}";

/// A codebase as a path segment, slashes stripped: `v<digits>_<digits>`
/// (`v2025_1`) or `v4_6_release`, nothing else. The codebase comes from an
/// unauthenticated answer and becomes part of the authenticated API root, so
/// `..` or any other path trick is refused.
pub(crate) fn clean_codebase(raw: &str) -> Option<String> {
    let c = raw.trim().trim_matches('/');
    if c == DEFAULT_CODEBASE {
        return Some(c.to_string());
    }
    let (major, minor) = c.strip_prefix('v')?.split_once('_')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 8 && s.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| c.to_string())
}

pub(crate) fn api_root(client: &HttpClient, codebase: &str) -> BaseUrl {
    client
        .base()
        .with_path_suffix(&format!("{codebase}/{API_ROOT}"))
}

impl ConnectWiseConnector {
    /// The API root (`https://<site>/<codebase>/apis/3.0`), looking the
    /// codebase up on the first call.
    pub async fn api_root(&self) -> Result<BaseUrl> {
        self.inner
            .api
            .get_or_try_init(|| self.discover())
            .await
            .cloned()
    }

    async fn discover(&self) -> Result<BaseUrl> {
        let client = &self.inner.client;
        let company = &self.inner.company_id;
        let path = fill(COMPANY_INFO, &[("companyId", company)]);
        let url = client.base().join(&path)?;
        let how_to_skip = "or give the codebase yourself: a site URL ending in /<codebase>/apis/3.0 (e.g. https://na.myconnectwise.net/v2025_1/apis/3.0), or ConnectWiseBuilder::codebase";
        let resp = client
            .execute(RequestSpec::get(url, COMPANY_INFO))
            .await
            .map_err(|e| {
                e.with_hint(
                    ErrorKind::NotFound,
                    format!(
                        "this site has no company info for `{company}`, so the API codebase cannot be discovered — check CONNECTWISE_SITE_URL and CONNECTWISE_COMPANY_ID, {how_to_skip}"
                    ),
                )
            })?;
        // Only `Codebase` is read, whatever the rest looks like (ConnectWise's
        // own example sends `"IsCloud": "True"`).
        let info: serde_json::Value = resp.json()?;
        if info.is_null() {
            return Err(Error::config(
                COMPANY_ID_VAR,
                format!(
                    "ConnectWise at {} knows no company `{company}` (/login/companyinfo answered null); use the company id you log in with, {how_to_skip}",
                    client.base().as_str()
                ),
            ));
        }
        let found = info.get("Codebase").and_then(|c| c.as_str());
        match found.and_then(clean_codebase) {
            Some(c) => Ok(api_root(client, &c)),
            None => Err(resp.unexpected(format!(
                "its `Codebase` is {} — not a codebase like v2025_1 or v4_6_release, so the API root is unknown; {how_to_skip}",
                match found {
                    Some(c) => format!("`{}`", c.chars().take(40).collect::<String>()),
                    None => "missing".to_string(),
                }
            ))),
        }
    }
}
