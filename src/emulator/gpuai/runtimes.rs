//! AI runtimes and runtime templates (the `/gpu` gateway prefix).
//!
//! Lifecycle (lazy, in steps of `config.step`): `Pending` for one step, `Provisioning` for one
//! step, then `Running` (or `Failed` when an admin hook said so, or the status of an outcome
//! queued with the shared provisioning controls, with its message). `DELETE` answers 202 with
//! the runtime `Deleting`; one step later it is gone (404). An admin `stop` gives `Stopping`
//! for one step, then `Stopped`. A runtime created during a hold stays `Pending` until
//! released. Failed, Stopped and removed runtimes hold no GPUs.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use rand::Rng;
use regex::Regex;
use serde_json::{json, Map, Value};

use super::inventory::max_gpus;
use super::seed::ORGS;
use super::{conflict, error, invalid, not_found, paginate, rfc3339, uuid_from, Ctx, Store};
use crate::emulator::core::{EmulatorConfig, Outcome};

const PENDING_STEPS: u64 = 1;
const PROVISIONING_STEPS: u64 = 1;
const DELETING_STEPS: u64 = 1;
const STOPPING_STEPS: u64 = 1;
const DEFAULT_FAILURE: &str = "image pull failed: manifest unknown";

pub(crate) struct Runtime {
    pub id: String,
    org: String,
    project: String,
    name: String,
    region: String,
    config_id: String,
    gpu_count: u32,
    vram_gib: u32,
    memory_gib: u32,
    template_id: Option<String>,
    plan_id: String,
    template_spec: Value,
    storage: Value,
    ssh_keys: Vec<String>,
    /// `ssh.<region>.ai.neevcloud.com`, or the address a test set with
    /// `POST /_admin/ssh_endpoint`.
    ssh_host: String,
    ssh_port: u16,
    created_at: DateTime<Utc>,
    /// When the lifecycle began: the create, or the release of a hold.
    created: Instant,
    /// Held `Pending` by the provisioning controls.
    held: bool,
    /// Where provisioning ends instead of `Running` (`fail-next` queues `Failed`).
    outcome: Option<Outcome>,
    /// Failed by the admin hook, from this instant.
    failed: Option<(Instant, String)>,
    stopped: Option<Instant>,
    /// When the delete was accepted, and whether the runtime had already released its GPUs.
    deleting: Option<(Instant, bool)>,
}

impl Runtime {
    fn ready_at(&self, cfg: &EmulatorConfig) -> Instant {
        self.created + cfg.step * u32::try_from(PENDING_STEPS + PROVISIONING_STEPS).unwrap_or(2)
    }

