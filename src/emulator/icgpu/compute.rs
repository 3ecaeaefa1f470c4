//! Instances, VMs and clusters: the asynchronous compute resources.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::catalog;
use super::store::{newest, rfc3339, Cluster, Instance, Life, Store, Vm};
use super::web::{created, json_status, list_response, parse_body, ApiError, ApiResult, Checks};
use super::App;
use crate::emulator::core::CapacityFault;

/// Account-wide storage quota for instances (the spec names a quota but not its size).
const STORAGE_QUOTA_GB: i64 = 10_000;
const SSH_HOST: &str = "ssh.gpu.local";
const K8S_VERSIONS: &[&str] = &["1.29", "1.30", "1.31"];

const BOOT: &[(&str, u64)] = &[("pending", 1), ("starting", 1)];
const CLUSTER_BOOT: &[(&str, u64)] = &[("pending", 1), ("provisioning", 1)];
const TEARDOWN: &[(&str, u64)] = &[("terminating", 1)];
/// The first status of every boot, held while the provisioning controls hold.
const HELD: &str = "pending";

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/instances",
            get(list_instances).post(create_instance),
        )
        .route(
            "/api/v1/instances/{id}",
            get(get_instance).delete(delete_instance),
        )
        .route("/api/v1/instances/{id}/start", post(start_instance))
        .route("/api/v1/instances/{id}/stop", post(stop_instance))
        .route("/api/v1/instances/{id}/requeue", post(requeue_instance))
        .route("/api/v1/vms", get(list_vms).post(create_vm))
        .route("/api/v1/vms/{id}", get(get_vm).delete(delete_vm))
        .route("/api/v1/vms/{id}/start", post(start_vm))
        .route("/api/v1/vms/{id}/stop", post(stop_vm))
        .route("/api/v1/vms/{id}/reboot", post(reboot_vm))
        .route("/api/v1/clusters", get(list_clusters).post(create_cluster))
        .route(
            "/api/v1/clusters/{id}",
            get(get_cluster).delete(delete_cluster),
        )
        .route("/api/v1/clusters/{id}/kubeconfig", get(kubeconfig))
}

pub fn live(store: &Store, step: Duration) -> Vec<(&'static str, String, String)> {
    let inst = store.instances.iter().filter_map(|i| {
        i.life
            .at(step)
            .map(|(s, _)| ("instance", i.id.clone(), s.to_string()))
    });
    let vms = store.vms.iter().filter_map(|v| {
        v.life
            .at(step)
            .map(|(s, _)| ("vm", v.id.clone(), s.to_string()))
    });
    let clusters = store.clusters.iter().filter_map(|c| {
        c.life
            .at(step)
            .map(|(s, _)| ("cluster", c.id.clone(), s.to_string()))
    });
    inst.chain(vms).chain(clusters).collect()
}

/// Ends a hold: every held instance, VM and cluster boots from now. Returns how many.
pub fn release_held(store: &mut Store) -> usize {
    let mut n = 0;
    for i in store.instances.iter_mut().filter(|i| i.held) {
        i.held = false;
        if !i.queued {
            i.life = Life::new(BOOT, Some(i.boots_into));
        }
        n += 1;
    }
    for v in store.vms.iter_mut().filter(|v| v.held) {
        v.held = false;
        v.life = Life::new(BOOT, Some("running"));
        n += 1;
    }
    for c in store.clusters.iter_mut().filter(|c| c.held) {
        c.held = false;
        c.life = Life::new(CLUSTER_BOOT, Some("running"));
        n += 1;
    }
    n
}

fn conflict_status(what: &str, id: &str, action: &str, status: &str) -> ApiError {
    ApiError::conflict(format!("Cannot {action} {what} {id} in status '{status}'"))
}

// ---------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateInstance {
    name: String,
    tier: String,
    ssh_key: Option<String>,
    workload_type: Option<String>,
    storage_gb: Option<i64>,
}

/// Batch instances queued for capacity start as soon as their tier has some.
fn release_queued(store: &mut Store) {
    let ready: Vec<usize> = store
        .instances
        .iter()
        .enumerate()
        .filter(|(_, i)| i.queued && !i.held && store.capacity_of(&i.tier) > 0)
        .map(|(n, _)| n)
        .collect();
    for n in ready {
        let i = &mut store.instances[n];
        i.queued = false;
        if !i.held {
            i.life = Life::new(BOOT, Some(i.boots_into));
        }
    }
}

