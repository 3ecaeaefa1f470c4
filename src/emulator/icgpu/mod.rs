//! The IC GPU platform Dashboard API (`specs/icgpu-platform.openapi.yml`), mounted at `/icgpu`.
//!
//! One middleware does what every operation shares, in this order: request id, ledger, auth
//! (OIDC stand-in token `icgpu-test-token`, or an `sk-ic-` key created through the API, limited
//! by its scopes and permissions; the LLM API under `/v1` takes only `sk-ic-` keys, among them
//! the stand-in `sk-ic-emulator-test-key`, and answers errors in OpenAI's shape), the
//! per-account sliding-window rate limit (the LLM API's is half the Dashboard API's, as the
//! page's 60 and 120), and `Idempotency-Key` replay. Handlers only hold the resource logic. A request refused by the
//! rate limit counts under its operation and once more as `icgpu.throttled`.
//!
//! Admin actions (under `/_admin/icgpu`):
//! - `POST /instances/{id}/preempt`: a `starting`/`running` batch instance becomes `preempted`
//! - `POST /instances/{id}/fail`: any live instance goes to `error` (body `{"message": ".."}` optional)
//! - `PUT /gpu-tiers/{tier}/capacity` with `{"available_count": N}` (POST works too): 0 makes the
//!   tier list show the tier `available: false` and interactive creates answer 409 (batch queues)
//!
//! Every create that answers 201 with a `Location` is noted in the shared ledger's created
//! objects (a replay of an `Idempotency-Key` creates nothing and is not). Instances, VMs,
//! clusters, Slurm environments and fine-tuning jobs honour the shared hold; instances, Slurm
//! environments and fine-tuning jobs also honour queued outcomes (the outcome's status replaces
//! `running` or `succeeded`, its message shows as `error_message` or `error.message`).

mod account;
mod catalog;
mod compute;
mod disk;
mod fine_tuning;
mod jobs;
mod key_groups;
mod models;
mod network;
mod store;
mod teams;
mod tokens;
mod web;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use self::store::Store;
use self::web::{ApiError, ApiResult};
use super::core::{ApiModule, EmulatorConfig, LiveObject, Shared};

pub const API: &str = "icgpu";
pub const MOUNT: &str = "/icgpu";
/// The stand-in for an OIDC access token: full access.
pub const TEST_TOKEN: &str = "icgpu-test-token";
/// The stand-in for an `sk-ic-` API key on the LLM API (`/v1`): full access.
pub const TEST_LLM_KEY: &str = "sk-ic-emulator-test-key";

/// Who may call an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// No token needed; a token sent is ignored.
    Public,
    /// A token whose scopes/permissions cover the operation.
    Scoped,
    /// Any valid token (the emulated serving endpoint, outside `/api/v1`).
    AnyToken,
    /// An `sk-ic-` API key, never an OIDC token (the LLM API, `/v1`).
    LlmKey,
}

