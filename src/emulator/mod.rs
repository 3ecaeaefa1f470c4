//! The GPU-cloud emulator: a real HTTP server implementing all five APIs, with lifecycles,
//! auth, errors, pagination, rate limits, fault injection and a ledger.
//!
//! Every API is an [`ApiModule`] mounted under its own prefix (`/icgpu`, `/amd/v1`, ...).
//! Admin routes live under `/_admin`:
//! - `GET /_admin/ledger` → `{"requests": {"<api>.<operationId>": n}, "live": [LiveObject...]}`
//! - `POST /_admin/reset` clears the ledger, the fault rules and every API's objects
//! - `GET|POST|DELETE /_admin/faults` lists, adds (one rule or an array) or clears fault rules
//! - `/_admin/<api>/...` per-API actions (see each module)
//!
//! Lifecycles are computed lazily from timestamps, so there are no background tasks.

pub mod amd;
pub mod core;
pub mod gpuai;
pub mod icgpu;
pub mod rocm;
pub mod shadeform;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use self::core::{fault_middleware, FaultLayerState};
pub use self::core::{
    ApiModule, CapacityFault, EmulatorConfig, FaultAction, FaultRule, Faults, Ledger, LiveObject,
    NamedFault, Shared,
};

/// Every API the emulator serves. Other members add one line each here.
fn modules(config: &EmulatorConfig) -> Vec<Arc<dyn ApiModule>> {
    vec![
        Arc::new(icgpu::IcGpu::new(config)),
        Arc::new(amd::Amd::new(config)),
        Arc::new(rocm::Rocm::new(config)),
        Arc::new(shadeform::Shadeform::new(config)),
        Arc::new(gpuai::GpuAi::new(config)),
    ]
}

#[derive(Clone)]
struct AdminState {
    shared: Arc<Shared>,
    modules: Arc<Vec<Arc<dyn ApiModule>>>,
}

fn live_of(modules: &[Arc<dyn ApiModule>]) -> Vec<LiveObject> {
    modules.iter().flat_map(|m| m.live_objects()).collect()
}

async fn admin_ledger(State(st): State<AdminState>) -> Json<Value> {
    Json(json!({
        "requests": st.shared.ledger.counts(),
        "live": live_of(&st.modules),
    }))
}

async fn admin_reset(State(st): State<AdminState>) -> StatusCode {
    st.shared.ledger.reset();
    st.shared.faults.clear();
    for m in st.modules.iter() {
        m.reset();
    }
    StatusCode::NO_CONTENT
}

async fn admin_faults_list(State(st): State<AdminState>) -> Json<Value> {
    Json(json!({ "rules": st.shared.faults.list() }))
}

async fn admin_faults_add(State(st): State<AdminState>, body: axum::body::Bytes) -> Response {
    let parsed: Result<Vec<FaultRule>, _> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items.into_iter().map(serde_json::from_value).collect(),
        Ok(one) => serde_json::from_value(one).map(|r| vec![r]),
        Err(e) => Err(e),
    };
    let rules = match parsed {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "message": format!("bad fault rule: {e}") })),
            )
                .into_response()
        }
    };
    for rule in rules {
        if let Err(e) = st.shared.faults.add(rule) {
            return (StatusCode::BAD_REQUEST, Json(json!({ "message": e }))).into_response();
        }
    }
    (
        StatusCode::CREATED,
        Json(json!({ "rules": st.shared.faults.list() })),
    )
        .into_response()
}

async fn admin_faults_clear(State(st): State<AdminState>) -> StatusCode {
    st.shared.faults.clear();
    StatusCode::NO_CONTENT
}

/// Builds the whole emulator as one router (for in-process `oneshot` tests and for [`start`]).
pub fn router(config: EmulatorConfig) -> (Router, Arc<Shared>, Vec<Arc<dyn ApiModule>>) {
    let modules = modules(&config);
    let shared = Arc::new(Shared::new(config));
    let mods = Arc::new(modules.clone());

    let mut app = Router::new();
    for m in &modules {
        app = app.nest(m.mount(), m.clone().router(shared.clone()));
    }
    let app = app.layer(axum::middleware::from_fn_with_state(
        FaultLayerState {
            shared: shared.clone(),
            modules: mods.clone(),
        },
        fault_middleware,
    ));

    let mut admin = Router::new()
        .route("/_admin/ledger", get(admin_ledger))
        .route("/_admin/reset", post(admin_reset))
        .route(
            "/_admin/faults",
            get(admin_faults_list)
                .post(admin_faults_add)
                .delete(admin_faults_clear),
        )
        .with_state(AdminState {
            shared: shared.clone(),
            modules: mods,
        });
    for m in &modules {
        admin = admin.nest(
            &format!("/_admin/{}", m.name()),
            m.clone().admin_router(shared.clone()),
        );
    }
    (app.merge(admin), shared, modules)
}

