//! The AMD Developer Cloud API (`specs/amd-developer-cloud.openapi.yml`), mounted at `/amd/v1`.
//!
//! Auth: `X-API-Key: amd-test-key`. Errors: `{"code", "message"}` (the spec's `ErrorResponse`).
//!
//! Instance lifecycle (lazy, in steps of `config.step`): `pending` for two steps, then `running`.
//! `DELETE` answers 204 and the instance reads as `terminated` for one more step, then 404.
//! The spec has no `terminating` status, so `terminated` is the only transitional state a client
//! sees; a client waiting for deletion must accept either `terminated` or 404.
//!
//! Admin: `POST /_admin/amd/instances/{id}/stop` marks an instance `stopped` (the API has no stop
//! operation; the platform stops instances on its own, e.g. when credits run out).
//! Instances honour the shared provisioning controls: a held instance stays `pending` until
//! released, and a queued outcome replaces `running` (the spec's `Instance` has no message
//! field, so an outcome's message is not shown).

// Request-local helpers return the finished error `Response` so handlers can `return` it as is;
// it is built once on an error path, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{json, Value};

use super::core::{release, ApiModule, EmulatorConfig, LiveObject, Outcome, Shared};

const API: &str = "amd";
const API_KEY: &str = "amd-test-key";
/// `InstanceInput.gpuType`: the create enum is narrower than `Instance.gpuType` (no rx7900xtx).
const CREATE_GPU_TYPES: [&str; 3] = ["mi300x", "mi250", "mi210"];
const STATUSES: [&str; 4] = ["running", "stopped", "pending", "terminated"];
const FRAMEWORKS: [&str; 4] = ["vLLM", "TGI", "TorchServe", "Triton"];
/// Steps an instance stays `pending`, and a deployed model `deploying`.
const PENDING_STEPS: u64 = 2;
/// Steps a terminated instance stays readable before it answers 404.
const TERMINATED_STEPS: u64 = 1;
const MAX_LIMIT: usize = 100;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An error in the spec's `ErrorResponse` shape.
fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "code": code, "message": message.into() })),
    )
        .into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
}

fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("{what} not found"),
    )
}

struct Instance {
    id: String,
    name: String,
    gpu_type: String,
    gpu_count: u32,
    region: String,
    image_id: String,
    created_at: DateTime<Utc>,
    /// When the lifecycle began: the create, or the release of a hold.
    created: Instant,
    /// Held `pending` by the provisioning controls.
    held: bool,
    /// Ends in this status instead of `running`.
    outcome: Option<Outcome>,
    stopped: bool,
    terminated: Option<Instant>,
}

impl Instance {
    fn hold_mut(&mut self) -> (&mut bool, &mut Instant) {
        (&mut self.held, &mut self.created)
    }

    /// The status now, or `None` once a terminated instance has gone.
    fn status(&self, cfg: &EmulatorConfig) -> Option<&'static str> {
        if let Some(t) = self.terminated {
            return (cfg.steps_since(t) < TERMINATED_STEPS).then_some("terminated");
        }
        Some(if self.stopped {
            "stopped"
        } else if !self.held && cfg.steps_since(self.created) >= PENDING_STEPS {
            self.outcome.as_ref().map_or("running", |o| o.status)
        } else {
            "pending"
        })
    }

    fn to_json(&self, status: &str) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "gpuType": self.gpu_type,
            "gpuCount": self.gpu_count,
            "status": status,
            "region": self.region,
            "imageId": self.image_id,
            "createdAt": rfc3339(self.created_at),
        })
    }
}

struct Model {
    id: String,
    name: String,
    framework: String,
    /// `None` for seeded models, which are always `serving`.
    deployed: Option<Instant>,
}

impl Model {
    fn status(&self, cfg: &EmulatorConfig) -> &'static str {
        match self.deployed {
            Some(t) if cfg.steps_since(t) < PENDING_STEPS => "deploying",
            _ => "serving",
        }
    }

    fn to_json(&self, cfg: &EmulatorConfig) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "framework": self.framework,
            "status": self.status(cfg),
            "endpoint": format!("https://inf.developer.amd.com/{}/v1", self.id),
        })
    }
}

struct Store {
    instances: Vec<Instance>,
    models: Vec<Model>,
    rng: StdRng,
    next_model: u32,
}

/// The AMD Developer Cloud emulator.
pub struct Amd {
    config: EmulatorConfig,
    state: Mutex<Store>,
}

fn seeded_models() -> Vec<Model> {
    [
        ("model-001", "llama-3.1-70b", "vLLM"),
        ("model-002", "mistral-7b-instruct", "TGI"),
        ("model-003", "resnet50-classifier", "TorchServe"),
    ]
    .into_iter()
    .map(|(id, name, fw)| Model {
        id: id.into(),
        name: name.into(),
        framework: fw.into(),
        deployed: None,
    })
    .collect()
}

