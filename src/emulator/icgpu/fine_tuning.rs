//! Fine-tuning jobs of the LLM API (`/v1/fine-tuning/jobs`): OpenAI-compatible, so its error
//! body is OpenAI's `{"error": {"message", "type", "code", "param"}}`, and it takes only
//! `sk-ic-` API keys (an OIDC token is for `/api/v1`: 401).
//!
//! A job goes `validating_files` → `queued` → `running` → `succeeded`, or into the status of
//! a queued outcome (its message becomes the job's `error.message`). A job created while the
//! provisioning controls hold trains (`running`) until released, so a test can cancel it
//! mid-training. DELETE cancels a job that has not finished; on a finished one it changes
//! nothing. A job counts as live while it has not finished.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{Life, Store};
use super::web::{created, parse_body, ApiError, Checks};
use super::{Access, App};

/// `(method, route, operationId, access, takes Idempotency-Key)`, as in `super::OPS`.
pub(super) const OPS: &[(&str, &str, &str, Access, bool)] = &[
    (
        "POST",
        "/v1/fine-tuning/jobs",
        "createFineTuningJob",
        Access::LlmKey,
        true,
    ),
    (
        "GET",
        "/v1/fine-tuning/jobs/{id}",
        "getFineTuningJob",
        Access::LlmKey,
        false,
    ),
    (
        "DELETE",
        "/v1/fine-tuning/jobs/{id}",
        "cancelFineTuningJob",
        Access::LlmKey,
        false,
    ),
    (
        "GET",
        "/v1/fine-tuning/jobs/{id}/events",
        "listFineTuningJobEvents",
        Access::LlmKey,
        false,
    ),
];

pub const METHODS: &[&str] = &["lora", "qlora"];
const TRAINING: &[(&str, u64)] = &[("validating_files", 1), ("queued", 1), ("running", 2)];
const HELD: &[(&str, u64)] = &[("validating_files", 1), ("queued", 1)];
const UNFINISHED: &[&str] = &["validating_files", "queued", "running"];

/// Whether `route` belongs to the LLM API (OpenAI error bodies, API keys only).
pub fn is_llm(route: &str) -> bool {
    route.starts_with("/v1/")
}

/// An error of the LLM API, in OpenAI's shape.
pub struct LlmError(pub ApiError);

