//! Plain account records: webhooks (with test deliveries), API keys, SSH keys and spending
//! alerts. Changes are visible immediately; create 201, PATCH 200, DELETE 204.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{
    newest, rfc3339, ApiKey, Delivery, Life, SpendingAlert, SshKey, Store, Webhook,
};
use super::web::{created, json_status, list_response, parse_body, ApiError, ApiResult, Checks};
use super::App;

const EVENTS: &[&str] = &[
    "instance.created",
    "instance.started",
    "instance.stopped",
    "instance.terminated",
    "instance.error",
    "instance.preempted",
    "vm.created",
    "vm.started",
    "vm.stopped",
    "vm.terminated",
    "vm.error",
    "balance.low",
    "balance.depleted",
    "key.created",
    "key.deleted",
    "key.expired",
    "function.completed",
    "function.failed",
    "fine_tuning.started",
    "fine_tuning.completed",
    "fine_tuning.failed",
    "*",
];
const SCOPES: &[&str] = &[
    "instances",
    "models",
    "vms",
    "clusters",
    "functions",
    "batch_jobs",
    "webhooks",
    "spending_alerts",
    "ssh_keys",
    "ssh_key_groups",
    "api_keys",
    "tokens",
    "teams",
    "slurm_environments",
    "vm_networks",
    "vm_disks",
];
const PERMISSIONS: &[&str] = &["read", "write"];
const NOTIFY_VIA: &[&str] = &["webhook", "in_app"];

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route(
            "/api/v1/webhooks/{id}",
            get(get_webhook)
                .patch(update_webhook)
                .delete(delete_webhook),
        )
        .route("/api/v1/webhooks/{id}/test", post(test_webhook))
        .route("/api/v1/webhooks/{id}/deliveries", get(list_deliveries))
        .route("/api/v1/api-keys", get(list_api_keys).post(create_api_key))
        .route(
            "/api/v1/api-keys/{id}",
            get(get_api_key).delete(revoke_api_key),
        )
        .route("/api/v1/ssh-keys", get(list_ssh_keys).post(create_ssh_key))
        .route("/api/v1/ssh-keys/generate", post(generate_ssh_key))
        .route(
            "/api/v1/ssh-keys/{id}",
            get(get_ssh_key).delete(delete_ssh_key),
        )
        .route(
            "/api/v1/spending-alerts",
            get(list_alerts).post(create_alert),
        )
        .route(
            "/api/v1/spending-alerts/{id}",
            get(get_alert).patch(update_alert).delete(delete_alert),
        )
}

pub fn live(store: &Store) -> Vec<(&'static str, String, String)> {
    let active = || "active".to_string();
    let webhooks = store.webhooks.iter().map(|w| {
        let status = if w.enabled { "enabled" } else { "disabled" };
        ("webhook", w.id.clone(), status.to_string())
    });
    let keys = store
        .api_keys
        .iter()
        .map(|k| ("api_key", k.id.clone(), active()));
    let ssh = store
        .ssh_keys
        .iter()
        .map(|k| ("ssh_key", k.id.clone(), active()));
    let alerts = store
        .alerts
        .iter()
        .map(|a| ("spending_alert", a.id.clone(), active()));
    webhooks.chain(keys).chain(ssh).chain(alerts).collect()
}

fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateWebhook {
    url: String,
    events: Vec<String>,
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateWebhook {
    url: Option<String>,
    events: Option<Vec<String>>,
    enabled: Option<bool>,
}

fn webhook_json(w: &Webhook) -> Value {
    json!({
        "id": w.id, "url": w.url, "events": w.events, "enabled": w.enabled,
        "createdAt": rfc3339(w.created_at), "updatedAt": rfc3339(w.updated_at),
    })
}

fn delivery_json(webhook_id: &str, d: &Delivery, step: Duration) -> Value {
    let (status, since) = d.life.at(step).unwrap_or(("pending", d.created_at));
    let attempted = status != "pending";
    json!({
        "id": d.id, "webhookId": webhook_id, "eventId": d.event_id, "event": d.event,
        "status": status, "attempts": u8::from(attempted),
        "responseStatusCode": attempted.then_some(200), "errorMessage": null,
        "createdAt": rfc3339(d.created_at),
        "lastAttemptAt": attempted.then(|| rfc3339(since.max(d.created_at))),
        "nextRetryAt": null,
    })
}

fn find_webhook<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Webhook, ApiError> {
    store
        .webhooks
        .iter_mut()
        .find(|w| w.id == id)
        .ok_or_else(|| ApiError::not_found("Webhook", id))
}

async fn list_webhooks(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let items = newest(&app.store().webhooks, |w| w.seq, |w| Some(webhook_json(w)));
    list_response("webhooks", "webhooks", items, &q)
}

async fn create_webhook(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateWebhook = parse_body(&body)?;
    let mut c = Checks::default();
    c.https_url("url", Some(&req.url));
    c.each_one_of("events", Some(&req.events), EVENTS);
    c.finish()?;
    let mut store = app.store();
    let seq = store.next_seq();
    let id = store.random_id("wh-", 8);
    let secret = format!("whsec_{}", store.random_chars(32, true));
    let now = Utc::now();
    let w = Webhook {
        seq,
        id: id.clone(),
        url: req.url,
        events: req.events,
        enabled: req.enabled.unwrap_or(true),
        created_at: now,
        updated_at: now,
        deliveries: Vec::new(),
    };
    let mut body = webhook_json(&w);
    body["secret"] = json!(secret);
    store.webhooks.push(w);
    Ok(created(format!("/api/v1/webhooks/{id}"), body))
}

async fn get_webhook(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    Ok(Json(webhook_json(find_webhook(&mut store, &id)?)).into_response())
}

async fn update_webhook(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let mut store = app.store();
    find_webhook(&mut store, &id)?;
    let req: UpdateWebhook = parse_body(&body)?;
    let mut c = Checks::default();
    if req.url.is_none() && req.events.is_none() && req.enabled.is_none() {
        c.fail("body", "must set at least one of url, events, enabled");
    }
    c.https_url("url", req.url.as_deref());
    c.each_one_of("events", req.events.as_deref(), EVENTS);
    c.finish()?;
    let w = find_webhook(&mut store, &id)?;
    if let Some(url) = req.url {
        w.url = url;
    }
    if let Some(events) = req.events {
        w.events = events;
    }
    if let Some(enabled) = req.enabled {
        w.enabled = enabled;
    }
    w.updated_at = Utc::now();
    Ok(Json(webhook_json(w)).into_response())
}

async fn delete_webhook(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    find_webhook(&mut store, &id)?;
    store.webhooks.retain(|w| w.id != id);
    no_content()
}

async fn test_webhook(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let step = app.step();
    let mut store = app.store();
    find_webhook(&mut store, &id)?;
    let seq = store.next_seq();
    let delivery = Delivery {
        seq,
        id: store.random_id("dlv-", 8),
        event_id: store.random_id("evt-", 8),
        event: "webhook.test".to_string(),
        created_at: Utc::now(),
        life: Life::new(&[("pending", 1)], Some("succeeded")),
    };
    let body = delivery_json(&id, &delivery, step);
    find_webhook(&mut store, &id)?.deliveries.push(delivery);
    Ok(json_status(StatusCode::ACCEPTED, body))
}

async fn list_deliveries(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let step = app.step();
    let items = {
        let mut store = app.store();
        let w = find_webhook(&mut store, &id)?;
        newest(
            &w.deliveries,
            |d| d.seq,
            |d| Some(delivery_json(&id, d, step)),
        )
    };
    list_response("deliveries", &format!("deliveries-{id}"), items, &q)
}

// ---------------------------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateApiKey {
    name: String,
    scopes: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    expires_in_days: Option<i64>,
}

fn api_key_json(k: &ApiKey) -> Value {
    let expired = k.expires_at.is_some_and(|e| e <= Utc::now());
    json!({
        "id": k.id, "name": k.name, "prefix": &k.key[..10.min(k.key.len())],
        "scopes": k.scopes, "permissions": k.permissions,
        "status": if expired { "expired" } else { "active" },
        "created_at": rfc3339(k.created_at),
        "expires_at": k.expires_at.map(rfc3339),
        "last_used_at": k.last_used_at.map(rfc3339),
    })
}

fn find_api_key<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut ApiKey, ApiError> {
    store
        .api_keys
        .iter_mut()
        .find(|k| k.id == id)
        .ok_or_else(|| ApiError::not_found("API key", id))
}

