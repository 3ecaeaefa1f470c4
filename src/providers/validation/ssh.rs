//! A small SSH session for the image validation resources: connect (retrying while the
//! instance boots its SSH daemon), check the host key, upload files over stdin, run a command.

use russh::client;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::ChannelMsg;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum SshError {
    #[error("the private key could not be read: {0}")]
    Key(String),
    #[error("could not connect to {addr}: {message}")]
    Connect { addr: String, message: String },
    #[error("the host key of {addr} is {seen}, not the expected {expected}")]
    HostKey {
        addr: String,
        seen: String,
        expected: String,
    },
    #[error("{user}@{addr} refused the private key")]
    Auth { user: String, addr: String },
    #[error("SSH session failed: {0}")]
    Session(String),
    #[error("interrupted")]
    Interrupted,
    #[error("timed out after {0:?}")]
    Timeout(Duration),
}

/// Remembers the server's host key fingerprint so the caller can check or report it.
struct Handler {
    seen: Arc<Mutex<Option<String>>>,
    expected: Option<String>,
}

impl client::Handler for Handler {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_public_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let fingerprint = match server_public_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.fingerprint(HashAlg::Sha256),
            PublicKeyOrCertificate::Certificate(c) => c.public_key().fingerprint(HashAlg::Sha256),
        }
        .to_string();
        let accepted = self
            .expected
            .as_ref()
            .is_none_or(|e| e.trim() == fingerprint);
        if let Ok(mut s) = self.seen.lock() {
            *s = Some(fingerprint);
        }
        Ok(accepted)
    }
}

pub struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub private_key: &'a str,
    /// `SHA256:...`; when None any host key is accepted and reported back.
    pub host_key_fingerprint: Option<&'a str>,
}

pub struct Session {
    handle: client::Handle<Handler>,
    /// The host key fingerprint the server presented.
    pub host_key: String,
}

/// What one remote command printed and how it ended.
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub exit_status: Option<u32>,
}

impl Session {
    /// Connects and authenticates, retrying connection failures (the daemon may still be
    /// booting) until `deadline`; a refused key or a wrong host key fails at once.
    pub async fn connect(
        t: &Target<'_>,
        deadline: Instant,
        cancel: &CancellationToken,
    ) -> Result<Session, SshError> {
        let key = russh::keys::decode_secret_key(t.private_key, None)
            .map_err(|e| SshError::Key(e.to_string()))?;
        let key = Arc::new(key);
        let addr = format!("{}:{}", t.host, t.port);
        let mut delay = Duration::from_secs(1);
        let started = Instant::now();
        loop {
            let seen = Arc::new(Mutex::new(None));
            let handler = Handler {
                seen: seen.clone(),
                expected: t.host_key_fingerprint.map(str::to_string),
            };
            let config = Arc::new(client::Config {
                inactivity_timeout: Some(Duration::from_secs(600)),
                ..Default::default()
            });
            let attempt = tokio::select! {
                r = tokio::time::timeout(Duration::from_secs(20), client::connect(config, (t.host, t.port), handler)) => r,
                _ = cancel.cancelled() => return Err(SshError::Interrupted),
            };
            let seen_key = seen.lock().ok().and_then(|s| s.clone());
            match attempt {
                Ok(Ok(mut handle)) => {
                    let hash = handle
                        .best_supported_rsa_hash()
                        .await
                        .ok()
                        .flatten()
                        .flatten();
                    let auth = handle
                        .authenticate_publickey(
                            t.user,
                            PrivateKeyWithHashAlg::new(key.clone(), hash),
                        )
                        .await
                        .map_err(|e| SshError::Session(e.to_string()))?;
                    if !auth.success() {
                        return Err(SshError::Auth {
                            user: t.user.into(),
                            addr,
                        });
                    }
                    return Ok(Session {
                        handle,
                        host_key: seen_key.unwrap_or_default(),
                    });
                }
                Ok(Err(e)) => {
                    if let (Some(expected), Some(seen)) = (t.host_key_fingerprint, &seen_key) {
                        if expected.trim() != seen {
                            return Err(SshError::HostKey {
                                addr,
                                seen: seen.clone(),
                                expected: expected.into(),
                            });
                        }
                    }
                    if Instant::now() + delay >= deadline {
                        return Err(SshError::Connect {
                            addr,
                            message: e.to_string(),
                        });
                    }
                    tracing::debug!(%addr, error = %e, "SSH not reachable yet; retrying");
                }
                Err(_) => {
                    if Instant::now() >= deadline {
                        return Err(SshError::Timeout(started.elapsed()));
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {},
                _ = cancel.cancelled() => return Err(SshError::Interrupted),
            }
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    }

    /// Runs `command`, feeding `stdin` to it, and collects its output.
    pub async fn run(
        &self,
        command: &str,
        stdin: &[u8],
        cancel: &CancellationToken,
    ) -> Result<Output, SshError> {
        let err = |e: russh::Error| SshError::Session(e.to_string());
        let mut channel = self.handle.channel_open_session().await.map_err(err)?;
        channel.exec(true, command).await.map_err(err)?;
        if !stdin.is_empty() {
            channel.data(stdin).await.map_err(err)?;
        }
        channel.eof().await.map_err(err)?;
        let mut out = Output {
            stdout: String::new(),
            stderr: String::new(),
            exit_status: None,
        };
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        loop {
            let msg = tokio::select! {
                m = channel.wait() => m,
                _ = cancel.cancelled() => return Err(SshError::Interrupted),
            };
            match msg {
                None => break,
                Some(ChannelMsg::Data { data }) => stdout.extend_from_slice(&data),
                Some(ChannelMsg::ExtendedData { data, .. }) => stderr.extend_from_slice(&data),
                Some(ChannelMsg::ExitStatus { exit_status }) => out.exit_status = Some(exit_status),
                Some(_) => {}
            }
        }
        out.stdout = String::from_utf8_lossy(&stdout).into_owned();
        out.stderr = String::from_utf8_lossy(&stderr).into_owned();
        Ok(out)
    }

    pub async fn close(self) {
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
    }
}
