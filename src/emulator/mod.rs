//! The GPU-cloud emulator: a real HTTP server implementing all five APIs, with lifecycles,
//! auth, errors, pagination, rate limits, fault injection and a ledger.
//!
//! Every API is an [`ApiModule`] mounted under its own prefix (`/icgpu`, `/amd/v1`, ...).
//! Admin routes live under `/_admin`:
//! - `GET /_admin/ledger` → `{"requests": {"<api>.<operationId>": n}, "created":
//!   {"<api>.<kind>": [id...]}, "live": [LiveObject...]}`
//! - `POST /_admin/reset` clears the ledger, the fault rules and tally, the provisioning
//!   controls and every API's objects
//! - `GET|POST|DELETE /_admin/faults` lists (with the tally: `{"rules", "tally": {"injected":
//!   {"<kind>": n}, "retries": n}}`), adds (one rule or an array) or clears fault rules
//! - `POST /_admin/hold`: objects created from now on stay in their first status (starting)
//!   until `POST /_admin/release`, which lets them boot from then and answers `{"released": n}`
//!   (IC GPU instances, VMs and clusters, AMD and Shadeform instances, GPU AI runtimes)
//! - `POST /_admin/outcomes` `{"api", "status", "message"?, "count"?}`: the next `count`
//!   (default 1) instances that API creates end in `status` where they would become ready
//!   (IC GPU instances, AMD and Shadeform instances, GPU AI runtimes; the message shows where
//!   the API's objects carry one: IC GPU `error_message`, GPU AI `message`)
//! - `POST /_admin/ssh_endpoint` `{"host", "port"}`: instances created from now on report this
//!   SSH address (Shadeform `ip`/`ssh_port`, IC GPU instance and VM `ssh_host`/`ssh_port`, GPU
//!   AI `endpoints.ssh`), so a test can point them at its own sshd
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
    ApiModule, CapacityFault, EmulatorConfig, FaultAction, FaultRule, FaultTally, Faults, Ledger,
    LiveObject, NamedFault, Outcome, Provisioning, Shared, SshEndpoint,
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
        "created": st.shared.ledger.created(),
        "live": live_of(&st.modules),
    }))
}

async fn admin_reset(State(st): State<AdminState>) -> StatusCode {
    st.shared.ledger.reset();
    st.shared.faults.clear();
    st.shared.faults.reset_tally();
    st.shared.provisioning.reset();
    for m in st.modules.iter() {
        m.reset();
    }
    StatusCode::NO_CONTENT
}

async fn admin_faults_list(State(st): State<AdminState>) -> Json<Value> {
    Json(json!({ "rules": st.shared.faults.list(), "tally": st.shared.faults.tally() }))
}

async fn admin_hold(State(st): State<AdminState>) -> Json<Value> {
    st.shared.provisioning.set_holding(true);
    Json(json!({ "holding": true }))
}

async fn admin_ssh_endpoint(State(st): State<AdminState>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<SshEndpoint>(&body) {
        Ok(e) if !e.host.trim().is_empty() => {
            st.shared.provisioning.set_ssh_endpoint(Some(e.clone()));
            Json(json!({ "host": e.host, "port": e.port })).into_response()
        }
        Ok(_) => bad_admin_request("host must not be empty"),
        Err(e) => bad_admin_request(format!("body must be {{\"host\", \"port\"}}: {e}")),
    }
}

async fn admin_release(State(st): State<AdminState>) -> Json<Value> {
    Json(json!({ "released": release_all(&st.shared, &st.modules) }))
}

/// Ends a hold: objects created from now on boot at once, and every held one boots from now.
fn release_all(shared: &Shared, modules: &[Arc<dyn ApiModule>]) -> usize {
    shared.provisioning.set_holding(false);
    modules.iter().map(|m| m.release_held()).sum()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeRequest {
    api: String,
    status: String,
    message: Option<String>,
    count: Option<usize>,
}

/// A refused admin request: 400 with `{"message"}`.
fn bad_admin_request(message: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "message": message.to_string() })),
    )
        .into_response()
}

