//! `Client` and `Request`: one HTTP call with auth, rate limiting, retries (exponential
//! backoff with full jitter, `Retry-After`), deadline and cancellation, and redacted logging.
//!
//! Retry rules (each attempt also takes a rate-limit token):
//! - connection failures before anything was sent: every method;
//! - 429: every method (the API refused the request without carrying it out);
//! - 502, 503, 504 and lost responses (timeout, reset after sending): GET, PUT, PATCH,
//!   DELETE, POSTs that carry an `Idempotency-Key` and POSTs marked [`Request::idempotent`];
//! - 500: GET, DELETE, keyed and idempotent POSTs only.
//!
//! Un-keyed creates are left to `create_reconciled`, which proves by a lookup whether the
//! first attempt created the object before sending another.
//!
//! A `Retry-After` further away than `Tuning::retry_after_max` or past the operation's
//! deadline ends the retries at once, saying what the API asked; one in the past counts
//! as absent (plain backoff).
//!
//! Redirects are never followed: a 3xx answer is a [`ClientError::Redirect`] naming its
//! `Location`, so no credential header (`Authorization`, `X-API-Key`, ...) ever reaches
//! another origin. A keyed POST whose 2xx answer cannot be read is replayed with the same
//! key (the API answers it again without acting twice).
//!
//! Any request other than GET drops this client's [`ReadCache`] (before sending and after
//! the answer), so a refresh never sees an object as it was before this process changed it.

use super::cache::ReadCache;
use super::error::{human_duration, parse_error_body, ClientError};
use super::ratelimit::{limiter_for, RateLimit, SlidingWindow};
use super::redact::{body_for_log, excerpt, is_sensitive_header, scrub};
use super::{env_ms, Auth, ClientConfig, Deadline};
use bytes::Bytes;
use rand::Rng;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Timing knobs; `Tuning::default()` reads the `GPUCLOUD_*` environment variables described
/// in the module docs. Tests shrink them.
#[derive(Clone, Debug)]
pub struct Tuning {
    /// First retry delay (before jitter); doubles per attempt.
    pub retry_base: Duration,
    /// Largest retry delay (before jitter).
    pub retry_max: Duration,
    /// Longest `Retry-After` honoured when the operation has no deadline.
    pub retry_after_max: Duration,
    /// The window `requests_per_minute` is counted over (one minute; tests shrink it).
    pub rate_window: Duration,
    /// How long a list held by the [`ReadCache`] stays fresh.
    pub cache_ttl: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            retry_base: env_ms("GPUCLOUD_RETRY_BASE_MS").unwrap_or(Duration::from_millis(500)),
            retry_max: env_ms("GPUCLOUD_RETRY_MAX_MS").unwrap_or(Duration::from_secs(20)),
            retry_after_max: Duration::from_secs(300),
            rate_window: Duration::from_secs(60),
            cache_ttl: env_ms("GPUCLOUD_READ_CACHE_TTL_MS").unwrap_or(Duration::from_secs(10)),
        }
    }
}

