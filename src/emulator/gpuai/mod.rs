//! The GPU AI Service (`specs/gpu-ai-service.openapi.yml` + `.md`), mounted once at `/gpuai`.
//!
//! The contract puts three gateway prefixes on one host, and the provider takes one host and
//! appends them, so this module serves all three below its mount:
//! - `/gpuai/gpu/api/v1beta1/...` AI runtimes and runtime templates;
//! - `/gpuai/inventory/api/v1beta1/inventory...` inventory, GPU config, notify-availability;
//! - `/gpuai/tenant/api/v1/auth/login` login (no auth).
//!
//! Auth: `Authorization: Bearer <token>` where the token is `gpuai-test-token`, the seeded PAT
//! `pat-nc-emulator-0001`, or an unexpired login `access_token`; `sk-nc-*` inference keys are
//! refused. Errors: `{"code", "message", "details"?}` with the contract's codes.
//!
//! Admin (`/_admin/gpuai/...`):
//! - `POST airuntimes/{id}/fail` `{"message"?}`: the runtime becomes `Failed` now;
//! - `POST airuntimes/{id}/stop`: a `Running` runtime becomes `Stopping`, then `Stopped`;
//! - `POST fail-next` `{"count"?, "message"?}`: the next runtimes created fail when provisioning ends;
//! - `POST notify-availability/{id}/cancel`: a request becomes `cancelled` (console-only in the API);
//! - `POST capacity` `{"config_id", "region", "total_gpu_count"}`: changes installed capacity;
//!   with `"plan_id"` instead of `"config_id"`, of every config offering that plan in the region
//!   (so `0` makes that region and plan full, in the inventory and for creates: 409
//!   `insufficient_capacity`), answering `{"data": [items]}`.

// Request-local helpers return the finished error `Response` so handlers can `return` it as is;
// it is built once on an error path, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

mod inventory;
mod runtimes;
pub mod seed;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use self::seed::{GpuConfig, Offer};
use super::core::{ApiModule, EmulatorConfig, LiveObject, Shared};

const API: &str = "gpuai";
const TOKEN: &str = "gpuai-test-token";
/// Lifetime of a login `access_token`.
const TOKEN_TTL: Duration = Duration::from_secs(3600);

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An error in the contract's `ErrorResponse` shape.
pub(crate) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "code": code, "message": message.into() })),
    )
        .into_response()
}

/// A 400 `validation_error` naming the offending field in `details`.
pub(crate) fn invalid(field: &str, problem: impl Into<String>) -> Response {
    let problem = problem.into();
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "code": "validation_error",
            "message": format!("{field}: {problem}"),
            "details": { field: problem },
        })),
    )
        .into_response()
}

pub(crate) fn not_found(message: impl Into<String>) -> Response {
    error(StatusCode::NOT_FOUND, "not_found", message)
}

pub(crate) fn conflict(code: &str, message: impl Into<String>) -> Response {
    error(StatusCode::CONFLICT, code, message)
}

/// Parses an optional integer query parameter within `min..=max`.
pub(crate) fn int_param(
    q: &HashMap<String, String>,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, Response> {
    let Some(raw) = q.get(name) else {
        return Ok(default);
    };
    match raw.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ if max == i64::MAX => Err(invalid(name, format!("must be an integer >= {min}"))),
        _ => Err(invalid(
            name,
            format!("must be an integer from {min} to {max}"),
        )),
    }
}

/// `page`/`limit` paging over an already ordered list, with the contract's pagination block.
pub(crate) fn paginate(q: &HashMap<String, String>, items: Vec<Value>) -> Result<Value, Response> {
    let page = int_param(q, "page", 1, 1, i64::MAX)?;
    let limit = int_param(q, "limit", 20, 1, 100)?;
    let total = items.len() as i64;
    let total_pages = (total + limit - 1) / limit;
    let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    let data: Vec<Value> = items
        .into_iter()
        .skip(skip)
        .take(usize::try_from(limit).unwrap_or(100))
        .collect();
    Ok(json!({
        "data": data,
        "pagination": {
            "current_page": page,
            "total_pages": total_pages,
            "total_items": total,
            "limit": limit,
        }
    }))
}