    /// The status now, or `None` once the runtime has been removed.
    pub fn status(&self, cfg: &EmulatorConfig) -> Option<&'static str> {
        if let Some((t, _)) = self.deleting {
            return (cfg.steps_since(t) < DELETING_STEPS).then_some("Deleting");
        }
        let now = Instant::now();
        if self.failed.as_ref().is_some_and(|(at, _)| *at <= now) {
            return Some("Failed");
        }
        if let Some(t) = self.stopped {
            return Some(if cfg.steps_since(t) < STOPPING_STEPS {
                "Stopping"
            } else {
                "Stopped"
            });
        }
        let s = cfg.steps_since(self.created);
        Some(if self.held || s < PENDING_STEPS {
            "Pending"
        } else if s < PENDING_STEPS + PROVISIONING_STEPS {
            "Provisioning"
        } else {
            self.outcome.as_ref().map_or("Running", |o| o.status)
        })
    }

    /// The hold flag and lifecycle start, for [`crate::emulator::core::release`].
    pub(crate) fn hold_mut(&mut self) -> (&mut bool, &mut Instant) {
        (&mut self.held, &mut self.created)
    }

    fn holds_gpus(&self, cfg: &EmulatorConfig) -> bool {
        match self.status(cfg) {
            Some("Deleting") => self.deleting.is_some_and(|(_, released)| !released),
            Some("Failed" | "Stopped") | None => false,
            Some(_) => true,
        }
    }

    /// When the current status began (`updatedAt`).
    fn updated_at(&self, cfg: &EmulatorConfig, status: &str) -> DateTime<Utc> {
        let at = match status {
            "Deleting" => self.deleting.map(|(t, _)| t),
            "Failed" if self.failed.is_some() => self.failed.as_ref().map(|(t, _)| *t),
            "Stopping" => self.stopped,
            "Stopped" => self
                .stopped
                .map(|t| t + cfg.step * u32::try_from(STOPPING_STEPS).unwrap_or(1)),
            "Provisioning" => {
                Some(self.created + cfg.step * u32::try_from(PENDING_STEPS).unwrap_or(1))
            }
            "Running" => Some(self.ready_at(cfg)),
            s if self.outcome.as_ref().is_some_and(|o| o.status == s) => Some(self.ready_at(cfg)),
            _ => None,
        };
        at.map_or(self.created_at, |t| {
            self.created_at + t.saturating_duration_since(self.created)
        })
    }

    fn list_json(&self, cfg: &EmulatorConfig, status: &str) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "project": self.project,
            "status": status,
            "gpuConfigId": self.config_id,
            "gpuCount": self.gpu_count,
            "templateId": self.template_id,
            "planId": self.plan_id,
            "createdAt": rfc3339(self.created_at),
            "updatedAt": rfc3339(self.updated_at(cfg, status)),
        })
    }

    fn endpoints(&self, status: &str) -> Value {
        if status != "Running" {
            return json!({ "jupyterUrl": null, "ssh": null, "http": [] });
        }
        let short = self.id.get(..8).unwrap_or(&self.id);
        let url = |port: u64| format!("https://{short}-{port}.{}.ai.neevcloud.com/", self.region);
        let ports = self.template_spec["ports"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let jupyter = ports
            .iter()
            .find(|p| p["name"] == "jupyter")
            .and_then(|p| p["port"].as_u64())
            .map(url);
        let http: Vec<Value> = ports
            .iter()
            .filter(|p| p["protocol"] == "http")
            .filter_map(|p| {
                let port = p["port"].as_u64()?;
                let name = p["name"]
                    .as_str()
                    .map_or_else(|| format!("port-{port}"), str::to_owned);
                Some(json!({ "name": name, "port": port, "url": url(port) }))
            })
            .collect();
        json!({
            "jupyterUrl": jupyter,
            "ssh": { "host": self.ssh_host, "port": self.ssh_port, "user": "root" },
            "http": http,
        })
    }

    fn full_json(&self, cfg: &EmulatorConfig, status: &str) -> Value {
        let mut v = self.list_json(cfg, status);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("templateSpec".into(), self.template_spec.clone());
            obj.insert("storage".into(), self.storage.clone());
            obj.insert("sshKeys".into(), json!(self.ssh_keys));
            obj.insert("endpoints".into(), self.endpoints(status));
            let message = match status {
                "Failed" if self.failed.is_some() => self.failed.as_ref().map(|(_, m)| m.clone()),
                s => self
                    .outcome
                    .as_ref()
                    .filter(|o| o.status == s)
                    .and_then(|o| o.message.clone()),
            };
            obj.insert("message".into(), json!(message));
        }
        v
    }
}

/// GPUs of a config in a region held by this emulator's runtimes.
pub(crate) fn held_gpus(st: &Store, cfg: &EmulatorConfig, config_id: &str, region: &str) -> u32 {
    st.runtimes
        .iter()
        .filter(|r| r.config_id == config_id && r.region == region && r.holds_gpus(cfg))
        .map(|r| r.gpu_count)
        .sum()
}

fn project_exists(org: &str, project: &str) -> bool {
    ORGS.iter()
        .any(|(o, ps)| *o == org && ps.contains(&project))
}

fn project_not_found(org: &str, project: &str) -> Response {
    not_found(format!("project {project} not found in organization {org}"))
}

fn check_runtime_id(id: &str) -> Result<(), Response> {
    uuid::Uuid::parse_str(id)
        .map(|_| ())
        .map_err(|_| invalid("airuntime_id", "must be a UUID"))
}