/// A running emulator.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    modules: Vec<Arc<dyn ApiModule>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl EmulatorHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    pub fn live_objects(&self) -> Vec<LiveObject> {
        live_of(&self.modules)
    }

    /// `(api name, base URL)` for every mounted API.
    pub fn api_urls(&self) -> Vec<(&'static str, String)> {
        self.modules
            .iter()
            .map(|m| (m.name(), format!("{}{}", self.base_url(), m.mount())))
            .collect()
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Binds `listen` (use `127.0.0.1:0` in tests) and serves every API until shut down.
pub async fn start(config: EmulatorConfig, listen: SocketAddr) -> std::io::Result<EmulatorHandle> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (app, shared, modules) = router(config);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stop_rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "emulator server stopped");
        }
    });
    Ok(EmulatorHandle {
        addr,
        shared,
        modules,
        stop: Some(stop_tx),
        task,
    })
}

/// Arguments of `terraform-provider-gpucloud emulator`.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on; only loopback addresses are accepted.
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub listen: SocketAddr,
    /// Seed for every random choice the emulator makes.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Length of one lifecycle step in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub step_ms: u64,
    /// IC GPU requests allowed per sliding minute.
    #[arg(long, default_value_t = 120)]
    pub rate_limit_per_minute: u32,
    /// A fault rule as JSON (repeatable), e.g. '{"api":"icgpu","times":1,"action":"drop"}'.
    #[arg(long = "fault")]
    pub faults: Vec<String>,
}

/// Runs the emulator standalone: prints each API's base URL and serves until Ctrl-C.
pub async fn run_cli(args: EmulatorArgs) -> std::io::Result<()> {
    if !args.listen.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "refusing to listen on {}: the emulator accepts well-known test tokens, so it only listens on loopback addresses",
                args.listen
            ),
        ));
    }
    let config = EmulatorConfig {
        seed: args.seed,
        step: std::time::Duration::from_millis(args.step_ms),
        rate_limit_per_minute: args.rate_limit_per_minute,
    };
    let mut rules = Vec::new();
    for raw in &args.faults {
        let rule: FaultRule = serde_json::from_str(raw).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("bad --fault {raw:?}: {e}"),
            )
        })?;
        rules.push(rule);
    }
    let handle = start(config, args.listen).await?;
    for rule in rules {
        handle
            .shared()
            .faults
            .add(rule)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    }
    println!("emulator listening on {}", handle.base_url());
    for (name, url) in handle.api_urls() {
        println!("  {name:<10} {url}");
    }
    println!("  {:<10} {}/_admin/ledger", "admin", handle.base_url());
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn the_cli_refuses_non_loopback_addresses() {
        let args = EmulatorArgs {
            listen: "0.0.0.0:0".parse().expect("addr"),
            seed: 0,
            step_ms: 10,
            rate_limit_per_minute: 120,
            faults: Vec::new(),
        };
        let err = run_cli(args).await.expect_err("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[tokio::test]
    async fn the_router_serves_in_process_and_the_ledger_sees_it() {
        let (app, shared, modules) = router(EmulatorConfig::default());
        assert!(modules.iter().any(|m| m.name() == "icgpu"));
        let resp = app
            .clone()
            .oneshot(
                Request::get("/icgpu/api/v1/gpu-tiers")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("served");
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers().contains_key("x-request-id"));
        assert_eq!(shared.ledger.count("icgpu", "listGpuTiers"), 1);
        let bad = app
            .oneshot(
                Request::post("/_admin/faults")
                    .body(Body::from(r#"{"action":"explode"}"#))
                    .expect("request"),
            )
            .await
            .expect("served");
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    }
}