pub(crate) fn uuid_from(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

/// Everything the GPU AI Service holds.
pub(crate) struct Store {
    pub configs: Vec<GpuConfig>,
    pub offers: BTreeMap<(String, String), Offer>,
    pub templates: Vec<Value>,
    pub runtimes: Vec<runtimes::Runtime>,
    pub notifications: Vec<inventory::Notification>,
    /// Issued login tokens and when they expire.
    pub tokens: HashMap<String, Instant>,
    /// Failure messages for the next runtimes created (admin `fail-next`).
    pub fail_next: VecDeque<String>,
    pub rng: StdRng,
}

impl Store {
    fn fresh(seed: u64) -> Self {
        let configs = seed::configs();
        let offers = seed::offers(seed, &configs);
        Self {
            configs,
            offers,
            templates: seed::templates(),
            runtimes: Vec::new(),
            notifications: Vec::new(),
            tokens: HashMap::new(),
            fail_next: VecDeque::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x6770_7561_0001),
        }
    }

    pub fn config(&self, id: &str) -> Option<&GpuConfig> {
        self.configs.iter().find(|c| c.config_id == id)
    }

    pub fn has_region(&self, region: &str) -> bool {
        self.offers.keys().any(|(_, r)| r == region)
    }
}

/// The GPU AI Service emulator.
pub struct GpuAi {
    config: EmulatorConfig,
    state: Mutex<Store>,
}

impl GpuAi {
    pub fn new(config: &EmulatorConfig) -> Self {
        Self {
            config: config.clone(),
            state: Mutex::new(Store::fresh(config.seed)),
        }
    }

    /// Locks the state after removing runtimes whose deletion has completed.
    pub(crate) fn state(&self) -> MutexGuard<'_, Store> {
        let mut st = lock(&self.state);
        st.runtimes.retain(|r| r.status(&self.config).is_some());
        st
    }
}

#[derive(Clone)]
pub(crate) struct Ctx {
    pub ai: Arc<GpuAi>,
    pub shared: Arc<Shared>,
}

impl Ctx {
    pub fn record(&self, op: &str) {
        self.shared.ledger.record(API, op);
    }
    pub fn cfg(&self) -> &EmulatorConfig {
        &self.ai.config
    }
}

async fn require_bearer(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    req: Request,
    next: Next,
) -> Response {
    let unauthorized = |m: &str| error(StatusCode::UNAUTHORIZED, "unauthorized", m);
    let Some(value) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return unauthorized("missing authorization header");
    };
    let Some(token) = value.strip_prefix("Bearer ").map(str::trim) else {
        return unauthorized("authorization header must be 'Bearer <token>'");
    };
    if token.starts_with("sk-nc-") {
        return unauthorized("inference keys (sk-nc-*) cannot be used with this API");
    }
    let ok = token == TOKEN
        || token == seed::SEEDED_PAT
        || lock(&ctx.ai.state)
            .tokens
            .get(token)
            .is_some_and(|exp| Instant::now() < *exp);
    if ok {
        next.run(req).await
    } else {
        unauthorized("invalid or expired token")
    }
}

fn b64url(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn login(State(ctx): State<Ctx>, body: Bytes) -> Response {
    ctx.record("loginUser");
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return invalid("body", "must be a JSON object with email and password");
    };
    let email = body.get("email").and_then(Value::as_str).unwrap_or("");
    let password = body.get("password").and_then(Value::as_str).unwrap_or("");
    if !email.contains('@') {
        return invalid("email", "must be an email address");
    }
    if password.is_empty() {
        return invalid("password", "is required");
    }
    if !email.eq_ignore_ascii_case(seed::LOGIN_EMAIL) {
        return not_found(format!("user {email} not found"));
    }
    if password != seed::LOGIN_PASSWORD {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "invalid email or password",
        );
    }
    let mut st = ctx.ai.state();
    let now = Utc::now().timestamp();
    let sig: [u8; 32] = st.rng.random();
    // JWT-shaped, so a client that inspects it sees the familiar three parts.
    let token = format!(
        "{}.{}.{}",
        b64url(&json!({"alg": "HS256", "typ": "JWT"})),
        b64url(
            &json!({"sub": seed::LOGIN_EMAIL, "iat": now, "exp": now + TOKEN_TTL.as_secs() as i64})
        ),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig),
    );
    st.tokens.insert(token.clone(), Instant::now() + TOKEN_TTL);
    let refresh: [u8; 16] = st.rng.random();
    Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL.as_secs(),
        "refresh_token": hex::encode(refresh),
    }))
    .into_response()
}