async fn admin_outcomes(State(st): State<AdminState>, body: axum::body::Bytes) -> Response {
    let req = match serde_json::from_slice::<OutcomeRequest>(&body) {
        Ok(r) => r,
        Err(e) => {
            return bad_admin_request(format!(
                "body must be {{\"api\", \"status\", \"message\"?, \"count\"?}}: {e}"
            ))
        }
    };
    if !st.modules.iter().any(|m| m.name() == req.api) || req.status.trim().is_empty() {
        return bad_admin_request("api must name an emulated API and status must not be empty");
    }
    let count = req.count.unwrap_or(1).min(1000);
    st.shared
        .provisioning
        .push_outcome(&req.api, Outcome::new(&req.status, req.message), count);
    (
        StatusCode::CREATED,
        Json(json!({ "api": req.api, "queued": st.shared.provisioning.queued(&req.api) })),
    )
        .into_response()
}

async fn admin_faults_add(State(st): State<AdminState>, body: axum::body::Bytes) -> Response {
    let parsed: Result<Vec<FaultRule>, _> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items.into_iter().map(serde_json::from_value).collect(),
        Ok(one) => serde_json::from_value(one).map(|r| vec![r]),
        Err(e) => Err(e),
    };
    let rules = match parsed {
        Ok(r) => r,
        Err(e) => return bad_admin_request(format!("bad fault rule: {e}")),
    };
    for rule in rules {
        if let Err(e) = st.shared.faults.add(rule) {
            return bad_admin_request(e);
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
        .route("/_admin/hold", post(admin_hold))
        .route("/_admin/release", post(admin_release))
        .route("/_admin/outcomes", post(admin_outcomes))
        .route("/_admin/ssh_endpoint", post(admin_ssh_endpoint))
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

    /// Ends a hold (see `POST /_admin/release`); returns how many objects were released.
    pub fn release_held(&self) -> usize {
        release_all(&self.shared, &self.modules)
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
    /// IC GPU requests allowed per sliding minute; 0 turns the limit off.
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

    /// One request through the whole emulator; the answer's status and JSON body.
    async fn call(
        app: &Router,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let resp = app
            .clone()
            .oneshot(req.body(body).expect("request"))
            .await
            .expect("served");
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn admin(app: &Router, path: &str, body: Value) -> (StatusCode, Value) {
        call(app, "POST", path, &[], Some(body)).await
    }

    fn instant_lifecycles() -> EmulatorConfig {
        EmulatorConfig {
            step: std::time::Duration::ZERO,
            ..EmulatorConfig::default()
        }
    }

    const SHADEFORM: &[(&str, &str)] = &[("x-api-key", "shadeform-test-key")];
    const AMD: &[(&str, &str)] = &[("x-api-key", "amd-test-key")];

    #[tokio::test]
    async fn a_hold_keeps_creates_starting_until_released_and_outcomes_replace_ready() {
        let (app, _, _) = router(instant_lifecycles());
        let (s, _) = call(&app, "POST", "/_admin/hold", &[], None).await;
        assert_eq!(s, StatusCode::OK);
        let (s, sf) = call(
            &app,
            "POST",
            "/shadeform/v1/instances/create",
            SHADEFORM,
            Some(json!({"cloud": "tensordock", "region": "na-us-bos-1",
                "shade_instance_type": "A6000", "shade_cloud": true, "name": "held"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{sf}");
        let info = format!(
            "/shadeform/v1/instances/{}/info",
            sf["id"].as_str().expect("id")
        );
        let (_, i) = call(&app, "GET", &info, SHADEFORM, None).await;
        assert_eq!(
            i["status"], "pending",
            "held although lifecycles are instant"
        );

        let (s, _) = admin(
            &app,
            "/_admin/outcomes",
            json!({"api": "amd", "status": "maintenance"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, amd) = call(
            &app,
            "POST",
            "/amd/v1/instances",
            AMD,
            Some(json!({"name": "m", "gpuType": "mi210", "gpuCount": 1})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{amd}");
        let amd_path = format!("/amd/v1/instances/{}", amd["id"].as_str().expect("id"));
        let (_, a) = call(&app, "GET", &amd_path, AMD, None).await;
        assert_eq!(a["status"], "pending");

        let (_, released) = call(&app, "POST", "/_admin/release", &[], None).await;
        assert_eq!(released["released"], 2);
        let (_, i) = call(&app, "GET", &info, SHADEFORM, None).await;
        assert_eq!(i["status"], "active");
        let (_, a) = call(&app, "GET", &amd_path, AMD, None).await;
        assert_eq!(
            a["status"], "maintenance",
            "the queued outcome replaces running"
        );

        let (_, ledger) = call(&app, "GET", "/_admin/ledger", &[], None).await;
        assert_eq!(ledger["created"]["shadeform.instance"], json!([sf["id"]]));
        assert_eq!(ledger["created"]["amd.instance"], json!([amd["id"]]));
        let unknown_api = json!({"api": "nowhere", "status": "x"});
        let (s, _) = admin(&app, "/_admin/outcomes", unknown_api).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn an_icgpu_replay_creates_nothing_and_an_outcome_carries_its_message() {
        let (app, shared, _) = router(instant_lifecycles());
        let auth = ("authorization", "Bearer icgpu-test-token");
        for _ in 0..2 {
            let (s, body) = call(
                &app,
                "POST",
                "/icgpu/api/v1/instances",
                &[auth, ("idempotency-key", "k-1")],
                Some(json!({"name": "a", "tier": "mig"})),
            )
            .await;
            assert_eq!(s, StatusCode::CREATED, "{body}");
        }
        assert_eq!(shared.ledger.count("icgpu", "createInstance"), 2);
        assert_eq!(shared.ledger.created()["icgpu.instance"].len(), 1);

        shared.provisioning.push_outcome(
            "icgpu",
            core::Outcome::new("degraded", Some("disk failed".into())),
            1,
        );
        let (_, b) = call(
            &app,
            "POST",
            "/icgpu/api/v1/instances",
            &[auth],
            Some(json!({"name": "b", "tier": "mig"})),
        )
        .await;
        let path = format!("/icgpu/api/v1/instances/{}", b["id"].as_str().expect("id"));
        let (_, got) = call(&app, "GET", &path, &[auth], None).await;
        assert_eq!(got["status"], "degraded", "{got}");
        assert_eq!(got["error_message"], "disk failed");
        assert_eq!(shared.ledger.created()["icgpu.instance"].len(), 2);
    }

    #[tokio::test]
    async fn the_fault_tally_shows_injections_and_the_retry_after_them() {
        let (app, _, _) = router(instant_lifecycles());
        let (s, _) = admin(
            &app,
            "/_admin/faults",
            json!({"api": "amd", "times": 1, "action": {"status": 503}}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let (first, _) = call(&app, "GET", "/amd/v1/instances", AMD, None).await;
        let (second, _) = call(&app, "GET", "/amd/v1/instances", AMD, None).await;
        assert_eq!(
            (first, second),
            (StatusCode::SERVICE_UNAVAILABLE, StatusCode::OK)
        );
        let (_, faults) = call(&app, "GET", "/_admin/faults", &[], None).await;
        assert_eq!(
            faults["tally"],
            json!({"injected": {"status_503": 1}, "retries": 1})
        );
        call(&app, "POST", "/_admin/reset", &[], None).await;
        let (_, faults) = call(&app, "GET", "/_admin/faults", &[], None).await;
        assert_eq!(faults["tally"], json!({"injected": {}, "retries": 0}));
    }

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