pub(crate) async fn list(
    State(ctx): State<Ctx>,
    Path((org, project)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ctx.record("listAIRuntimes");
    if !project_exists(&org, &project) {
        return project_not_found(&org, &project);
    }
    let st = ctx.ai.state();
    // Newest first; later creation wins a tie.
    let items: Vec<Value> = st
        .runtimes
        .iter()
        .rev()
        .filter(|r| r.org == org && r.project == project)
        .filter_map(|r| r.status(ctx.cfg()).map(|s| r.list_json(ctx.cfg(), s)))
        .collect();
    match paginate(&q, items) {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

/// Normalises a request `templateSpec` into the response shape (`ports`, `env`, `command`
/// always present; port `protocol` defaulted to http).
fn normalise_spec(spec: &Value) -> Result<Value, Response> {
    let Some(obj) = spec.as_object() else {
        return Err(invalid("templateSpec", "must be an object"));
    };
    let Some(image) = obj
        .get("image")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
    else {
        return Err(invalid("templateSpec.image", "is required"));
    };
    let mut ports = Vec::new();
    for p in obj
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(port) = p
            .get("port")
            .and_then(Value::as_u64)
            .filter(|n| (1..=65535).contains(n))
        else {
            return Err(invalid(
                "templateSpec.ports",
                "each port needs a port number from 1 to 65535",
            ));
        };
        let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("http");
        if !["http", "tcp"].contains(&protocol) {
            return Err(invalid(
                "templateSpec.ports",
                "protocol must be http or tcp",
            ));
        }
        let mut out = Map::new();
        if let Some(name) = p.get("name").and_then(Value::as_str) {
            out.insert("name".into(), json!(name));
        }
        out.insert("port".into(), json!(port));
        out.insert("protocol".into(), json!(protocol));
        ports.push(Value::Object(out));
    }
    let env = match obj.get("env") {
        None | Some(Value::Null) => json!({}),
        Some(Value::Object(m)) if m.values().all(Value::is_string) => Value::Object(m.clone()),
        Some(_) => return Err(invalid("templateSpec.env", "must map names to strings")),
    };
    let command = match obj.get("command") {
        None | Some(Value::Null) => json!([]),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => Value::Array(a.clone()),
        Some(_) => {
            return Err(invalid(
                "templateSpec.command",
                "must be an array of strings",
            ))
        }
    };
    Ok(json!({ "image": image, "ports": ports, "env": env, "command": command }))
}

/// Static patterns: compiling them cannot fail at run time (the tests exercise each one).
static SSH_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) \S+( .*)?$")
        .expect("static regex")
});
static RUNTIME_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$").expect("static regex"));
static TEMPLATE_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^tpl-[a-zA-Z0-9-]+$").expect("static regex"));

struct NewRuntime {
    name: String,
    region: String,
    config_id: String,
    gpu_count: u32,
    template_id: Option<String>,
    plan_id: String,
    template_spec: Value,
    storage: Value,
    ssh_keys: Vec<String>,
}