impl ApiModule for GpuAi {
    fn name(&self) -> &'static str {
        API
    }

    fn mount(&self) -> &'static str {
        "/gpuai"
    }

    fn router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        let ctx = Ctx { ai: self, shared };
        let runs = "/gpu/api/v1beta1/orgs/{org_id}/projects/{project_id}/airuntimes";
        let protected = Router::new()
            .route("/inventory/api/v1beta1/inventory", get(inventory::list))
            .route(
                "/inventory/api/v1beta1/inventory/gpuconfig",
                get(inventory::gpu_config),
            )
            .route(
                "/inventory/api/v1beta1/inventory/gpu/notify-availability",
                get(inventory::list_notify).post(inventory::create_notify),
            )
            .route(runs, get(runtimes::list).post(runtimes::create))
            .route(
                &format!("{runs}/{{airuntime_id}}"),
                get(runtimes::get_one).delete(runtimes::delete),
            )
            .route(
                &format!("{runs}/{{airuntime_id}}/metrics"),
                get(runtimes::metrics),
            )
            .route(
                "/gpu/api/v1beta1/airuntime-templates",
                get(runtimes::list_templates),
            )
            .route(
                "/gpu/api/v1beta1/airuntime-templates/{template_id}",
                get(runtimes::get_template),
            )
            .route_layer(axum::middleware::from_fn_with_state(
                ctx.clone(),
                require_bearer,
            ));
        Router::new()
            .route("/tenant/api/v1/auth/login", post(login))
            .merge(protected)
            .with_state(ctx)
    }

    fn live_objects(&self) -> Vec<LiveObject> {
        let st = self.state();
        let runs = st.runtimes.iter().filter_map(|r| {
            let s = r.status(&self.config)?;
            (s != "Deleting").then(|| LiveObject {
                api: API.into(),
                kind: "airuntime".into(),
                id: r.id.clone(),
                status: s.into(),
            })
        });
        // Notify requests have no delete operation; a pending one is still an active watch.
        let notes = st
            .notifications
            .iter()
            .filter(|n| n.status == "pending")
            .map(|n| LiveObject {
                api: API.into(),
                kind: "notify_availability".into(),
                id: n.id.clone(),
                status: n.status.into(),
            });
        runs.chain(notes).collect()
    }

    fn reset(&self) {
        *lock(&self.state) = Store::fresh(self.config.seed);
    }

    fn release_held(&self) -> usize {
        let mut st = self.state();
        super::core::release(st.runtimes.iter_mut().map(runtimes::Runtime::hold_mut))
    }

    fn admin_router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        Router::new()
            .route(
                "/airuntimes/{airuntime_id}/fail",
                post(runtimes::admin_fail),
            )
            .route(
                "/airuntimes/{airuntime_id}/stop",
                post(runtimes::admin_stop),
            )
            .route("/fail-next", post(runtimes::admin_fail_next))
            .route(
                "/notify-availability/{id}/cancel",
                post(inventory::admin_cancel),
            )
            .route("/capacity", post(inventory::admin_capacity))
            .with_state(Ctx { ai: self, shared })
    }

    fn error_body(&self, status: u16, message: &str) -> Value {
        let code = match status {
            400 => "validation_error",
            401 => "unauthorized",
            404 => "not_found",
            409 => "conflict",
            429 => "rate_limited",
            _ => "internal",
        };
        json!({ "code": code, "message": message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn paginate_counts_pages_and_rejects_bad_params() {
        let items: Vec<Value> = (0..45).map(|i| json!(i)).collect();
        let p = paginate(&q(&[("page", "3"), ("limit", "20")]), items.clone()).expect("ok");
        assert_eq!(p["data"].as_array().map(Vec::len), Some(5));
        assert_eq!(p["pagination"]["total_pages"], 3);
        assert_eq!(p["pagination"]["total_items"], 45);
        let beyond = paginate(&q(&[("page", "9")]), items.clone()).expect("ok");
        assert_eq!(beyond["data"].as_array().map(Vec::len), Some(0));
        for bad in [
            ("page", "0"),
            ("limit", "101"),
            ("limit", "0"),
            ("page", "x"),
        ] {
            assert!(paginate(&q(&[bad]), items.clone()).is_err(), "{bad:?}");
        }
        let empty = paginate(&q(&[]), Vec::new()).expect("ok");
        assert_eq!(empty["pagination"]["total_pages"], 0);
    }
}