/// The shared API client of one configured provider. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: ClientConfig,
    base: String,
    http: reqwest::Client,
    limiter: Arc<SlidingWindow>,
    cache: ReadCache,
    tuning: Tuning,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.inner.cfg.api)
            .field("base_url", &self.inner.base)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client, ClientError> {
        Self::with_tuning(cfg, Tuning::default())
    }

    pub fn with_tuning(cfg: ClientConfig, tuning: Tuning) -> Result<Client, ClientError> {
        let url = url::Url::parse(&cfg.base_url).map_err(|e| ClientError::Config {
            message: format!("the endpoint {:?} is not a valid URL ({e})", cfg.base_url),
        })?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(ClientError::Config {
                message: format!(
                    "the endpoint {:?} must be an http:// or https:// URL with a host",
                    cfg.base_url
                ),
            });
        }
        let mut b = reqwest::Client::builder()
            .user_agent(concat!("gpucloud-terraform/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(cfg.request_timeout.min(Duration::from_secs(15)))
            .pool_idle_timeout(Duration::from_secs(60))
            // reqwest drops `Authorization` on a cross-origin hop but keeps custom headers
            // such as `X-API-Key`; following nothing keeps every credential at home.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = cfg.ca_cert_pem.as_deref().filter(|p| !p.trim().is_empty()) {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                ClientError::Config {
                    message: format!("`ca_cert_pem` is not a PEM certificate bundle ({e})"),
                }
            })?;
            if certs.is_empty() {
                return Err(ClientError::Config {
                    message: "`ca_cert_pem` holds no PEM certificate".into(),
                });
            }
            b = b.tls_certs_merge(certs);
        }
        if cfg.insecure_skip_verify {
            tracing::warn!(
                api = cfg.api,
                "TLS certificate verification is disabled (insecure_skip_verify)"
            );
            b = b.tls_danger_accept_invalid_certs(true);
        }
        let http = b.build().map_err(|e| ClientError::Config {
            message: format!("the HTTP client could not be built ({})", error_chain(&e)),
        })?;
        // Even without a limit of our own, the API's 429s hold every request of this process.
        let limiter = limiter_for(
            cfg.api,
            cfg.auth.secret().map(|s| s.expose()),
            RateLimit {
                requests: cfg.requests_per_minute.unwrap_or(0),
                per: tuning.rate_window,
            },
            cfg.rate_limit_dir.as_deref(),
        );
        let base = cfg.base_url.trim_end_matches('/').to_string();
        Ok(Client {
            inner: Arc::new(Inner {
                cache: ReadCache::with_ttl(tuning.cache_ttl),
                cfg,
                base,
                http,
                limiter,
                tuning,
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.cfg
    }

    pub fn api(&self) -> &'static str {
        self.inner.cfg.api
    }

    /// The refresh-coalescing cache of this client.
    pub fn cache(&self) -> &ReadCache {
        &self.inner.cache
    }

    /// This client bound to one operation's deadline: the only way to build requests.
    pub fn bind(&self, deadline: Deadline) -> Api {
        Api {
            client: self.clone(),
            deadline,
        }
    }

    pub(crate) fn tuning(&self) -> &Tuning {
        &self.inner.tuning
    }

    fn secret(&self) -> Option<&str> {
        self.inner.cfg.auth.secret().map(|s| s.expose())
    }
}

/// A [`Client`] bound to one operation: every request it builds carries the operation's
/// deadline and cancellation. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Api {
    client: Client,
    deadline: Deadline,
}