fn validate_create(st: &Store, body: &Map<String, Value>) -> Result<NewRuntime, Response> {
    let str_field = |name: &str| -> Result<Option<String>, Response> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(name, "must be a string")),
        }
    };
    let Some(name) = str_field("name")? else {
        return Err(invalid("name", "is required"));
    };
    let name_ok = RUNTIME_NAME.is_match(&name);
    if !name_ok || name.len() > 63 {
        return Err(invalid(
            "name",
            "must be 1-63 lowercase letters, digits or hyphens, starting and ending alphanumeric",
        ));
    }
    let Some(region) = str_field("region")? else {
        return Err(invalid("region", "is required"));
    };
    if !st.has_region(&region) {
        return Err(invalid("region", format!("unknown region {region}")));
    }
    let Some(plan_id) = str_field("planId")? else {
        return Err(invalid("planId", "is required"));
    };
    let template_id = str_field("templateID")?;
    let spec = body.get("templateSpec").filter(|v| !v.is_null());
    let (template_id, template_spec) = match (template_id, spec) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "templateID",
                "give either templateID or templateSpec, not both",
            ))
        }
        (None, None) => {
            return Err(invalid(
                "templateID",
                "templateID or templateSpec is required",
            ))
        }
        (Some(id), None) => match st.templates.iter().find(|t| t["id"] == id.as_str()) {
            Some(t) => (Some(id), t["templateSpec"].clone()),
            None => return Err(invalid("templateID", format!("unknown template {id}"))),
        },
        (None, Some(spec)) => (None, normalise_spec(spec)?),
    };
    if !st
        .configs
        .iter()
        .any(|c| c.plans.iter().any(|p| p.plan_id == plan_id))
    {
        return Err(invalid("planId", format!("unknown plan {plan_id}")));
    }
    let config = match str_field("gpuConfigID")? {
        Some(id) => {
            let Some(c) = st.config(&id) else {
                return Err(invalid("gpuConfigID", format!("unknown gpu config {id}")));
            };
            if !st.offers.contains_key(&(id.clone(), region.clone())) {
                return Err(invalid(
                    "gpuConfigID",
                    format!("{id} is not offered in {region}"),
                ));
            }
            if !c.plans.iter().any(|p| p.plan_id == plan_id) {
                return Err(invalid(
                    "planId",
                    format!("plan {plan_id} is not offered for config {id}"),
                ));
            }
            c
        }
        None => {
            // The first config (by config_id) offered in the region whose plans include planId.
            let found = st.configs.iter().find(|c| {
                st.offers
                    .contains_key(&(c.config_id.clone(), region.clone()))
                    && c.plans.iter().any(|p| p.plan_id == plan_id)
            });
            match found {
                Some(c) => c,
                None => {
                    return Err(invalid(
                        "planId",
                        format!("plan {plan_id} is not offered in {region}"),
                    ))
                }
            }
        }
    };
    let gpu_count = match body.get("gpuCount") {
        None | Some(Value::Null) => 1,
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => n,
            None => return Err(invalid("gpuCount", "must be a positive integer")),
        },
    };
    if gpu_count < config.min_gpu_count {
        return Err(invalid(
            "gpuCount",
            format!("must be at least {}", config.min_gpu_count),
        ));
    }
    let mut ssh_keys = Vec::new();
    match body.get("sshKeys") {
        None | Some(Value::Null) => {}
        Some(Value::Array(keys)) => {
            for k in keys {
                match k.as_str() {
                    Some(s) if SSH_KEY.is_match(s.trim()) => ssh_keys.push(s.trim().to_owned()),
                    _ => {
                        return Err(invalid(
                            "sshKeys",
                            "each entry must be an OpenSSH public key",
                        ))
                    }
                }
            }
        }
        Some(_) => return Err(invalid("sshKeys", "must be an array of strings")),
    }
    let storage = match body.get("storage") {
        None | Some(Value::Null) => json!({ "sizeGb": 100, "mountPath": "/workspace" }),
        Some(Value::Object(s)) => {
            let size = match s.get("sizeGb") {
                None | Some(Value::Null) => 100,
                Some(v) => match v.as_u64().filter(|n| *n >= 1) {
                    Some(n) => n,
                    None => return Err(invalid("storage.sizeGb", "must be an integer >= 1")),
                },
            };
            let mount = match s.get("mountPath") {
                None | Some(Value::Null) => "/workspace".to_owned(),
                Some(Value::String(p)) if p.starts_with('/') => p.clone(),
                Some(_) => return Err(invalid("storage.mountPath", "must be an absolute path")),
            };
            json!({ "sizeGb": size, "mountPath": mount })
        }
        Some(_) => return Err(invalid("storage", "must be an object")),
    };
    Ok(NewRuntime {
        name,
        region,
        config_id: config.config_id.clone(),
        gpu_count,
        template_id,
        plan_id,
        template_spec,
        storage,
        ssh_keys,
    })
}

pub(crate) async fn create(
    State(ctx): State<Ctx>,
    Path((org, project)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    ctx.record("createAIRuntime");
    if !project_exists(&org, &project) {
        return project_not_found(&org, &project);
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return invalid("body", "must be a JSON object");
    };
    let mut st = ctx.ai.state();
    let n = match validate_create(&st, &body) {
        Ok(n) => n,
        Err(r) => return r,
    };
    if st
        .runtimes
        .iter()
        .any(|r| r.org == org && r.project == project && r.name == n.name)
    {
        return conflict(
            "conflict",
            format!("name {} is already used in project {project}", n.name),
        );
    }
    let Some(config) = st.config(&n.config_id).cloned() else {
        return invalid("gpuConfigID", format!("unknown gpu config {}", n.config_id));
    };
    let max = max_gpus(&st, ctx.cfg(), &config, &n.region);
    if n.gpu_count > max {
        return conflict(
            "insufficient_capacity",
            format!(
                "only {max} GPUs of {} available in {}",
                n.config_id, n.region
            ),
        );
    }
    let id = uuid_from(&mut st.rng);
    let (ssh_host, ssh_port) = match ctx.shared.provisioning.ssh_endpoint() {
        Some(e) => (e.host, e.port),
        None => (
            format!("ssh.{}.ai.neevcloud.com", n.region),
            st.rng.random_range(30000u16..32768),
        ),
    };
    let now = Instant::now();
    let mut rt = Runtime {
        id,
        org,
        project,
        name: n.name,
        region: n.region,
        config_id: n.config_id,
        gpu_count: n.gpu_count,
        vram_gib: config.vram_gib,
        memory_gib: config.memory_gib,
        template_id: n.template_id,
        plan_id: n.plan_id,
        template_spec: n.template_spec,
        storage: n.storage,
        ssh_keys: n.ssh_keys,
        ssh_host,
        ssh_port,
        created_at: Utc::now(),
        created: now,
        held: ctx.shared.provisioning.holding(),
        outcome: None,
        failed: None,
        stopped: None,
        deleting: None,
    };
    rt.outcome = match st.fail_next.pop_front() {
        Some(message) => Some(Outcome::new("Failed", Some(message))),
        None => ctx.shared.provisioning.next_outcome(super::API),
    };
    let status = rt.status(ctx.cfg()).unwrap_or("Pending");
    let body = rt.full_json(ctx.cfg(), status);
    ctx.shared
        .ledger
        .record_created(super::API, "airuntime", &rt.id);
    st.runtimes.push(rt);
    (StatusCode::CREATED, Json(body)).into_response()
}

/// Finds a live runtime of a project, answering the contract's 400/404 otherwise.
fn find<'a>(
    st: &'a mut Store,
    cfg: &EmulatorConfig,
    org: &str,
    project: &str,
    id: &str,
) -> Result<(&'a mut Runtime, &'static str), Response> {
    if !project_exists(org, project) {
        return Err(project_not_found(org, project));
    }
    check_runtime_id(id)?;
    st.runtimes
        .iter_mut()
        .find(|r| r.id == id && r.org == org && r.project == project)
        .and_then(|r| r.status(cfg).map(|s| (r, s)))
        .ok_or_else(|| not_found(format!("airuntime {id} not found")))
}

