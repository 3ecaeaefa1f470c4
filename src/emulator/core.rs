//! The pieces every emulated API shares: configuration, the request ledger (requests handled
//! and objects created), live-object reporting, the `ApiModule` trait, provisioning controls
//! (hold new objects starting, force the status a create ends in), and fault injection (rules,
//! the middleware that applies them to every API route, and a tally of what it injected).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How the emulator behaves; the same for every API.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Seeds every random choice (fault rates, generated ids where an API wants them random-looking).
    pub seed: u64,
    /// One lifecycle step: e.g. an IC GPU instance is `pending` for two steps, then `running`.
    pub step: Duration,
    /// The IC GPU sliding-window limit (the published API allows 120 requests a minute).
    pub rate_limit_per_minute: u32,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            step: Duration::from_secs(1),
            rate_limit_per_minute: 120,
        }
    }
}

impl EmulatorConfig {
    /// How many whole lifecycle steps have passed since `since`. A zero step means "instant".
    pub fn steps_since(&self, since: Instant) -> u64 {
        let step = self.step.as_nanos();
        if step == 0 {
            return u64::MAX;
        }
        u64::try_from(since.elapsed().as_nanos() / step).unwrap_or(u64::MAX)
    }
}

/// State shared by the admin routes, the fault middleware and every API module.
pub struct Shared {
    pub config: EmulatorConfig,
    pub ledger: Ledger,
    pub faults: Faults,
    pub provisioning: Provisioning,
}

impl Shared {
    pub fn new(config: EmulatorConfig) -> Self {
        let faults = Faults::new(config.seed);
        Self {
            config,
            ledger: Ledger::default(),
            faults,
            provisioning: Provisioning::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked mid-update leaves plain counters behind; they stay usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Counts of handled requests, keyed `"<api>.<operationId>"`, and the ids of the objects
/// creates made, keyed `"<api>.<kind>"` (the kinds of [`LiveObject`]). A request counts once
/// its handler runs, so a create refused as a duplicate or replayed from an idempotency key
/// counts as a request but creates nothing.
#[derive(Debug, Default)]
pub struct Ledger {
    counts: Mutex<BTreeMap<String, u64>>,
    created: Mutex<BTreeMap<String, Vec<String>>>,
}

impl Ledger {
    pub fn record(&self, api: &str, operation_id: &str) {
        *lock(&self.counts)
            .entry(format!("{api}.{operation_id}"))
            .or_insert(0) += 1;
    }

    pub fn count(&self, api: &str, operation_id: &str) -> u64 {
        lock(&self.counts)
            .get(&format!("{api}.{operation_id}"))
            .copied()
            .unwrap_or(0)
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        lock(&self.counts).clone()
    }

    /// Notes that a create made the object `id` of `kind`.
    pub fn record_created(&self, api: &str, kind: &str, id: &str) {
        lock(&self.created)
            .entry(format!("{api}.{kind}"))
            .or_default()
            .push(id.to_owned());
    }

    /// The ids of every object created so far, in creation order, keyed `"<api>.<kind>"`.
    pub fn created(&self) -> BTreeMap<String, Vec<String>> {
        lock(&self.created).clone()
    }

    pub fn reset(&self) {
        lock(&self.counts).clear();
        lock(&self.created).clear();
    }
}

// ---------------------------------------------------------------------------------------------
// Provisioning controls
// ---------------------------------------------------------------------------------------------

/// The status a create ends in instead of its API's ready status, with the API's message
/// where its objects carry one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: &'static str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Outcome {
    pub fn new(status: &str, message: Option<String>) -> Self {
        Self {
            status: intern(status),
            message,
        }
    }
}

/// Admin-set status strings live as long as the emulator, like the APIs' own `&'static str`
/// statuses; each distinct one is stored once.
fn intern(s: &str) -> &'static str {
    static SEEN: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut seen = lock(&SEEN);
    if let Some(known) = seen.get(s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    seen.insert(leaked);
    leaked
}

/// What the admin decided about objects being created, read by the modules' create handlers:
/// whether new objects stay in their first (starting) status until released, and per API a
/// queue of statuses the next creates end in.
#[derive(Debug, Default)]
pub struct Provisioning {
    holding: Mutex<bool>,
    outcomes: Mutex<HashMap<String, VecDeque<Outcome>>>,
    ssh_endpoint: Mutex<Option<SshEndpoint>>,
}

/// Where instances created from now on say their SSH daemon listens (a test's sshd on
/// 127.0.0.1, or a closed port), instead of a made-up public address on port 22.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshEndpoint {
    pub host: String,
    pub port: u16,
}

impl Provisioning {
    /// While on, objects created stay in their first status (an IC GPU instance `pending`,
    /// a Shadeform instance `pending`, ...) until [`ApiModule::release_held`] runs.
    pub fn set_holding(&self, on: bool) {
        *lock(&self.holding) = on;
    }

