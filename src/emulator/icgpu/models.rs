//! Model deployments (identified by name) and the emulated OpenAI-compatible serving endpoint
//! each deployment's `endpoint` points at (`GET <endpoint>/models`).

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{newest, rfc3339, Life, ModelDeployment, Store};
use super::web::{created, json_status, list_response, parse_body, ApiError, ApiResult, Checks};
use super::{App, MOUNT};

const ENGINES: &[&str] = &["vllm", "ollama", "infinity", "fasterwhisper"];
const PROFILES: &[&str] = &[
    "nvidia-gpu-dedicated",
    "nvidia-gpu-mig",
    "nvidia-gpu-timesliced",
];
/// Gated repositories: deploying one without `huggingfaceToken` ends in `failed`.
const GATED: &[&str] = &["meta-llama/Llama-3.1-8B-Instruct"];

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/models", get(list).post(create))
        .route("/api/v1/models/{name}", get(get_one).delete(delete))
        .route("/api/v1/models/{name}/scaling", put(scaling))
        .route("/api/v1/models/{name}/stop", post(stop))
        .route("/api/v1/models/{name}/start", post(start))
        .route("/_serving/{name}/models", get(served_models))
}

pub fn live(store: &Store, step: Duration) -> Vec<(&'static str, String, String)> {
    store
        .models
        .iter()
        .filter_map(|m| {
            m.life
                .at(step)
                .map(|(s, _)| ("model_deployment", m.name.clone(), s.to_string()))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct Create {
    name: String,
    model: String,
    engine: Option<String>,
    min_replicas: Option<i64>,
    max_replicas: Option<i64>,
    resource_profile: String,
    huggingface_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct Scaling {
    min_replicas: i64,
    max_replicas: i64,
}

fn deploy_life(m: &str, has_token: bool) -> Life {
    if GATED.contains(&m) && !has_token {
        Life::new(&[("deploying", 1)], Some("failed"))
    } else {
        Life::new(&[("deploying", 1)], Some("serving"))
    }
}

fn to_json(m: &ModelDeployment, step: Duration) -> Option<Value> {
    let (status, since) = m.life.at(step)?;
    let ready = match status {
        "serving" => m.min_replicas,
        "scaling" => m.ready_before,
        _ => 0,
    };
    let error = (status == "failed").then(|| {
        m.error_message.clone().unwrap_or_else(|| {
            format!(
                "Model {} could not be loaded: the repository is gated and no valid huggingfaceToken was given",
                m.model
            )
        })
    });
    Some(json!({
        "name": m.name, "model": m.model, "engine": m.engine,
        "minReplicas": m.min_replicas, "maxReplicas": m.max_replicas,
        "resourceProfile": m.resource_profile, "status": status, "readyReplicas": ready,
        "endpoint": m.endpoint,
        "createdAt": rfc3339(m.created_at), "updatedAt": rfc3339(since.max(m.created_at)),
        "errorMessage": error,
    }))
}

fn find<'a>(
    store: &'a mut Store,
    name: &str,
    step: Duration,
) -> Result<&'a mut ModelDeployment, ApiError> {
    store
        .models
        .iter_mut()
        .find(|m| m.name == name && m.life.at(step).is_some())
        .ok_or_else(|| ApiError::not_found("Model deployment", name))
}

fn bounds(c: &mut Checks, min: Option<i64>, max: Option<i64>) {
    c.min("minReplicas", min, 0);
    c.min("maxReplicas", max, 1);
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            c.fail("minReplicas", "must be less than or equal to maxReplicas");
        }
    }
}

async fn list(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let step = app.step();
    let items = newest(&app.store().models, |m| m.seq, |m| to_json(m, step));
    list_response("models", "models", items, &q)
}