impl Api {
    pub fn request(&self, method: Method, path: &str) -> Request {
        Request {
            client: self.client.clone(),
            method,
            path: path.to_string(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idempotency_key: None,
            idempotent: false,
            public: false,
            what: None,
            deadline: self.deadline.clone(),
        }
    }
    pub fn get(&self, path: &str) -> Request {
        self.request(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Request {
        self.request(Method::POST, path)
    }
    pub fn put(&self, path: &str) -> Request {
        self.request(Method::PUT, path)
    }
    pub fn patch(&self, path: &str) -> Request {
        self.request(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> Request {
        self.request(Method::DELETE, path)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn deadline(&self) -> &Deadline {
        &self.deadline
    }

    /// The refresh-coalescing cache of the underlying client.
    pub fn cache(&self) -> &ReadCache {
        self.client.cache()
    }

    /// [`super::wait_until`] under this operation's deadline.
    pub async fn wait<T, F, Fut>(&self, what: &str, poll: F) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<super::Poll<T>, ClientError>>,
    {
        super::wait_until(&self.deadline, what, poll).await
    }
}

/// Percent-encodes one path segment (an id from state or configuration).
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One HTTP request being built. Cloning it repeats it (pagination, retried creates).
#[derive(Clone)]
pub struct Request {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Result<Bytes, String>>,
    idempotency_key: Option<String>,
    /// Repeating it is harmless by its meaning (delete, stop, scale), though it is a POST.
    idempotent: bool,
    public: bool,
    what: Option<String>,
    deadline: Deadline,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

/// A successful answer.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Bytes,
}

enum Stop {
    Cancelled,
    Deadline,
}

/// Outcome of one attempt that did not succeed.
enum AttemptError {
    /// Final or retryable, with the server's `Retry-After`.
    Failed {
        error: ClientError,
        retryable: bool,
        retry_after: Option<Duration>,
    },
    Stop(Stop),
}

impl Request {
    /// Adds a query parameter.
    pub fn query(mut self, k: &str, v: impl ToString) -> Self {
        self.query.push((k.to_string(), v.to_string()));
        self
    }

    /// Whether a query parameter `k` is set.
    pub(crate) fn has_query(&self, k: &str) -> bool {
        self.query.iter().any(|(name, _)| name == k)
    }

    /// Sets a query parameter, replacing any earlier value of `k`.
    pub fn set_query(mut self, k: &str, v: impl ToString) -> Self {
        self.query.retain(|(name, _)| name != k);
        self.query.push((k.to_string(), v.to_string()));
        self
    }

    /// Adds a header (never use this for credentials: `Auth` handles them).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn json<B: Serialize>(mut self, body: &B) -> Self {
        self.body = Some(
            serde_json::to_vec(body)
                .map(Bytes::from)
                .map_err(|e| e.to_string()),
        );
        self
    }

    /// Sends `Idempotency-Key: key` on every attempt, which also makes a POST retryable.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// No auth header (public catalogue endpoints).
    pub fn public(mut self) -> Self {
        self.public = true;
        self
    }

    /// What this request does, in the user's words, for error summaries:
    /// "create instance \"my-gpu\"" gives "Failed to create instance \"my-gpu\": ...".
    pub fn describe(mut self, what: impl Into<String>) -> Self {
        self.what = Some(what.into());
        self
    }

    /// Marks a POST whose repetition is harmless by its meaning (Shadeform's delete, stop,
    /// start, reboot), so it is retried like a DELETE after a lost answer or a 5xx.
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn deadline(&self) -> &Deadline {
        &self.deadline
    }

    pub fn operation(&self) -> String {
        self.what
            .clone()
            .unwrap_or_else(|| format!("call {} {}", self.method, self.path))
    }

    /// Sends and decodes a JSON answer. A keyed POST whose 2xx answer cannot be read is
    /// sent again with its key, up to `max_retries` times, since the answer may carry what
    /// only a create returns (a generated private key, an API key's secret).
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, ClientError> {
        let mut replays: u32 = 0;
        loop {
            let a = self.clone().execute().await?;
            let error = match decode_answer(&self, &a) {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !(self.method == Method::POST && self.keyed())
                || replays >= self.client.config().max_retries
            {
                return Err(error);
            }
            replays += 1;
            tracing::info!(
                api = self.client.api(),
                operation = %self.operation(),
                replays,
                error = %error.summary(),
                "unreadable answer to a keyed request; replaying it with the same key"
            );
            if sleep_within(&self.deadline, self.backoff(replays))
                .await
                .is_err()
            {
                return Err(error);
            }
        }
    }

    /// Sends and ignores the answer's body.
    pub async fn send_no_body(self) -> Result<(), ClientError> {
        self.execute().await.map(|_| ())
    }

    /// Sends and returns the body as text (for endpoints that answer with a document rather
    /// than JSON, such as a kubeconfig).
    pub async fn send_text(self) -> Result<String, ClientError> {
        let answer = self.execute().await?;
        Ok(String::from_utf8_lossy(&answer.body).into_owned())
    }

    /// Like `send`, but 404 (and 410) become `None`.
    pub async fn send_optional<T: DeserializeOwned>(self) -> Result<Option<T>, ClientError> {
        match self.send::<T>().await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends and returns the raw answer. An un-keyed POST is never repeated after it may
    /// have reached the API, which leaves `create_reconciled` to decide about those.
    pub(crate) async fn send_raw(self) -> Result<Answer, ClientError> {
        self.execute().await
    }

    /// `"GET /instances"`, for messages about this request's endpoint.
    pub(crate) fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    pub(crate) fn keyed(&self) -> bool {
        self.idempotency_key.is_some()
    }

    /// Whether repeating this request after it may have reached the API is safe.
    fn replay_safe(&self) -> bool {
        self.method != Method::POST || self.keyed() || self.idempotent
    }

    fn retryable_status(&self, status: u16) -> bool {
        match status {
            429 => true,
            502..=504 => self.replay_safe(),
            500 => {
                self.method == Method::GET
                    || self.method == Method::DELETE
                    || (self.method == Method::POST && (self.keyed() || self.idempotent))
            }
            _ => false,
        }
    }

    /// Runs the attempts.
    async fn execute(self) -> Result<Answer, ClientError> {
        let op = self.operation();
        let cfg = &self.client.inner.cfg;
        let mutating = self.method != Method::GET;
        if mutating {
            self.client.cache().invalidate_all();
        }
        let started = Instant::now();
        let mut attempt: u32 = 0;
        let result = loop {
            attempt += 1;
            let outcome = self.attempt(attempt, started, &op).await;
            let (error, retry_after) = match outcome {
                Ok(a) => break Ok(a),
                Err(AttemptError::Stop(s)) => {
                    break Err(self.stop_error(s, &op, started, attempt > 1))
                }
                Err(AttemptError::Failed {
                    error,
                    retryable,
                    retry_after,
                }) => {
                    if let (Some(429), Some(wait)) = (error.status(), retry_after) {
                        // Only a wait the client itself would honour holds the others.
                        if wait <= self.client.tuning().retry_after_max {
                            self.client.inner.limiter.hold_for(wait);
                        }
                    }
                    if !retryable || attempt > cfg.max_retries {
                        break Err(error);
                    }
                    (error, retry_after)
                }
            };
            let max_wait = self.client.tuning().retry_after_max;
            let delay = match retry_after {
                Some(d) if d > max_wait => {
                    break Err(error.with_note(&format!(
                        "it asked to retry after {}, longer than the provider waits ({})",
                        human_duration(d),
                        human_duration(max_wait)
                    )))
                }
                Some(d) => d,
                None => self.backoff(attempt),
            };
            tracing::debug!(
                api = cfg.api,
                method = %self.method,
                path = %self.path,
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %scrub(&error.summary(), self.client.secret()),
                "retrying"
            );
            match sleep_within(&self.deadline, delay).await {
                Ok(()) => {}
                Err(Stop::Cancelled) => {
                    break Err(ClientError::Interrupted {
                        operation: op.clone(),
                    })
                }
                // Waiting would overrun the operation's deadline: report the last failure.
                Err(Stop::Deadline) => {
                    break Err(match retry_after {
                        Some(d) => error.with_note(&format!(
                            "it asked to retry after {}, past the operation's deadline",
                            human_duration(d)
                        )),
                        None => error,
                    })
                }
            }
        };
        if mutating {
            self.client.cache().invalidate_all();
        }
        result
    }

    fn stop_error(&self, s: Stop, op: &str, started: Instant, sent: bool) -> ClientError {
        match s {
            Stop::Cancelled => ClientError::Interrupted {
                operation: op.to_string(),
            },
            Stop::Deadline => ClientError::Timeout {
                api: self.client.api(),
                operation: op.to_string(),
                after: started.elapsed(),
                sent,
            },
        }
    }

    /// Full jitter: a uniform delay in [0, min(max, base·2^(attempt-1))].
    fn backoff(&self, attempt: u32) -> Duration {
        let t = self.client.tuning();
        let exp = t
            .retry_base
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16))
            .min(t.retry_max);
        let ms = exp.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(0..=ms))
    }

    async fn attempt(
        &self,
        attempt: u32,
        started: Instant,
        op: &str,
    ) -> Result<Answer, AttemptError> {
        let client = &self.client;
        let cfg = &client.inner.cfg;
        if self.deadline.cancel.is_cancelled() {
            return Err(AttemptError::Stop(Stop::Cancelled));
        }
        if self.deadline.is_expired() {
            return Err(AttemptError::Stop(Stop::Deadline));
        }
        let wait_started = Instant::now();
        // Held until this attempt has its answer: the API counts the request somewhere between.
        let _turn = tokio::select! {
            turn = client.inner.limiter.until_ready() => turn,
            _ = self.deadline.cancel.cancelled() => return Err(AttemptError::Stop(Stop::Cancelled)),
            _ = deadline_sleep(&self.deadline) => return Err(AttemptError::Stop(Stop::Deadline)),
        };
        let waited = wait_started.elapsed();
        if waited > Duration::from_millis(50) {
            tracing::debug!(
                api = cfg.api,
                waited_ms = waited.as_millis() as u64,
                "waited for room in the rate-limit window"
            );
        }

        let url = format!("{}{}", client.inner.base, self.path);
        let mut rb = client
            .inner
            .http
            .request(self.method.clone(), &url)
            .header(reqwest::header::ACCEPT, "application/json");
        if !self.query.is_empty() {
            rb = rb.query(&self.query);
        }
        if !self.public {
            match &cfg.auth {
                Auth::None => {}
                Auth::Bearer(t) => {
                    rb = rb.header(
                        reqwest::header::AUTHORIZATION,
                        format!("Bearer {}", t.expose()),
                    )
                }
                Auth::Header { name, value } => rb = rb.header(*name, value.expose()),
            }
        }
        if let Some(k) = &self.idempotency_key {
            rb = rb.header("Idempotency-Key", k.as_str());
        }
        for (k, v) in &self.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        match &self.body {
            Some(Ok(b)) => {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone())
            }
            Some(Err(e)) => {
                return Err(AttemptError::Failed {
                    error: ClientError::Config {
                        message: format!("the request body for {op} could not be encoded ({e})"),
                    },
                    retryable: false,
                    retry_after: None,
                })
            }
            None => {}
        }
        let req = rb.build().map_err(|e| AttemptError::Failed {
            error: ClientError::Config {
                message: format!(
                    "the request for {op} could not be built ({})",
                    error_chain(&e)
                ),
            },
            retryable: false,
            retry_after: None,
        })?;
        let secret = client.secret();
        let sent_url = req.url().clone();
        let shown_url = scrub(req.url().as_str(), secret);
        if tracing::enabled!(tracing::Level::TRACE) {
            let headers: Vec<String> = req
                .headers()
                .iter()
                .map(|(k, v)| {
                    if is_sensitive_header(k.as_str()) {
                        format!("{k}: ***")
                    } else {
                        format!("{k}: {}", scrub(v.to_str().unwrap_or("?"), secret))
                    }
                })
                .collect();
            let body = self
                .body
                .as_ref()
                .and_then(|b| b.as_ref().ok())
                .map(|b| body_for_log(b, secret))
                .unwrap_or_default();
            tracing::trace!(api = cfg.api, method = %self.method, url = %shown_url, attempt, headers = ?headers, body = %body, "http request");
        }

        let limit = match self.deadline.remaining() {
            Some(r) => cfg.request_timeout.min(r),
            None => cfg.request_timeout,
        };
        let t0 = Instant::now();
        let http = client.inner.http.clone();
        let exchange = async move {
            let resp = http.execute(req).await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let res = tokio::select! {
            r = tokio::time::timeout(limit, exchange) => r,
            _ = self.deadline.cancel.cancelled() => return Err(AttemptError::Stop(Stop::Cancelled)),
        };
        let elapsed_ms = t0.elapsed().as_millis() as u64;
        let api = cfg.api;
        match res {
            Err(_elapsed) => {
                tracing::debug!(api = cfg.api, method = %self.method, url = %shown_url, attempt, duration_ms = elapsed_ms, "http request timed out");
                Err(AttemptError::Failed {
                    error: ClientError::Timeout {
                        api,
                        operation: op.to_string(),
                        after: started.elapsed().max(limit),
                        sent: true,
                    },
                    // Past the deadline: no attempt is left.
                    retryable: self.replay_safe() && !self.deadline.is_expired(),
                    retry_after: None,
                })
            }
            Ok(Err(e)) => {
                let never_sent = e.is_connect();
                let timed_out = e.is_timeout();
                // A certificate the client does not trust will not change on retry.
                let permanent = is_certificate_rejection(&e);
                let message = scrub(&transport_reason(e.without_url()), secret);
                tracing::debug!(api = cfg.api, method = %self.method, url = %shown_url, attempt, duration_ms = elapsed_ms, error = %message, "http request failed");
                let error = if timed_out && !never_sent {
                    ClientError::Timeout {
                        api,
                        operation: op.to_string(),
                        after: started.elapsed(),
                        sent: true,
                    }
                } else {
                    ClientError::Transport {
                        api,
                        operation: op.to_string(),
                        message,
                        sent: !never_sent,
                    }
                };
                Err(AttemptError::Failed {
                    error,
                    retryable: !permanent && (never_sent || self.replay_safe()),
                    retry_after: None,
                })
            }
            Ok(Ok((status, headers, body))) => {
                let header_request_id = [
                    "x-request-id",
                    "x-amzn-requestid",
                    "request-id",
                    "x-correlation-id",
                ]
                .iter()
                .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
                .map(str::to_string);
                tracing::debug!(
                    api = cfg.api,
                    method = %self.method,
                    url = %shown_url,
                    status,
                    attempt,
                    duration_ms = elapsed_ms,
                    request_id = header_request_id.as_deref().unwrap_or(""),
                    "http request"
                );
                if tracing::enabled!(tracing::Level::TRACE) {
                    tracing::trace!(api = cfg.api, status, body = %body_for_log(&body, secret), "http response");
                }
                if (200..300).contains(&status) {
                    return Ok(Answer { status, body });
                }
                if (300..400).contains(&status) {
                    let location = headers
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .map(|l| shown_location(&sent_url, l, secret))
                        .unwrap_or_default();
                    return Err(AttemptError::Failed {
                        error: ClientError::Redirect {
                            api,
                            operation: op.to_string(),
                            status,
                            location,
                            sent: self.method != Method::GET,
                        },
                        retryable: false,
                        retry_after: None,
                    });
                }
                let (code, message, body_request_id) = parse_error_body(&body);
                let hint = matches!(status, 401 | 403)
                    .then(|| cfg.credential_hint.clone())
                    .filter(|h| !h.is_empty());
                let error = ClientError::Api {
                    status,
                    operation: op.to_string(),
                    code,
                    message: scrub(&message, secret),
                    request_id: header_request_id.or(body_request_id),
                    hint,
                };
                Err(AttemptError::Failed {
                    error,
                    retryable: self.retryable_status(status),
                    retry_after: retry_after(&headers),
                })
            }
        }
    }
}

/// `Location` as the user should see it: resolved against the request, without user info,
/// query or fragment (they may carry tokens), the credential scrubbed.
fn shown_location(sent: &url::Url, location: &str, secret: Option<&str>) -> String {
    match sent.join(location) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_password(None);
            let _ = u.set_username("");
            scrub(u.as_str(), secret)
        }
        Err(_) => scrub(location.split(['?', '#']).next().unwrap_or(""), secret),
    }
}

/// What an unreadable body is, in the words of a diagnostic.
fn body_kind(body: &[u8], e: &serde_json::Error) -> &'static str {
    let text = String::from_utf8_lossy(body);
    let t = text.trim_start();
    if t.is_empty() {
        "an empty body"
    } else if t.starts_with('<') {
        "an HTML page"
    } else if e.is_eof() {
        "JSON cut short"
    } else if e.is_syntax() {
        "text that is not JSON"
    } else {
        "JSON of an unexpected shape"
    }
}

/// The error for a 2xx answer the provider cannot use.
pub(crate) fn unreadable(
    req: &Request,
    status: u16,
    body: &[u8],
    kind: &'static str,
    message: String,
) -> ClientError {
    ClientError::Decode {
        api: req.client.api(),
        operation: req.operation(),
        status,
        kind,
        message,
        excerpt: Some(excerpt(body, req.client.secret())),
    }
}

fn decode<T: DeserializeOwned>(req: &Request, status: u16, body: &[u8]) -> Result<T, ClientError> {
    let raw: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(raw)
        .map_err(|e| unreadable(req, status, body, body_kind(body, &e), e.to_string()))
}

pub(crate) fn decode_value<T: DeserializeOwned>(
    req: &Request,
    v: serde_json::Value,
) -> Result<T, ClientError> {
    let shown = serde_json::to_vec(&v).unwrap_or_default();
    serde_json::from_value(v).map_err(|e| {
        unreadable(
            req,
            200,
            &shown,
            "JSON of an unexpected shape",
            e.to_string(),
        )
    })
}

pub(crate) fn decode_answer<T: DeserializeOwned>(
    req: &Request,
    a: &Answer,
) -> Result<T, ClientError> {
    decode(req, a.status, &a.body)
}

/// A create's answer: JSON naming the new object's `id` (a non-empty string or a number)
/// and decoding as `T`. Anything else is as good as no answer, which the caller treats
/// like a lost response.
pub(crate) fn decode_created<T: DeserializeOwned>(
    req: &Request,
    a: &Answer,
) -> Result<T, ClientError> {
    let v: serde_json::Value = decode_answer(req, a)?;
    let missing = match v.get("id") {
        _ if a.body.iter().all(u8::is_ascii_whitespace) => Some("an empty body"),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => None,
        Some(serde_json::Value::Number(_)) => None,
        Some(serde_json::Value::Null) | None if v.is_object() => Some("JSON without an `id`"),
        Some(_) => Some("an `id` that is not a string"),
        None => Some("JSON of an unexpected shape"),
    };
    if let Some(kind) = missing {
        return Err(unreadable(
            req,
            a.status,
            &a.body,
            kind,
            "the answer does not name the object it created".into(),
        ));
    }
    serde_json::from_value(v).map_err(|e| {
        unreadable(
            req,
            a.status,
            &a.body,
            "JSON of an unexpected shape",
            e.to_string(),
        )
    })
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs >= 0.0 {
            // An absurd number of seconds saturates, and is then refused as too far away.
            return Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
        }
        return None;
    }
    // A date already past says nothing useful (clock skew, a cached header): plain backoff.
    let when = httpdate::parse_http_date(v).ok()?;
    when.duration_since(std::time::SystemTime::now()).ok()
}

