//! Slurm environments and GPU functions (serverless).
//!
//! A Slurm environment provisions like the other compute (create 201 in `provisioning`, then
//! `running` with its head node's SSH endpoint; DELETE 202 through `deleting`): it honours the
//! shared hold, the queued outcomes (the outcome's status replaces `running`, its message shows
//! as `error_message`) and `/_admin/ssh_endpoint`. A GPU function is a plain record (create
//! 201, `ready` at once; DELETE 204); running it (`/run`) is not emulated.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{newest, rfc3339, Life, Store};
use super::web::{created, json_status, list_response, parse_body, ApiError, ApiResult, Checks};
use super::{Access, App};

/// `(method, route, operationId, access, takes Idempotency-Key)`, as in `super::OPS`.
pub(super) const OPS: &[(&str, &str, &str, Access, bool)] = {
    use Access::Scoped;
    const ENVS: &str = "/api/v1/slurm-environments";
    const ENV: &str = "/api/v1/slurm-environments/{id}";
    &[
        ("GET", ENVS, "listSlurmEnvironments", Scoped, false),
        ("POST", ENVS, "createSlurmEnvironment", Scoped, true),
        ("GET", ENV, "getSlurmEnvironment", Scoped, false),
        ("DELETE", ENV, "deleteSlurmEnvironment", Scoped, false),
        ("GET", "/api/v1/functions", "listFunctions", Scoped, false),
        ("POST", "/api/v1/functions", "createFunction", Scoped, true),
        (
            "GET",
            "/api/v1/functions/{id}",
            "getFunction",
            Scoped,
            false,
        ),
        (
            "DELETE",
            "/api/v1/functions/{id}",
            "deleteFunction",
            Scoped,
            false,
        ),
    ]
};

const SSH_HOST: &str = "slurm.gpu.local";
const BOOT: &[(&str, u64)] = &[("provisioning", 2)];
const TEARDOWN: &[(&str, u64)] = &[("deleting", 1)];
/// The first status of a boot, held while the provisioning controls hold.
const HELD: &str = "provisioning";
const TIERS: &[&str] = &["dedicated", "mig", "timesliced"];

#[derive(Default)]
pub struct Jobs {
    pub slurm: Vec<SlurmEnvironment>,
    pub functions: Vec<Function>,
}

pub struct SlurmEnvironment {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub max_nodes: i64,
    pub gpu_per_node: i64,
    pub created_at: DateTime<Utc>,
    pub life: Life,
    pub held: bool,
    pub boots_into: &'static str,
    pub ssh_host: String,
    pub ssh_port: u16,
    pub error_message: Option<String>,
}

pub struct Function {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub image: String,
    pub entrypoint: String,
    pub gpu_tier: String,
    pub timeout_seconds: i64,
    pub env_vars: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
}

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/slurm-environments",
            get(list_envs).post(create_env),
        )
        .route(
            "/api/v1/slurm-environments/{id}",
            get(get_env).delete(delete_env),
        )
        .route(
            "/api/v1/functions",
            get(list_functions).post(create_function),
        )
        .route(
            "/api/v1/functions/{id}",
            get(get_function).delete(delete_function),
        )
}

pub fn live(store: &Store, step: Duration) -> Vec<(&'static str, String, String)> {
    let envs = store.jobs.slurm.iter().filter_map(|e| {
        e.life
            .at(step)
            .map(|(s, _)| ("slurm_environment", e.id.clone(), s.to_string()))
    });
    let functions = store
        .jobs
        .functions
        .iter()
        .map(|f| ("gpu_function", f.id.clone(), "ready".to_string()));
    envs.chain(functions).collect()
}

/// Ends a hold: every held environment boots from now. Returns how many.
pub fn release_held(store: &mut Store) -> usize {
    let mut n = 0;
    for e in store.jobs.slurm.iter_mut().filter(|e| e.held) {
        e.held = false;
        e.life = Life::new(BOOT, Some(e.boots_into));
        n += 1;
    }
    n
}

fn env_json(e: &SlurmEnvironment, step: Duration) -> Option<Value> {
    let (status, since) = e.life.at(step)?;
    let running = status == "running";
    // An outcome other than `running` is a failure that explains itself.
    let failed = status == e.boots_into && !running;
    Some(json!({
        "id": e.id, "name": e.name, "max_nodes": e.max_nodes, "gpu_per_node": e.gpu_per_node,
        "status": status,
        "ssh_host": running.then_some(e.ssh_host.as_str()),
        "ssh_port": running.then_some(e.ssh_port),
        "ssh_user": "gpuuser",
        "created_at": rfc3339(e.created_at),
        "updated_at": rfc3339(since.max(e.created_at)),
        "error_message": if failed { e.error_message.clone() } else { None },
    }))
}

