//! Errors in Datto RMM's terms: a token endpoint that is not there means a
//! wrong platform (or base URL); a 404 on a followed next-page link names
//! the link.

use crate::DattoRmmConnector;
use crate::info::{PLATFORM_VAR, TOKEN_PATH, platform_list};
use vectis_core::listing::Delivered;
use vectis_core::{Error, ErrorKind};

impl DattoRmmConnector {
    /// A listing failure in Datto RMM's terms: a token failure says what it
    /// means for the platform, and a 404 on a later page (a followed
    /// next-page link) names the link instead of blaming the platform, which
    /// answered the pages before it.
    pub(crate) fn explain_listing(&self, e: Error, delivered: Option<&Delivered>) -> Error {
        match (e, delivered) {
            (e, Some(Delivered { index, resume })) if !is_token_error(&e) => {
                let link = resume
                    .as_ref()
                    .map(|c| format!(" ({})", c.next))
                    .unwrap_or_default();
                e.with_hint(
                    ErrorKind::NotFound,
                    format!(
                        "the next page{link} answered 404 after page {} was read — Datto RMM's next-page link no longer works (the list changed while it was read); run the sync again",
                        index + 1
                    ),
                )
            }
            (e, _) => self.explain(e),
        }
    }

    /// A token failure explained ([`Self::explain`]); any other 404 with
    /// `hint`, which says what this call's 404 means.
    pub(crate) fn explain_or(&self, e: Error, hint: String) -> Error {
        if is_token_error(&e) {
            self.explain(e)
        } else {
            e.with_hint(ErrorKind::NotFound, hint)
        }
    }

    /// A token failure in Datto RMM's terms. A 404 or a failed connection on
    /// the token endpoint means its host is not a Datto RMM platform: say
    /// so, name the platform in use and list the six.
    pub(crate) fn explain(&self, e: Error) -> Error {
        if !is_token_error(&e) {
            return e;
        }
        let what = self.wrong_host_hint();
        match e {
            Error::Api {
                vendor,
                endpoint,
                status: 404,
                ..
            }
            | Error::NotFound {
                vendor, endpoint, ..
            } => Error::NotFound {
                vendor,
                endpoint,
                hint: format!(
                    "there is no Datto RMM token endpoint at {}: {what}",
                    self.host
                ),
            },
            Error::Network {
                endpoint, source, ..
            } if source.is_connect() => Error::Config {
                what: if self.custom_host {
                    "Datto RMM base URL".into()
                } else {
                    PLATFORM_VAR.into()
                },
                reason: format!(
                    "could not reach the token endpoint {}{endpoint} ({}): {what}; if it is right, check DNS and outbound HTTPS access",
                    self.host,
                    source_chain(&source)
                ),
            },
            other => other,
        }
    }

    fn wrong_host_hint(&self) -> String {
        if self.custom_host {
            let unused = match self.platform.as_str() {
                "" => String::new(),
                p => format!(" (the platform `{p}` is not used when a base URL is given)"),
            };
            format!(
                "the base URL is probably wrong{unused} — point it at a Datto RMM API host, https://<platform>-api.centrastage.net with a platform among {}",
                platform_list()
            )
        } else {
            format!(
                "the platform `{}` is probably wrong for this account — use the platform your Datto RMM API URL names (https://<platform>-api.centrastage.net): one of {}",
                self.platform,
                platform_list()
            )
        }
    }
}

/// Whether `e` came from the token endpoint (`/auth/oauth/token`).
pub(crate) fn is_token_error(e: &Error) -> bool {
    match e {
        Error::Api { endpoint, .. }
        | Error::NotFound { endpoint, .. }
        | Error::Network { endpoint, .. }
        | Error::Timeout { endpoint, .. }
        | Error::UnexpectedResponse { endpoint, .. } => endpoint.ends_with(TOKEN_PATH),
        _ => false,
    }
}

/// A transport error and its causes, most specific last (`error sending
/// request: client error (Connect): Connection refused`).
fn source_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}