    pub fn holding(&self) -> bool {
        *lock(&self.holding)
    }

    /// Queues `outcome` for the next `count` creates of `api`.
    pub fn push_outcome(&self, api: &str, outcome: Outcome, count: usize) {
        let mut all = lock(&self.outcomes);
        let queue = all.entry(api.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(outcome, count));
    }

    /// The outcome the next create of `api` ends in, if one is queued (taking it).
    pub fn next_outcome(&self, api: &str) -> Option<Outcome> {
        lock(&self.outcomes).get_mut(api)?.pop_front()
    }

    /// How many outcomes are still queued for `api`.
    pub fn queued(&self, api: &str) -> usize {
        lock(&self.outcomes).get(api).map_or(0, VecDeque::len)
    }

    pub fn reset(&self) {
        self.set_holding(false);
        lock(&self.outcomes).clear();
        self.set_ssh_endpoint(None);
    }

    pub fn set_ssh_endpoint(&self, endpoint: Option<SshEndpoint>) {
        *lock(&self.ssh_endpoint) = endpoint;
    }

    /// The SSH address new instances report, when a test set one.
    pub fn ssh_endpoint(&self) -> Option<SshEndpoint> {
        lock(&self.ssh_endpoint).clone()
    }
}

/// Ends the hold of every held object among `objects` (its held flag and the instant its
/// lifecycle began): each starts now. Returns how many were held.
pub fn release<'a>(objects: impl Iterator<Item = (&'a mut bool, &'a mut Instant)>) -> usize {
    let now = Instant::now();
    objects
        .filter(|(held, _)| **held)
        .map(|(held, began)| {
            *held = false;
            *began = now;
        })
        .count()
}

/// An object an API still holds (not deleted); used for zero-orphan checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveObject {
    pub api: String,
    pub kind: String,
    pub id: String,
    pub status: String,
}

/// One emulated API, mounted under its own prefix.
pub trait ApiModule: Send + Sync + 'static {
    /// Short name: "icgpu", "amd", ... (also the ledger prefix and the admin sub-path).
    fn name(&self) -> &'static str;
    /// Where the API is mounted, e.g. "/amd/v1".
    fn mount(&self) -> &'static str;
    /// Routes relative to `mount()`.
    fn router(self: Arc<Self>, shared: Arc<Shared>) -> Router;
    /// Objects not yet deleted.
    fn live_objects(&self) -> Vec<LiveObject>;
    /// Forget every object (and any per-API counters such as rate-limit windows).
    fn reset(&self);
    /// Lets every object held by [`Provisioning::set_holding`] start its lifecycle now;
    /// returns how many were released. APIs without long-running objects hold nothing.
    fn release_held(&self) -> usize {
        0
    }
    /// Per-API admin actions, mounted at `/_admin/<name>`.
    fn admin_router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        let _ = shared;
        Router::new()
    }
    /// The API's own error body, used by injected status faults.
    fn error_body(&self, status: u16, message: &str) -> Value {
        json!({ "code": generic_error_code(status), "message": message })
    }
}

/// A conventional error code name for a status, for APIs that report one.
pub fn generic_error_code(status: u16) -> &'static str {
    match status {
        400 => "ValidationException",
        401 => "UnauthorizedException",
        403 => "AccessDeniedException",
        404 => "ResourceNotFoundException",
        409 => "ConflictException",
        429 => "ThrottlingException",
        503 => "ServiceUnavailableException",
        _ => "InternalServerException",
    }
}

