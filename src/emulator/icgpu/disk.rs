//! Persistent VM disks: plain records (create 201, PATCH 200, DELETE 204) with three actions
//! that take effect at once and answer 200 with the disk: resize (grow only), attach and
//! detach. A disk is attached while its VM exists; once the VM is gone it is `available` again.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{newest, rfc3339, Store};
use super::web::{created, list_response, parse_body, ApiError, ApiResult, Checks};
use super::{Access, App};

/// `(method, route, operationId, access, takes Idempotency-Key)`, as in `super::OPS`.
pub(super) const OPS: &[(&str, &str, &str, Access, bool)] = {
    use Access::Scoped;
    const DISK: &str = "/api/v1/vm-disks/{id}";
    &[
        ("GET", "/api/v1/vm-disks", "listVmDisks", Scoped, false),
        ("POST", "/api/v1/vm-disks", "createVmDisk", Scoped, true),
        ("GET", DISK, "getVmDisk", Scoped, false),
        ("PATCH", DISK, "updateVmDisk", Scoped, false),
        ("DELETE", DISK, "deleteVmDisk", Scoped, false),
        (
            "POST",
            "/api/v1/vm-disks/{id}/resize",
            "resizeVmDisk",
            Scoped,
            true,
        ),
        (
            "POST",
            "/api/v1/vm-disks/{id}/attach",
            "attachVmDisk",
            Scoped,
            true,
        ),
        (
            "POST",
            "/api/v1/vm-disks/{id}/detach",
            "detachVmDisk",
            Scoped,
            true,
        ),
    ]
};

const MAX_SIZE_GB: i64 = 16_384;

pub struct Disk {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub size_gb: i64,
    /// The VM it was attached to; see [`attached_to`] for whether it still is.
    pub vm_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/vm-disks", get(list_disks).post(create_disk))
        .route(
            "/api/v1/vm-disks/{id}",
            get(get_disk).patch(update_disk).delete(delete_disk),
        )
        .route("/api/v1/vm-disks/{id}/resize", post(resize_disk))
        .route("/api/v1/vm-disks/{id}/attach", post(attach_disk))
        .route("/api/v1/vm-disks/{id}/detach", post(detach_disk))
}

pub fn live(store: &Store, step: Duration) -> Vec<(&'static str, String, String)> {
    store
        .vm_disks
        .iter()
        .map(|d| {
            let status = if attached_to(store, d, step).is_some() {
                "attached"
            } else {
                "available"
            };
            ("vm_disk", d.id.clone(), status.to_string())
        })
        .collect()
}

/// The VM status, or `None` once it is gone.
fn vm_status(store: &Store, vm_id: &str, step: Duration) -> Option<&'static str> {
    store
        .vms
        .iter()
        .find(|v| v.id == vm_id)
        .and_then(|v| v.life.at(step))
        .map(|(status, _)| status)
}

/// The VM the disk is attached to, while that VM exists.
fn attached_to<'a>(store: &Store, d: &'a Disk, step: Duration) -> Option<&'a str> {
    d.vm_id
        .as_deref()
        .filter(|vm| vm_status(store, vm, step).is_some())
}

fn disk_json(store: &Store, d: &Disk, step: Duration) -> Value {
    let vm = attached_to(store, d, step);
    json!({
        "id": d.id, "name": d.name, "size_gb": d.size_gb,
        "status": if vm.is_some() { "attached" } else { "available" }, "vm_id": vm,
        "created_at": rfc3339(d.created_at), "updated_at": rfc3339(d.updated_at),
    })
}

fn index_of(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .vm_disks
        .iter()
        .position(|d| d.id == id)
        .ok_or_else(|| ApiError::not_found("VM disk", id))
}

fn name_taken(store: &Store, name: &str, except: &str) -> Result<(), ApiError> {
    if store
        .vm_disks
        .iter()
        .any(|d| d.name == name && d.id != except)
    {
        return Err(ApiError::conflict(format!(
            "A VM disk named '{name}' already exists"
        )));
    }
    Ok(())
}

