//! go-plugin's side of the handshake, and the gRPC server.
//!
//! Terraform starts the binary with a magic cookie and the protocol versions it speaks in the
//! environment, reads one line from stdout (`1|6|unix|<socket>|grpc|<server cert>`), then
//! dials the socket over mutual TLS. Besides `tfplugin6.Provider` the server answers the
//! health check (`plugin` SERVING), `GRPCController.Shutdown`, `GRPCStdio` and a no-op
//! `GRPCBroker`, as go-plugin clients expect. `--debug` serves plaintext and prints a
//! `TF_REATTACH_PROVIDERS` value instead.

use super::proto::plugin as gp;
use super::proto::tfplugin6::provider_server::ProviderServer as GrpcProviderServer;
use super::service::ProviderService;
use super::tls::{self, TlsError};
use crate::framework::server::ProviderServer;
use base64::Engine as _;
use futures::Stream;
use std::io::Write as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};
use tracing::{debug, info, warn};

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
pub const PROTOCOL_VERSION: u32 = 6;
/// Terraform sends whole states and schemas in one message; terraform-plugin-go allows 256 MiB.
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;
/// How long a graceful shutdown may wait for open streams before the server just stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What Terraform passes through the environment when it starts the plugin.
#[derive(Clone, Debug, Default)]
pub struct Handshake {
    /// `PLUGIN_CLIENT_CERT`: Terraform's certificate (PEM); when set, AutoMTLS is on.
    pub client_cert_pem: Option<String>,
    /// `PLUGIN_UNIX_SOCKET_DIR`: where to put the socket (default: a fresh temp dir).
    pub socket_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error(
        "This binary is a Terraform provider plugin. It is not meant to be run directly: \
         Terraform starts it when a configuration uses the provider (install it, or point a \
         dev_overrides entry in ~/.terraformrc at its folder, then run terraform). \
         To debug it, run it with --debug and follow the instructions it prints."
    )]
    NotUnderTerraform,
    #[error(
        "Terraform offered plugin protocol versions {offered:?}, but this provider speaks only \
         protocol 6. Use Terraform 1.0 or newer."
    )]
    UnsupportedProtocol { offered: String },
}

impl Handshake {
    /// Reads the handshake from this process's environment.
    pub fn from_env() -> Result<Self, HandshakeError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Reads the handshake from any variable source (tests pass a closure over a map).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, HandshakeError> {
        if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(HandshakeError::NotUnderTerraform);
        }
        // Absent means "the default version", as in go-plugin; Terraform always sets it.
        if let Some(offered) = get("PLUGIN_PROTOCOL_VERSIONS") {
            let speaks_6 = offered
                .split(',')
                .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
            if !speaks_6 {
                return Err(HandshakeError::UnsupportedProtocol { offered });
            }
        }
        Ok(Self {
            client_cert_pem: get("PLUGIN_CLIENT_CERT").filter(|s| !s.trim().is_empty()),
            socket_dir: get("PLUGIN_UNIX_SOCKET_DIR")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        })
    }
}

/// How to serve: under Terraform (after the handshake), or standalone for debugging.
#[derive(Clone, Debug)]
pub enum ServeMode {
    Plugin(Handshake),
    /// Plaintext, no cookie; prints `TF_REATTACH_PROVIDERS` and serves until Ctrl-C.
    Debug,
}

#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub mode: ServeMode,
}