/// `(method, route, operationId, access, takes Idempotency-Key)` for every operation.
const OPS: &[(&str, &str, &str, Access, bool)] = {
    use Access::{AnyToken, Public, Scoped};
    &[
        ("GET", "/api/v1/gpu-tiers", "listGpuTiers", Public, false),
        ("GET", "/api/v1/instances", "listInstances", Scoped, false),
        ("POST", "/api/v1/instances", "createInstance", Scoped, true),
        (
            "GET",
            "/api/v1/instances/{id}",
            "getInstance",
            Scoped,
            false,
        ),
        (
            "DELETE",
            "/api/v1/instances/{id}",
            "deleteInstance",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/instances/{id}/start",
            "startInstance",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/instances/{id}/stop",
            "stopInstance",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/instances/{id}/requeue",
            "requeueInstance",
            Scoped,
            false,
        ),
        (
            "GET",
            "/api/v1/models",
            "listModelDeployments",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/models",
            "createModelDeployment",
            Scoped,
            true,
        ),
        (
            "GET",
            "/api/v1/models/{name}",
            "getModelDeployment",
            Scoped,
            false,
        ),
        (
            "DELETE",
            "/api/v1/models/{name}",
            "deleteModelDeployment",
            Scoped,
            false,
        ),
        (
            "PUT",
            "/api/v1/models/{name}/scaling",
            "updateModelDeploymentScaling",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/models/{name}/stop",
            "stopModelDeployment",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/models/{name}/start",
            "startModelDeployment",
            Scoped,
            false,
        ),
        (
            "GET",
            "/api/v1/model-catalogue",
            "listModelCatalogue",
            Public,
            false,
        ),
        ("GET", "/api/v1/webhooks", "listWebhooks", Scoped, false),
        ("POST", "/api/v1/webhooks", "createWebhook", Scoped, true),
        ("GET", "/api/v1/webhooks/{id}", "getWebhook", Scoped, false),
        (
            "PATCH",
            "/api/v1/webhooks/{id}",
            "updateWebhook",
            Scoped,
            false,
        ),
        (
            "DELETE",
            "/api/v1/webhooks/{id}",
            "deleteWebhook",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/webhooks/{id}/test",
            "testWebhook",
            Scoped,
            true,
        ),
        (
            "GET",
            "/api/v1/webhooks/{id}/deliveries",
            "listWebhookDeliveries",
            Scoped,
            false,
        ),
        (
            "GET",
            "/api/v1/vm-templates",
            "listVmTemplates",
            Public,
            false,
        ),
        ("GET", "/api/v1/vms", "listVms", Scoped, false),
        ("POST", "/api/v1/vms", "createVm", Scoped, true),
        ("GET", "/api/v1/vms/{id}", "getVm", Scoped, false),
        ("DELETE", "/api/v1/vms/{id}", "deleteVm", Scoped, false),
        ("POST", "/api/v1/vms/{id}/start", "startVm", Scoped, false),
        ("POST", "/api/v1/vms/{id}/stop", "stopVm", Scoped, false),
        ("POST", "/api/v1/vms/{id}/reboot", "rebootVm", Scoped, false),
        ("GET", "/api/v1/clusters", "listClusters", Scoped, false),
        ("POST", "/api/v1/clusters", "createCluster", Scoped, true),
        ("GET", "/api/v1/clusters/{id}", "getCluster", Scoped, false),
        (
            "DELETE",
            "/api/v1/clusters/{id}",
            "deleteCluster",
            Scoped,
            false,
        ),
        (
            "GET",
            "/api/v1/clusters/{id}/kubeconfig",
            "getClusterKubeconfig",
            Scoped,
            false,
        ),
        ("GET", "/api/v1/api-keys", "listApiKeys", Scoped, false),
        ("POST", "/api/v1/api-keys", "createApiKey", Scoped, true),
        ("GET", "/api/v1/api-keys/{id}", "getApiKey", Scoped, false),
        (
            "DELETE",
            "/api/v1/api-keys/{id}",
            "revokeApiKey",
            Scoped,
            false,
        ),
        ("GET", "/api/v1/ssh-keys", "listSshKeys", Scoped, false),
        ("POST", "/api/v1/ssh-keys", "createSshKey", Scoped, true),
        (
            "POST",
            "/api/v1/ssh-keys/generate",
            "generateSshKey",
            Scoped,
            true,
        ),
        ("GET", "/api/v1/ssh-keys/{id}", "getSshKey", Scoped, false),
        (
            "DELETE",
            "/api/v1/ssh-keys/{id}",
            "deleteSshKey",
            Scoped,
            false,
        ),
        (
            "GET",
            "/api/v1/spending-alerts",
            "listSpendingAlerts",
            Scoped,
            false,
        ),
        (
            "POST",
            "/api/v1/spending-alerts",
            "createSpendingAlert",
            Scoped,
            true,
        ),
        (
            "GET",
            "/api/v1/spending-alerts/{id}",
            "getSpendingAlert",
            Scoped,
            false,
        ),
        (
            "PATCH",
            "/api/v1/spending-alerts/{id}",
            "updateSpendingAlert",
            Scoped,
            false,
        ),
        (
            "DELETE",
            "/api/v1/spending-alerts/{id}",
            "deleteSpendingAlert",
            Scoped,
            false,
        ),
        (
            "GET",
            "/api/v1/token-packages",
            "listTokenPackages",
            Public,
            false,
        ),
        (
            "GET",
            "/_serving/{name}/models",
            "listServedModels",
            AnyToken,
            false,
        ),
    ]
};

/// A stored `Idempotency-Key`: the request it belongs to and, once done, its 2xx response.
struct IdemEntry {
    method: Method,
    path: String,
    body: Value,
    done: Option<Stored>,
}

/// A stored 2xx response: status, the headers worth replaying, body.
type Stored = (StatusCode, Vec<(HeaderName, HeaderValue)>, Bytes);