// ---------------------------------------------------------------------------------------------
// Fault injection
// ---------------------------------------------------------------------------------------------

/// What a matching rule does to a request.
///
/// JSON forms: `"drop"`, `"lose_response"`, `{"status": 503, "retry_after": 1}`,
/// `{"latency_ms": 500}`, `{"capacity_error": {...}}`, `{"replace": {...}}` (see
/// [`Replacement`]) and `{"redirect": {"to": "http://127.0.0.1:9"}}` (see [`Redirection`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FaultAction {
    Named(NamedFault),
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        /// Replaces the API's own error body when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
    },
    Latency {
        latency_ms: u64,
    },
    CapacityError {
        capacity_error: Value,
    },
    Replace {
        replace: Replacement,
    },
    Redirect {
        redirect: Redirection,
    },
}

/// A hostile answer: the request reaches the handler with its query rewritten (or never
/// reaches it), and the answer's status, headers or body are replaced, edited or cut short.
///
/// `{"text": "<html>..."}` (HTML from a proxy), `{"text": ""}` (empty), `{"remove": ["/id"]}`
/// (JSON without `id`), `{"set": {"/id": 7}}` (an `id` of the wrong type), `{"truncate": 20}`,
/// `{"query": {"offset": "0"}}` (a list that ignores its offset), `{"handler": false,
/// "status": 503, "headers": {"Retry-After": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    /// Whether the API's handler runs (so the request takes effect) before the answer is
    /// replaced. Without it the answer is 200 unless `status` says otherwise.
    #[serde(default = "handler_runs")]
    pub handler: bool,
    /// Query parameters set on the request before the handler sees it; `null` removes one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Headers set on the answer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A body of text replacing the answer (`text/html` when it starts with `<`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A JSON body replacing the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// JSON pointers into the answer and the values they get (`{"/pagination/total_pages": 9}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, Value>,
    /// JSON pointers removed from the answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// Keeps only the first N bytes of the (edited) body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<usize>,
}

fn handler_runs() -> bool {
    true
}

/// A redirect the handler never sees: `Location` is `to` followed by the request's own path
/// and query (unless `keep_path` is false).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redirection {
    pub to: String,
    #[serde(default = "found")]
    pub status: u16,
    #[serde(default = "keep_path")]
    pub keep_path: bool,
}

fn found() -> u16 {
    302
}

fn keep_path() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamedFault {
    /// The handler does not run; the client sees the connection break.
    Drop,
    /// The handler runs (the object exists), then the client sees the connection break.
    LoseResponse,
}

/// A fault rule as posted to `POST /_admin/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Full request path prefix, including the API mount (e.g. "/icgpu/api/v1/instances").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Regex matched against the full request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_regex: Option<String>,
    /// Text the request body must contain (e.g. `"name":"web-1"`), to aim at one create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// API name ("icgpu", "amd", ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// Apply to the next N matching requests, then retire the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Apply with this probability (seeded RNG); combined with `times`, only hits count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    pub action: FaultAction,
}

struct ActiveRule {
    rule: FaultRule,
    regex: Option<regex::Regex>,
    remaining: Option<u32>,
}

/// What the fault middleware has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultTally {
    /// Injected faults by kind: `drop`, `lose_response`, `status_503`, `latency`, ...
    pub injected: BTreeMap<String, u64>,
    /// Requests that repeated a faulted one (same method, path, query and body), each fault
    /// counted once: the clients' retries, and waiter polls that followed a faulted poll.
    pub retries: u64,
}

impl FaultTally {
    pub fn total_injected(&self) -> u64 {
        self.injected.values().sum()
    }
}

#[derive(Default)]
struct TallyState {
    tally: FaultTally,
    /// Faulted requests by fingerprint, not yet repeated.
    unanswered: HashMap<u64, u32>,
}

/// The active fault rules, the seeded RNG their rates draw from, and the tally of what they
/// did (kept when the rules are cleared, so a test can clear them and still read its figures;
/// `POST /_admin/reset` zeroes it).
pub struct Faults {
    rules: Mutex<Vec<ActiveRule>>,
    rng: Mutex<StdRng>,
    seed: u64,
    tally: Mutex<TallyState>,
}