fn find_env<'a>(
    store: &'a mut Store,
    id: &str,
    step: Duration,
) -> Result<&'a mut SlurmEnvironment, ApiError> {
    store
        .jobs
        .slurm
        .iter_mut()
        .find(|e| e.id == id && e.life.at(step).is_some())
        .ok_or_else(|| ApiError::not_found("Slurm environment", id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateEnv {
    name: String,
    max_nodes: i64,
    gpu_per_node: i64,
}

async fn list_envs(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let step = app.step();
    let items = newest(&app.store().jobs.slurm, |e| e.seq, |e| env_json(e, step));
    list_response("slurmEnvironments", "slurmEnvironments", items, &q)
}

async fn create_env(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateEnv = parse_body(&body)?;
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    c.range("max_nodes", Some(req.max_nodes), 1, 32);
    c.range("gpu_per_node", Some(req.gpu_per_node), 1, 8);
    c.finish()?;
    let step = app.step();
    let mut store = app.store();
    let taken = store
        .jobs
        .slurm
        .iter()
        .any(|e| e.name == req.name && e.life.at(step).is_some_and(|(s, _)| s != "deleting"));
    if taken {
        return Err(ApiError::conflict(format!(
            "A Slurm environment named '{}' already exists",
            req.name
        )));
    }
    let held = app.shared.provisioning.holding();
    let outcome = app.shared.provisioning.next_outcome(super::API);
    let boots_into = outcome.as_ref().map_or("running", |o| o.status);
    let seq = store.next_seq();
    let id = store.random_id("slurm-", 8);
    let (ssh_host, ssh_port) = match app.shared.provisioning.ssh_endpoint() {
        Some(e) => (e.host, e.port),
        None => (
            SSH_HOST.to_string(),
            32000 + u16::try_from(seq % 2000).unwrap_or(0),
        ),
    };
    let env = SlurmEnvironment {
        seq,
        id: id.clone(),
        name: req.name,
        max_nodes: req.max_nodes,
        gpu_per_node: req.gpu_per_node,
        created_at: Utc::now(),
        life: if held {
            Life::fixed(HELD)
        } else {
            Life::new(BOOT, Some(boots_into))
        },
        held,
        boots_into,
        ssh_host,
        ssh_port,
        error_message: outcome.and_then(|o| o.message),
    };
    let body = env_json(&env, step).unwrap_or(Value::Null);
    store.jobs.slurm.push(env);
    Ok(created(format!("/api/v1/slurm-environments/{id}"), body))
}

async fn get_env(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let e = find_env(&mut store, &id, step)?;
    Ok(Json(env_json(e, step)).into_response())
}

async fn delete_env(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let e = find_env(&mut store, &id, step)?;
    if e.life.at(step).map(|s| s.0) != Some("deleting") {
        e.life = Life::new(TEARDOWN, None);
        e.held = false;
    }
    Ok(json_status(
        StatusCode::ACCEPTED,
        env_json(e, step).unwrap_or(Value::Null),
    ))
}

fn function_json(f: &Function) -> Value {
    json!({
        "id": f.id, "name": f.name, "image": f.image, "entrypoint": f.entrypoint,
        "gpuTier": f.gpu_tier, "timeoutSeconds": f.timeout_seconds, "envVars": f.env_vars,
        "status": "ready", "createdAt": rfc3339(f.created_at),
    })
}

fn function_at(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .jobs
        .functions
        .iter()
        .position(|f| f.id == id)
        .ok_or_else(|| ApiError::not_found("Function", id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateFunction {
    name: String,
    image: String,
    entrypoint: String,
    gpu_tier: String,
    timeout_seconds: Option<i64>,
    env_vars: Option<BTreeMap<String, String>>,
}

async fn list_functions(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let items = newest(
        &app.store().jobs.functions,
        |f| f.seq,
        |f| Some(function_json(f)),
    );
    list_response("functions", "functions", items, &q)
}

fn env_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

async fn create_function(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateFunction = parse_body(&body)?;
    let timeout_seconds = req.timeout_seconds.unwrap_or(300);
    let env_vars = req.env_vars.unwrap_or_default();
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    c.len("image", Some(&req.image), 1, 512);
    if req.image.chars().any(char::is_whitespace) {
        c.fail("image", "must be a container image reference");
    }
    c.len("entrypoint", Some(&req.entrypoint), 1, 1024);
    c.one_of("gpuTier", Some(&req.gpu_tier), TIERS);
    c.range("timeoutSeconds", Some(timeout_seconds), 1, 3600);
    if env_vars.len() > 64 || !env_vars.keys().all(|k| env_var_name(k)) {
        c.fail(
            "envVars",
            "must hold at most 64 variables named by letters, digits and '_'",
        );
    }
    c.finish()?;
    let mut store = app.store();
    if store.jobs.functions.iter().any(|f| f.name == req.name) {
        return Err(ApiError::conflict(format!(
            "A function named '{}' already exists",
            req.name
        )));
    }
    let f = Function {
        seq: store.next_seq(),
        id: store.random_id("fn-", 8),
        name: req.name,
        image: req.image,
        entrypoint: req.entrypoint,
        gpu_tier: req.gpu_tier,
        timeout_seconds,
        env_vars,
        created_at: Utc::now(),
    };
    let body = function_json(&f);
    let location = format!("/api/v1/functions/{}", f.id);
    store.jobs.functions.push(f);
    Ok(created(location, body))
}

async fn get_function(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let store = app.store();
    let at = function_at(&store, &id)?;
    Ok(Json(function_json(&store.jobs.functions[at])).into_response())
}

async fn delete_function(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    let at = function_at(&store, &id)?;
    store.jobs.functions.remove(at);
    Ok(StatusCode::NO_CONTENT.into_response())
}