/// The IC GPU API module.
pub struct IcGpu {
    config: EmulatorConfig,
    store: Mutex<Store>,
    window: Mutex<VecDeque<Instant>>,
    llm_window: Mutex<VecDeque<Instant>>,
    idem: Mutex<HashMap<String, IdemEntry>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl IcGpu {
    pub fn new(config: &EmulatorConfig) -> Self {
        Self {
            config: config.clone(),
            store: Mutex::new(Store::new(config.seed)),
            window: Mutex::new(VecDeque::new()),
            llm_window: Mutex::new(VecDeque::new()),
            idem: Mutex::new(HashMap::new()),
        }
    }
}

/// Handler state.
#[derive(Clone)]
pub(crate) struct App {
    api: Arc<IcGpu>,
    shared: Arc<Shared>,
}

impl App {
    fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.api.store)
    }
    fn step(&self) -> Duration {
        self.shared.config.step
    }
}

impl ApiModule for IcGpu {
    fn name(&self) -> &'static str {
        API
    }

    fn mount(&self) -> &'static str {
        MOUNT
    }

    fn router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        let app = App { api: self, shared };
        Router::new()
            .route("/api/v1/gpu-tiers", get(catalog::list_gpu_tiers))
            .route(
                "/api/v1/model-catalogue",
                get(catalog::list_model_catalogue),
            )
            .route("/api/v1/vm-templates", get(catalog::list_vm_templates))
            .route("/api/v1/token-packages", get(catalog::list_token_packages))
            .merge(compute::routes())
            .merge(models::routes())
            .merge(account::routes())
            .merge(network::routes())
            .merge(disk::routes())
            .merge(key_groups::routes())
            .merge(teams::routes())
            .merge(tokens::routes())
            .merge(jobs::routes())
            .merge(fine_tuning::routes())
            .route_layer(axum::middleware::from_fn_with_state(
                app.clone(),
                middleware,
            ))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .with_state(app)
    }

    fn live_objects(&self) -> Vec<LiveObject> {
        let store = lock(&self.store);
        compute::live(&store, self.config.step)
            .into_iter()
            .chain(models::live(&store, self.config.step))
            .chain(account::live(&store))
            .chain(network::live(&store))
            .chain(disk::live(&store, self.config.step))
            .chain(key_groups::live(&store))
            .chain(teams::live(&store))
            .chain(jobs::live(&store, self.config.step))
            .chain(fine_tuning::live(&store, self.config.step))
            .map(|(kind, id, status)| LiveObject {
                api: API.to_string(),
                kind: kind.to_string(),
                id,
                status,
            })
            .collect()
    }

    fn reset(&self) {
        *lock(&self.store) = Store::new(self.config.seed);
        lock(&self.window).clear();
        lock(&self.llm_window).clear();
        lock(&self.idem).clear();
    }

    fn release_held(&self) -> usize {
        let mut store = lock(&self.store);
        compute::release_held(&mut store)
            + jobs::release_held(&mut store)
            + fine_tuning::release_held(&mut store)
    }

    fn admin_router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        let app = App { api: self, shared };
        Router::new()
            .route("/instances/{id}/preempt", post(compute::admin_preempt))
            .route("/instances/{id}/fail", post(compute::admin_fail))
            .route(
                "/gpu-tiers/{tier}/capacity",
                put(admin_capacity).post(admin_capacity),
            )
            .with_state(app)
    }

    fn error_body(&self, status: u16, message: &str) -> Value {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::new(status, message).body()
    }
}

/// Unrouted requests still get the API's error body and an `X-Request-Id`.
fn unrouted(status: StatusCode, req: &Request) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let err = ApiError::new(
        status,
        format!("no route for {} {}", req.method(), req.uri().path()),
    );
    let mut resp = web::REQUEST_ID.sync_scope(id.clone(), || err.into_response());
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    resp
}

async fn not_found(req: Request) -> Response {
    unrouted(StatusCode::NOT_FOUND, &req)
}

async fn method_not_allowed(req: Request) -> Response {
    // The spec's error table has no 405 code; a wrong method is a bad request shape.
    unrouted(StatusCode::METHOD_NOT_ALLOWED, &req)
}

async fn admin_capacity(
    State(app): State<App>,
    Path(tier): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let Some(count) = body.get("available_count").and_then(Value::as_i64) else {
        return ApiError::bad_request("body must be {\"available_count\": <integer>}")
            .into_response();
    };
    let mut store = app.store();
    match store.capacity.iter_mut().find(|(t, _)| *t == tier) {
        Some(entry) => {
            entry.1 = count.max(0);
            Json(json!({"tier": tier, "available_count": entry.1})).into_response()
        }
        None => ApiError::not_found("GPU tier", &tier).into_response(),
    }
}