/// Whether TLS refused the server's certificate (a rustls error somewhere in the causes;
/// `io::Error` hides its payload from `source()`, so it is opened by hand).
fn is_certificate_rejection(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if let Some(t) = s.downcast_ref::<rustls::Error>() {
            return matches!(
                t,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            );
        }
        if let Some(inner) = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if is_certificate_rejection(inner) {
                return true;
            }
        }
        src = s.source();
    }
    false
}

/// The causes of a transport failure without reqwest's generic wrappers
/// ("invalid peer certificate: UnknownIssuer", "tcp connect error: Connection refused").
fn transport_reason(e: reqwest::Error) -> String {
    const GENERIC: &[&str] = &[
        "error sending request",
        "client error (Connect)",
        "client error (SendRequest)",
        "error decoding response body",
        "request or response body error",
        "error reading a body from connection",
    ];
    let full = error_chain(&e);
    let mut parts = Vec::new();
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = src {
        let t = s.to_string();
        if !GENERIC.iter().any(|g| t.starts_with(g))
            && !parts.iter().any(|p: &String| p.contains(&t))
        {
            parts.push(t);
        }
        src = s.source();
    }
    if parts.is_empty() {
        full
    } else {
        parts.join(": ")
    }
}

/// reqwest's error with its causes ("error sending request: connection refused").
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

