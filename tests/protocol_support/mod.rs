//! Shared pieces of the protocol tests: a tiny in-test provider, Terraform-like client
//! certificates, and a gRPC client that dials the plugin's unix socket over mutual TLS the way
//! go-plugin does (pinning the server certificate from the handshake line).
#![allow(dead_code)]

use async_trait::async_trait;
use base64::Engine as _;
use gpucloud::framework::{
    Attribute, ConfigureInfo, Ctx, DataSource, Diagnostics, DynDataSource, DynEphemeralResource,
    DynResource, EphemeralResource, Failure, ImportForm, Opened, Provider, Resource, Schema,
};
use gpucloud::plugin::proto::tfplugin6::provider_client::ProviderClient;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tonic::transport::Channel;

// ---------------------------------------------------------------------------------------------
// The test provider: `testcloud_widget` (create waits until cancelled), `testcloud_info` and
// the ephemeral `testcloud_lease` (renewable; close reports the lease it was given).

#[derive(Default)]
pub struct Signals {
    /// Notified when a create starts waiting.
    pub create_entered: Notify,
}

pub struct TestProvider {
    pub signals: Arc<Signals>,
}

#[derive(Deserialize)]
pub struct TestConfig {
    pub endpoint: Option<String>,
}

#[async_trait]
impl Provider for TestProvider {
    type Client = ();
    type Config = TestConfig;
    fn name(&self) -> &'static str {
        "testcloud"
    }
    fn schema(&self) -> Schema {
        Schema::new("A provider that exists only in tests.").attribute(
            Attribute::string("endpoint")
                .optional()
                .description("Base URL."),
        )
    }
    async fn configure(&self, _c: TestConfig, _i: &ConfigureInfo) -> Result<(), Diagnostics> {
        Ok(())
    }
    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![Arc::new(Widget {
            signals: self.signals.clone(),
        })]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![Arc::new(Info)]
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource>> {
        vec![Arc::new(Lease)]
    }
}

pub struct Widget {
    signals: Arc<Signals>,
}

#[derive(Default, Serialize, Deserialize)]
pub struct WidgetModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub size: Option<i64>,
}

#[async_trait]
impl Resource for Widget {
    type Client = ();
    type Model = WidgetModel;
    fn type_name(&self) -> &'static str {
        "widget"
    }
    fn schema(&self) -> Schema {
        Schema::new("A widget.")
            .attribute(Attribute::string("id").computed())
            .attribute(Attribute::string("name").required())
            .attribute(Attribute::int("size").optional())
    }
    async fn create(
        &self,
        ctx: &Ctx<'_, ()>,
        mut plan: WidgetModel,
    ) -> Result<WidgetModel, Failure<WidgetModel>> {
        self.signals.create_entered.notify_one();
        tokio::select! {
            _ = ctx.cancel.cancelled() => Err(Diagnostics::single_error(
                "Interrupted", "The create was interrupted by StopProvider.").into()),
            _ = tokio::time::sleep(Duration::from_secs(60)) => {
                plan.id = Some("w-1".into());
                Ok(plan)
            }
        }
    }
    async fn read(
        &self,
        _ctx: &Ctx<'_, ()>,
        state: WidgetModel,
    ) -> Result<Option<WidgetModel>, Diagnostics> {
        Ok(Some(state))
    }
    async fn delete(&self, _ctx: &Ctx<'_, ()>, _state: WidgetModel) -> Result<(), Diagnostics> {
        Ok(())
    }
    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("w-")
    }
}

pub struct Info;

#[derive(Default, Serialize, Deserialize)]
pub struct InfoModel {
    pub name: Option<String>,
    pub value: Option<String>,
}

#[async_trait]
impl DataSource for Info {
    type Client = ();
    type Model = InfoModel;
    fn type_name(&self) -> &'static str {
        "info"
    }
    fn schema(&self) -> Schema {
        Schema::new("Some information.")
            .attribute(Attribute::string("name").required())
            .attribute(Attribute::string("value").computed())
    }
    async fn read(
        &self,
        _ctx: &Ctx<'_, ()>,
        mut config: InfoModel,
    ) -> Result<InfoModel, Diagnostics> {
        config.value = Some("v".into());
        Ok(config)
    }
}

pub struct Lease;

#[derive(Default, Serialize, Deserialize)]
pub struct LeaseModel {
    pub name: Option<String>,
    pub secret: Option<String>,
}