/// The authenticated caller.
#[derive(Clone, Debug)]
pub(crate) enum Caller {
    Anonymous,
    Root,
    Key(String),
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let raw = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = raw.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl App {
    fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let unauth = || ApiError::new(StatusCode::UNAUTHORIZED, "Missing or invalid bearer token");
        let token = bearer(headers).ok_or_else(unauth)?;
        if token == TEST_TOKEN {
            return Ok(Caller::Root);
        }
        let mut store = self.store();
        let key = store
            .api_keys
            .iter_mut()
            .find(|k| k.key == token)
            .ok_or_else(unauth)?;
        let now = chrono::Utc::now();
        if key.expires_at.is_some_and(|e| e <= now) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "API key has expired",
            ));
        }
        key.last_used_at = Some(now);
        Ok(Caller::Key(key.id.clone()))
    }

    /// The LLM API takes `sk-ic-` keys only: an OIDC token is refused with a 401 that says so.
    fn authenticate_llm(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        match bearer(headers) {
            Some(TEST_LLM_KEY) => Ok(Caller::Root),
            Some(t) if t.starts_with("sk-ic-") => self.authenticate(headers),
            Some(_) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "The LLM API (/v1) takes an sk-ic- API key; OIDC access tokens are for the \
                 Dashboard API (/api/v1)",
            )),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Missing or invalid bearer token",
            )),
        }
    }

    /// Scope: the first path segment after `/api/v1/`, `-` → `_`; permission from the method.
    fn authorize(&self, caller: &Caller, method: &Method, route: &str) -> Result<(), ApiError> {
        let Caller::Key(id) = caller else {
            return Ok(());
        };
        let scope = route
            .trim_start_matches("/api/v1/")
            .split('/')
            .next()
            .unwrap_or("")
            .replace('-', "_");
        let permission = if *method == Method::GET {
            "read"
        } else {
            "write"
        };
        let store = self.store();
        let allowed = store
            .api_keys
            .iter()
            .find(|k| &k.id == id)
            .is_some_and(|k| {
                k.scopes.contains(&scope) && k.permissions.iter().any(|p| p == permission)
            });
        if allowed {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("API key {id} lacks scope '{scope}' with permission '{permission}'"),
            ))
        }
    }

    /// Sliding one-minute window for the (single) account: `rate_limit_per_minute` on the
    /// Dashboard API, half of it on the LLM API; none at all when it is 0 (as the provider's
    /// `requests_per_minute = 0`).
    fn admit(&self, llm: bool) -> Result<(), ApiError> {
        let dashboard = self.shared.config.rate_limit_per_minute as usize;
        if dashboard == 0 {
            return Ok(());
        }
        let (limit, mut window) = if llm {
            ((dashboard / 2).max(1), lock(&self.api.llm_window))
        } else {
            (dashboard, lock(&self.api.window))
        };
        let minute = Duration::from_secs(60);
        let now = Instant::now();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= minute)
        {
            window.pop_front();
        }
        if window.len() >= limit {
            self.shared.ledger.record(API, "throttled");
            let wait = window.front().map_or(minute, |oldest| {
                minute.saturating_sub(now.duration_since(*oldest))
            });
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(ApiError {
                retry_after: Some(secs.max(1)),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Rate limit of {limit} requests per minute exceeded"),
                )
            });
        }
        window.push_back(now);
        Ok(())
    }
}

fn op_for(method: &Method, route: &str) -> Option<(&'static str, Access, bool)> {
    OPS.iter()
        .chain(network::OPS)
        .chain(disk::OPS)
        .chain(key_groups::OPS)
        .chain(teams::OPS)
        .chain(tokens::OPS)
        .chain(jobs::OPS)
        .chain(fine_tuning::OPS)
        .find(|(m, r, ..)| *m == method.as_str() && *r == route)
        .map(|(_, _, op, access, idem)| (*op, *access, *idem))
}

async fn middleware(State(app): State<App>, req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let llm = fine_tuning::is_llm(&route_of(&req));
    let mut resp = web::REQUEST_ID
        .scope(id.clone(), handle(app, req, next))
        .await
        .unwrap_or_else(|e| {
            if llm {
                fine_tuning::LlmError(e).into_response()
            } else {
                e.into_response()
            }
        });
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    resp
}

/// The matched route below the mount (`/api/v1/vms/{id}`).
fn route_of(req: &Request) -> String {
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    matched.strip_prefix(MOUNT).unwrap_or(&matched).to_string()
}

