//! Inventory, GPU config and notify-availability (the `/inventory` gateway prefix).
//!
//! Counts are live: `available_gpu_count` = installed − held by other tenants − held by this
//! emulator's runtimes in that config and region (see `runtimes::held_gpus`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::seed::GpuConfig;
use super::{conflict, error, int_param, invalid, not_found, paginate, rfc3339, uuid_from};
use super::{runtimes, Ctx, Store};
use crate::emulator::core::EmulatorConfig;

/// A pending request expires when not notified within this long.
const NOTIFY_EXPIRY: Duration = Duration::from_secs(30 * 24 * 3600);
const NOTIFY_STATUSES: [&str; 4] = ["pending", "notified", "cancelled", "expired"];

pub(crate) struct Notification {
    pub id: String,
    pub region_id: String,
    pub config_id: String,
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
    pub created: Instant,
    pub notified_at: Option<DateTime<Utc>>,
}

impl Notification {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "region_id": self.region_id,
            "config_id": self.config_id,
            "status": self.status,
            "created_at": rfc3339(self.created_at),
            "notified_at": self.notified_at.map(rfc3339),
        })
    }
}

fn availability(available: u32) -> &'static str {
    match available {
        0 => "None",
        1..=7 => "Low",
        8..=31 => "Medium",
        _ => "High",
    }
}

/// Free GPUs of a config in a region right now (0 when it is not offered there).
pub(crate) fn available_gpus(
    st: &Store,
    cfg: &EmulatorConfig,
    config_id: &str,
    region: &str,
) -> u32 {
    let Some(offer) = st.offers.get(&(config_id.to_owned(), region.to_owned())) else {
        return 0;
    };
    offer
        .total
        .saturating_sub(offer.reserved)
        .saturating_sub(runtimes::held_gpus(st, cfg, config_id, region))
}

/// The largest `gpuCount` a new runtime can ask for now.
pub(crate) fn max_gpus(st: &Store, cfg: &EmulatorConfig, c: &GpuConfig, region: &str) -> u32 {
    c.per_runtime_cap
        .min(available_gpus(st, cfg, &c.config_id, region))
}

fn item_json(st: &Store, cfg: &EmulatorConfig, c: &GpuConfig, region: &str) -> Value {
    let total = st
        .offers
        .get(&(c.config_id.clone(), region.to_owned()))
        .map_or(0, |o| o.total);
    let available = available_gpus(st, cfg, &c.config_id, region);
    json!({
        "config_id": c.config_id,
        "gpu_model": c.gpu_model,
        "gpu_vendor": c.gpu_vendor,
        "vram_gib": c.vram_gib,
        "default_cpu_cores": c.cpu,
        "default_memory_gib": c.memory_gib,
        "price_per_gpu_per_hour": c.price,
        "region": region,
        "min_gpu_count": c.min_gpu_count,
        "max_gpu_count": max_gpus(st, cfg, c, region),
        "available_gpu_count": available,
        "total_gpu_count": total,
        "availability": availability(available),
        "instance_type": "airuntime",
        "type": "GPU",
    })
}