impl From<ApiError> for LlmError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl IntoResponse for LlmError {
    fn into_response(self) -> Response {
        let e = self.0;
        let (kind, code) = match e.status.as_u16() {
            400 => ("invalid_request_error", "invalid_value"),
            401 => ("authentication_error", "invalid_api_key"),
            403 => ("permission_error", "permission_denied"),
            404 => ("invalid_request_error", "not_found"),
            409 => ("invalid_request_error", "conflict"),
            429 => ("rate_limit_error", "rate_limit_exceeded"),
            _ => ("server_error", "server_error"),
        };
        let param = e.details.first().map(|(f, _)| f.clone());
        let body =
            json!({"error": {"message": e.message, "type": kind, "code": code, "param": param}});
        let mut resp = (e.status, Json(body)).into_response();
        if let Some(secs) = e.retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

type LlmResult = Result<Response, LlmError>;

pub struct Job {
    pub id: String,
    pub model: String,
    pub training_file: String,
    pub method: String,
    pub suffix: Option<String>,
    pub hyperparameters: Hyperparameters,
    pub created_at: DateTime<Utc>,
    pub life: Life,
    /// Training held by the provisioning controls until released.
    pub held: bool,
    /// Where training ends: `succeeded`, or a queued outcome's status.
    pub ends_in: &'static str,
    pub error_message: Option<String>,
}

#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    lora_rank: Option<i64>,
    learning_rate: Option<String>,
    n_epochs: Option<i64>,
    batch_size: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateJob {
    model: String,
    training_file: String,
    method: Option<String>,
    suffix: Option<String>,
    hyperparameters: Option<Hyperparameters>,
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/v1/fine-tuning/jobs", axum::routing::post(create_job))
        .route("/v1/fine-tuning/jobs/{id}", get(get_job).delete(cancel_job))
        .route("/v1/fine-tuning/jobs/{id}/events", get(list_events))
}

pub fn live(store: &Store, step: Duration) -> Vec<(&'static str, String, String)> {
    store
        .fine_tuning
        .iter()
        .filter_map(|j| {
            let (status, _) = j.life.at(step)?;
            UNFINISHED
                .contains(&status)
                .then(|| ("fine_tuning_job", j.id.clone(), status.to_string()))
        })
        .collect()
}

/// Ends a hold: every held job trains from now. Returns how many.
pub fn release_held(store: &mut Store) -> usize {
    let mut n = 0;
    for j in store.fine_tuning.iter_mut().filter(|j| j.held) {
        j.held = false;
        j.life = Life::new(&[("running", 2)], Some(j.ends_in));
        n += 1;
    }
    n
}

/// `meta-llama/Llama-3.1-8B-Instruct` → `llama-3.1-8b`, as in the page's `ft:` model name.
fn base_name(model: &str) -> String {
    let last = model.rsplit('/').next().unwrap_or(model).to_lowercase();
    last.strip_suffix("-instruct").unwrap_or(&last).to_string()
}

fn unix(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn job_json(j: &Job, step: Duration) -> Value {
    let (status, since) = j.life.at(step).unwrap_or(("cancelled", j.created_at));
    let finished = !UNFINISHED.contains(&status);
    let succeeded = status == "succeeded";
    let h = &j.hyperparameters;
    let epochs = h.n_epochs.unwrap_or(3);
    json!({
        "id": j.id, "object": "fine_tuning.job", "model": j.model,
        "training_file": j.training_file, "method": j.method, "suffix": j.suffix,
        "hyperparameters": {
            "lora_rank": h.lora_rank.unwrap_or(16),
            "learning_rate": h.learning_rate.clone().unwrap_or_else(|| "2e-4".into()),
            "n_epochs": epochs, "batch_size": h.batch_size.unwrap_or(4),
        },
        "status": status,
        "fine_tuned_model": succeeded.then(|| format!(
            "ft:{}:{}:{}", base_name(&j.model), j.suffix.as_deref().unwrap_or(&j.method), j.id
        )),
        "trained_tokens": succeeded.then_some(epochs * 40_960),
        "error": (finished && !succeeded && status != "cancelled").then(|| json!({
            "code": "training_failed",
            "message": j.error_message.clone().unwrap_or_else(|| format!("The job ended in status '{status}'")),
        })),
        "created_at": unix(j.created_at),
        "finished_at": finished.then(|| unix(since.max(j.created_at))),
    })
}

fn check(req: &CreateJob) -> Result<(), ApiError> {
    let mut c = Checks::default();
    c.len("model", Some(&req.model), 1, 256);
    if !req.training_file.starts_with("file-") || req.training_file.len() < 6 {
        c.fail("training_file", "must be a file ID such as file-abc123");
    }
    c.one_of("method", req.method.as_deref(), METHODS);
    if let Some(s) = req.suffix.as_deref() {
        c.len("suffix", Some(s), 1, 40);
        let lower = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit();
        if !s.starts_with(lower) || !s.chars().all(|ch| lower(ch) || ch == '-') {
            c.fail("suffix", "must be lower-case letters, digits and '-'");
        }
    }
    if let Some(h) = &req.hyperparameters {
        c.range("hyperparameters.lora_rank", h.lora_rank, 1, 256);
        c.range("hyperparameters.n_epochs", h.n_epochs, 1, 50);
        c.range("hyperparameters.batch_size", h.batch_size, 1, 256);
        let rate = h.learning_rate.as_deref().map(str::parse::<f64>);
        if rate.is_some_and(|r| !r.is_ok_and(|r| r > 0.0 && r <= 1.0)) {
            c.fail(
                "hyperparameters.learning_rate",
                "must be a number greater than 0 and at most 1, such as \"2e-4\"",
            );
        }
    }
    c.finish()
}

async fn create_job(State(app): State<App>, body: Bytes) -> LlmResult {
    let req: CreateJob = parse_body(&body)?;
    check(&req)?;
    let held = app.shared.provisioning.holding();
    let outcome = app.shared.provisioning.next_outcome(super::API);
    let ends_in = outcome.as_ref().map_or("succeeded", |o| o.status);
    let mut store = app.store();
    let id = store.random_id("ftjob-", 10);
    let job = Job {
        id: id.clone(),
        model: req.model,
        training_file: req.training_file,
        method: req.method.unwrap_or_else(|| "lora".into()),
        suffix: req.suffix,
        hyperparameters: req.hyperparameters.unwrap_or_default(),
        created_at: Utc::now(),
        life: if held {
            Life::new(HELD, Some("running"))
        } else {
            Life::new(TRAINING, Some(ends_in))
        },
        held,
        ends_in,
        error_message: outcome.and_then(|o| o.message),
    };
    let body = job_json(&job, app.step());
    store.fine_tuning.push(job);
    Ok(created(format!("/v1/fine-tuning/jobs/{id}"), body))
}

fn find<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Job, LlmError> {
    store
        .fine_tuning
        .iter_mut()
        .find(|j| j.id == id)
        .ok_or_else(|| ApiError::not_found("fine-tuning job", id).into())
}

async fn get_job(State(app): State<App>, Path(id): Path<String>) -> LlmResult {
    let step = app.step();
    let mut store = app.store();
    Ok(Json(job_json(find(&mut store, &id)?, step)).into_response())
}

async fn cancel_job(State(app): State<App>, Path(id): Path<String>) -> LlmResult {
    let step = app.step();
    let mut store = app.store();
    let j = find(&mut store, &id)?;
    if j.life
        .at(step)
        .is_some_and(|(s, _)| UNFINISHED.contains(&s))
    {
        j.life = Life::fixed("cancelled");
        j.held = false;
    }
    Ok(Json(job_json(j, step)).into_response())
}

/// The job's progress so far, oldest first: one event per status reached, and the loss of
/// each epoch once it has succeeded.
async fn list_events(State(app): State<App>, Path(id): Path<String>) -> LlmResult {
    let step = app.step();
    let mut store = app.store();
    let j = find(&mut store, &id)?;
    let job = job_json(j, step);
    let status = job["status"].as_str().unwrap_or_default();
    let reached = UNFINISHED
        .iter()
        .take_while(|s| **s != status)
        .chain(std::iter::once(&status));
    let at = unix(j.created_at);
    let mut events: Vec<Value> = reached
        .enumerate()
        .map(|(n, s)| {
            json!({"object": "fine_tuning.job.event", "id": format!("ftevent-{}-{n}", j.id),
                "created_at": at, "level": if job["error"].is_null() { "info" } else { "error" },
                "message": format!("Job status: {s}"), "type": "message", "data": null})
        })
        .collect();
    if status == "succeeded" {
        let epochs = job["hyperparameters"]["n_epochs"].as_i64().unwrap_or(1);
        events.extend((1..=epochs).map(|e| {
            json!({"object": "fine_tuning.job.event", "id": format!("ftevent-{}-epoch{e}", j.id),
                "created_at": at, "level": "info", "message": format!("Epoch {e} done"),
                "type": "metrics", "data": {"epoch": e, "train_loss": 1.0 / (e as f64 + 1.0)}})
        }));
    }
    Ok(Json(json!({"object": "list", "data": events, "has_more": false})).into_response())
}