async fn create(State(app): State<App>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: Create = parse_body(&body)?;
    let min = req.min_replicas.unwrap_or(0);
    let max = req.max_replicas.unwrap_or(1);
    let engine = req.engine.unwrap_or_else(|| "vllm".into());
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    c.len("model", Some(&req.model), 1, 256);
    c.one_of("engine", Some(&engine), ENGINES);
    c.one_of("resourceProfile", Some(&req.resource_profile), PROFILES);
    bounds(&mut c, Some(min), Some(max));
    c.finish()?;
    // The endpoint is this emulator, as the caller reached it.
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let step = app.step();
    let mut store = app.store();
    if store
        .models
        .iter()
        .any(|m| m.name == req.name && m.life.at(step).is_some())
    {
        return Err(ApiError::conflict(format!(
            "A model deployment named '{}' already exists",
            req.name
        )));
    }
    let seq = store.next_seq();
    let m = ModelDeployment {
        seq,
        endpoint: format!("http://{host}{MOUNT}/_serving/{}", req.name),
        life: deploy_life(&req.model, req.huggingface_token.is_some()),
        name: req.name,
        model: req.model,
        engine,
        min_replicas: min,
        max_replicas: max,
        resource_profile: req.resource_profile,
        created_at: Utc::now(),
        ready_before: 0,
        error_message: None,
    };
    let body = to_json(&m, step).unwrap_or(Value::Null);
    let location = format!("/api/v1/models/{}", m.name);
    store.models.push(m);
    Ok(created(location, body))
}

async fn get_one(State(app): State<App>, Path(name): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let m = find(&mut store, &name, step)?;
    Ok(Json(to_json(m, step)).into_response())
}

async fn delete(State(app): State<App>, Path(name): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let m = find(&mut store, &name, step)?;
    if m.life.at(step).map(|s| s.0) != Some("terminating") {
        m.life = Life::new(&[("terminating", 1)], None);
    }
    Ok(json_status(
        StatusCode::ACCEPTED,
        to_json(m, step).unwrap_or(Value::Null),
    ))
}

async fn scaling(State(app): State<App>, Path(name): Path<String>, body: Bytes) -> ApiResult {
    let step = app.step();
    {
        // 404 before 400: an unknown deployment is the first problem to report.
        let mut store = app.store();
        find(&mut store, &name, step)?;
    }
    let req: Scaling = parse_body(&body)?;
    let mut c = Checks::default();
    bounds(&mut c, Some(req.min_replicas), Some(req.max_replicas));
    c.finish()?;
    let mut store = app.store();
    let m = find(&mut store, &name, step)?;
    let status = m.life.at(step).map_or("terminated", |s| s.0);
    if status == "terminating" {
        return Err(ApiError::conflict(format!(
            "Cannot scale model deployment {name} in status 'terminating'"
        )));
    }
    if matches!(status, "serving" | "scaling") {
        m.ready_before = if status == "serving" {
            m.min_replicas
        } else {
            m.ready_before
        };
        m.life = Life::new(&[("scaling", 1)], Some("serving"));
    }
    m.min_replicas = req.min_replicas;
    m.max_replicas = req.max_replicas;
    Ok(json_status(
        StatusCode::ACCEPTED,
        to_json(m, step).unwrap_or(Value::Null),
    ))
}

fn action(app: &App, name: &str, verb: &str, from: &[&str], life: Life) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let m = find(&mut store, name, step)?;
    let status = m.life.at(step).map_or("terminated", |s| s.0);
    if !from.contains(&status) {
        return Err(ApiError::conflict(format!(
            "Cannot {verb} model deployment {name} in status '{status}'"
        )));
    }
    m.life = life;
    Ok(json_status(
        StatusCode::ACCEPTED,
        to_json(m, step).unwrap_or(Value::Null),
    ))
}

async fn stop(State(app): State<App>, Path(name): Path<String>) -> ApiResult {
    action(
        &app,
        &name,
        "stop",
        &["deploying", "serving", "scaling"],
        Life::fixed("stopped"),
    )
}

async fn start(State(app): State<App>, Path(name): Path<String>) -> ApiResult {
    // A restarted gated model is assumed to have its token by now (it cannot be changed).
    action(
        &app,
        &name,
        "start",
        &["stopped", "failed"],
        Life::new(&[("deploying", 1)], Some("serving")),
    )
}

/// `GET <endpoint>/models`: 200 while the deployment serves, 502 while it cannot.
async fn served_models(State(app): State<App>, Path(name): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let m = find(&mut store, &name, step)?;
    let status = m.life.at(step).map_or("terminated", |s| s.0);
    if !matches!(status, "serving" | "scaling") {
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("Model {name} is not serving (status '{status}'), retry later"),
        ));
    }
    Ok(Json(json!({
        "object": "list",
        "data": [{"id": m.name, "object": "model", "created": m.created_at.timestamp(), "owned_by": "icgpu"}],
    }))
    .into_response())
}
