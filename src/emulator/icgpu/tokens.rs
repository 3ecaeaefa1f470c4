//! The account's prepaid token balance and its usage history, read-only here. A fresh account
//! holds the starting credit, shown as the first usage entry.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::store::{newest, rfc3339};
use super::web::{list_response, ApiResult};
use super::{Access, App};

/// `(method, route, operationId, access, takes Idempotency-Key)`, as in `super::OPS`.
pub(super) const OPS: &[(&str, &str, &str, Access, bool)] = &[
    (
        "GET",
        "/api/v1/tokens/balance",
        "getTokenBalance",
        Access::Scoped,
        false,
    ),
    (
        "GET",
        "/api/v1/tokens/usage",
        "listTokenUsage",
        Access::Scoped,
        false,
    ),
];

/// Tokens a fresh account starts with.
pub const STARTING_CREDIT: i64 = 1_000_000;

/// One change of the balance: positive credits it, negative spends.
pub struct UsageEntry {
    pub seq: u64,
    pub id: String,
    pub kind: &'static str,
    pub tokens: i64,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

pub struct Tokens {
    pub usage: Vec<UsageEntry>,
}

impl Default for Tokens {
    fn default() -> Self {
        Self {
            usage: vec![UsageEntry {
                seq: 0,
                id: "usage-start".into(),
                kind: "credit",
                tokens: STARTING_CREDIT,
                description: "Starting credit".into(),
                created_at: Utc::now(),
            }],
        }
    }
}

impl Tokens {
    pub fn balance(&self) -> i64 {
        self.usage.iter().map(|u| u.tokens).sum()
    }
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/tokens/balance", get(get_balance))
        .route("/api/v1/tokens/usage", get(list_usage))
}

async fn get_balance(State(app): State<App>) -> ApiResult {
    let store = app.store();
    let t = &store.tokens;
    let updated = t.usage.iter().map(|u| u.created_at).max();
    Ok(Json(json!({
        "balance": t.balance(),
        "updated_at": updated.map(rfc3339),
    }))
    .into_response())
}

fn usage_json(u: &UsageEntry) -> Value {
    json!({
        "id": u.id, "kind": u.kind, "tokens": u.tokens, "description": u.description,
        "created_at": rfc3339(u.created_at),
    })
}

async fn list_usage(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let store = app.store();
    let items = newest(&store.tokens.usage, |u| u.seq, |u| Some(usage_json(u)));
    list_response("usage", "usage", items, &q)
}