impl FaultAction {
    /// The tally key of this action.
    fn kind(&self) -> String {
        match self {
            FaultAction::Named(NamedFault::Drop) => "drop".into(),
            FaultAction::Named(NamedFault::LoseResponse) => "lose_response".into(),
            FaultAction::Status { status, .. } => format!("status_{status}"),
            FaultAction::Latency { .. } => "latency".into(),
            FaultAction::CapacityError { .. } => "capacity_error".into(),
            FaultAction::Replace { .. } => "replace".into(),
            FaultAction::Redirect { .. } => "redirect".into(),
        }
    }
}

/// Identifies a request for retry counting: method, path with query, and body.
fn fingerprint(method: &Method, path_and_query: &str, body: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    method.as_str().hash(&mut h);
    path_and_query.hash(&mut h);
    body.hash(&mut h);
    h.finish()
}

/// Attached to a request by the fault middleware when a `capacity_error` rule matches; an API
/// that supports capacity failures reads it with `Option<Extension<CapacityFault>>`.
#[derive(Debug, Clone)]
pub struct CapacityFault(pub Value);

impl Faults {
    pub fn new(seed: u64) -> Self {
        Self {
            rules: Mutex::new(Vec::new()),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            seed,
            tally: Mutex::new(TallyState::default()),
        }
    }

    /// Whether the middleware must look at requests: a rule is active or a faulted request
    /// may still be repeated.
    fn watching(&self) -> bool {
        !lock(&self.rules).is_empty() || !lock(&self.tally).unanswered.is_empty()
    }

    /// Counts a request: a repeat of a faulted one is a retry.
    fn note_request(&self, print: u64) {
        let mut t = lock(&self.tally);
        if let Some(n) = t.unanswered.get_mut(&print) {
            *n -= 1;
            if *n == 0 {
                t.unanswered.remove(&print);
            }
            t.tally.retries += 1;
        }
    }

    fn note_injected(&self, action: &FaultAction, print: u64) {
        let mut t = lock(&self.tally);
        *t.tally.injected.entry(action.kind()).or_insert(0) += 1;
        // Latency delays a request without failing it, so nothing needs repeating.
        if !matches!(action, FaultAction::Latency { .. }) {
            *t.unanswered.entry(print).or_insert(0) += 1;
        }
    }

    /// What has been injected so far, and the retries that followed.
    pub fn tally(&self) -> FaultTally {
        lock(&self.tally).tally.clone()
    }

    /// Zeroes the tally (rules stay).
    pub fn reset_tally(&self) {
        *lock(&self.tally) = TallyState::default();
    }

    /// Adds a rule; rejects a bad regex or rate.
    pub fn add(&self, rule: FaultRule) -> Result<(), String> {
        let regex = match &rule.path_regex {
            Some(r) => Some(regex::Regex::new(r).map_err(|e| format!("bad path_regex: {e}"))?),
            None => None,
        };
        if let Some(rate) = rule.rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("rate must be within 0..=1, got {rate}"));
            }
        }
        let remaining = rule.times;
        lock(&self.rules).push(ActiveRule {
            rule,
            regex,
            remaining,
        });
        Ok(())
    }

    /// The active rules, with `times` showing what is left.
    pub fn list(&self) -> Vec<FaultRule> {
        lock(&self.rules)
            .iter()
            .map(|a| FaultRule {
                times: a.remaining,
                ..a.rule.clone()
            })
            .collect()
    }

    /// Removes every rule and reseeds the RNG so runs repeat.
    pub fn clear(&self) {
        lock(&self.rules).clear();
        *lock(&self.rng) = StdRng::seed_from_u64(self.seed);
    }

    /// The action of the first rule matching this request, consuming one of its `times`.
    /// Rules with `body_contains` never match here (see [`Faults::take_with_body`]).
    pub fn take(&self, api: Option<&str>, method: &Method, path: &str) -> Option<FaultAction> {
        self.take_with_body(api, method, path, None)
    }

    /// Whether some rule looks into request bodies (so the middleware must read them).
    pub fn reads_bodies(&self) -> bool {
        lock(&self.rules)
            .iter()
            .any(|a| a.rule.body_contains.is_some())
    }

    /// Like [`Faults::take`], also matching `body_contains` against `body`.
    pub fn take_with_body(
        &self,
        api: Option<&str>,
        method: &Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Option<FaultAction> {
        let mut rules = lock(&self.rules);
        let mut hit = None;
        for (i, a) in rules.iter_mut().enumerate() {
            let r = &a.rule;
            if r.method
                .as_deref()
                .is_some_and(|m| !m.eq_ignore_ascii_case(method.as_str()))
                || r.path_prefix
                    .as_deref()
                    .is_some_and(|p| !path.starts_with(p))
                || a.regex.as_ref().is_some_and(|re| !re.is_match(path))
                || r.api.as_deref().is_some_and(|want| Some(want) != api)
                || r.body_contains.as_deref().is_some_and(|want| {
                    !body.is_some_and(|b| String::from_utf8_lossy(b).contains(want))
                })
            {
                continue;
            }
            if let Some(rate) = r.rate {
                if !lock(&self.rng).random_bool(rate) {
                    continue;
                }
            }
            if let Some(n) = a.remaining.as_mut() {
                *n = n.saturating_sub(1);
            }
            hit = Some((i, r.action.clone()));
            break;
        }
        let (i, action) = hit?;
        if rules[i].remaining == Some(0) {
            rules.remove(i);
        }
        Some(action)
    }
}

