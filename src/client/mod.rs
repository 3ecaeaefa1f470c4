//! The shared HTTP client layer every member uses: auth, retries with backoff and
//! `Retry-After`, process-wide rate limits, idempotency keys, exactly-once creates
//! (`create_reconciled`), pagination, waiters and refresh coalescing (`ReadCache`).
//!
//! Members build a [`Client`] from a [`ClientConfig`] (see `providers::common`), then issue
//! requests with `client.get("/instances").describe("list instances").budget(&b).send()`.
//!
//! ```ignore
//! let b = common::budget(ctx);
//! // Create: keyed (IC GPU) or reconciled (AMD, Shadeform, GPU AI).
//! let inst: Instance = client.post("/api/v1/instances").json(&body)
//!     .idempotency_key(key).describe(format!("create instance {name:?}")).budget(&b).send().await?;
//! client.cache().invalidate("instance");
//! // Wait, failing fast on the API's error state.
//! wait_until(&b, &format!("instance {name:?} to become running"), || async {
//!     let i: Instance = client.get(&path).budget(&b).send().await?;
//!     Ok(match i.status.as_str() { "running" => Poll::Ready(i), "error" => Poll::Failed(i.message), s => Poll::Pending(s.into()) })
//! }).await?;
//! // Read during refresh: one list serves every instance.
//! client.cache().read("instance", &id,
//!     || list_all_token::<serde_json::Value>(client.get("/api/v1/instances").budget(&b), "instances"),
//!     || client.get(&path).budget(&b).send_optional::<Instance>()).await?;
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
pub use http::{path_segment, Client, Request, Tuning};
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
    /// The limit on one HTTP attempt (the operation's budget bounds the whole call).
    pub request_timeout: Duration,
    /// Client-side token bucket, shared by every client with the same API and credential in
    /// this process. `None` = unlimited.
    pub requests_per_minute: Option<u32>,
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
            ca_cert_pem: None,
            insecure_skip_verify: false,
        }
    }
}

/// How long an operation may take, and its cancellation (Terraform's StopProvider).
#[derive(Clone, Debug, Default)]
pub struct Budget {
    pub deadline: Option<Instant>,
    pub cancel: CancellationToken,
}

impl Budget {
    /// No deadline, never cancelled.
    pub fn unbounded() -> Self {
        Self::default()
    }
    /// A budget of `d` from now.
    pub fn with_timeout(d: Duration) -> Self {
        Self {
            deadline: Instant::now().checked_add(d),
            cancel: CancellationToken::new(),
        }
    }
    /// Time left, `None` when unbounded.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }
    pub fn is_expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// Reads a millisecond count from the environment.
pub(crate) fn env_ms(name: &str) -> Option<Duration> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_millis)
}