/// Applies `change` to the disk at index `i` and answers 200 with it as it is afterwards.
fn changed(
    store: &mut Store,
    i: usize,
    step: Duration,
    change: impl FnOnce(&mut Disk),
) -> ApiResult {
    let d = &mut store.vm_disks[i];
    change(d);
    d.updated_at = Utc::now();
    Ok(Json(disk_json(store, &store.vm_disks[i], step)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateDisk {
    name: String,
    size_gb: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateDisk {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResizeDisk {
    size_gb: i64,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VmRef {
    vm_id: Option<String>,
}

async fn list_disks(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let step = app.step();
    let store = app.store();
    let items = newest(
        &store.vm_disks,
        |d| d.seq,
        |d| Some(disk_json(&store, d, step)),
    );
    list_response("vmDisks", "vmDisks", items, &q)
}

async fn create_disk(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateDisk = parse_body(&body)?;
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    c.range("size_gb", Some(req.size_gb), 1, MAX_SIZE_GB);
    c.finish()?;
    let step = app.step();
    let mut store = app.store();
    name_taken(&store, &req.name, "")?;
    let seq = store.next_seq();
    let id = store.random_id("disk-", 8);
    let now = Utc::now();
    let d = Disk {
        seq,
        id: id.clone(),
        name: req.name,
        size_gb: req.size_gb,
        vm_id: None,
        created_at: now,
        updated_at: now,
    };
    let body = disk_json(&store, &d, step);
    store.vm_disks.push(d);
    Ok(created(format!("/api/v1/vm-disks/{id}"), body))
}

async fn get_disk(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let store = app.store();
    let i = index_of(&store, &id)?;
    Ok(Json(disk_json(&store, &store.vm_disks[i], step)).into_response())
}

async fn update_disk(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let i = index_of(&store, &id)?;
    let req: UpdateDisk = parse_body(&body)?;
    let mut c = Checks::default();
    c.dns_name("name", &req.name);
    c.finish()?;
    name_taken(&store, &req.name, &id)?;
    changed(&mut store, i, step, |d| d.name = req.name)
}

async fn delete_disk(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let i = index_of(&store, &id)?;
    if let Some(vm) = attached_to(&store, &store.vm_disks[i], step) {
        return Err(ApiError::conflict(format!(
            "VM disk {id} is attached to VM {vm}; detach it first"
        )));
    }
    store.vm_disks.remove(i);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn resize_disk(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let i = index_of(&store, &id)?;
    let current = store.vm_disks[i].size_gb;
    let req: ResizeDisk = parse_body(&body)?;
    let mut c = Checks::default();
    c.range("size_gb", Some(req.size_gb), 1, MAX_SIZE_GB);
    if req.size_gb <= current {
        c.fail(
            "size_gb",
            format!("must be greater than the current size ({current} GB); disks cannot shrink"),
        );
    }
    c.finish()?;
    changed(&mut store, i, step, |d| d.size_gb = req.size_gb)
}

async fn attach_disk(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let i = index_of(&store, &id)?;
    let req: VmRef = parse_body(&body)?;
    let Some(vm_id) = req.vm_id else {
        return Err(ApiError::validation("vm_id", "is required"));
    };
    match vm_status(&store, &vm_id, step) {
        None => return Err(ApiError::not_found("VM", &vm_id)),
        Some("terminating") => {
            return Err(ApiError::conflict(format!(
                "Cannot attach a disk to VM {vm_id} in status 'terminating'"
            )))
        }
        Some(_) => {}
    }
    match attached_to(&store, &store.vm_disks[i], step) {
        Some(other) if other != vm_id => Err(ApiError::conflict(format!(
            "VM disk {id} is attached to VM {other}; detach it first"
        ))),
        // Attached there already: nothing changes (a retried attach is harmless).
        Some(_) => Ok(Json(disk_json(&store, &store.vm_disks[i], step)).into_response()),
        None => changed(&mut store, i, step, |d| d.vm_id = Some(vm_id)),
    }
}

async fn detach_disk(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    let i = index_of(&store, &id)?;
    let req: VmRef = if body.iter().all(u8::is_ascii_whitespace) {
        VmRef::default()
    } else {
        parse_body(&body)?
    };
    match (attached_to(&store, &store.vm_disks[i], step), req.vm_id) {
        (None, _) => Err(ApiError::conflict(format!("VM disk {id} is not attached"))),
        (Some(vm), Some(wanted)) if vm != wanted => Err(ApiError::conflict(format!(
            "VM disk {id} is attached to VM {vm}, not {wanted}"
        ))),
        _ => changed(&mut store, i, step, |d| d.vm_id = None),
    }
}
