//! TLS settings of the shared client against an HTTPS server with a private CA:
//! untrusted by default, trusted through `ca_cert_pem`, or accepted with
//! `insecure_skip_verify`.

use axum::routing::get;
use axum::{Json, Router};
use gpucloud::client::{Auth, Client, ClientConfig, ClientError, Deadline, Secret};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            // Clients that reject our certificate fail here; keep serving the others.
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }
    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// An HTTPS server whose certificate a fresh private CA signed; returns (base URL, CA PEM).
async fn https_server() -> (String, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key")).expect("ca");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("server config");
    let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = tcp.local_addr().expect("addr").port();
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(Arc::new(server)),
    };
    let app = Router::new().route("/ping", get(|| async { Json(json!({"pong": true})) }));
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (format!("https://localhost:{port}"), ca.pem())
}

fn config(base: &str) -> ClientConfig {
    ClientConfig {
        api: "rocm",
        base_url: base.to_string(),
        auth: Auth::Bearer(Secret::new("rocm-test-token")),
        credential_hint: String::new(),
        max_retries: 5,
        request_timeout: Duration::from_secs(5),
        requests_per_minute: None,
        rate_limit_dir: None,
        ca_cert_pem: None,
        insecure_skip_verify: false,
    }
}

#[tokio::test]
async fn private_ca_is_rejected_trusted_or_skipped_as_configured() {
    let (base, ca_pem) = https_server().await;

    let plain = Client::new(config(&base))
        .expect("client")
        .bind(Deadline::none());
    let t = std::time::Instant::now();
    let e = plain
        .get("/ping")
        .describe("ping")
        .send::<Value>()
        .await
        .expect_err("unknown CA");
    assert!(
        matches!(e, ClientError::Transport { sent: false, .. }),
        "{e:?}"
    );
    assert!(e.summary().contains("certificate"), "{}", e.summary());
    // An untrusted certificate is not retried (5 retries would back off for seconds).
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );

    let mut cfg = config(&base);
    cfg.ca_cert_pem = Some(ca_pem);
    let trusted = Client::new(cfg)
        .expect("client with CA")
        .bind(Deadline::none());
    let v: Value = trusted
        .get("/ping")
        .send()
        .await
        .expect("trusted by ca_cert_pem");
    assert_eq!(v["pong"], json!(true));

    let mut cfg = config(&base);
    cfg.insecure_skip_verify = true;
    let insecure = Client::new(cfg)
        .expect("insecure client")
        .bind(Deadline::none());
    let v: Value = insecure
        .get("/ping")
        .send()
        .await
        .expect("verification skipped");
    assert_eq!(v["pong"], json!(true));
}