async fn list_api_keys(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let items = newest(&app.store().api_keys, |k| k.seq, |k| Some(api_key_json(k)));
    list_response("apiKeys", "apiKeys", items, &q)
}

async fn create_api_key(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateApiKey = parse_body(&body)?;
    let mut c = Checks::default();
    c.len("name", Some(&req.name), 1, 64);
    c.each_one_of("scopes", req.scopes.as_deref(), SCOPES);
    c.each_one_of("permissions", req.permissions.as_deref(), PERMISSIONS);
    c.range("expires_in_days", req.expires_in_days, 1, 365);
    c.finish()?;
    let mut store = app.store();
    let seq = store.next_seq();
    let id = store.random_id("ak-", 8);
    let key = format!("sk-ic-{}", store.random_chars(32, true));
    let now = Utc::now();
    let k = ApiKey {
        seq,
        id: id.clone(),
        name: req.name,
        key: key.clone(),
        scopes: req
            .scopes
            .unwrap_or_else(|| SCOPES.iter().map(|s| s.to_string()).collect()),
        permissions: req.permissions.unwrap_or_else(|| vec!["read".to_string()]),
        created_at: now,
        expires_at: req.expires_in_days.map(|d| now + chrono::Duration::days(d)),
        last_used_at: None,
    };
    let mut body = api_key_json(&k);
    body["key"] = json!(key);
    store.api_keys.push(k);
    Ok(created(format!("/api/v1/api-keys/{id}"), body))
}

async fn get_api_key(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    Ok(Json(api_key_json(find_api_key(&mut store, &id)?)).into_response())
}

async fn revoke_api_key(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    find_api_key(&mut store, &id)?;
    store.api_keys.retain(|k| k.id != id);
    no_content()
}

// ---------------------------------------------------------------------------------------------
// SSH keys
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSshKey {
    name: String,
    public_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateSshKey {
    name: String,
}

fn ssh_key_json(k: &SshKey) -> Value {
    json!({
        "id": k.id, "name": k.name, "public_key": k.public_key,
        "fingerprint": k.fingerprint, "created_at": rfc3339(k.created_at),
    })
}

fn find_ssh_key<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut SshKey, ApiError> {
    store
        .ssh_keys
        .iter_mut()
        .find(|k| k.id == id)
        .ok_or_else(|| ApiError::not_found("SSH key", id))
}

fn register_ssh_key(
    store: &mut Store,
    name: String,
    public_key: String,
    fingerprint: String,
) -> Result<SshKey, ApiError> {
    if store.ssh_keys.iter().any(|k| k.name == name) {
        return Err(ApiError::conflict(format!(
            "An SSH key named '{name}' already exists"
        )));
    }
    if store.ssh_keys.iter().any(|k| k.fingerprint == fingerprint) {
        return Err(ApiError::conflict(format!(
            "An SSH key with fingerprint {fingerprint} is already registered"
        )));
    }
    let seq = store.next_seq();
    Ok(SshKey {
        seq,
        id: store.random_id("key-", 8),
        name,
        public_key,
        fingerprint,
        created_at: Utc::now(),
    })
}

async fn list_ssh_keys(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let items = newest(&app.store().ssh_keys, |k| k.seq, |k| Some(ssh_key_json(k)));
    list_response("sshKeys", "sshKeys", items, &q)
}

async fn create_ssh_key(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateSshKey = parse_body(&body)?;
    let mut c = Checks::default();
    c.len("name", Some(&req.name), 1, 64);
    c.ssh_key("public_key", Some(&req.public_key));
    c.finish()?;
    let parsed = ssh_key::PublicKey::from_openssh(&req.public_key)
        .map_err(|_| ApiError::validation("public_key", "must be an OpenSSH public key line"))?;
    let fingerprint = parsed.fingerprint(ssh_key::HashAlg::Sha256).to_string();
    let mut store = app.store();
    let k = register_ssh_key(
        &mut store,
        req.name,
        req.public_key.trim().to_string(),
        fingerprint,
    )?;
    let body = ssh_key_json(&k);
    let location = format!("/api/v1/ssh-keys/{}", k.id);
    store.ssh_keys.push(k);
    Ok(created(location, body))
}

/// A real Ed25519 key pair from the `ssh-key` crate, seeded from the emulator's RNG.
async fn generate_ssh_key(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: GenerateSshKey = parse_body(&body)?;
    let mut c = Checks::default();
    c.len("name", Some(&req.name), 1, 64);
    c.finish()?;
    let mut store = app.store();
    let seed: [u8; 32] = store.rng.random();
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&seed);
    let private = ssh_key::PrivateKey::new(pair.into(), req.name.clone())
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let pem = private
        .to_openssh(ssh_key::LineEnding::LF)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let public = private
        .public_key()
        .to_openssh()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let fingerprint = private.fingerprint(ssh_key::HashAlg::Sha256).to_string();
    let k = register_ssh_key(&mut store, req.name, public, fingerprint)?;
    let mut body = ssh_key_json(&k);
    body["private_key"] = json!(pem.as_str());
    let location = format!("/api/v1/ssh-keys/{}", k.id);
    store.ssh_keys.push(k);
    Ok(created(location, body))
}