fn instance_json(i: &Instance, step: Duration) -> Option<Value> {
    let (status, since) = i.life.at(step)?;
    let running = status == "running";
    // An outcome other than `running` is a failure that explains itself, like `error`.
    let failed = status == "error" || (status == i.boots_into && !running);
    Some(json!({
        "id": i.id, "name": i.name, "tier": i.tier, "workload_type": i.workload_type,
        "storage_gb": i.storage_gb, "ssh_key": i.ssh_key, "status": status,
        "ssh_host": running.then_some(i.ssh_host.as_str()),
        "ssh_port": running.then_some(i.ssh_port),
        "ssh_user": "gpuuser", "gpu_model": i.gpu_model,
        "created_at": rfc3339(i.created_at),
        "updated_at": rfc3339(since.max(i.created_at)),
        "error_message": if failed { i.error_message.clone() } else { None },
    }))
}

fn find_instance<'a>(
    store: &'a mut Store,
    id: &str,
    step: Duration,
) -> Result<&'a mut Instance, ApiError> {
    release_queued(store);
    store
        .instances
        .iter_mut()
        .find(|i| i.id == id && i.life.at(step).is_some())
        .ok_or_else(|| ApiError::not_found("Instance", id))
}

async fn list_instances(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let step = app.step();
    let items = {
        let mut store = app.store();
        release_queued(&mut store);
        newest(&store.instances, |i| i.seq, |i| instance_json(i, step))
    };
    list_response("instances", "instances", items, &q)
}

async fn create_instance(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
    capacity_fault: Option<Extension<CapacityFault>>,
    body: Bytes,
) -> ApiResult {
    let req: CreateInstance = parse_body(&body)?;
    let workload_type = req.workload_type.unwrap_or_else(|| "interactive".into());
    let storage_gb = req.storage_gb.unwrap_or(50);
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    c.one_of("tier", Some(&req.tier), &["dedicated", "mig", "timesliced"]);
    c.one_of(
        "workload_type",
        Some(&workload_type),
        &["interactive", "batch"],
    );
    c.range("storage_gb", Some(storage_gb), 10, 500);
    c.ssh_key("ssh_key", req.ssh_key.as_deref());
    c.finish()?;
    let dry_run = q.get("dryRun").map(String::as_str);
    if !matches!(dry_run, None | Some("true" | "false")) {
        return Err(ApiError::validation("dryRun", "must be true or false"));
    }
    let tier =
        catalog::tier(&req.tier).ok_or_else(|| ApiError::validation("tier", "unknown tier"))?;
    let step = app.step();
    let mut store = app.store();
    release_queued(&mut store);
    let live: Vec<&Instance> = store
        .instances
        .iter()
        .filter(|i| i.life.at(step).is_some())
        .collect();
    if live.iter().any(|i| i.name == req.name) {
        return Err(ApiError::conflict(format!(
            "An instance named '{}' already exists",
            req.name
        )));
    }
    let used: i64 = live.iter().map(|i| i.storage_gb).sum();
    if used + storage_gb > STORAGE_QUOTA_GB {
        return Err(ApiError::conflict(format!(
            "Storage quota exceeded: {used} of {STORAGE_QUOTA_GB} GB in use, {storage_gb} GB requested"
        )));
    }
    let no_capacity = store.capacity_of(tier.tier) <= 0;
    if workload_type == "interactive" {
        if let Some(Extension(CapacityFault(detail))) = capacity_fault {
            let msg = detail.get("message").and_then(Value::as_str).map_or_else(
                || format!("No capacity available in tier '{}'", tier.tier),
                str::to_string,
            );
            return Err(ApiError::conflict(msg));
        }
        if no_capacity {
            return Err(ApiError::conflict(format!(
                "No capacity available in tier '{}' for an interactive instance",
                tier.tier
            )));
        }
    }
    if dry_run == Some("true") {
        return Ok(json_status(
            StatusCode::OK,
            json!({
                "dry_run": true, "name": req.name, "tier": tier.tier,
                "workload_type": workload_type, "storage_gb": storage_gb,
                "ssh_key": req.ssh_key, "status": "pending", "ssh_user": "gpuuser",
                "gpu_model": tier.gpu_model,
                "price_per_hour_tokens": catalog::price(tier, &workload_type),
            }),
        ));
    }
    let queued = workload_type == "batch" && no_capacity;
    let held = app.shared.provisioning.holding();
    let outcome = app.shared.provisioning.next_outcome(super::API);
    let boots_into = outcome.as_ref().map_or("running", |o| o.status);
    let seq = store.next_seq();
    let id = store.random_id("inst-", 8);
    let (ssh_host, ssh_port) = match app.shared.provisioning.ssh_endpoint() {
        Some(e) => (e.host, e.port),
        None => (
            SSH_HOST.to_string(),
            30000 + u16::try_from(seq % 2000).unwrap_or(0),
        ),
    };
    let inst = Instance {
        seq,
        id: id.clone(),
        name: req.name,
        tier: tier.tier.to_string(),
        workload_type,
        storage_gb,
        ssh_key: req.ssh_key,
        gpu_model: tier.gpu_model.to_string(),
        created_at: Utc::now(),
        life: if queued || held {
            Life::fixed(HELD)
        } else {
            Life::new(BOOT, Some(boots_into))
        },
        queued,
        held,
        boots_into,
        ssh_host,
        ssh_port,
        error_message: outcome.and_then(|o| o.message),
    };
    let body = instance_json(&inst, step).unwrap_or(Value::Null);
    store.instances.push(inst);
    Ok(created(format!("/api/v1/instances/{id}"), body))
}