/// Which API a full request path belongs to.
pub(crate) fn api_for_path(modules: &[Arc<dyn ApiModule>], path: &str) -> Option<&'static str> {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    modules
        .iter()
        .find(|m| path.starts_with(m.mount()))
        .or_else(|| modules.iter().find(|m| m.name() == first))
        .map(|m| m.name())
}

/// A body whose first poll fails: hyper then aborts the connection without a complete response,
/// which is what a client sees when a network path drops mid-request.
fn broken_body() -> Body {
    Body::from_stream(futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::other("injected connection drop"))
    }))
}

fn broken_response() -> Response {
    let mut resp = Response::new(broken_body());
    *resp.status_mut() = StatusCode::OK;
    resp
}

/// Bodies the fault middleware reads to tell retries apart (far above any API's requests).
const REQUEST_BODY_LIMIT: usize = 16 << 20;

/// State the fault middleware needs: the shared faults and the module list (to name the API).
#[derive(Clone)]
pub(crate) struct FaultLayerState {
    pub shared: Arc<Shared>,
    pub modules: Arc<Vec<Arc<dyn ApiModule>>>,
}

/// Applies the first matching fault rule to an API request.
pub(crate) async fn fault_middleware(
    State(st): State<FaultLayerState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let faults = &st.shared.faults;
    if path.starts_with("/_admin") || !faults.watching() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, REQUEST_BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or(path.as_str(), |p| p.as_str());
    let print = fingerprint(&parts.method, path_and_query, &bytes);
    faults.note_request(print);
    let api = api_for_path(&st.modules, &path);
    let action = faults.take_with_body(api, &parts.method, &path, Some(&bytes));
    let mut req = Request::from_parts(parts, Body::from(bytes));
    let Some(action) = action else {
        return next.run(req).await;
    };
    faults.note_injected(&action, print);
    tracing::debug!(?action, %path, "injecting fault");
    match action {
        FaultAction::Named(NamedFault::Drop) => broken_response(),
        FaultAction::Named(NamedFault::LoseResponse) => {
            let resp = next.run(req).await;
            let (parts, _) = resp.into_parts();
            Response::from_parts(parts, broken_body())
        }
        FaultAction::Latency { latency_ms } => {
            tokio::time::sleep(Duration::from_millis(latency_ms)).await;
            next.run(req).await
        }
        FaultAction::CapacityError { capacity_error } => {
            req.extensions_mut().insert(CapacityFault(capacity_error));
            next.run(req).await
        }
        FaultAction::Replace { replace } => replaced(replace, req, next).await,
        FaultAction::Redirect { redirect } => {
            let mut location = redirect.to.trim_end_matches('/').to_string();
            if redirect.keep_path {
                location.push_str(&path);
                if let Some(q) = req.uri().query() {
                    location.push('?');
                    location.push_str(q);
                }
            }
            let code = StatusCode::from_u16(redirect.status).unwrap_or(StatusCode::FOUND);
            let mut resp = (code, axum::Json(json!({ "message": "moved" }))).into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(axum::http::header::LOCATION, v);
            }
            resp
        }
        FaultAction::Status {
            status,
            retry_after,
            body,
        } => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let body = body.unwrap_or_else(|| {
                let module = api.and_then(|n| st.modules.iter().find(|m| m.name() == n));
                match module {
                    Some(m) => m.error_body(code.as_u16(), "injected fault"),
                    None => json!({ "code": generic_error_code(code.as_u16()), "message": "injected fault" }),
                }
            });
            let mut resp = (code, axum::Json(body)).into_response();
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
    }
}