impl ServeOptions {
    pub fn plugin(handshake: Handshake) -> Self {
        Self {
            mode: ServeMode::Plugin(handshake),
        }
    }
    pub fn debug() -> Self {
        Self {
            mode: ServeMode::Debug,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    #[error("AutoMTLS: {0}")]
    Tls(#[from] TlsError),
    #[error("could not create the plugin socket: {0}")]
    Socket(std::io::Error),
    #[error("could not write the handshake line: {0}")]
    Stdout(std::io::Error),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("gRPC server task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// A server that is listening. Dropping it without `wait` leaves the server task running.
pub struct Running {
    /// What to print on stdout: the go-plugin handshake line, or in debug mode the
    /// `TF_REATTACH_PROVIDERS='…'` line.
    pub handshake_line: String,
    pub socket_path: PathBuf,
    /// The server certificate (DER) in AutoMTLS mode.
    pub server_cert_der: Option<Vec<u8>>,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), ServeError>>,
    /// Removes the socket and its folder when the server is done.
    _dir: SocketDir,
}

/// A private folder for the socket, removed (with the socket) on drop.
struct SocketDir(PathBuf);

impl SocketDir {
    fn create(parent: PathBuf) -> std::io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let mut last = None;
        for _ in 0..8 {
            let path = parent.join(format!("plugin{}", rand::random::<u32>()));
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(Self(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free socket folder name")))
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Running {
    /// Cancel this token to stop the server (what `GRPCController.Shutdown` does).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until the server stops, then removes the socket.
    pub async fn wait(self) -> Result<(), ServeError> {
        let result = self.task.await?;
        drop(self._dir);
        result
    }
}

/// Serves `server` until Terraform shuts it down (or Ctrl-C in debug mode): prints the
/// handshake line on stdout and runs the gRPC server. The binary's serve entry point.
pub async fn serve(server: ProviderServer, opts: ServeOptions) -> Result<(), ServeError> {
    let debug_mode = matches!(opts.mode, ServeMode::Debug);
    let running = start(Arc::new(server), opts).await?;
    let mut stdout = std::io::stdout().lock();
    if debug_mode {
        writeln!(
            stdout,
            "Provider started in debug mode. To attach Terraform, run this in the shell where \
             you run terraform:\n\n\texport {}\n\nPress Ctrl-C to stop the provider.",
            running.handshake_line
        )
        .map_err(ServeError::Stdout)?;
    } else {
        writeln!(stdout, "{}", running.handshake_line).map_err(ServeError::Stdout)?;
    }
    stdout.flush().map_err(ServeError::Stdout)?;
    drop(stdout);

    let token = running.shutdown_token();
    tokio::spawn(async move {
        loop {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            if debug_mode {
                token.cancel();
                return;
            }
            // Terraform's Ctrl-C reaches the whole process group; Terraform itself asks the
            // provider to stop (StopProvider), so the signal is ignored, as go-plugin does.
            debug!("ignoring interrupt signal; waiting for Terraform's StopProvider");
        }
    });
    running.wait().await
}

/// Binds the socket and starts serving in the background; the caller prints
/// `Running::handshake_line`. Used by `serve` and by tests that drive a server in-process.
pub async fn start(server: Arc<ProviderServer>, opts: ServeOptions) -> Result<Running, ServeError> {
    let (handshake, debug_mode) = match opts.mode {
        ServeMode::Plugin(h) => (h, false),
        ServeMode::Debug => (Handshake::default(), true),
    };
    let dir = SocketDir::create(
        handshake
            .socket_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir),
    )
    .map_err(ServeError::Socket)?;
    let socket_path = dir.0.join("plugin.sock");
    let listener = UnixListener::bind(&socket_path).map_err(ServeError::Socket)?;

    let tls = match &handshake.client_cert_pem {
        Some(pem) => Some(tls::server_tls(pem)?),
        None => None,
    };
    let server_cert_der = tls.as_ref().map(|t| t.cert_der.to_vec());
    let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));

    let handshake_line = if debug_mode {
        reattach_line(server.name(), &socket_path)
    } else {
        let cert = server_cert_der
            .as_deref()
            .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
            .unwrap_or_default();
        format!(
            "1|{PROTOCOL_VERSION}|unix|{}|grpc|{cert}",
            socket_path.display()
        )
    };

    let shutdown = CancellationToken::new();
    let incoming = accept_loop(listener, acceptor, shutdown.clone());

    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let provider = GrpcProviderServer::new(ProviderService::new(server.clone()))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let router = tonic::transport::Server::builder()
        .add_service(health)
        .add_service(gp::grpc_controller_server::GrpcControllerServer::new(
            Controller {
                shutdown: shutdown.clone(),
                server,
            },
        ))
        .add_service(gp::grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(gp::grpc_broker_server::GrpcBrokerServer::new(Broker {
            shutdown: shutdown.clone(),
        }))
        .add_service(provider);

    let token = shutdown.clone();
    let task = tokio::spawn(async move {
        let graceful =
            router.serve_with_incoming_shutdown(incoming, token.clone().cancelled_owned());
        tokio::select! {
            r = graceful => r.map_err(ServeError::from),
            _ = async { token.cancelled().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
                debug!("open streams outlived the shutdown grace period; stopping anyway");
                Ok(())
            }
        }
    });
    info!(socket = %socket_path.display(), tls = server_cert_der.is_some(), "plugin server listening");
    Ok(Running {
        handshake_line,
        socket_path,
        server_cert_der,
        shutdown,
        task,
        _dir: dir,
    })
}

/// `TF_REATTACH_PROVIDERS='…'` for debug mode.
fn reattach_line(member: &str, socket: &std::path::Path) -> String {
    let value = serde_json::json!({
        format!("registry.terraform.io/gpucloud/{member}"): {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": "unix", "String": socket.display().to_string() },
        }
    });
    format!("TF_REATTACH_PROVIDERS='{value}'")
}

/// Accepts connections and runs each TLS handshake in its own task, so a client that stalls
/// (or is refused) never holds up the others.
fn accept_loop(
    listener: UnixListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shutdown: CancellationToken,
) -> impl Stream<Item = Result<Conn, std::io::Error>> {
    let (tx, rx) = mpsc::channel::<Result<Conn, std::io::Error>>(16);
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = listener.accept() => match r {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        warn!(error = %e, "accepting a plugin connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let tx = tx.clone();
            match &acceptor {
                None => {
                    let _ = tx.send(Ok(Conn::Plain(stream))).await;
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                            .await
                        {
                            Ok(Ok(tls)) => {
                                let _ = tx.send(Ok(Conn::Tls(Box::new(tls)))).await;
                            }
                            Ok(Err(e)) => warn!(error = %e, "refused a TLS connection"),
                            Err(_) => warn!("a TLS handshake timed out"),
                        }
                    });
                }
            }
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// One accepted connection, plaintext (debug mode) or TLS.
pub enum Conn {
    Plain(UnixStream),
    Tls(Box<tokio_rustls::server::TlsStream<UnixStream>>),
}

impl Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }
    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A stream that sends nothing and ends when the server shuts down.
fn quiet_until<T: Send + 'static>(shutdown: CancellationToken) -> BoxStream<T> {
    Box::pin(futures::stream::unfold(shutdown, |t| async move {
        t.cancelled().await;
        None::<(Result<T, Status>, CancellationToken)>
    }))
}

/// `GRPCController.Shutdown`: Terraform is done with the plugin.
struct Controller {
    shutdown: CancellationToken,
    server: Arc<ProviderServer>,
}

#[tonic::async_trait]
impl gp::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _request: Request<gp::Empty>) -> Result<Response<gp::Empty>, Status> {
        debug!(rpc = "Shutdown", "Terraform asked the plugin to exit");
        self.server.stop();
        self.shutdown.cancel();
        Ok(Response::new(gp::Empty {}))
    }
}

/// `GRPCStdio.StreamStdio`: our output goes straight to stderr, so the stream stays silent.
struct Stdio {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl gp::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<gp::StdioData>;
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(quiet_until(self.shutdown.clone())))
    }
}

/// `GRPCBroker.StartStream`: providers never broker extra connections; the stream is
/// accepted and stays idle so go-plugin's client is content.
struct Broker {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl gp::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = BoxStream<gp::ConnInfo>;
    async fn start_stream(
        &self,
        request: Request<tonic::Streaming<gp::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut incoming = request.into_inner();
        let shutdown = self.shutdown.clone();
        // Drain what the client sends (nothing, in practice) until either side is done.
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    m = incoming.message() => if !matches!(m, Ok(Some(_))) { return },
                }
            }
        });
        Ok(Response::new(quiet_until(self.shutdown.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn cookie_is_required() {
        assert!(matches!(
            Handshake::from_vars(vars(&[])),
            Err(HandshakeError::NotUnderTerraform)
        ));
        assert!(matches!(
            Handshake::from_vars(vars(&[(MAGIC_COOKIE_KEY, "nope")])),
            Err(HandshakeError::NotUnderTerraform)
        ));
        let msg = HandshakeError::NotUnderTerraform.to_string();
        assert!(msg.contains("Terraform provider plugin"));
    }

    #[test]
    fn protocol_six_must_be_offered() {
        let e = Handshake::from_vars(vars(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
        ]))
        .expect_err("must refuse");
        assert!(e.to_string().contains("protocol 6"));
        let h = Handshake::from_vars(vars(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_CLIENT_CERT", "pem"),
        ]))
        .expect("accepts");
        assert_eq!(h.client_cert_pem.as_deref(), Some("pem"));
    }

    #[test]
    fn reattach_line_is_ready_to_paste() {
        let line = reattach_line("icgpu", std::path::Path::new("/tmp/x/plugin.sock"));
        let json = line
            .strip_prefix("TF_REATTACH_PROVIDERS='")
            .and_then(|s| s.strip_suffix('\''))
            .expect("quoted");
        let v: serde_json::Value = serde_json::from_str(json).expect("json");
        let p = &v["registry.terraform.io/gpucloud/icgpu"];
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Addr"]["String"], "/tmp/x/plugin.sock");
        assert_eq!(p["Pid"], std::process::id());
    }
}