pub(crate) async fn list(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ctx.record("listInventory");
    let vram_min = match int_param(&q, "vram_min", 0, 0, i64::MAX) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let vram_max = match int_param(&q, "vram_max", 0, 0, i64::MAX) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if vram_min > 0 && vram_max > 0 && vram_min > vram_max {
        return invalid("vram_min", "must not exceed vram_max");
    }
    let region = q.get("region");
    let ty = q.get("type");
    let model = q.get("gpu_model").map(|m| m.to_lowercase());
    let vendor = q.get("gpu_vendor");
    let st = ctx.ai.state();
    // Offers are keyed (config_id, region), so this walks config_id then region ascending.
    let items: Vec<Value> = st
        .offers
        .keys()
        .filter(|(_, r)| region.is_none_or(|want| r == want))
        .filter(|_| ty.is_none_or(|t| t == "GPU"))
        .filter_map(|(id, r)| st.config(id).map(|c| (c, r)))
        .filter(|(c, _)| {
            model
                .as_ref()
                .is_none_or(|m| c.gpu_model.to_lowercase().contains(m))
        })
        .filter(|(c, _)| vendor.is_none_or(|v| c.gpu_vendor.eq_ignore_ascii_case(v)))
        .filter(|(c, _)| vram_min == 0 || i64::from(c.vram_gib) >= vram_min)
        .filter(|(c, _)| vram_max == 0 || i64::from(c.vram_gib) <= vram_max)
        .map(|(c, r)| item_json(&st, ctx.cfg(), c, r))
        .collect();
    match paginate(&q, items) {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

pub(crate) async fn gpu_config(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ctx.record("getGpuConfig");
    let Some(id) = q.get("config_id").filter(|s| !s.is_empty()) else {
        return invalid("config_id", "is required");
    };
    let st = ctx.ai.state();
    let Some(c) = st.config(id) else {
        return not_found(format!("gpu config {id} not found"));
    };
    let regions: Vec<&str> = st
        .offers
        .keys()
        .filter(|(cid, _)| cid == id)
        .map(|(_, r)| r.as_str())
        .collect();
    let Some(first) = regions.first() else {
        return not_found(format!("gpu config {id} not found"));
    };
    let mut v = item_json(&st, ctx.cfg(), c, first);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("regions".into(), json!(regions));
        obj.insert(
            "plans".into(),
            Value::Array(c.plans.iter().map(|p| p.to_json()).collect()),
        );
    }
    Json(v).into_response()
}

/// Moves pending requests on: `expired` after 30 days, else `notified` once capacity exists.
fn evaluate(st: &mut Store, cfg: &EmulatorConfig) {
    let now = Utc::now();
    let ready: Vec<bool> = st
        .notifications
        .iter()
        .map(|n| available_gpus(st, cfg, &n.config_id, &n.region_id) > 0)
        .collect();
    for (n, ready) in st.notifications.iter_mut().zip(ready) {
        if n.status != "pending" {
            continue;
        }
        if n.created.elapsed() >= NOTIFY_EXPIRY {
            n.status = "expired";
        } else if ready {
            n.status = "notified";
            n.notified_at = Some(now);
        }
    }
}

pub(crate) async fn list_notify(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ctx.record("listGpuNotifyAvailabilityRequests");
    let status = q.get("status");
    if let Some(s) = status {
        if !NOTIFY_STATUSES.contains(&s.as_str()) {
            return invalid(
                "status",
                format!("must be one of {}", NOTIFY_STATUSES.join(", ")),
            );
        }
    }
    let mut st = ctx.ai.state();
    evaluate(&mut st, ctx.cfg());
    // Newest first; creation order breaks ties between requests made in one instant.
    let items: Vec<Value> = st
        .notifications
        .iter()
        .rev()
        .filter(|n| status.is_none_or(|s| n.status == s))
        .map(Notification::to_json)
        .collect();
    Json(Value::Array(items)).into_response()
}

pub(crate) async fn create_notify(State(ctx): State<Ctx>, body: Bytes) -> Response {
    ctx.record("createGpuNotifyAvailabilityRequest");
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return invalid("body", "must be a JSON object with region_id and config_id");
    };
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let Some(region) = field("region_id") else {
        return invalid("region_id", "is required");
    };
    let Some(config_id) = field("config_id") else {
        return invalid("config_id", "is required");
    };
    let mut st = ctx.ai.state();
    if !st.has_region(region) {
        return invalid("region_id", format!("unknown region {region}"));
    }
    if !st
        .offers
        .contains_key(&(config_id.to_owned(), region.to_owned()))
    {
        return invalid(
            "config_id",
            format!("{config_id} is not offered in {region}"),
        );
    }
    evaluate(&mut st, ctx.cfg());
    if st
        .notifications
        .iter()
        .any(|n| n.status == "pending" && n.region_id == region && n.config_id == config_id)
    {
        return conflict(
            "conflict",
            format!("a pending notification for {config_id} in {region} already exists"),
        );
    }
    let n = Notification {
        id: uuid_from(&mut st.rng),
        region_id: region.to_owned(),
        config_id: config_id.to_owned(),
        status: "pending",
        created_at: Utc::now(),
        created: Instant::now(),
        notified_at: None,
    };
    let body = n.to_json();
    ctx.shared
        .ledger
        .record_created(super::API, "notify_availability", &n.id);
    st.notifications.push(n);
    (StatusCode::CREATED, Json(body)).into_response()
}

pub(crate) async fn admin_cancel(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    let mut st = ctx.ai.state();
    match st.notifications.iter_mut().find(|n| n.id == id) {
        Some(n) => {
            n.status = "cancelled";
            Json(n.to_json()).into_response()
        }
        None => not_found(format!("notification {id} not found")),
    }
}

pub(crate) async fn admin_capacity(State(ctx): State<Ctx>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Some((
            text("config_id"),
            text("plan_id"),
            text("region")?,
            u32::try_from(v.get("total_gpu_count")?.as_u64()?).ok()?,
        ))
    });
    let Some((config_id, plan_id, region, total)) = parsed else {
        return error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "body must be {\"config_id\" or \"plan_id\", \"region\", \"total_gpu_count\"}",
        );
    };
    let mut st = ctx.ai.state();
    // By plan: every config offered in the region with that plan, so whichever the API picks
    // for a create of the plan has this capacity.
    if let (None, Some(plan_id)) = (&config_id, &plan_id) {
        let ids: Vec<String> = st
            .configs
            .iter()
            .filter(|c| c.plans.iter().any(|p| &p.plan_id == plan_id))
            .map(|c| c.config_id.clone())
            .filter(|id| st.offers.contains_key(&(id.clone(), region.clone())))
            .collect();
        if ids.is_empty() {
            return not_found(format!("no config offers plan {plan_id} in {region}"));
        }
        for id in &ids {
            if let Some(offer) = st.offers.get_mut(&(id.clone(), region.clone())) {
                offer.total = total;
                offer.reserved = offer.reserved.min(total);
            }
        }
        let st = &*st;
        let items: Vec<Value> = ids
            .iter()
            .filter_map(|id| st.config(id))
            .map(|c| item_json(st, ctx.cfg(), c, &region))
            .collect();
        return Json(json!({ "data": items })).into_response();
    }
    let Some(config_id) = config_id else {
        return invalid("config_id", "config_id or plan_id is required");
    };
    let Some(offer) = st.offers.get_mut(&(config_id.clone(), region.clone())) else {
        return not_found(format!("{config_id} is not offered in {region}"));
    };
    offer.total = total;
    offer.reserved = offer.reserved.min(total);
    let st = &*st;
    match st.config(&config_id) {
        Some(c) => Json(item_json(st, ctx.cfg(), c, &region)).into_response(),
        None => not_found(format!("gpu config {config_id} not found")),
    }
}