/// The request with its query rewritten, sent on to the handler (or not), and the answer
/// replaced or edited as `r` says.
async fn replaced(r: Replacement, mut req: Request, next: Next) -> Response {
    if !r.query.is_empty() {
        let mut pairs: Vec<(String, String)> = req
            .uri()
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        for (k, v) in &r.query {
            pairs.retain(|(name, _)| name != k);
            if let Some(v) = v {
                pairs.push((k.clone(), v.clone()));
            }
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        let path_and_query = if query.is_empty() {
            req.uri().path().to_string()
        } else {
            format!("{}?{query}", req.uri().path())
        };
        if let Ok(uri) = path_and_query.parse() {
            *req.uri_mut() = uri;
        }
    }
    let (mut parts, mut body) = if r.handler {
        let (parts, body) = next.run(req).await.into_parts();
        let bytes = axum::body::to_bytes(body, 16 << 20)
            .await
            .unwrap_or_default()
            .to_vec();
        (parts, bytes)
    } else {
        (Response::new(Body::empty()).into_parts().0, Vec::new())
    };
    if let Some(text) = &r.text {
        body = text.clone().into_bytes();
        let ct = if text.trim_start().starts_with('<') {
            "text/html; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
        parts.headers.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static(ct),
        );
    }
    if let Some(v) = &r.json {
        body = v.to_string().into_bytes();
        parts.headers.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    if !r.set.is_empty() || !r.remove.is_empty() {
        if let Ok(mut v) = serde_json::from_slice::<Value>(&body) {
            for (pointer, value) in &r.set {
                set_pointer(&mut v, pointer, value.clone());
            }
            for pointer in &r.remove {
                remove_pointer(&mut v, pointer);
            }
            body = v.to_string().into_bytes();
        }
    }
    if let Some(n) = r.truncate {
        body.truncate(n);
    }
    if let Some(code) = r.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        parts.status = code;
    }
    for (k, v) in &r.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            parts.headers.insert(name, value);
        }
    }
    // The body changed length; hyper recomputes it from the new body.
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// Sets `pointer` (RFC 6901) in `v`, creating the last member of an existing object.
fn set_pointer(v: &mut Value, pointer: &str, value: Value) {
    if let Some(slot) = v.pointer_mut(pointer) {
        *slot = value;
        return;
    }
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    if let Some(Value::Object(map)) = v.pointer_mut(parent) {
        map.insert(key.replace("~1", "/").replace("~0", "~"), value);
    }
}