pub(crate) async fn get_one(
    State(ctx): State<Ctx>,
    Path((org, project, id)): Path<(String, String, String)>,
) -> Response {
    ctx.record("getAIRuntime");
    let mut st = ctx.ai.state();
    match find(&mut st, ctx.cfg(), &org, &project, &id) {
        Ok((r, s)) => Json(r.full_json(ctx.cfg(), s)).into_response(),
        Err(resp) => resp,
    }
}

pub(crate) async fn delete(
    State(ctx): State<Ctx>,
    Path((org, project, id)): Path<(String, String, String)>,
) -> Response {
    ctx.record("deleteAIRuntime");
    let mut st = ctx.ai.state();
    match find(&mut st, ctx.cfg(), &org, &project, &id) {
        Ok((r, s)) => {
            if r.deleting.is_none() {
                r.deleting = Some((Instant::now(), matches!(s, "Failed" | "Stopped")));
            }
            (
                StatusCode::ACCEPTED,
                Json(r.full_json(ctx.cfg(), "Deleting")),
            )
                .into_response()
        }
        Err(resp) => resp,
    }
}

pub(crate) async fn metrics(
    State(ctx): State<Ctx>,
    Path((org, project, id)): Path<(String, String, String)>,
) -> Response {
    ctx.record("getAIRuntimeMetrics");
    let mut st = ctx.ai.state();
    let (r, status) = match find(&mut st, ctx.cfg(), &org, &project, &id) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    if status != "Running" {
        return conflict(
            "conflict",
            format!("airuntime {id} is {status}, not Running"),
        );
    }
    // Synthetic but consistent: derived from the id and the clock, within every bound.
    let seed =
        r.id.bytes()
            .fold(17u64, |a, b| a.wrapping_mul(31) ^ u64::from(b));
    let tick = u64::try_from(Utc::now().timestamp()).unwrap_or(0) / 5;
    let pct = |salt: u64| {
        let x = seed
            .wrapping_add(tick.wrapping_mul(2654435761))
            .wrapping_add(salt.wrapping_mul(97));
        ((x % 900) as f64 / 10.0 + 5.0).min(100.0)
    };
    let vram = f64::from(r.vram_gib);
    let gpus: Vec<Value> = (0..r.gpu_count)
        .map(|i| {
            let mem_pct = pct(100 + u64::from(i));
            json!({
                "index": i,
                "utilizationPercent": pct(u64::from(i)),
                "memoryUtilizationPercent": mem_pct,
                "memoryUsedGib": (vram * mem_pct).round() / 100.0,
                "memoryTotalGib": vram,
            })
        })
        .collect();
    let n = f64::from(r.gpu_count.max(1));
    let util = gpus
        .iter()
        .filter_map(|g| g["utilizationPercent"].as_f64())
        .sum::<f64>()
        / n;
    let used: f64 = gpus
        .iter()
        .filter_map(|g| g["memoryUsedGib"].as_f64())
        .sum();
    let total = vram * f64::from(r.gpu_count);
    let ram_total = f64::from(r.memory_gib);
    let ram_pct = pct(999);
    Json(json!({
        "airuntimeId": r.id,
        "timestamp": rfc3339(Utc::now()),
        "cpuUtilizationPercent": pct(555),
        "ramUtilizationPercent": ram_pct,
        "ramUsedGib": (ram_total * ram_pct).round() / 100.0,
        "ramTotalGib": ram_total,
        "gpuUtilizationPercent": (util * 10.0).round() / 10.0,
        "gpuMemoryUtilizationPercent": if total > 0.0 { ((used / total * 1000.0).round() / 10.0).min(100.0) } else { 0.0 },
        "gpuMemoryUsedGib": (used * 100.0).round() / 100.0,
        "gpuMemoryTotalGib": total,
        "gpus": gpus,
    }))
    .into_response()
}