async fn get_instance(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let i = find_instance(&mut store, &id, step)?;
    Ok(Json(instance_json(i, step)).into_response())
}

async fn delete_instance(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let i = find_instance(&mut store, &id, step)?;
    if i.life.at(step).map(|s| s.0) != Some("terminating") {
        i.life = Life::new(TEARDOWN, None);
        i.queued = false;
        i.held = false;
    }
    Ok(json_status(
        StatusCode::ACCEPTED,
        instance_json(i, step).unwrap_or(Value::Null),
    ))
}

/// Moves an instance from one of `from` to a new life, or 409.
fn instance_action(app: &App, id: &str, action: &str, from: &[&str], life: Life) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let i = find_instance(&mut store, id, step)?;
    let status = i.life.at(step).map_or("terminated", |s| s.0);
    if !from.contains(&status) {
        return Err(conflict_status("instance", id, action, status));
    }
    i.life = life;
    i.queued = false;
    i.held = false;
    Ok(json_status(
        StatusCode::ACCEPTED,
        instance_json(i, step).unwrap_or(Value::Null),
    ))
}

async fn start_instance(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    instance_action(
        &app,
        &id,
        "start",
        &["stopped"],
        Life::new(BOOT, Some("running")),
    )
}

async fn stop_instance(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    instance_action(
        &app,
        &id,
        "stop",
        &["pending", "starting", "running"],
        Life::new(&[("stopping", 1)], Some("stopped")),
    )
}

async fn requeue_instance(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    instance_action(
        &app,
        &id,
        "requeue",
        &["preempted"],
        Life::new(BOOT, Some("running")),
    )
}

pub async fn admin_preempt(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    {
        let step = app.step();
        let mut store = app.store();
        let i = find_instance(&mut store, &id, step)?;
        if i.workload_type != "batch" {
            return Err(ApiError::conflict(format!(
                "Instance {id} is not a batch instance"
            )));
        }
    }
    instance_action(
        &app,
        &id,
        "preempt",
        &["starting", "running"],
        Life::fixed("preempted"),
    )
}

pub async fn admin_fail(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let message = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "Container failed to start: injected failure".to_string());
    let step = app.step();
    let mut store = app.store();
    let i = find_instance(&mut store, &id, step)?;
    i.life = Life::fixed("error");
    i.queued = false;
    i.held = false;
    i.error_message = Some(message);
    Ok(Json(instance_json(i, step)).into_response())
}

// ---------------------------------------------------------------------------------------------
// VMs
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct CreateVm {
    name: String,
    template_id: String,
    cpu: Option<i64>,
    memory_gb: Option<i64>,
    disk_gb: Option<i64>,
    ssh_key: Option<String>,
}

fn vm_json(v: &Vm, step: Duration) -> Option<Value> {
    let (status, since) = v.life.at(step)?;
    let reachable = matches!(status, "running" | "rebooting");
    Some(json!({
        "id": v.id, "name": v.name, "templateId": v.template_id, "cpu": v.cpu,
        "memoryGb": v.memory_gb, "diskGb": v.disk_gb, "sshKey": v.ssh_key, "status": status,
        "gpuModel": v.gpu_model,
        "sshHost": reachable.then_some(v.ssh_host.as_str()),
        "sshPort": reachable.then_some(v.ssh_port),
        "sshUser": "gpuuser",
        "createdAt": rfc3339(v.created_at), "updatedAt": rfc3339(since.max(v.created_at)),
        "errorMessage": if status == "error" { v.error_message.clone() } else { None },
    }))
}

