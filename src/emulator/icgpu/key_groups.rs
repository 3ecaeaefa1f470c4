//! SSH key groups: named sets of the account's SSH keys (create 201, DELETE 204), visible at
//! once. Keys join with `POST .../keys` and leave with `DELETE .../keys/{key_id}`; a key
//! deleted from the account leaves every group with it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
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
    const GROUPS: &str = "/api/v1/ssh-key-groups";
    const GROUP: &str = "/api/v1/ssh-key-groups/{id}";
    const KEYS: &str = "/api/v1/ssh-key-groups/{id}/keys";
    const KEY: &str = "/api/v1/ssh-key-groups/{id}/keys/{key_id}";
    &[
        ("GET", GROUPS, "listSshKeyGroups", Scoped, false),
        ("POST", GROUPS, "createSshKeyGroup", Scoped, true),
        ("GET", GROUP, "getSshKeyGroup", Scoped, false),
        ("DELETE", GROUP, "deleteSshKeyGroup", Scoped, false),
        ("POST", KEYS, "addSshKeyGroupKey", Scoped, false),
        ("DELETE", KEY, "removeSshKeyGroupKey", Scoped, false),
    ]
};

pub struct KeyGroup {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub description: String,
    /// Member key IDs in the order they joined.
    pub keys: Vec<String>,
    pub created_at: DateTime<Utc>,
}

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/ssh-key-groups",
            get(list_groups).post(create_group),
        )
        .route(
            "/api/v1/ssh-key-groups/{id}",
            get(get_group).delete(delete_group),
        )
        .route(
            "/api/v1/ssh-key-groups/{id}/keys",
            axum::routing::post(add_key),
        )
        .route(
            "/api/v1/ssh-key-groups/{id}/keys/{key_id}",
            delete(remove_key),
        )
}

pub fn live(store: &Store) -> Vec<(&'static str, String, String)> {
    store
        .key_groups
        .iter()
        .map(|g| ("ssh_key_group", g.id.clone(), "active".to_string()))
        .collect()
}

/// The group as the API shows it: only keys the account still has are members.
fn group_json(store: &Store, g: &KeyGroup) -> Value {
    let keys: Vec<&String> = g
        .keys
        .iter()
        .filter(|k| store.ssh_keys.iter().any(|s| &s.id == *k))
        .collect();
    json!({
        "id": g.id, "name": g.name, "description": g.description,
        "ssh_key_ids": keys, "created_at": rfc3339(g.created_at),
    })
}

fn position(store: &Store, id: &str) -> Result<usize, ApiError> {
    store
        .key_groups
        .iter()
        .position(|g| g.id == id)
        .ok_or_else(|| ApiError::not_found("SSH key group", id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateGroup {
    name: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddKey {
    ssh_key_id: String,
}

async fn list_groups(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let store = app.store();
    let items = newest(
        &store.key_groups,
        |g| g.seq,
        |g| Some(group_json(&store, g)),
    );
    list_response("sshKeyGroups", "sshKeyGroups", items, &q)
}

async fn create_group(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateGroup = parse_body(&body)?;
    let mut c = Checks::default();
    c.len("name", Some(&req.name), 1, 64);
    c.len("description", req.description.as_deref(), 0, 256);
    c.finish()?;
    let mut store = app.store();
    if store.key_groups.iter().any(|g| g.name == req.name) {
        return Err(ApiError::conflict(format!(
            "An SSH key group named '{}' already exists",
            req.name
        )));
    }
    let g = KeyGroup {
        seq: store.next_seq(),
        id: store.random_id("grp-", 8),
        name: req.name,
        description: req.description.unwrap_or_default(),
        keys: Vec::new(),
        created_at: Utc::now(),
    };
    let body = group_json(&store, &g);
    let location = format!("/api/v1/ssh-key-groups/{}", g.id);
    store.key_groups.push(g);
    Ok(created(location, body))
}

async fn get_group(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let store = app.store();
    let g = &store.key_groups[position(&store, &id)?];
    Ok(Json(group_json(&store, g)).into_response())
}

async fn delete_group(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    let at = position(&store, &id)?;
    store.key_groups.remove(at);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Adds a key; adding a member again changes nothing. Answers the group.
async fn add_key(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let mut store = app.store();
    let at = position(&store, &id)?;
    let req: AddKey = parse_body(&body)?;
    if !store.ssh_keys.iter().any(|k| k.id == req.ssh_key_id) {
        return Err(ApiError::not_found("SSH key", &req.ssh_key_id));
    }
    let g = &mut store.key_groups[at];
    if !g.keys.contains(&req.ssh_key_id) {
        g.keys.push(req.ssh_key_id);
    }
    let g = &store.key_groups[at];
    Ok(Json(group_json(&store, g)).into_response())
}

async fn remove_key(
    State(app): State<App>,
    Path((id, key_id)): Path<(String, String)>,
) -> ApiResult {
    let mut store = app.store();
    let at = position(&store, &id)?;
    let g = &mut store.key_groups[at];
    let Some(k) = g.keys.iter().position(|k| *k == key_id) else {
        return Err(ApiError::not_found("SSH key in this group", &key_id));
    };
    g.keys.remove(k);
    Ok(StatusCode::NO_CONTENT.into_response())
}
