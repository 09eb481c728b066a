//! Where requests may go: [`BaseUrl`] (a validated API root) and the
//! helpers that build and check URLs under it.

use super::*;

/// A validated, normalized API root: `https` (or `http` on a loopback host),
/// no query or fragment, no trailing or doubled slashes.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.as_str())
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What of `raw` — a string that did not parse as a URL — is safe to
/// repeat in an error: its scheme and host, nothing else. A password may
/// hold `/`, `?`, `#` or `:` and then the URL parser's idea of where the
/// authority ends is wrong, so the host is taken after the *last* `@` and
/// shown only if it looks like a host name.
pub fn scheme_and_host(raw: &str) -> String {
    let raw = raw.trim();
    let (scheme, rest) = match raw.find("://") {
        Some(i) => (&raw[..i], &raw[i + 3..]),
        None => ("", raw),
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let after_at = rest.rfind('@').map_or(rest, |at| &rest[at + 1..]);
    let host = after_at
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or("")
        .trim_start_matches('[');
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    match (scheme_ok, host_ok) {
        (true, true) => format!("{scheme}://{host}/…"),
        (true, false) => format!("{scheme}://…"),
        (false, true) if !raw.contains('@') => format!("{host}…"),
        _ => "…".to_string(),
    }
}

impl BaseUrl {
    /// Validates and normalizes `raw`; `what` names the setting in errors.
    /// Errors never repeat a user, password or query pasted into the URL.
    pub fn parse(raw: &str, what: &str) -> Result<BaseUrl> {
        let raw = raw.trim();
        let url = Url::parse(raw).map_err(|e| {
            Error::config(
                what,
                format!(
                    "`{}` is not a URL ({e}); write it like https://host.example.com",
                    scheme_and_host(raw)
                ),
            )
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::config(
                what,
                "the URL must not carry a user or password; credentials go in their own settings",
            ));
        }
        let shown = {
            let mut u = url.clone();
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        };
        let host = url.host_str().unwrap_or("").to_string();
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(Error::config(
                    what,
                    format!(
                        "`{shown}` uses plain http; credentials are only sent over https (http is allowed for loopback hosts only)"
                    ),
                ));
            }
            other => {
                return Err(Error::config(
                    what,
                    format!("`{shown}` has scheme `{other}`; use https://"),
                ));
            }
        }
        if host.is_empty() {
            return Err(Error::config(what, format!("`{shown}` has no host")));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::config(
                what,
                format!("`{shown}` has a query or fragment; give only scheme, host and path"),
            ));
        }
        let path: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
        let mut url = url.clone();
        url.set_path(&path.join("/"));
        Ok(BaseUrl { url })
    }

    /// The normalized root, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// The path part, without a trailing slash (`""` or `/api/v3`).
    pub fn path(&self) -> &str {
        self.url.path().trim_end_matches('/')
    }

    /// A copy with `suffix` path segments appended (`"/api/v3"`).
    pub fn with_path_suffix(&self, suffix: &str) -> BaseUrl {
        let mut segs: Vec<&str> = self
            .url
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        segs.extend(suffix.split('/').filter(|s| !s.is_empty()));
        let mut url = self.url.clone();
        url.set_path(&segs.join("/"));
        BaseUrl { url }
    }

    /// The origin (scheme, host, port) credentials may be sent to.
    pub fn origin(&self) -> url::Origin {
        self.url.origin()
    }

    /// Whether `url` is on this origin.
    pub fn same_origin(&self, url: &Url) -> bool {
        url.origin() == self.url.origin()
    }

    /// `path` (already encoded; see [`encode_segment`]) appended to the root.
    pub fn join(&self, path: &str) -> Result<Url> {
        let full = format!("{}/{}", self.as_str(), path.trim_start_matches('/'));
        Url::parse(&full).map_err(|e| Error::config("path", format!("`{path}` ({e})")))
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// Percent-encodes one path segment (an id from a caller or a vendor), so
/// `a/b` cannot reach another endpoint.
pub fn encode_segment(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(s, SEGMENT).to_string()
}
