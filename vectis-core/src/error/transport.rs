//! [`TransportError`]: a transport failure without its URL, and the one-line
//! cause [`Error::Network`] shows.

use super::*;

/// A transport failure (connection refused, DNS, TLS, a reset, a timeout)
/// with its URL removed: the [`Error::Network`] cause. Its `source()` chain
/// holds the causes underneath (hyper, I/O, the TLS library); the HTTP
/// library's own type is not part of this crate's API.
#[derive(Debug)]
pub struct TransportError {
    inner: reqwest::Error,
}

impl TransportError {
    /// Wraps a transport error, dropping the URL it carries (it may hold a
    /// query the caller did not mean to show).
    pub(crate) fn new(e: reqwest::Error) -> TransportError {
        TransportError {
            inner: e.without_url(),
        }
    }

    /// Whether it was a timeout.
    pub fn is_timeout(&self) -> bool {
        self.inner.is_timeout()
    }

    /// Whether it happened while connecting (refused, DNS, TLS handshake).
    pub fn is_connect(&self) -> bool {
        self.inner.is_connect()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

/// A decoder's error as an [`Error::Decode`] source.
pub fn decode_source(e: serde_json::Error) -> Option<Arc<dyn std::error::Error + Send + Sync>> {
    Some(Arc::new(e))
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

/// What a transport failure was, and what to do, read from its source chain
/// (hyper → io / rustls): each cause reads differently.
pub fn network_cause(e: &TransportError) -> String {
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        chain.push(c);
        cur = c.source();
    }
    let text = chain
        .iter()
        .map(|c| c.to_string().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" | ");
    let io_kind = chain
        .iter()
        .find_map(|c| c.downcast_ref::<std::io::Error>().map(std::io::Error::kind));
    use std::io::ErrorKind as K;
    if e.is_timeout() || io_kind == Some(K::TimedOut) || text.contains("timed out") {
        return "the connection timed out — check the base URL, and that outbound HTTPS to it is allowed (firewall, proxy)".into();
    }
    if io_kind == Some(K::ConnectionRefused) || text.contains("connection refused") {
        return "connection refused — check the host and port in the base URL, and that the service is up".into();
    }
    let reset = "the connection was closed by the other side — try again; if it persists, check for a proxy or firewall in between";
    // Before the TLS words: "connection reset by peer" is not a TLS failure.
    if matches!(
        io_kind,
        Some(K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe)
    ) || text.contains("reset by peer")
    {
        return reset.into();
    }
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
        || text.contains("no such host")
        || text.contains("nodename nor servname")
    {
        return "the host name could not be resolved (DNS) — check the host in the base URL and this machine's DNS".into();
    }
    if text.contains("certificate") || text.contains("unknownissuer") {
        let innermost = chain.last().map(|c| c.to_string()).unwrap_or_default();
        return format!(
            "the server's TLS certificate was not accepted ({innermost}) — if a proxy inspects TLS or the server uses a private CA, add that CA's certificate (PEM) with EngineSettings::extra_root_certificates, or build with the `rustls-native-roots` or `native-tls` feature to use the system's trust store; otherwise check the base URL"
        );
    }
    if text.contains("tls")
        || text.contains("handshake")
        || text.contains("corrupt message")
        || text.contains("invalid peer")
        || text.contains("peer is incompatible")
        || text.contains("peer misbehaved")
        || text.contains("fatal alert")
    {
        return "the TLS handshake failed — check that the base URL is the vendor's https address; a proxy that intercepts TLS needs its CA trusted".into();
    }
    if text.contains("connection closed") || text.contains("reset") {
        return reset.into();
    }
    let innermost = chain.last().map(|c| c.to_string()).unwrap_or_default();
    format!("{innermost} — check the base URL and outbound HTTPS access")
}