fn find_vm<'a>(store: &'a mut Store, id: &str, step: Duration) -> Result<&'a mut Vm, ApiError> {
    store
        .vms
        .iter_mut()
        .find(|v| v.id == id && v.life.at(step).is_some())
        .ok_or_else(|| ApiError::not_found("VM", id))
}

async fn list_vms(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let step = app.step();
    let items = newest(&app.store().vms, |v| v.seq, |v| vm_json(v, step));
    list_response("vms", "vms", items, &q)
}

async fn create_vm(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateVm = parse_body(&body)?;
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    c.range("cpu", req.cpu, 1, 64);
    c.range("memoryGb", req.memory_gb, 1, 512);
    c.range("diskGb", req.disk_gb, 10, 2000);
    c.ssh_key("sshKey", req.ssh_key.as_deref());
    let template = catalog::template(&req.template_id);
    if template.is_none() {
        c.fail(
            "templateId",
            format!("unknown template '{}'", req.template_id),
        );
    }
    c.finish()?;
    let Some(t) = template else {
        return Err(ApiError::validation("templateId", "unknown template"));
    };
    let disk_gb = req.disk_gb.unwrap_or(t.default_disk_gb);
    if disk_gb < t.min_disk_gb {
        return Err(ApiError::validation(
            "diskGb",
            format!(
                "must be at least the template's minDiskGb ({})",
                t.min_disk_gb
            ),
        ));
    }
    let step = app.step();
    let mut store = app.store();
    if store
        .vms
        .iter()
        .any(|v| v.name == req.name && v.life.at(step).is_some())
    {
        return Err(ApiError::conflict(format!(
            "A VM named '{}' already exists",
            req.name
        )));
    }
    let held = app.shared.provisioning.holding();
    let seq = store.next_seq();
    let id = store.random_id("vm-", 8);
    let (ssh_host, ssh_port) = match app.shared.provisioning.ssh_endpoint() {
        Some(e) => (e.host, e.port),
        None => (
            SSH_HOST.to_string(),
            32000 + u16::try_from(seq % 2000).unwrap_or(0),
        ),
    };
    let vm = Vm {
        seq,
        id: id.clone(),
        name: req.name,
        template_id: t.id.to_string(),
        cpu: req.cpu.unwrap_or(t.default_cpu),
        memory_gb: req.memory_gb.unwrap_or(t.default_memory_gb),
        disk_gb,
        ssh_key: req.ssh_key,
        gpu_model: t.gpu_model.map(str::to_string),
        created_at: Utc::now(),
        life: if held {
            Life::fixed(HELD)
        } else {
            Life::new(BOOT, Some("running"))
        },
        held,
        ssh_host,
        ssh_port,
        error_message: None,
    };
    let body = vm_json(&vm, step).unwrap_or(Value::Null);
    store.vms.push(vm);
    Ok(created(format!("/api/v1/vms/{id}"), body))
}

async fn get_vm(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let v = find_vm(&mut store, &id, step)?;
    Ok(Json(vm_json(v, step)).into_response())
}

async fn delete_vm(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let v = find_vm(&mut store, &id, step)?;
    if v.life.at(step).map(|s| s.0) != Some("terminating") {
        v.life = Life::new(TEARDOWN, None);
        v.held = false;
    }
    Ok(json_status(
        StatusCode::ACCEPTED,
        vm_json(v, step).unwrap_or(Value::Null),
    ))
}

fn vm_action(app: &App, id: &str, action: &str, from: &[&str], life: Life) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let v = find_vm(&mut store, id, step)?;
    let status = v.life.at(step).map_or("terminated", |s| s.0);
    if !from.contains(&status) {
        return Err(conflict_status("VM", id, action, status));
    }
    v.life = life;
    v.held = false;
    Ok(json_status(
        StatusCode::ACCEPTED,
        vm_json(v, step).unwrap_or(Value::Null),
    ))
}

async fn start_vm(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    vm_action(
        &app,
        &id,
        "start",
        &["stopped", "error"],
        Life::new(&[("starting", 1)], Some("running")),
    )
}

