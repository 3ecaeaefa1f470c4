//! The shared HTTP client layer every member uses: auth, retries with backoff and
//! `Retry-After`, process-wide rate limits, idempotency keys, exactly-once creates
//! (`create_reconciled`), pagination, waiters and refresh coalescing (`ReadCache`).
//!
//! Members build a [`Client`] from a [`ClientConfig`] (see `providers::common`). Requests come
//! only from an [`Api`]: the client bound to one operation's [`Deadline`] (its `timeouts` and
//! Terraform's cancellation), so none can be sent without them.
//!
//! ```ignore
//! let api = common::api(ctx);
//! // Create: keyed (IC GPU) or reconciled (AMD, Shadeform, GPU AI).
//! let inst: Instance = api.post("/api/v1/instances").json(&body)
//!     .idempotency_key(key).describe(format!("create instance {name:?}")).send().await?;
//! // Wait, failing fast on the API's error state.
//! api.wait(&format!("instance {name:?} to become running"), || async {
//!     let i: Instance = api.get(&path).send().await?;
//!     Ok(match i.status.as_str() { "running" => Poll::Ready(i), "error" => Poll::Failed(i.message), s => Poll::Pending(s.into()) })
//! }).await?;
//! // Read during refresh: one list serves every instance.
//! api.cache().read("instance", &id,
//!     || list_all_token::<serde_json::Value>(api.get("/api/v1/instances"), "instances"),
//!     || api.get(&path).send_optional::<Instance>()).await?;
//! ```
//!
//! Environment knobs (for tests and demos; all optional):
//! - `GPUCLOUD_POLL_INTERVAL_MS`: first delay between waiter polls (default 1000); the cap is
//!   15× that unless `GPUCLOUD_POLL_MAX_MS` sets it.
//! - `GPUCLOUD_RETRY_BASE_MS` / `GPUCLOUD_RETRY_MAX_MS`: retry backoff start and cap
//!   (defaults 500 and 20000).
//! - `GPUCLOUD_READ_CACHE_TTL_MS`: how long a list served by [`ReadCache`] stays fresh
//!   (default 10000).

mod cache;
mod error;
mod http;
mod paginate;
mod ratelimit;
mod reconcile;
mod redact;
mod wait;

pub use cache::ReadCache;
pub use error::ClientError;
pub use http::{path_segment, Api, Client, Request, Tuning};
pub use paginate::{list_all_offset, list_all_pages, list_all_token};
pub use ratelimit::RateLimit;
pub use reconcile::create_reconciled;
pub use wait::{wait_until, Poll, Waiter};

use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A credential. It never prints: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The raw value, only for building the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How requests authenticate.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    /// `Authorization: Bearer <token>` (IC GPU, ROCm, GPU AI).
    Bearer(Secret),
    /// An API-key header (`X-API-Key` for AMD, `X-API-KEY` for Shadeform).
    Header {
        name: &'static str,
        value: Secret,
    },
}

impl Auth {
    fn secret(&self) -> Option<&Secret> {
        match self {
            Auth::None => None,
            Auth::Bearer(s) => Some(s),
            Auth::Header { value, .. } => Some(value),
        }
    }
}

/// Everything a [`Client`] needs; `providers::common` fills it from the provider block.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The member's name (`"icgpu"`), used in logs, messages and the rate-limit key.
    pub api: &'static str,
    /// The base URL request paths are appended to (`https://host/v1`).
    pub base_url: String,
    pub auth: Auth,
    /// Where the credential comes from, in the user's words, for 401/403 messages.
    pub credential_hint: String,
    pub max_retries: u32,
    /// The limit on one HTTP attempt (the operation's deadline bounds the whole call).
    pub request_timeout: Duration,
    /// Client-side rate limit (a sliding window), shared by every client with the same API
    /// and credential in this process. `None` = unlimited.
    pub requests_per_minute: Option<u32>,
    /// Where the rate limit's window is kept between processes (Terraform plans in one
    /// provider process and applies in the next, and the API counts both); `None`: in this
    /// process only.
    pub rate_limit_dir: Option<std::path::PathBuf>,
    /// Extra trusted CA certificates (PEM) besides the system roots.
    pub ca_cert_pem: Option<String>,
    pub insecure_skip_verify: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            api: "api",
            base_url: String::new(),
            auth: Auth::None,
            credential_hint: String::new(),
            max_retries: 5,
            request_timeout: Duration::from_secs(60),
            requests_per_minute: None,
            rate_limit_dir: None,
            ca_cert_pem: None,
            insecure_skip_verify: false,
        }
    }
}

/// When an operation must end, and its cancellation (Terraform's StopProvider). Every request
/// is sent under one: members get requests only from an [`Api`] bound to the operation's
/// deadline, so no request can outlive `timeouts` or ignore Ctrl-C.
#[derive(Clone, Debug, Default)]
pub struct Deadline {
    pub at: Option<Instant>,
    pub cancel: CancellationToken,
}

impl Deadline {
    /// No deadline, never cancelled (tests and one-off tools only).
    pub fn none() -> Self {
        Self::default()
    }
    /// `d` from now.
    pub fn after(d: Duration) -> Self {
        Self {
            at: Instant::now().checked_add(d),
            cancel: CancellationToken::new(),
        }
    }
    /// Time left, `None` when there is no deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.at.map(|d| d.saturating_duration_since(Instant::now()))
    }
    pub fn is_expired(&self) -> bool {
        self.at.is_some_and(|d| Instant::now() >= d)
    }
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Reads a millisecond count from the environment.
pub(crate) fn env_ms(name: &str) -> Option<Duration> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_millis)
}
