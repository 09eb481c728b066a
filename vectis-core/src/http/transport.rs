//! The reqwest client under the engine: its TLS roots, its timeout, and
//! the refusal to follow redirects (checked, not assumed).

use super::*;

/// The `User-Agent` every request carries.
pub const USER_AGENT_VALUE: &str = concat!("vectis-connectors/", env!("CARGO_PKG_VERSION"));

/// Builds the reqwest client the engine uses: no redirects (reqwest would
/// forward custom auth headers such as `X-API-KEY` to another host), a
/// request timeout, the TLS backend chosen by this crate's features
/// (`rustls` with webpki roots by default, `rustls-native-roots` adds the
/// OS trust store, `native-tls` uses the platform's TLS and takes
/// precedence), and `extra_root_certificates` (each a PEM text holding one
/// or more CA certificates) trusted as well.
///
/// A certificate that does not parse, or a builder that fails, is an error:
/// there is no fallback to a default client (whose policy follows redirects).
pub fn build_reqwest_client(
    timeout: Duration,
    extra_root_certificates: &[Vec<u8>],
) -> Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)));
    #[cfg(feature = "native-tls")]
    let builder = builder.use_native_tls();
    // Without a TLS feature only http:// (loopback) URLs can be reached.
    add_root_certificates(builder, extra_root_certificates)?
        .build()
        .map_err(|e| {
            Error::config(
                "HTTP client",
                format!("could not build the HTTPS client ({e}); check the TLS features and extra root certificates, or pass your own with EngineSettings::http_client"),
            )
        })
}

/// Adds each PEM text's certificates as trusted roots.
#[cfg(any(
    feature = "rustls",
    feature = "rustls-native-roots",
    feature = "native-tls"
))]
fn add_root_certificates(
    mut builder: reqwest::ClientBuilder,
    extra_root_certificates: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder> {
    for (i, pem) in extra_root_certificates.iter().enumerate() {
        let what = format!("EngineSettings::extra_root_certificates[{i}]");
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            Error::config(
                what.clone(),
                format!("not a PEM certificate ({e}); give the CA certificate as PEM text (-----BEGIN CERTIFICATE-----)"),
            )
        })?;
        if certs.is_empty() {
            return Err(Error::config(
                what,
                "holds no PEM certificate; give the CA certificate as PEM text (-----BEGIN CERTIFICATE-----)",
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder)
}

/// Without a TLS feature there is nothing to add certificates to.
#[cfg(not(any(
    feature = "rustls",
    feature = "rustls-native-roots",
    feature = "native-tls"
)))]
fn add_root_certificates(
    builder: reqwest::ClientBuilder,
    extra_root_certificates: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder> {
    if extra_root_certificates.is_empty() {
        Ok(builder)
    } else {
        Err(Error::config(
            "EngineSettings::extra_root_certificates",
            "vectis-core was built without TLS; enable its `rustls`, `rustls-native-roots` or `native-tls` feature",
        ))
    }
}

/// Whether `http` refuses to follow redirects: it is sent a request to a
/// one-shot server on 127.0.0.1 that answers `307` to a second path, and
/// must hand back that `307`. A client that follows redirects would send a
/// vendor's auth headers (`X-API-KEY`, `clientId`) wherever a redirect
/// points, so the engine refuses to use one.
pub async fn check_refuses_redirects(http: &reqwest::Client) -> Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fail = |reason: String| {
        Error::config(
            "EngineSettings::http_client",
            format!(
                "{reason}; build it with `.redirect(reqwest::redirect::Policy::none())` (and no proxy for 127.0.0.1), or leave http_client unset"
            ),
        )
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| {
            fail(format!(
                "could not check that the given client refuses redirects (no local port: {e})"
            ))
        })?;
    let addr = listener.local_addr().map_err(|e| {
        fail(format!(
            "could not check that the given client refuses redirects ({e})"
        ))
    })?;
    let server = async move {
        for n in 0..2 {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut seen = Vec::new();
            let mut chunk = [0u8; 1024];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 16 * 1024 {
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(k) => seen.extend_from_slice(&chunk[..k]),
                }
            }
            let answer = if n == 0 {
                format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://{addr}/followed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            } else {
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
            };
            let _ = sock.write_all(answer.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
        std::future::pending::<()>().await;
    };
    let probe = http
        .get(format!("http://{addr}/vectis-redirect-check"))
        .timeout(Duration::from_secs(10))
        .send();
    let answer = tokio::select! {
        r = probe => r,
        () = server => {
            return Err(fail("could not check that the given reqwest::Client refuses redirects (the local check server stopped)".into()));
        }
    };
    match answer {
        Ok(resp) if resp.status() == StatusCode::TEMPORARY_REDIRECT => Ok(()),
        Ok(resp) => Err(fail(format!(
            "the given reqwest::Client follows redirects (a 307 from a local check server ended in {} at {})",
            resp.status(),
            resp.url().path()
        ))),
        Err(e) => Err(fail(format!(
            "could not check that the given reqwest::Client refuses redirects (its request to a local check server failed: {})",
            crate::error::network_cause(&crate::error::TransportError::new(e))
        ))),
    }
}