async fn stop_vm(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    vm_action(
        &app,
        &id,
        "stop",
        &["starting", "running"],
        Life::new(&[("stopping", 1)], Some("stopped")),
    )
}

async fn reboot_vm(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    vm_action(
        &app,
        &id,
        "reboot",
        &["running"],
        Life::new(&[("rebooting", 1)], Some("running")),
    )
}

// ---------------------------------------------------------------------------------------------
// Clusters
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCluster {
    name: String,
    version: Option<String>,
}

fn cluster_endpoint(c: &Cluster) -> String {
    format!("https://{}.k8s.gpu.local:443", c.id)
}

fn cluster_json(c: &Cluster, step: Duration) -> Option<Value> {
    let (status, since) = c.life.at(step)?;
    Some(json!({
        "id": c.id, "name": c.name, "version": c.version, "status": status,
        "endpoint": (status == "running").then(|| cluster_endpoint(c)),
        "createdAt": rfc3339(c.created_at), "updatedAt": rfc3339(since.max(c.created_at)),
        "errorMessage": null,
    }))
}

fn find_cluster<'a>(
    store: &'a mut Store,
    id: &str,
    step: Duration,
) -> Result<&'a mut Cluster, ApiError> {
    store
        .clusters
        .iter_mut()
        .find(|c| c.id == id && c.life.at(step).is_some())
        .ok_or_else(|| ApiError::not_found("Cluster", id))
}

async fn list_clusters(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let step = app.step();
    let items = newest(&app.store().clusters, |c| c.seq, |c| cluster_json(c, step));
    list_response("clusters", "clusters", items, &q)
}

async fn create_cluster(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateCluster = parse_body(&body)?;
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    if let Some(v) = &req.version {
        if !K8S_VERSIONS.contains(&v.as_str()) {
            c.fail(
                "version",
                format!("unsupported; supported: {}", K8S_VERSIONS.join(", ")),
            );
        }
    }
    c.finish()?;
    let step = app.step();
    let mut store = app.store();
    if store
        .clusters
        .iter()
        .any(|c| c.name == req.name && c.life.at(step).is_some())
    {
        return Err(ApiError::conflict(format!(
            "A cluster named '{}' already exists",
            req.name
        )));
    }
    let held = app.shared.provisioning.holding();
    let seq = store.next_seq();
    let id = store.random_id("cls-", 8);
    let token = store.random_chars(40, true);
    let cluster = Cluster {
        seq,
        id: id.clone(),
        name: req.name,
        version: req
            .version
            .unwrap_or_else(|| K8S_VERSIONS[K8S_VERSIONS.len() - 1].to_string()),
        created_at: Utc::now(),
        life: if held {
            Life::fixed(HELD)
        } else {
            Life::new(CLUSTER_BOOT, Some("running"))
        },
        held,
        token,
    };
    let body = cluster_json(&cluster, step).unwrap_or(Value::Null);
    store.clusters.push(cluster);
    Ok(created(format!("/api/v1/clusters/{id}"), body))
}

async fn get_cluster(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let c = find_cluster(&mut store, &id, step)?;
    Ok(Json(cluster_json(c, step)).into_response())
}

async fn delete_cluster(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let c = find_cluster(&mut store, &id, step)?;
    if c.life.at(step).map(|s| s.0) != Some("terminating") {
        c.life = Life::new(TEARDOWN, None);
        c.held = false;
    }
    Ok(json_status(
        StatusCode::ACCEPTED,
        cluster_json(c, step).unwrap_or(Value::Null),
    ))
}

async fn kubeconfig(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let c = find_cluster(&mut store, &id, step)?;
    let status = c.life.at(step).map_or("terminated", |s| s.0);
    if status != "running" {
        return Err(ApiError::conflict(format!(
            "Kubeconfig of cluster {id} is not available in status '{status}'"
        )));
    }
    let ca = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!(
            "-----BEGIN CERTIFICATE-----\nemulated CA for {}\n-----END CERTIFICATE-----\n",
            c.id
        ),
    );
    let name = &c.name;
    let yaml = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\ncontexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}-admin\ncurrent-context: {name}\nusers:\n- name: {name}-admin\n  user:\n    token: {token}\n",
        server = cluster_endpoint(c),
        token = c.token,
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/yaml"),
    );
    Ok((StatusCode::OK, headers, yaml).into_response())
}