impl Amd {
    pub fn new(config: &EmulatorConfig) -> Self {
        Self {
            config: config.clone(),
            state: Mutex::new(Self::fresh(config.seed)),
        }
    }

    fn fresh(seed: u64) -> Store {
        Store {
            instances: Vec::new(),
            models: seeded_models(),
            rng: StdRng::seed_from_u64(seed ^ 0x616d_6400),
            next_model: 4,
        }
    }

    /// Locks the state after dropping instances whose terminated window has passed.
    fn state(&self) -> MutexGuard<'_, Store> {
        let mut st = lock(&self.state);
        st.instances.retain(|i| i.status(&self.config).is_some());
        st
    }
}

#[derive(Clone)]
struct Ctx {
    amd: Arc<Amd>,
    shared: Arc<Shared>,
}

impl Ctx {
    fn record(&self, op: &str) {
        self.shared.ledger.record(API, op);
    }
    fn cfg(&self) -> &EmulatorConfig {
        &self.amd.config
    }
}

async fn require_key(headers: HeaderMap, req: Request, next: Next) -> Response {
    match headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        Some(API_KEY) => next.run(req).await,
        _ => error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "Invalid API key"),
    }
}

/// Parses a JSON object body, answering the API's own 400 on anything else.
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| bad_request(format!("invalid request body: {e}")))
}

fn parse_usize(raw: Option<&String>, name: &str, default: usize) -> Result<usize, Response> {
    match raw {
        None => Ok(default),
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| bad_request(format!("{name} must be a non-negative integer"))),
    }
}