async fn handle(app: App, mut req: Request, next: Next) -> ApiResult {
    let route = route_of(&req);
    let method = req.method().clone();
    let Some((op, access, idempotent)) = op_for(&method, &route) else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "unknown operation"));
    };
    app.shared.ledger.record(API, op);
    let caller = match access {
        Access::Public => Caller::Anonymous,
        Access::Scoped | Access::AnyToken => {
            let caller = app.authenticate(req.headers())?;
            app.admit(false)?;
            if access == Access::Scoped {
                app.authorize(&caller, &method, &route)?;
            }
            caller
        }
        Access::LlmKey => {
            let caller = app.authenticate_llm(req.headers())?;
            app.admit(true)?;
            caller
        }
    };
    req.extensions_mut().insert(caller);

    let key = match req.headers().get("idempotency-key") {
        Some(v) if idempotent => {
            let key = v
                .to_str()
                .ok()
                .filter(|k| {
                    !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| (0x21..=0x7e).contains(&b))
                })
                .ok_or_else(|| {
                    ApiError::validation(
                        "Idempotency-Key",
                        "must be 1-255 printable ASCII characters",
                    )
                })?;
            Some(key.to_string())
        }
        _ => None,
    };
    let dry_run = req.uri().query().is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "dryRun" && v == "true")
    });
    match key {
        Some(key) if !dry_run => idempotent_call(&app, key, req, next).await,
        Some(key) => Ok(with_key_echo(next.run(req).await, &key)),
        None => Ok(run_handler(&app, req, next).await),
    }
}

/// Runs the handler and notes in the ledger the object a create made (a 201 with a `Location`).
async fn run_handler(app: &App, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() == StatusCode::CREATED {
        let made = resp
            .headers()
            .get(axum::http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(created_object);
        if let Some((kind, id)) = made {
            app.shared.ledger.record_created(API, kind, id);
        }
    }
    resp
}

/// The ledger kind and id of the object a create's `Location` names (`/api/v1/vms/vm-1`).
fn created_object(location: &str) -> Option<(&'static str, &str)> {
    if let Some(id) = location.strip_prefix("/v1/fine-tuning/jobs/") {
        return Some(("fine_tuning_job", id));
    }
    let (collection, id) = location.strip_prefix("/api/v1/")?.split_once('/')?;
    if id.is_empty() || id.contains('/') {
        return None;
    }
    let kind = match collection {
        "instances" => "instance",
        "vms" => "vm",
        "clusters" => "cluster",
        "models" => "model_deployment",
        "webhooks" => "webhook",
        "api-keys" => "api_key",
        "ssh-keys" => "ssh_key",
        "spending-alerts" => "spending_alert",
        "slurm-environments" => "slurm_environment",
        "functions" => "gpu_function",
        _ => return None,
    };
    Some((kind, id))
}

fn with_key_echo(mut resp: Response, key: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(key) {
        resp.headers_mut()
            .insert(HeaderName::from_static("idempotency-key"), v);
    }
    resp
}

/// Replays a stored response, rejects a reused key, or runs the request and stores a 2xx.
async fn idempotent_call(app: &App, key: String, req: Request, next: Next) -> ApiResult {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20)
        .await
        .map_err(|e| ApiError::bad_request(format!("could not read body: {e}")))?;
    let parsed: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    let path = parts.uri.path().to_string();
    {
        let mut idem = lock(&app.api.idem);
        if let Some(entry) = idem.get(&key) {
            if entry.method != parts.method || entry.path != path || entry.body != parsed {
                return Err(ApiError::conflict(format!(
                    "Idempotency-Key '{key}' was already used with a different request"
                )));
            }
            let Some((status, headers, body)) = &entry.done else {
                return Err(ApiError::conflict(format!(
                    "A request with Idempotency-Key '{key}' is still being processed"
                )));
            };
            let mut resp = Response::new(Body::from(body.clone()));
            *resp.status_mut() = *status;
            for (k, v) in headers {
                resp.headers_mut().insert(k.clone(), v.clone());
            }
            return Ok(with_key_echo(resp, &key));
        }
        idem.insert(
            key.clone(),
            IdemEntry {
                method: parts.method.clone(),
                path,
                body: parsed,
                done: None,
            },
        );
    }
    let resp = run_handler(app, Request::from_parts(parts, Body::from(bytes)), next).await;
    if !resp.status().is_success() {
        lock(&app.api.idem).remove(&key);
        return Ok(with_key_echo(resp, &key));
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    let keep: Vec<(HeaderName, HeaderValue)> = parts
        .headers
        .iter()
        .filter(|(k, _)| {
            *k == axum::http::header::CONTENT_TYPE || *k == axum::http::header::LOCATION
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(entry) = lock(&app.api.idem).get_mut(&key) {
        entry.done = Some((parts.status, keep, bytes.clone()));
    }
    Ok(with_key_echo(
        Response::from_parts(parts, Body::from(bytes)),
        &key,
    ))
}