async fn get_ssh_key(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    Ok(Json(ssh_key_json(find_ssh_key(&mut store, &id)?)).into_response())
}

async fn delete_ssh_key(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    find_ssh_key(&mut store, &id)?;
    store.ssh_keys.retain(|k| k.id != id);
    no_content()
}

// ---------------------------------------------------------------------------------------------
// Spending alerts
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct CreateAlert {
    name: String,
    threshold: i64,
    notify_via: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
struct UpdateAlert {
    name: Option<String>,
    threshold: Option<i64>,
    notify_via: Option<String>,
}

fn alert_json(a: &SpendingAlert) -> Value {
    json!({
        "id": a.id, "name": a.name, "threshold": a.threshold, "notifyVia": a.notify_via,
        "triggered": false, "lastTriggeredAt": null,
        "createdAt": rfc3339(a.created_at), "updatedAt": rfc3339(a.updated_at),
    })
}

fn find_alert<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut SpendingAlert, ApiError> {
    store
        .alerts
        .iter_mut()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::not_found("Spending alert", id))
}

async fn list_alerts(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let items = newest(&app.store().alerts, |a| a.seq, |a| Some(alert_json(a)));
    list_response("spendingAlerts", "spendingAlerts", items, &q)
}

async fn create_alert(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateAlert = parse_body(&body)?;
    let notify_via = req.notify_via.unwrap_or_else(|| "in_app".into());
    let mut c = Checks::default();
    c.len("name", Some(&req.name), 1, 128);
    c.min("threshold", Some(req.threshold), 1);
    c.one_of("notifyVia", Some(&notify_via), NOTIFY_VIA);
    c.finish()?;
    let mut store = app.store();
    let seq = store.next_seq();
    let id = store.random_id("alert-", 8);
    let now = Utc::now();
    let a = SpendingAlert {
        seq,
        id: id.clone(),
        name: req.name,
        threshold: req.threshold,
        notify_via,
        created_at: now,
        updated_at: now,
    };
    let body = alert_json(&a);
    store.alerts.push(a);
    Ok(created(format!("/api/v1/spending-alerts/{id}"), body))
}

async fn get_alert(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    Ok(Json(alert_json(find_alert(&mut store, &id)?)).into_response())
}

async fn update_alert(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let mut store = app.store();
    find_alert(&mut store, &id)?;
    let req: UpdateAlert = parse_body(&body)?;
    let mut c = Checks::default();
    if req.name.is_none() && req.threshold.is_none() && req.notify_via.is_none() {
        c.fail(
            "body",
            "must set at least one of name, threshold, notifyVia",
        );
    }
    c.len("name", req.name.as_deref(), 1, 128);
    c.min("threshold", req.threshold, 1);
    c.one_of("notifyVia", req.notify_via.as_deref(), NOTIFY_VIA);
    c.finish()?;
    let a = find_alert(&mut store, &id)?;
    if let Some(name) = req.name {
        a.name = name;
    }
    if let Some(threshold) = req.threshold {
        a.threshold = threshold;
    }
    if let Some(notify_via) = req.notify_via {
        a.notify_via = notify_via;
    }
    a.updated_at = Utc::now();
    Ok(Json(alert_json(a)).into_response())
}

async fn delete_alert(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    find_alert(&mut store, &id)?;
    store.alerts.retain(|a| a.id != id);
    no_content()
}