async fn list_instances(
    State(ctx): State<Ctx>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    ctx.record("listInstances");
    let status = q.get("status").map(String::as_str);
    if let Some(s) = status {
        if !STATUSES.contains(&s) {
            return bad_request(format!("status must be one of {}", STATUSES.join(", ")));
        }
    }
    let limit = match parse_usize(q.get("limit"), "limit", 20) {
        Ok(0) => return bad_request("limit must be at least 1"),
        Ok(n) => n.min(MAX_LIMIT),
        Err(r) => return r,
    };
    let offset = match parse_usize(q.get("offset"), "offset", 0) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let gpu_type = q.get("gpuType").map(String::as_str);
    let st = ctx.amd.state();
    let matching: Vec<Value> = st
        .instances
        .iter()
        .filter_map(|i| i.status(ctx.cfg()).map(|s| (i, s)))
        // "All active instances": terminated ones only appear when asked for explicitly.
        .filter(|(_, s)| match status {
            Some(want) => *s == want,
            None => *s != "terminated",
        })
        .filter(|(i, _)| gpu_type.is_none_or(|g| i.gpu_type == g))
        .map(|(i, s)| i.to_json(s))
        .collect();
    let total = matching.len();
    let page: Vec<Value> = matching.into_iter().skip(offset).take(limit).collect();
    Json(json!({ "instances": page, "total": total })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstanceInput {
    name: Option<String>,
    gpu_type: Option<String>,
    gpu_count: Option<i64>,
    image_id: Option<String>,
    region: Option<String>,
}

async fn create_instance(State(ctx): State<Ctx>, body: Bytes) -> Response {
    ctx.record("createInstance");
    let input: InstanceInput = match parse_body(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(gpu_type) = input.gpu_type else {
        return bad_request("gpuType is required");
    };
    if !CREATE_GPU_TYPES.contains(&gpu_type.as_str()) {
        return bad_request(format!(
            "gpuType must be one of {}",
            CREATE_GPU_TYPES.join(", ")
        ));
    }
    let Some(gpu_count) = input.gpu_count else {
        return bad_request("gpuCount is required");
    };
    if !(1..=8).contains(&gpu_count) {
        return bad_request("gpuCount must be between 1 and 8");
    }
    if input.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return bad_request("name must not be empty");
    }
    if input.region.as_deref().is_some_and(|r| r.trim().is_empty()) {
        return bad_request("region must not be empty");
    }
    let mut st = ctx.amd.state();
    let id = format!("inst-{:08x}", st.rng.random::<u32>());
    let inst = Instance {
        name: input
            .name
            .unwrap_or_else(|| format!("{gpu_type}-{}", &id[5..])),
        id,
        gpu_type,
        gpu_count: u32::try_from(gpu_count).unwrap_or(1),
        region: input.region.unwrap_or_else(|| "us-west-2".into()),
        image_id: input.image_id.unwrap_or_else(|| "rocm-6.1-pytorch".into()),
        created_at: Utc::now(),
        created: Instant::now(),
        held: ctx.shared.provisioning.holding(),
        outcome: ctx.shared.provisioning.next_outcome(API),
        stopped: false,
        terminated: None,
    };
    let body = inst.to_json("pending");
    ctx.shared.ledger.record_created(API, "instance", &inst.id);
    st.instances.push(inst);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn get_instance(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    ctx.record("getInstance");
    let st = ctx.amd.state();
    match st.instances.iter().find(|i| i.id == id) {
        Some(i) => match i.status(ctx.cfg()) {
            Some(s) => Json(i.to_json(s)).into_response(),
            None => not_found("Instance"),
        },
        None => not_found("Instance"),
    }
}

async fn terminate_instance(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    ctx.record("terminateInstance");
    let mut st = ctx.amd.state();
    match st.instances.iter_mut().find(|i| i.id == id) {
        Some(i) => {
            // Repeating a delete while the instance still reads `terminated` succeeds again.
            if i.terminated.is_none() {
                i.terminated = Some(Instant::now());
            }
            StatusCode::NO_CONTENT.into_response()
        }
        None => not_found("Instance"),
    }
}

/// Memory per GPU in GB for each GPU type.
fn memory_per_gpu(gpu_type: &str) -> f64 {
    match gpu_type {
        "mi300x" => 192.0,
        "mi250" => 128.0,
        "mi210" => 64.0,
        _ => 24.0,
    }
}

async fn get_instance_metrics(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    ctx.record("getInstanceMetrics");
    let st = ctx.amd.state();
    let Some((inst, status)) = st
        .instances
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.status(ctx.cfg()).map(|s| (i, s)))
    else {
        return not_found("Instance");
    };
    // Per-GPU averages (the spec's example reports 192 GB total for an 8-GPU mi300x instance).
    let total = memory_per_gpu(&inst.gpu_type);
    let busy = status == "running";
    // Deterministic per instance: derived from the id, so repeated reads agree.
    let h = inst
        .id
        .bytes()
        .fold(7u64, |a, b| a.wrapping_mul(31) ^ u64::from(b));
    let util = if busy {
        60.0 + (h % 400) as f64 / 10.0
    } else {
        0.0
    };
    let used = if busy {
        total * (0.5 + (h % 40) as f64 / 100.0)
    } else {
        0.0
    };
    Json(json!({
        "instanceId": inst.id,
        "gpuUtilization": util,
        "memoryUsed": (used * 10.0).round() / 10.0,
        "memoryTotal": total,
        "temperature": if busy { 60 + (h % 20) } else { 35 },
        "powerDraw": if busy { 500.0 + (h % 200) as f64 } else { 90.0 },
    }))
    .into_response()
}

async fn list_models(State(ctx): State<Ctx>) -> Response {
    ctx.record("listModels");
    let st = ctx.amd.state();
    let models: Vec<Value> = st.models.iter().map(|m| m.to_json(ctx.cfg())).collect();
    Json(json!({ "models": models })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelInput {
    name: Option<String>,
    model_id: Option<String>,
    framework: Option<String>,
    gpu_type: Option<String>,
    gpu_count: Option<i64>,
}

async fn deploy_model(State(ctx): State<Ctx>, body: Bytes) -> Response {
    ctx.record("deployModel");
    let input: ModelInput = match parse_body(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(model_id) = input.model_id.filter(|m| !m.trim().is_empty()) else {
        return bad_request("modelId is required");
    };
    let Some(framework) = input.framework else {
        return bad_request("framework is required");
    };
    if !FRAMEWORKS.contains(&framework.as_str()) {
        return bad_request(format!(
            "framework must be one of {}",
            FRAMEWORKS.join(", ")
        ));
    }
    let Some(gpu_type) = input.gpu_type else {
        return bad_request("gpuType is required");
    };
    if !CREATE_GPU_TYPES.contains(&gpu_type.as_str()) {
        return bad_request(format!(
            "gpuType must be one of {}",
            CREATE_GPU_TYPES.join(", ")
        ));
    }
    if input.gpu_count.is_some_and(|c| !(1..=8).contains(&c)) {
        return bad_request("gpuCount must be between 1 and 8");
    }
    let mut st = ctx.amd.state();
    let id = format!("model-{:03}", st.next_model);
    st.next_model += 1;
    let name = input.name.unwrap_or_else(|| {
        model_id
            .rsplit('/')
            .next()
            .unwrap_or(&model_id)
            .to_lowercase()
    });
    let model = Model {
        id,
        name,
        framework,
        deployed: Some(Instant::now()),
    };
    let body = model.to_json(ctx.cfg());
    ctx.shared.ledger.record_created(API, "model", &model.id);
    st.models.push(model);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn get_credits(State(ctx): State<Ctx>) -> Response {
    ctx.record("getCredits");
    // Seeded per emulator seed, so two runs with one seed agree.
    let total = 1000.0;
    let used = 500.0 + (ctx.cfg().seed % 100) as f64;
    Json(json!({
        "balance": total - used,
        "used": used,
        "total": total,
        "currency": "USD",
        "expiresAt": "2026-12-31T23:59:59Z",
    }))
    .into_response()
}

async fn admin_stop(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    let mut st = ctx.amd.state();
    match st.instances.iter_mut().find(|i| i.id == id) {
        Some(i) if i.terminated.is_none() => {
            i.stopped = true;
            Json(i.to_json("stopped")).into_response()
        }
        _ => not_found("Instance"),
    }
}

impl ApiModule for Amd {
    fn name(&self) -> &'static str {
        API
    }

    fn mount(&self) -> &'static str {
        "/amd/v1"
    }

    fn router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        Router::new()
            .route("/instances", get(list_instances).post(create_instance))
            .route(
                "/instances/{instanceId}",
                get(get_instance).delete(terminate_instance),
            )
            .route("/instances/{instanceId}/metrics", get(get_instance_metrics))
            .route("/models", get(list_models).post(deploy_model))
            .route("/credits", get(get_credits))
            .route_layer(axum::middleware::from_fn(require_key))
            .with_state(Ctx { amd: self, shared })
    }

    fn live_objects(&self) -> Vec<LiveObject> {
        let st = self.state();
        let instances = st.instances.iter().filter_map(|i| {
            let s = i.status(&self.config)?;
            (s != "terminated").then(|| LiveObject {
                api: API.into(),
                kind: "instance".into(),
                id: i.id.clone(),
                status: s.into(),
            })
        });
        // Deployed models have no delete operation; they are listed so a test notices them.
        let models = st
            .models
            .iter()
            .filter(|m| m.deployed.is_some())
            .map(|m| LiveObject {
                api: API.into(),
                kind: "model".into(),
                id: m.id.clone(),
                status: m.status(&self.config).into(),
            });
        instances.chain(models).collect()
    }

    fn reset(&self) {
        *lock(&self.state) = Self::fresh(self.config.seed);
    }

    fn release_held(&self) -> usize {
        release(self.state().instances.iter_mut().map(Instance::hold_mut))
    }

    fn admin_router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        Router::new()
            .route("/instances/{instanceId}/stop", post(admin_stop))
            .with_state(Ctx { amd: self, shared })
    }

    fn error_body(&self, status: u16, message: &str) -> Value {
        let code = match status {
            400 => "VALIDATION_ERROR",
            401 => "UNAUTHORIZED",
            404 => "NOT_FOUND",
            409 => "CONFLICT",
            429 => "RATE_LIMITED",
            503 => "SERVICE_UNAVAILABLE",
            _ => "INTERNAL_ERROR",
        };
        json!({ "code": code, "message": message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn cfg(step_ms: u64) -> EmulatorConfig {
        EmulatorConfig {
            step: Duration::from_millis(step_ms),
            ..EmulatorConfig::default()
        }
    }

    fn instance(created: Instant) -> Instance {
        Instance {
            id: "inst-1".into(),
            name: "n".into(),
            gpu_type: "mi300x".into(),
            gpu_count: 1,
            region: "us-west-2".into(),
            image_id: "img".into(),
            created_at: Utc::now(),
            created,
            held: false,
            outcome: None,
            stopped: false,
            terminated: None,
        }
    }

    #[test]
    fn status_follows_steps_and_termination() {
        let c = cfg(10_000);
        let mut i = instance(Instant::now());
        assert_eq!(i.status(&c), Some("pending"));
        i.stopped = true;
        assert_eq!(i.status(&c), Some("stopped"));
        i.terminated = Some(Instant::now());
        assert_eq!(i.status(&c), Some("terminated"));
        let zero = cfg(0);
        assert_eq!(i.status(&zero), None, "a zero step removes at once");
        let fresh = instance(Instant::now());
        assert_eq!(fresh.status(&zero), Some("running"));
    }

    #[test]
    fn a_held_instance_stays_pending_and_an_outcome_replaces_running() {
        let zero = cfg(0);
        let mut i = instance(Instant::now());
        i.held = true;
        assert_eq!(i.status(&zero), Some("pending"), "held whatever the time");
        i.held = false;
        i.outcome = Some(Outcome::new("maintenance", None));
        assert_eq!(i.status(&zero), Some("maintenance"));
        i.stopped = true;
        assert_eq!(i.status(&zero), Some("stopped"));
    }

    #[test]
    fn ids_repeat_for_one_seed() {
        let draw = |seed| {
            let mut s = Amd::fresh(seed);
            (0..3).map(|_| s.rng.random::<u32>()).collect::<Vec<_>>()
        };
        assert_eq!(draw(5), draw(5));
        assert_ne!(draw(5), draw(6));
    }
}