async fn deadline_sleep(d: &Deadline) {
    match d.at {
        Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
        None => std::future::pending().await,
    }
}

/// Sleeps `d` unless cancelled first; refuses (at once) when `d` would pass the deadline.
async fn sleep_within(deadline: &Deadline, d: Duration) -> Result<(), Stop> {
    if let Some(r) = deadline.remaining() {
        if d >= r {
            return Err(Stop::Deadline);
        }
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => Ok(()),
        _ = deadline.cancel.cancelled() => Err(Stop::Cancelled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "2".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        h.insert(
            reqwest::header::RETRY_AFTER,
            httpdate::fmt_http_date(later).parse().expect("header"),
        );
        let d = retry_after(&h).expect("date");
        assert!(
            d > Duration::from_secs(27) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        h.insert(
            reqwest::header::RETRY_AFTER,
            "soon".parse().expect("header"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn retry_after_in_the_past_is_ignored_and_absurd_values_saturate() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&h), None);
        h.insert(
            reqwest::header::RETRY_AFTER,
            "1e300".parse().expect("header"),
        );
        assert_eq!(retry_after(&h), Some(Duration::MAX));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Fri, 31 Dec 9999 23:59:59 GMT".parse().expect("header"),
        );
        assert!(retry_after(&h).is_some_and(|d| d > Duration::from_secs(3600 * 24 * 365 * 7000)));
    }

    #[test]
    fn locations_are_shown_absolute_without_query_or_credential() {
        let sent = url::Url::parse("http://127.0.0.1:4010/amd/v1/instances").expect("url");
        assert_eq!(
            shown_location(&sent, "http://evil.test:81/x?token=abc#f", None),
            "http://evil.test:81/x"
        );
        assert_eq!(
            shown_location(&sent, "/other", None),
            "http://127.0.0.1:4010/other"
        );
        assert_eq!(
            shown_location(&sent, "https://u:pw@h/k-SECRET-1", Some("k-SECRET-1")),
            "https://h/***"
        );
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(path_segment("inst-001"), "inst-001");
    }

    #[test]
    fn bad_endpoints_are_rejected() {
        let cfg = ClientConfig {
            base_url: "ftp://x".into(),
            ..Default::default()
        };
        assert!(matches!(Client::new(cfg), Err(ClientError::Config { .. })));
        let cfg = ClientConfig {
            base_url: "https://x".into(),
            ca_cert_pem: Some("not a pem".into()),
            ..Default::default()
        };
        assert!(matches!(Client::new(cfg), Err(ClientError::Config { .. })));
    }
}
