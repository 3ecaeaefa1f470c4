//! The AMD ROCm Management API (`specs/rocm-management.openapi.yml`), mounted at `/rocm/v1`.
//!
//! Auth: `Authorization: Bearer rocm-test-token`. Errors: `{"code", "message"}`.
//!
//! A read-only view of one seeded host: eight AMD Instinct MI300X devices `gpu0`..`gpu7`.
//! Device `gpu5` is `critical` and `gpu3` is `warning`; the others are `healthy` (fixed across
//! seeds so tests can rely on them; the seed only varies telemetry numbers). The spec's
//! `listDevices` takes no query parameters, so the emulator offers no server-side filter.
//!
//! Admin: `POST /_admin/rocm/devices/{deviceId}/health` with `{"status": "<healthy|warning|critical|unknown>"}`
//! changes a device's health (the API itself is read-only).

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::core::{ApiModule, EmulatorConfig, LiveObject, Shared};

const API: &str = "rocm";
const TOKEN: &str = "rocm-test-token";
const HEALTH: [&str; 4] = ["healthy", "warning", "critical", "unknown"];
/// The seeded device whose health is `critical`.
pub const CRITICAL_DEVICE: &str = "gpu5";
/// The seeded device whose health is `warning`.
pub const WARNING_DEVICE: &str = "gpu3";
const DEVICE_COUNT: usize = 8;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "code": code, "message": message.into() })),
    )
        .into_response()
}

fn device_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "NOT_FOUND", "Device not found")
}

#[derive(Clone)]
struct Device {
    id: String,
    bus: u8,
    health: String,
    temperature: i64,
    fan_speed: i64,
    power_draw: f64,
    ecc_errors: i64,
    gpu_utilization: f64,
    memory_utilization: f64,
}

impl Device {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": "AMD Instinct MI300X",
            "model": "MI300X",
            "vbios": "113-MSIV3C5.0N",
            "driverVersion": "6.1.0",
            "memoryTotal": 192,
            "pcieBusId": format!("0000:{:02x}:00.0", self.bus),
            "computeUnits": 304,
        })
    }

    fn health_json(&self) -> Value {
        json!({
            "deviceId": self.id,
            "status": self.health,
            "temperature": self.temperature,
            "fanSpeed": self.fan_speed,
            "powerDraw": self.power_draw,
            "eccErrors": self.ecc_errors,
        })
    }

    fn performance_json(&self) -> Value {
        json!({
            "deviceId": self.id,
            "gpuUtilization": self.gpu_utilization,
            "memoryUtilization": self.memory_utilization,
            "memoryBandwidth": (self.memory_utilization * 53.0).round(),
            "computeThroughput": (self.gpu_utilization * 2.0).round() / 100.0,
        })
    }
}

fn seeded_devices(seed: u64) -> Vec<Device> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x726f_636d);
    (0..DEVICE_COUNT)
        .map(|n| {
            let id = format!("gpu{n}");
            let (health, temp_base, ecc) = match id.as_str() {
                CRITICAL_DEVICE => ("critical", 98, 1042),
                WARNING_DEVICE => ("warning", 86, 3),
                _ => ("healthy", 55, 0),
            };
            let util = f64::from(rng.random_range(500u32..990)) / 10.0;
            Device {
                id,
                bus: [0x03, 0x23, 0x43, 0x63, 0x83, 0xa3, 0xc3, 0xe3][n],
                health: health.into(),
                temperature: temp_base + i64::from(rng.random_range(0u8..8)),
                fan_speed: 35 + i64::from(rng.random_range(0u8..30)),
                power_draw: f64::from(rng.random_range(350u32..700)),
                ecc_errors: ecc,
                gpu_utilization: util,
                memory_utilization: (util * 0.85 * 10.0).round() / 10.0,
            }
        })
        .collect()
}

/// The ROCm management emulator.
pub struct Rocm {
    config: EmulatorConfig,
    devices: Mutex<Vec<Device>>,
}

impl Rocm {
    pub fn new(config: &EmulatorConfig) -> Self {
        Self {
            config: config.clone(),
            devices: Mutex::new(seeded_devices(config.seed)),
        }
    }

    fn device(&self, id: &str) -> Option<Device> {
        lock(&self.devices).iter().find(|d| d.id == id).cloned()
    }
}

#[derive(Clone)]
struct Ctx {
    rocm: Arc<Rocm>,
    shared: Arc<Shared>,
}

