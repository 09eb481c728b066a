//! HTTPS through a private CA (issue 16): a sync through a local HTTPS
//! server whose certificate comes from a self-signed CA works once that CA
//! is added (`EngineSettings::extra_root_certificates`), fails without it
//! with an error that says "certificate" and what to do; a caller's own
//! `reqwest::Client` is used only if it refuses redirects.

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use vectis_atera::AteraConnector;
use vectis_core::{Connector, EngineSettings, Error, Kind, RetryPolicy, SecretString};
use vectis_sync::{Store, Syncer};
use vectis_testkit::RecordingTime;
use vectis_testkit::atera::{ATERA_API_KEY, AteraFake};

/// A TLS front on 127.0.0.1 for the plain-HTTP fake at `backend`, with a
/// certificate for `127.0.0.1` issued by a fresh private CA.
struct HttpsFront {
    origin: String,
    ca_pem: String,
}

async fn https_front(backend: &str) -> HttpsFront {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "Vectis test TLS-inspecting proxy CA",
    );
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let backend = backend.trim_start_matches("http://").to_string();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, backend) = (acceptor.clone(), backend.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(&backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    HttpsFront {
        origin: format!("https://127.0.0.1:{port}"),
        ca_pem: ca.pem(),
    }
}

fn settings(t: &RecordingTime) -> EngineSettings {
    vectis_testkit::unthrottled(t, 1).retry(RetryPolicy::never())
}

fn atera(origin: &str, settings: EngineSettings) -> Result<AteraConnector, Error> {
    AteraConnector::builder(SecretString::from(ATERA_API_KEY))
        .base_url(origin)
        .settings(settings)
        .build()
}

#[tokio::test]
async fn a_sync_through_a_private_ca_works_once_the_ca_is_added() {
    let fake = AteraFake::start().await;
    let front = https_front(&fake.uri()).await;
    let t = RecordingTime::new();
    let c = atera(
        &front.origin,
        settings(&t).extra_root_certificates(vec![front.ca_pem.clone().into_bytes()]),
    )
    .unwrap();
    let store = Store::open("sqlite::memory:").await.unwrap();
    let report = Syncer::new(&store, &c).run().await.unwrap();
    assert!(report.is_ok(), "{report:?}");
    let customers = report
        .kinds
        .iter()
        .find(|k| k.kind == Kind::Customers)
        .unwrap();
    assert!(customers.new > 0, "{customers}");
}

#[tokio::test]
async fn without_the_ca_the_error_says_certificate_and_what_to_do() {
    let fake = AteraFake::start().await;
    let front = https_front(&fake.uri()).await;
    let t = RecordingTime::new();
    let c = atera(&front.origin, settings(&t)).unwrap();
    let e = c.check().await.unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    let shown = e.to_string();
    assert!(shown.contains("certificate"), "{shown}");
    assert!(shown.contains("extra_root_certificates"), "{shown}");
    assert!(
        std::error::Error::source(&e).is_some(),
        "the cause is kept: {e:?}"
    );
}

#[tokio::test]
async fn a_root_certificate_that_is_not_pem_is_refused_at_build() {
    let t = RecordingTime::new();
    let e = atera(
        "https://app.atera.com",
        settings(&t).extra_root_certificates(vec![b"not a certificate".to_vec()]),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    assert!(e.to_string().contains("extra_root_certificates[0]"), "{e}");
}

#[tokio::test]
async fn a_given_client_is_used_only_if_it_refuses_redirects() {
    let fake = AteraFake::start().await;
    let front = https_front(&fake.uri()).await;
    let ca = reqwest::Certificate::from_pem(front.ca_pem.as_bytes()).unwrap();
    let t = RecordingTime::new();

    // Refuses redirects and trusts the CA: used.
    let good = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(ca.clone())
        .build()
        .unwrap();
    let c = atera(&front.origin, settings(&t).http_client(good)).unwrap();
    assert!(
        c.check()
            .await
            .unwrap()
            .to_string()
            .starts_with("Connected to Atera")
    );

    // Follows redirects (reqwest's default): refused before anything is sent to the vendor.
    let follows = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let before = fake.received().await.len();
    let c = atera(&front.origin, settings(&t).http_client(follows)).unwrap();
    let e = c.check().await.unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    assert!(e.to_string().contains("follows redirects"), "{e}");
    assert_eq!(
        fake.received().await.len(),
        before,
        "nothing reached the vendor"
    );
}