/// How long a lease lasts before Terraform must renew it.
pub const LEASE_SECONDS: u64 = 60;

#[async_trait]
impl EphemeralResource for Lease {
    type Client = ();
    type Model = LeaseModel;
    fn type_name(&self) -> &'static str {
        "lease"
    }
    fn schema(&self) -> Schema {
        Schema::new("A renewable lease.")
            .attribute(Attribute::string("name").required())
            .attribute(Attribute::string("secret").computed().sensitive())
    }
    async fn open(
        &self,
        ctx: &Ctx<'_, ()>,
        mut config: LeaseModel,
    ) -> Result<Opened<LeaseModel>, Diagnostics> {
        let name = config.name.clone().unwrap_or_default();
        ctx.private_set("lease", format!("lease-of-{name}").into());
        config.secret = Some(format!("secret-of-{name}"));
        Ok(Opened {
            result: config,
            renew_at: Some(std::time::SystemTime::now() + Duration::from_secs(LEASE_SECONDS)),
        })
    }
    async fn renew(&self, ctx: &Ctx<'_, ()>) -> Result<Option<std::time::SystemTime>, Diagnostics> {
        ctx.private_set("renewed", true.into());
        Ok(Some(
            std::time::SystemTime::now() + Duration::from_secs(LEASE_SECONDS),
        ))
    }
    async fn close(&self, ctx: &Ctx<'_, ()>) -> Result<(), Diagnostics> {
        // Reported back as a warning so the test can see what close was handed.
        ctx.warn(
            "closed",
            format!(
                "{} renewed={}",
                ctx.private_get("lease").unwrap_or_default(),
                ctx.private_get("renewed").unwrap_or_default()
            ),
        );
        Ok(())
    }
}

pub fn test_server() -> (
    Arc<gpucloud::framework::server::ProviderServer>,
    Arc<Signals>,
) {
    let signals = Arc::new(Signals::default());
    let provider = Arc::new(TestProvider {
        signals: signals.clone(),
    });
    (
        Arc::new(gpucloud::framework::server::ProviderServer::new(provider)),
        signals,
    )
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// A client certificate shaped like Terraform's: self-signed ECDSA P-521/SHA-512, a CA.
pub struct ClientCert {
    pub pem: String,
    pub der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

pub fn terraform_like_cert() -> ClientCert {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).expect("self-signed");
    ClientCert {
        pem: cert.pem(),
        der: cert.der().clone(),
        key_der: key.serialize_der(),
    }
}

/// The parts of a plugin handshake line `1|6|unix|<path>|grpc|<cert>`.
pub struct HandshakeLine {
    pub socket: PathBuf,
    pub server_cert_der: Vec<u8>,
}

pub fn parse_handshake(line: &str) -> HandshakeLine {
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(parts.len(), 6, "handshake line {line:?}");
    assert_eq!(&parts[..3], &["1", "6", "unix"]);
    assert_eq!(parts[4], "grpc");
    HandshakeLine {
        socket: PathBuf::from(parts[3]),
        server_cert_der: base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("RawStdEncoding base64"),
    }
}

// ---------------------------------------------------------------------------------------------
// Client

/// Trusts exactly one server certificate, as go-plugin's client does.
#[derive(Debug)]
struct PinnedServer {
    der: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Dials the socket over TLS (presenting `client` when given) and opens an HTTP/2 channel.
pub async fn connect_tls(
    socket: PathBuf,
    server_cert_der: Vec<u8>,
    client: Option<&ClientCert>,
    tls13_only: bool,
) -> Result<Channel, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls13_only {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12]
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServer {
            der: server_cert_der,
            provider,
        }));
    let mut config = match client {
        Some(c) => builder
            .with_client_auth_cert(
                vec![c.der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(c.key_der.clone())),
            )
            .map_err(|e| e.to_string())?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let endpoint = tonic::transport::Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5));
    endpoint
        .connect_with_connector(tower::service_fn(move |_: http::Uri| {
            let connector = connector.clone();
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                let tls = connector.connect(name, stream).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        }))
        .await
        .map_err(|e| format!("{e:?}"))
}

/// Dials the socket in plaintext (debug mode).
pub async fn connect_plain(socket: PathBuf) -> Result<Channel, String> {
    tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: http::Uri| {
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
            }
        }))
        .await
        .map_err(|e| format!("{e:?}"))
}

pub fn provider_client(ch: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(ch)
        .max_decoding_message_size(256 << 20)
        .max_encoding_message_size(256 << 20)
}