async fn require_bearer(headers: HeaderMap, req: Request, next: Next) -> Response {
    let token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(TOKEN) => next.run(req).await,
        _ => error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Authentication required",
        ),
    }
}

async fn list_devices(State(ctx): State<Ctx>) -> Response {
    ctx.shared.ledger.record(API, "listDevices");
    let devices: Vec<Value> = lock(&ctx.rocm.devices)
        .iter()
        .map(Device::to_json)
        .collect();
    Json(json!({ "devices": devices })).into_response()
}

async fn get_device(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    ctx.shared.ledger.record(API, "getDevice");
    ctx.rocm
        .device(&id)
        .map_or_else(device_not_found, |d| Json(d.to_json()).into_response())
}

async fn get_device_health(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    ctx.shared.ledger.record(API, "getDeviceHealth");
    ctx.rocm
        .device(&id)
        .map_or_else(device_not_found, |d| Json(d.health_json()).into_response())
}

async fn get_device_performance(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    ctx.shared.ledger.record(API, "getDevicePerformance");
    ctx.rocm.device(&id).map_or_else(device_not_found, |d| {
        Json(d.performance_json()).into_response()
    })
}

async fn get_rocm_version(State(ctx): State<Ctx>) -> Response {
    ctx.shared.ledger.record(API, "getRocmVersion");
    Json(json!({
        "rocmVersion": "6.1.0",
        "hipVersion": "6.1.40091",
        "driverVersion": "6.1.0.60100",
        "kernelVersion": "5.15.0-105-generic",
    }))
    .into_response()
}

async fn admin_set_health(State(ctx): State<Ctx>, Path(id): Path<String>, body: Bytes) -> Response {
    let status = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("status").and_then(Value::as_str).map(str::to_owned));
    let Some(status) = status.filter(|s| HEALTH.contains(&s.as_str())) else {
        return error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!("body must be {{\"status\": one of {}}}", HEALTH.join(", ")),
        );
    };
    let mut devices = lock(&ctx.rocm.devices);
    match devices.iter_mut().find(|d| d.id == id) {
        Some(d) => {
            d.health = status;
            Json(d.health_json()).into_response()
        }
        None => device_not_found(),
    }
}

impl ApiModule for Rocm {
    fn name(&self) -> &'static str {
        API
    }

    fn mount(&self) -> &'static str {
        "/rocm/v1"
    }

    fn router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        Router::new()
            .route("/devices", get(list_devices))
            .route("/devices/{deviceId}", get(get_device))
            .route("/devices/{deviceId}/health", get(get_device_health))
            .route(
                "/devices/{deviceId}/performance",
                get(get_device_performance),
            )
            .route("/system/rocm-version", get(get_rocm_version))
            .route_layer(axum::middleware::from_fn(require_bearer))
            .with_state(Ctx { rocm: self, shared })
    }

    /// Devices are hardware, not objects a client creates; nothing here can be orphaned.
    fn live_objects(&self) -> Vec<LiveObject> {
        Vec::new()
    }

    fn reset(&self) {
        *lock(&self.devices) = seeded_devices(self.config.seed);
    }

    fn admin_router(self: Arc<Self>, shared: Arc<Shared>) -> Router {
        Router::new()
            .route("/devices/{deviceId}/health", post(admin_set_health))
            .with_state(Ctx { rocm: self, shared })
    }

    fn error_body(&self, status: u16, message: &str) -> Value {
        let code = match status {
            400 => "VALIDATION_ERROR",
            401 => "UNAUTHORIZED",
            404 => "NOT_FOUND",
            429 => "RATE_LIMITED",
            503 => "SERVICE_UNAVAILABLE",
            _ => "INTERNAL_ERROR",
        };
        json!({ "code": code, "message": message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_fixes_health_but_varies_telemetry() {
        let a = seeded_devices(1);
        let b = seeded_devices(2);
        assert_eq!(a.len(), DEVICE_COUNT);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.health, y.health);
        }
        assert_eq!(
            a.iter().filter(|d| d.health == "critical").count(),
            1,
            "exactly one critical device"
        );
        assert!(
            a.iter()
                .zip(&b)
                .any(|(x, y)| x.temperature != y.temperature
                    || x.gpu_utilization != y.gpu_utilization)
        );
        let again = seeded_devices(1);
        assert!(a
            .iter()
            .zip(&again)
            .all(|(x, y)| x.temperature == y.temperature));
    }
}