pub(crate) async fn list_templates(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ctx.record("listAIRuntimeTemplates");
    let items = ctx.ai.state().templates.clone();
    match paginate(&q, items) {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

pub(crate) async fn get_template(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    ctx.record("getAIRuntimeTemplate");
    let valid = TEMPLATE_ID.is_match(&id);
    if !valid {
        return invalid("template_id", "must match ^tpl-[a-zA-Z0-9-]+$");
    }
    let st = ctx.ai.state();
    match st.templates.iter().find(|t| t["id"] == id.as_str()) {
        Some(t) => Json(t.clone()).into_response(),
        None => not_found(format!("template {id} not found")),
    }
}

fn admin_message(body: &Bytes) -> Option<String> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
}

pub(crate) async fn admin_fail(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let message = admin_message(&body).unwrap_or_else(|| DEFAULT_FAILURE.to_owned());
    let mut st = ctx.ai.state();
    let Some(r) = st.runtimes.iter_mut().find(|r| r.id == id) else {
        return not_found(format!("airuntime {id} not found"));
    };
    if r.deleting.is_some() {
        return conflict("conflict", "runtime is Deleting");
    }
    r.failed = Some((Instant::now(), message));
    Json(r.full_json(ctx.cfg(), "Failed")).into_response()
}

pub(crate) async fn admin_stop(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    let mut st = ctx.ai.state();
    let Some(r) = st.runtimes.iter_mut().find(|r| r.id == id) else {
        return not_found(format!("airuntime {id} not found"));
    };
    match r.status(ctx.cfg()) {
        Some("Running") => {
            r.stopped = Some(Instant::now());
            Json(r.full_json(ctx.cfg(), "Stopping")).into_response()
        }
        Some(s) => conflict("conflict", format!("runtime is {s}, not Running")),
        None => not_found(format!("airuntime {id} not found")),
    }
}

pub(crate) async fn admin_fail_next(State(ctx): State<Ctx>, body: Bytes) -> Response {
    let v: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    "body must be JSON",
                )
            }
        }
    };
    let count = v.get("count").and_then(Value::as_u64).unwrap_or(1);
    let message = v
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_FAILURE)
        .to_owned();
    let mut st = ctx.ai.state();
    for _ in 0..count.min(1000) {
        st.fail_next.push_back(message.clone());
    }
    Json(json!({ "pending_failures": st.fail_next.len() })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_key_pattern_accepts_openssh_keys_only() {
        let re = &*SSH_KEY;
        assert!(re.is_match("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI you@host"));
        assert!(re.is_match("ssh-rsa AAAAB3NzaC1yc2E"));
        assert!(!re.is_match("not-a-key AAAA"));
        assert!(!re.is_match("ssh-ed25519"));
        assert!(RUNTIME_NAME.is_match("my-jupyter") && !RUNTIME_NAME.is_match("-bad"));
        assert!(TEMPLATE_ID.is_match("tpl-x") && !TEMPLATE_ID.is_match("x"));
    }

    #[test]
    fn spec_normalisation_fills_defaults_and_rejects_bad_ports() {
        let v = normalise_spec(&json!({"image": "x", "ports": [{"port": 80}]})).expect("valid");
        assert_eq!(v["ports"][0]["protocol"], "http");
        assert_eq!(v["env"], json!({}));
        assert_eq!(v["command"], json!([]));
        assert!(normalise_spec(&json!({"image": ""})).is_err());
        assert!(normalise_spec(&json!({"image": "x", "ports": [{"port": 0}]})).is_err());
        assert!(normalise_spec(&json!({"image": "x", "env": {"A": 1}})).is_err());
    }
}