fn remove_pointer(v: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    match v.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < items.len() {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_actions_parse_in_every_documented_form() {
        let cases = [
            (json!("drop"), FaultAction::Named(NamedFault::Drop)),
            (
                json!("lose_response"),
                FaultAction::Named(NamedFault::LoseResponse),
            ),
            (
                json!({"status": 503, "retry_after": 1}),
                FaultAction::Status {
                    status: 503,
                    retry_after: Some(1),
                    body: None,
                },
            ),
            (
                json!({"latency_ms": 20}),
                FaultAction::Latency { latency_ms: 20 },
            ),
        ];
        for (raw, want) in cases {
            let got: FaultAction = serde_json::from_value(raw.clone()).expect("parses");
            assert_eq!(got, want, "{raw}");
        }
        assert!(serde_json::from_value::<FaultAction>(json!("explode")).is_err());
    }

    #[test]
    fn times_retires_a_rule_and_matching_respects_every_field() {
        let faults = Faults::new(1);
        let rule: FaultRule = serde_json::from_value(json!({
            "method": "POST", "path_prefix": "/icgpu/api/v1/instances", "api": "icgpu",
            "times": 2, "action": "drop"
        }))
        .expect("rule parses");
        faults.add(rule).expect("rule is valid");
        let p = "/icgpu/api/v1/instances";
        assert!(faults.take(Some("icgpu"), &Method::GET, p).is_none());
        assert!(faults.take(Some("amd"), &Method::POST, p).is_none());
        assert!(faults
            .take(Some("icgpu"), &Method::POST, "/icgpu/api/v1/vms")
            .is_none());
        assert!(faults.take(Some("icgpu"), &Method::POST, p).is_some());
        assert_eq!(faults.list()[0].times, Some(1));
        assert!(faults.take(Some("icgpu"), &Method::POST, p).is_some());
        assert!(faults.take(Some("icgpu"), &Method::POST, p).is_none());
        assert!(faults.list().is_empty());
    }

    #[test]
    fn rates_are_seeded_and_repeatable() {
        let draw = |seed| {
            let f = Faults::new(seed);
            f.add(FaultRule {
                method: None,
                path_prefix: None,
                path_regex: Some("^/x".into()),
                body_contains: None,
                api: None,
                times: None,
                rate: Some(0.5),
                action: FaultAction::Latency { latency_ms: 0 },
            })
            .expect("valid");
            (0..64)
                .map(|_| f.take(None, &Method::GET, "/x").is_some())
                .collect::<Vec<_>>()
        };
        let a = draw(7);
        assert_eq!(a, draw(7));
        assert!(a.iter().any(|h| *h) && a.iter().any(|h| !*h));
    }

    #[test]
    fn body_rules_match_only_the_request_that_contains_the_text() {
        let faults = Faults::new(1);
        assert!(!faults.reads_bodies());
        let rule: FaultRule = serde_json::from_value(json!({
            "method": "POST", "body_contains": "\"name\":\"b\"", "action": {"replace": {"text": ""}}
        }))
        .expect("rule parses");
        faults.add(rule).expect("rule is valid");
        assert!(faults.reads_bodies());
        let post = Method::POST;
        assert!(
            faults.take(None, &post, "/x").is_none(),
            "no body, no match"
        );
        assert!(faults
            .take_with_body(None, &post, "/x", Some(br#"{"name":"a"}"#))
            .is_none());
        assert!(faults
            .take_with_body(None, &post, "/x", Some(br#"{"name":"b"}"#))
            .is_some());
    }

    /// Runs one request through the whole emulator with `rule` active.
    async fn through(
        rule: Value,
        req: axum::http::Request<Body>,
    ) -> (StatusCode, HeaderValueMap, String) {
        use tower::ServiceExt;
        let (app, shared, _) = crate::emulator::router(EmulatorConfig::default());
        shared
            .faults
            .add(serde_json::from_value(rule).expect("rule parses"))
            .expect("rule is valid");
        let resp = app.oneshot(req).await.expect("served");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    type HeaderValueMap = axum::http::HeaderMap;

    fn get(path: &str) -> axum::http::Request<Body> {
        let token = if path.starts_with("/gpuai") {
            "gpuai-test-token"
        } else {
            "rocm-test-token"
        };
        axum::http::Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    }

    #[tokio::test]
    async fn replace_rewrites_status_headers_and_body_after_the_handler() {
        let (status, headers, body) = through(
            json!({"action": {"replace": {"text": "<html>502 Bad Gateway</html>"}}}),
            get("/rocm/v1/system/rocm-version"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "the handler's status is kept");
        assert_eq!(body, "<html>502 Bad Gateway</html>");
        assert!(headers["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/html")));

        let (_, _, body) = through(
            json!({"action": {"replace": {"set": {"/extra": 7}, "truncate": 9}}}),
            get("/rocm/v1/system/rocm-version"),
        )
        .await;
        assert_eq!(body.len(), 9, "{body}");
        assert!(body.starts_with('{'), "{body}");

        let (status, headers, body) = through(
            json!({"action": {"replace": {"handler": false, "status": 503,
                   "headers": {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}}}}),
            get("/rocm/v1/system/rocm-version"),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers["retry-after"], "Wed, 21 Oct 2015 07:28:00 GMT");
        assert!(body.is_empty(), "{body}");
    }

    #[tokio::test]
    async fn replace_can_rewrite_the_query_and_remove_fields() {
        let (status, _, body) = through(
            json!({"action": {"replace": {"query": {"limit": "1", "page": null},
                   "remove": ["/pagination/current_page"]}}}),
            get("/gpuai/inventory/api/v1beta1/inventory?page=3&limit=50"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["data"].as_array().map(Vec::len), Some(1), "{v}");
        assert_eq!(v["pagination"]["limit"], 1, "{v}");
        assert!(v["pagination"].get("current_page").is_none(), "{v}");
    }

    #[tokio::test]
    async fn redirect_points_at_the_target_with_the_original_path() {
        let (status, headers, _) = through(
            json!({"action": {"redirect": {"to": "http://127.0.0.1:9/", "status": 301}}}),
            get("/rocm/v1/devices?x=1"),
        )
        .await;
        assert_eq!(status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(
            headers["location"],
            "http://127.0.0.1:9/rocm/v1/devices?x=1"
        );
    }

    #[test]
    fn ledger_counts_and_resets() {
        let l = Ledger::default();
        l.record("icgpu", "CreateInstance");
        l.record("icgpu", "CreateInstance");
        l.record_created("icgpu", "instance", "inst-1");
        assert_eq!(l.count("icgpu", "CreateInstance"), 2);
        assert_eq!(l.counts().get("icgpu.CreateInstance"), Some(&2));
        assert_eq!(
            l.created().get("icgpu.instance"),
            Some(&vec!["inst-1".to_string()])
        );
        l.reset();
        assert_eq!(l.count("icgpu", "CreateInstance"), 0);
        assert!(l.created().is_empty());
    }

    #[test]
    fn the_tally_counts_injected_faults_and_each_retry_once() {
        let faults = Faults::new(3);
        let rule: FaultRule = serde_json::from_value(json!({
            "method": "POST", "times": 2, "action": {"status": 503, "retry_after": 1}
        }))
        .expect("rule parses");
        faults.add(rule).expect("valid");
        let create = fingerprint(&Method::POST, "/amd/v1/instances", br#"{"name":"a"}"#);
        let other = fingerprint(&Method::POST, "/amd/v1/instances", br#"{"name":"b"}"#);
        assert_ne!(create, other, "the body tells requests apart");
        for _ in 0..2 {
            faults.note_request(create);
            let action = faults
                .take(Some("amd"), &Method::POST, "/amd/v1/instances")
                .expect("faulted");
            faults.note_injected(&action, create);
        }
        faults.note_request(other);
        faults.note_request(create);
        faults.note_request(create);
        faults.note_request(create);
        let t = faults.tally();
        assert_eq!(t.injected.get("status_503"), Some(&2));
        assert_eq!(t.total_injected(), 2);
        // The second attempt repeated the first fault; the third the second; later ones
        // follow a success and are not retries.
        assert_eq!(t.retries, 2);
        faults.clear();
        assert_eq!(faults.tally(), t, "clearing rules keeps the figures");
        faults.reset_tally();
        assert_eq!(faults.tally(), FaultTally::default());
        assert!(!faults.watching());
    }

    #[test]
    fn provisioning_holds_and_queues_outcomes_per_api() {
        let p = Provisioning::default();
        assert!(!p.holding());
        p.set_holding(true);
        assert!(p.holding());
        p.push_outcome("shadeform", Outcome::new("error", None), 2);
        p.push_outcome("icgpu", Outcome::new("degraded", Some("disk".into())), 1);
        assert_eq!(p.queued("shadeform"), 2);
        assert_eq!(p.next_outcome("amd"), None);
        let o = p.next_outcome("icgpu").expect("queued");
        assert_eq!((o.status, o.message.as_deref()), ("degraded", Some("disk")));
        assert_eq!(p.next_outcome("icgpu"), None);
        assert_eq!(p.next_outcome("shadeform").map(|o| o.status), Some("error"));
        p.reset();
        assert!(!p.holding());
        assert_eq!(p.queued("shadeform"), 0);
        assert!(std::ptr::eq(intern("degraded"), intern("degraded")));
    }
}
