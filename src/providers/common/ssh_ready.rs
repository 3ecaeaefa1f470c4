//! SSH readiness (`wait_for_ssh`): after the API says an instance is running, its SSH daemon
//! may still be starting. A create that asks for it waits, within the create timeout, until the
//! host completes an SSH handshake (banner and key exchange; no login, so no key is needed) and
//! records the host key's SHA256 fingerprint.

use crate::framework::planmod::{PlanModifier, PlanModifyRequest, PlanModifyResponse};
use crate::framework::{Attribute, Ctx, Diagnostics, Failure, Value};
use russh::client;
use russh::keys::{HashAlg, PublicKeyOrCertificate};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The argument that turns the wait on.
pub const WAIT_FOR_SSH: &str = "wait_for_ssh";
/// The computed attribute that records what the handshake saw.
pub const HOST_KEY_FINGERPRINT: &str = "ssh_host_key_fingerprint";

/// `wait_for_ssh` and `ssh_host_key_fingerprint`, for an instance-like resource with SSH.
pub fn attributes() -> [Attribute; 2] {
    [
        Attribute::bool(WAIT_FOR_SSH)
            .default(Value::Bool(false))
            .local_setting()
            .description(
                "Wait, after the instance is running and within the create timeout, until its \
                 SSH port completes an SSH handshake (banner and key exchange; no login), so \
                 that provisioners and later resources can connect at once.",
            ),
        Attribute::string(HOST_KEY_FINGERPRINT)
            .computed()
            .plan_modifier(Arc::new(SetAtCreate))
            .description(
                "SHA256 fingerprint (`SHA256:...`, as `ssh-keygen -l` prints it) of the host key \
                 the instance presented when `wait_for_ssh` waited for it; null otherwise. Pin it \
                 in `known_hosts` instead of trusting the key on first use.",
            ),
    ]
}

/// The login command for an SSH endpoint the API reported: `ssh -p 30001 gpuuser@host`.
pub fn login_command(host: Option<&str>, port: Option<i64>, user: Option<&str>) -> Option<String> {
    Some(format!("ssh -p {} {}@{}", port?, user?, host?))
}

/// Only a create sets the fingerprint: an update keeps it as it is, null included, so a
/// start or stop never shows it as "known after apply".
struct SetAtCreate;

impl PlanModifier for SetAtCreate {
    fn description(&self) -> String {
        "set by the create; updates keep it".into()
    }
    fn modify(&self, req: &PlanModifyRequest<'_>, resp: &mut PlanModifyResponse) {
        if !req.is_create() && !req.is_destroy() && !req.plan_value.is_known() {
            resp.plan_value = req.state_value.clone();
        }
    }
}

/// Records the host key the server presents; accepts any (there is nothing to pin yet).
struct Recorder(Arc<Mutex<Option<String>>>);

impl client::Handler for Recorder {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let fingerprint = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.fingerprint(HashAlg::Sha256),
            PublicKeyOrCertificate::Certificate(c) => c.public_key().fingerprint(HashAlg::Sha256),
        };
        if let Ok(mut seen) = self.0.lock() {
            *seen = Some(fingerprint.to_string());
        }
        Ok(true)
    }
}

/// One handshake with `host:port`: the host key fingerprint, or why it did not complete.
async fn handshake(host: &str, port: u16, limit: Duration) -> Result<String, String> {
    let seen = Arc::new(Mutex::new(None));
    let config = Arc::new(client::Config::default());
    let attempt = tokio::time::timeout(
        limit,
        client::connect(config, (host, port), Recorder(seen.clone())),
    )
    .await;
    match attempt {
        Err(_) => Err(format!("no handshake within {}s", limit.as_secs())),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(handle)) => {
            let _ = handle
                .disconnect(russh::Disconnect::ByApplication, "", "en")
                .await;
            seen.lock()
                .ok()
                .and_then(|s| s.clone())
                .ok_or_else(|| "the server presented no host key".to_string())
        }
    }
}

/// Retries the handshake until it completes, `deadline` passes or Terraform is interrupted.
pub async fn wait(
    host: &str,
    port: u16,
    deadline: Instant,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<String, Diagnostics> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(500);
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let last = match handshake(
            host,
            port,
            left.clamp(Duration::from_secs(1), Duration::from_secs(20)),
        )
        .await
        {
            Ok(fingerprint) => return Ok(fingerprint),
            Err(e) => e,
        };
        tracing::debug!(%host, port, error = %last, "SSH not answering yet; retrying");
        if Instant::now() + delay >= deadline {
            return Err(Diagnostics::single_error(
                format!("SSH on {host}:{port} did not answer in time"),
                format!(
                    "wait_for_ssh is set and the instance is running, but its SSH port \
                     completed no SSH handshake in {}s ({attempts} attempts; last: {last}). \
                     Check that the image starts an SSH daemon on port {port} and that a \
                     firewall lets it through, or raise the create timeout \
                     (`timeouts {{ create = ... }}`).",
                    started.elapsed().as_secs()
                ),
            ));
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = cancel.cancelled() => return Err(Diagnostics::single_error(
                format!("Interrupted while waiting for SSH on {host}:{port}"),
                "Terraform was interrupted before the instance's SSH port answered.",
            )),
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// An API's SSH host and port as [`after_create`] takes them: none unless both are set and the
/// port is one.
pub fn address(host: Option<&str>, port: Option<i64>) -> Option<(String, u16)> {
    Some((host?.to_string(), u16::try_from(port?).ok()?))
}

/// The end of a create with `wait_for_ssh`: waits for `endpoint` (host, port) when `wanted`,
/// then `record`s the fingerprint in the model. A failure keeps the created object as partial
/// state (tainted), never lost.
pub async fn after_create<C: ?Sized, M>(
    ctx: &Ctx<'_, C>,
    wanted: bool,
    created: Result<M, Failure<M>>,
    endpoint: impl Fn(&M) -> Option<(String, u16)>,
    record: impl Fn(&mut M, String),
) -> Result<M, Failure<M>> {
    let mut model = created?;
    if !wanted {
        return Ok(model);
    }
    let Some((host, port)) = endpoint(&model).filter(|(h, _)| !h.is_empty()) else {
        return Err(Failure::with_partial(
            Diagnostics::single_error(
                "No SSH address to wait for",
                "wait_for_ssh is set, but the API reported no SSH host and port for the \
                 running instance.",
            ),
            model,
        ));
    };
    match wait(&host, port, ctx.deadline, &ctx.cancel).await {
        Ok(fingerprint) => {
            record(&mut model, fingerprint);
            Ok(model)
        }
        Err(d) => Err(Failure::with_partial(d, model)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_closed_port_times_out_with_the_address_and_the_last_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cancel = tokio_util::sync::CancellationToken::new();
        let deadline = Instant::now() + Duration::from_secs(2);
        let d = wait("127.0.0.1", port, deadline, &cancel)
            .await
            .expect_err("nothing listens");
        let e = d.iter().next().expect("an error");
        assert!(
            e.summary.contains(&format!("127.0.0.1:{port}")),
            "{}",
            e.summary
        );
        assert!(e.detail.contains("attempts; last:"), "{}", e.detail);
    }

    #[tokio::test]
    async fn a_port_that_speaks_no_ssh_is_not_ready() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                use tokio::io::AsyncWriteExt;
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let cancel = tokio_util::sync::CancellationToken::new();
        let deadline = Instant::now() + Duration::from_secs(2);
        assert!(wait("127.0.0.1", port, deadline, &cancel).await.is_err());
    }
}
