//! The shared client against a small axum server this file controls: retries and
//! `Retry-After`, POST safety, idempotency keys, reconciled creates, rate limits, errors,
//! cancellation and redacted logs.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gpucloud::client::{
    create_reconciled, Api, Auth, Client, ClientConfig, ClientError, Deadline, Secret, Tuning,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "tok-SECRET-4f9a";

#[derive(Default)]
struct S {
    hits: Mutex<HashMap<String, u32>>,
    keys: Mutex<Vec<String>>,
    /// Instances the server created: (id, name, created_at).
    instances: Mutex<Vec<(String, String, chrono::DateTime<chrono::Utc>)>>,
    /// Arrival times of rate-limited requests.
    arrivals: Mutex<Vec<Instant>>,
    throttled: AtomicU32,
}

type St = Arc<S>;

impl S {
    fn hit(&self, name: &str) -> u32 {
        let mut h = self.hits.lock().expect("lock");
        let n = h.entry(name.to_string()).or_default();
        *n += 1;
        *n
    }
    fn hits(&self, name: &str) -> u32 {
        self.hits
            .lock()
            .expect("lock")
            .get(name)
            .copied()
            .unwrap_or(0)
    }
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("x-request-id", "req-42")],
        Json(json!({"code": code, "message": message})),
    )
        .into_response()
}

/// The first hit of `route` is answered `status` with `Retry-After: 1`, later ones succeed.
fn fails_once(s: &S, route: &str, status: StatusCode, code: &str) -> Response {
    if s.hit(route) == 1 {
        return (
            status,
            [("retry-after", "1")],
            Json(json!({"code": code, "message": "try later"})),
        )
            .into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn flaky(State(s): State<St>) -> Response {
    fails_once(&s, "flaky", StatusCode::SERVICE_UNAVAILABLE, "Unavailable")
}

async fn busy_once(State(s): State<St>) -> Response {
    fails_once(
        &s,
        "busy-once",
        StatusCode::TOO_MANY_REQUESTS,
        "ThrottlingException",
    )
}

async fn always_503(State(s): State<St>) -> Response {
    s.hit("always_503");
    api_error(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", "busy")
}

async fn always_500(State(s): State<St>) -> Response {
    s.hit("always_500");
    api_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal", "boom")
}

async fn keyed(State(s): State<St>, headers: HeaderMap) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    s.keys.lock().expect("lock").push(key);
    if s.hit("keyed") < 3 {
        return api_error(
            StatusCode::BAD_GATEWAY,
            "ServiceUnavailableException",
            "scaling",
        );
    }
    (StatusCode::CREATED, Json(json!({"id": "k-1"}))).into_response()
}

async fn unauthorized(headers: HeaderMap) -> Response {
    // A careless API that echoes the credential back in its error.
    let sent = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    api_error(
        StatusCode::UNAUTHORIZED,
        "AuthenticationError",
        &format!("token rejected: {sent}"),
    )
}

async fn echo_auth(headers: HeaderMap) -> Json<Value> {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    Json(json!({
        "authorization": h("authorization"),
        "x_api_key": h("x-api-key"),
        "user_agent": h("user-agent"),
        "secret_key": "sk-returned-once",
    }))
}

async fn slow() -> Json<Value> {
    tokio::time::sleep(Duration::from_secs(5)).await;
    Json(json!({}))
}

async fn missing() -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        "no such thing",
    )
}

async fn garbage() -> Response {
    (StatusCode::OK, "not json").into_response()
}

#[derive(serde::Deserialize)]
struct CreateBody {
    name: String,
}

/// Creates the instance, then "loses" the answer by answering after the client gave up.
async fn create_slow(State(s): State<St>, Json(b): Json<CreateBody>) -> Response {
    let n = s.hit("create_slow");
    let id = format!("i-{n}");
    s.instances
        .lock()
        .expect("lock")
        .push((id.clone(), b.name.clone(), chrono::Utc::now()));
    tokio::time::sleep(Duration::from_secs(3)).await;
    (StatusCode::CREATED, Json(json!({"id": id, "name": b.name}))).into_response()
}

/// Fails the first create before carrying it out (a 502 from a proxy), then creates.
async fn create_502(State(s): State<St>, Json(b): Json<CreateBody>) -> Response {
    if s.hit("create_502") == 1 {
        return api_error(StatusCode::BAD_GATEWAY, "BadGateway", "upstream reset");
    }
    let id = format!("j-{}", s.instances.lock().expect("lock").len() + 1);
    s.instances
        .lock()
        .expect("lock")
        .push((id.clone(), b.name.clone(), chrono::Utc::now()));
    (StatusCode::CREATED, Json(json!({"id": id, "name": b.name}))).into_response()
}

async fn list_instances(State(s): State<St>) -> Json<Value> {
    s.hit("list_instances");
    let items: Vec<Value> = s
        .instances
        .lock()
        .expect("lock")
        .iter()
        .map(|(id, name, at)| json!({"id": id, "name": name, "createdAt": at.to_rfc3339()}))
        .collect();
    Json(json!({ "instances": items }))
}

/// A sliding-window limiter like the APIs': 429 when the window is full.
const RL_LIMIT: usize = 150;
const RL_WINDOW: Duration = Duration::from_secs(1);

async fn limited(State(s): State<St>) -> Response {
    let now = Instant::now();
    let mut a = s.arrivals.lock().expect("lock");
    let in_window = a
        .iter()
        .filter(|t| now.duration_since(**t) < RL_WINDOW)
        .count();
    if in_window >= RL_LIMIT {
        s.throttled.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            Json(json!({"code": "ThrottlingException", "message": "slow down"})),
        )
            .into_response();
    }
    a.push(now);
    Json(json!({"ok": true})).into_response()
}

async fn token_page(State(s): State<St>, Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    s.hit("token-pages");
    let max: usize = q
        .get("maxResults")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let start: usize = q.get("nextToken").and_then(|v| v.parse().ok()).unwrap_or(0);
    let end = (start + max).min(53);
    let items: Vec<Value> = (start..end).map(|i| json!({"id": i})).collect();
    let mut body = json!({ "instances": items });
    if end < 53 {
        body["nextToken"] = json!(end.to_string());
    }
    Json(body)
}

async fn offset_page(Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    let limit: usize = q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(20);
    let offset: usize = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let end = (offset + limit).min(53);
    let items: Vec<Value> = (offset.min(53)..end).map(|i| json!({"id": i})).collect();
    Json(json!({ "instances": items, "total": 53 }))
}

async fn numbered_page(Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    let limit: usize = q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(20);
    let page: usize = q.get("page").and_then(|v| v.parse().ok()).unwrap_or(1);
    let start = (page - 1) * limit;
    let end = (start + limit).min(53);
    let items: Vec<Value> = (start.min(53)..end).map(|i| json!({"id": i})).collect();
    Json(json!({
        "data": items,
        "pagination": {"current_page": page, "total_pages": 53usize.div_ceil(limit), "total_items": 53, "limit": limit}
    }))
}

async fn counted(State(s): State<St>, Path(p): Path<String>) -> Json<Value> {
    s.hit(&p);
    Json(json!({}))
}

async fn start() -> (String, St) {
    let s: St = Arc::default();
    let app = Router::new()
        .route("/flaky", get(flaky))
        .route("/busy-once", get(busy_once))
        .route("/always-503", get(always_503).post(always_503))
        .route(
            "/always-500",
            get(always_500).post(always_500).put(always_500),
        )
        .route("/keyed", post(keyed))
        .route("/unauthorized", get(unauthorized))
        .route("/echo", get(echo_auth))
        .route("/slow", get(slow).post(slow))
        .route("/missing", get(missing))
        .route("/garbage", get(garbage))
        .route("/create-slow", post(create_slow))
        .route("/create-502", post(create_502))
        .route("/instances", get(list_instances))
        .route("/limited", get(limited))
        .route("/token-pages", get(token_page))
        .route("/offset-pages", get(offset_page))
        .route("/numbered-pages", get(numbered_page))
        .route("/count/{name}", get(counted))
        .with_state(s.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (format!("http://{addr}"), s)
}

fn fast_tuning() -> Tuning {
    Tuning {
        retry_base: Duration::from_millis(5),
        retry_max: Duration::from_millis(20),
        retry_after_max: Duration::from_secs(5),
        rate_window: Duration::from_secs(60),
        cache_ttl: Duration::from_secs(10),
    }
}

fn config(base: &str) -> ClientConfig {
    ClientConfig {
        api: "icgpu",
        base_url: base.to_string(),
        auth: Auth::Bearer(Secret::new(TOKEN)),
        credential_hint: "the provider's `token` argument or the ICGPU_TOKEN environment variable"
            .into(),
        max_retries: 3,
        request_timeout: Duration::from_secs(5),
        requests_per_minute: None,
        rate_limit_dir: None,
        ca_cert_pem: None,
        insecure_skip_verify: false,
    }
}

/// A client for `base` under no deadline (each test that needs one binds its own).
fn client(base: &str) -> Client {
    Client::with_tuning(config(base), fast_tuning()).expect("client")
}

fn api(base: &str) -> Api {
    client(base).bind(Deadline::none())
}

#[tokio::test]
async fn retries_honour_retry_after() {
    let (base, s) = start().await;
    let t = Instant::now();
    let v: Value = api(&base)
        .get("/flaky")
        .send()
        .await
        .expect("second try works");
    assert_eq!(v["ok"], json!(true));
    assert_eq!(s.hits("flaky"), 2);
    let e = t.elapsed();
    // The backoff alone would be ≤ 20 ms; the server asked for 1 s.
    assert!(
        e >= Duration::from_millis(950) && e < Duration::from_secs(4),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_429_holds_the_clients_other_requests_for_its_retry_after() {
    let (base, s) = start().await;
    let mut cfg = config(&base);
    // No client-side limit, and a credential of its own (the hold is per API and credential).
    cfg.auth = Auth::Bearer(Secret::new("hold-test-token"));
    let c = Client::with_tuning(cfg, fast_tuning())
        .expect("client")
        .bind(Deadline::none());
    let t = Instant::now();
    let first = {
        let c = c.clone();
        tokio::spawn(async move { c.get("/busy-once").send::<Value>().await })
    };
    while s.hits("busy-once") == 0 && t.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let other: Value = c.get("/count/other").send().await.expect("other request");
    assert_eq!(other, json!({}));
    let held = t.elapsed();
    assert!(
        held >= Duration::from_millis(900),
        "sent after {held:?}: not held for the Retry-After"
    );
    assert!(first.await.expect("task").is_ok());
    assert_eq!(s.hits("busy-once"), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_deadline_fails_at_once() {
    let (base, s) = start().await;
    let t = Instant::now();
    let b = Deadline::after(Duration::from_millis(300));
    let e = client(&base)
        .bind(b.clone())
        .get("/flaky")
        .send::<Value>()
        .await
        .expect_err("cannot wait 1 s");
    assert_eq!(e.status(), Some(503));
    assert_eq!(s.hits("flaky"), 1);
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn post_without_key_is_not_retried() {
    let (base, s) = start().await;
    let c = api(&base);
    let e = c
        .post("/always-503")
        .json(&json!({"name": "a"}))
        .describe("create instance \"a\"")
        .send_no_body()
        .await
        .expect_err("503");
    assert_eq!(s.hits("always_503"), 1);
    assert!(
        e.summary().starts_with("Failed to create instance \"a\": "),
        "{}",
        e.summary()
    );
    let _ = c.post("/always-500").send_no_body().await.expect_err("500");
    assert_eq!(s.hits("always_500"), 1);
    // The same failures are retried for reads: 1 + max_retries attempts.
    let _ = c.get("/always-503").send_no_body().await.expect_err("503");
    assert_eq!(s.hits("always_503"), 1 + 4);
    let _ = c.get("/always-500").send_no_body().await.expect_err("500");
    assert_eq!(s.hits("always_500"), 1 + 4);
    // 500 is not retried for PUT (it may have been applied halfway).
    let _ = c.put("/always-500").send_no_body().await.expect_err("500");
    assert_eq!(s.hits("always_500"), 1 + 4 + 1);
}

#[tokio::test]
async fn post_with_key_is_retried_with_the_same_key() {
    let (base, s) = start().await;
    let v: Value = api(&base)
        .post("/keyed")
        .json(&json!({"name": "a"}))
        .idempotency_key("create-a-123")
        .send()
        .await
        .expect("third attempt succeeds");
    assert_eq!(v["id"], json!("k-1"));
    let keys = s.keys.lock().expect("lock").clone();
    assert_eq!(keys, vec!["create-a-123"; 3]);
}

#[tokio::test]
async fn lost_create_response_is_reconciled_not_repeated() {
    let (base, s) = start().await;
    let mut cfg = config(&base);
    cfg.request_timeout = Duration::from_millis(300);
    let c = Client::with_tuning(cfg, fast_tuning())
        .expect("client")
        .bind(Deadline::none());
    let lister = c.clone();
    let got: Value = create_reconciled(
        c.post("/create-slow").json(&json!({"name": "gpu-a"})),
        |since| {
            let lister = lister.clone();
            async move {
                let list: Value = lister.get("/instances").send().await?;
                let found = list["instances"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|i| {
                        i["name"] == json!("gpu-a")
                            && i["createdAt"]
                                .as_str()
                                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                                .is_some_and(|t| t >= since)
                    })
                    .cloned();
                Ok(found)
            }
        },
    )
    .await
    .expect("adopted");
    assert_eq!(got["id"], json!("i-1"));
    assert_eq!(s.hits("create_slow"), 1, "the POST was not repeated");
    assert_eq!(s.instances.lock().expect("lock").len(), 1);
    assert!(s.hits("list_instances") >= 1);
}

#[tokio::test]
async fn create_that_did_not_happen_is_retried_once_checked() {
    let (base, s) = start().await;
    let c = api(&base);
    let lister = c.clone();
    let got: Value = create_reconciled(
        c.post("/create-502").json(&json!({"name": "gpu-b"})),
        |_since| {
            let lister = lister.clone();
            async move {
                let list: Value = lister.get("/instances").send().await?;
                Ok(list["instances"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|i| i["name"] == json!("gpu-b"))
                    .cloned())
            }
        },
    )
    .await
    .expect("created on the second POST");
    assert_eq!(got["name"], json!("gpu-b"));
    assert_eq!(s.hits("create_502"), 2);
    assert_eq!(s.hits("list_instances"), 1);
    assert_eq!(s.instances.lock().expect("lock").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_keeps_a_burst_under_the_limit() {
    let (base, s) = start().await;
    let mut cfg = config(&base);
    // 150 per second stands in for 150 per minute, to keep the test short.
    cfg.requests_per_minute = Some(RL_LIMIT as u32);
    cfg.max_retries = 0;
    cfg.auth = Auth::Bearer(Secret::new("rate-test-token"));
    let mut tuning = fast_tuning();
    tuning.rate_window = RL_WINDOW;
    let c = Client::with_tuning(cfg, tuning)
        .expect("client")
        .bind(Deadline::none());
    let t = Instant::now();
    let calls = (0..300).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.get("/limited").send::<Value>().await })
    });
    let results = futures::future::join_all(calls).await;
    let failures: Vec<String> = results
        .into_iter()
        .filter_map(|r| match r.expect("task") {
            Ok(_) => None,
            Err(e) => Some(e.summary()),
        })
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(s.throttled.load(Ordering::SeqCst), 0);
    let arrivals = s.arrivals.lock().expect("lock").clone();
    assert_eq!(arrivals.len(), 300);
    let worst = arrivals
        .iter()
        .map(|a| {
            arrivals
                .iter()
                .filter(|b| **b >= *a && b.duration_since(*a) < RL_WINDOW)
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(worst <= RL_LIMIT, "{worst} requests in one window");
    // The window paces rather than serialises: 300 requests at 150/s take about 2 s.
    assert!(t.elapsed() < Duration::from_secs(6), "{:?}", t.elapsed());
}

#[tokio::test]
async fn pagination_walks_every_page_in_all_three_styles() {
    let (base, s) = start().await;
    let c = api(&base);
    let want: Vec<u64> = (0..53).collect();
    let ids = |v: Vec<Value>| -> Vec<u64> { v.iter().filter_map(|i| i["id"].as_u64()).collect() };

    let token: Vec<Value> = gpucloud::client::list_all_token(
        c.get("/token-pages").query("maxResults", 10),
        "instances",
    )
    .await
    .expect("token pages");
    assert_eq!(ids(token), want);
    assert_eq!(s.hits("token-pages"), 6);
    // Without a page size the walk asks for IC GPU's largest page (100): one request.
    let token: Vec<Value> = gpucloud::client::list_all_token(c.get("/token-pages"), "instances")
        .await
        .expect("token pages");
    assert_eq!(ids(token), want);
    assert_eq!(s.hits("token-pages"), 7);

    let offset: Vec<Value> =
        gpucloud::client::list_all_offset(c.get("/offset-pages"), "instances", 20)
            .await
            .expect("offset pages");
    assert_eq!(ids(offset), want);

    let pages: Vec<Value> = gpucloud::client::list_all_pages(c.get("/numbered-pages"), "data", 7)
        .await
        .expect("numbered pages");
    assert_eq!(ids(pages), want);
}

#[tokio::test]
async fn errors_carry_status_code_request_id_and_credential_hint() {
    let (base, _s) = start().await;
    let c = api(&base);
    let e = c
        .get("/unauthorized")
        .describe("list instances")
        .send::<Value>()
        .await
        .expect_err("401");
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.code(), Some("AuthenticationError"));
    let (summary, detail) = (e.summary(), e.detail());
    assert!(
        summary.starts_with("Failed to list instances: authentication failed"),
        "{summary}"
    );
    assert!(
        detail.contains("HTTP 401") && detail.contains("req-42"),
        "{detail}"
    );
    assert!(detail.contains("ICGPU_TOKEN"), "{detail}");
    assert!(
        !summary.contains(TOKEN) && !detail.contains(TOKEN),
        "{summary} {detail}"
    );

    let none: Option<Value> = c.get("/missing").send_optional().await.expect("404 → None");
    assert!(none.is_none());
    let e = c.get("/missing").send::<Value>().await.expect_err("404");
    assert!(e.is_not_found());

    let e = c
        .get("/garbage")
        .send::<Value>()
        .await
        .expect_err("not JSON");
    assert!(
        matches!(e, ClientError::Decode { status: 200, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn auth_headers_and_user_agent_are_sent() {
    let (base, _s) = start().await;
    let v: Value = api(&base).get("/echo").send().await.expect("echo");
    assert_eq!(v["authorization"], json!(format!("Bearer {TOKEN}")));
    assert!(v["user_agent"]
        .as_str()
        .is_some_and(|u| u.starts_with("gpucloud-terraform/")));
    let mut cfg = config(&base);
    cfg.auth = Auth::Header {
        name: "X-API-Key",
        value: Secret::new("amd-key-1"),
    };
    let c = Client::new(cfg).expect("client").bind(Deadline::none());
    let v: Value = c.get("/echo").send().await.expect("echo");
    assert_eq!(v["x_api_key"], json!("amd-key-1"));
    assert_eq!(v["authorization"], json!(""));
    let v: Value = c.get("/echo").public().send().await.expect("echo");
    assert_eq!(v["x_api_key"], json!(""));
}

#[tokio::test]
async fn cancellation_interrupts_a_request_promptly() {
    let (base, _s) = start().await;
    let b = Deadline::none();
    let cancel = b.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancel.cancel();
    });
    let t = Instant::now();
    let e = client(&base)
        .bind(b.clone())
        .post("/slow")
        .describe("create instance \"x\"")
        .send::<Value>()
        .await
        .expect_err("interrupted");
    assert!(matches!(e, ClientError::Interrupted { .. }), "{e:?}");
    assert!(e.summary().contains("interrupted"));
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn the_deadline_bounds_a_request() {
    let (base, _s) = start().await;
    let b = Deadline::after(Duration::from_millis(200));
    let t = Instant::now();
    let e = client(&base)
        .bind(b.clone())
        .get("/slow")
        .send::<Value>()
        .await
        .expect_err("timeout");
    assert!(matches!(e, ClientError::Timeout { .. }), "{e:?}");
    assert!(
        t.elapsed() < Duration::from_millis(800),
        "{:?}",
        t.elapsed()
    );
}

/// A `MakeWriter` that appends to a shared buffer.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buf {
    type Writer = Buf;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let (base, _s) = start().await;
    let buf = Buf::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buf.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let c = api(&base);
    let _: Value = c.get("/echo").send().await.expect("echo");
    let _ = c
        .get("/unauthorized")
        .send::<Value>()
        .await
        .expect_err("401");
    let _ = c
        .post("/keyed")
        .json(&json!({"name": "n", "password": "pw-SECRET-77"}))
        .idempotency_key("k")
        .send_no_body()
        .await;
    let mut cfg = config(&base);
    cfg.auth = Auth::Header {
        name: "X-API-KEY",
        value: Secret::new("shade-SECRET-9"),
    };
    let debug_cfg = format!("{cfg:?}");
    let c2 = Client::new(cfg).expect("client").bind(Deadline::none());
    let _: Value = c2.get("/echo").send().await.expect("echo");

    let logs = String::from_utf8(buf.0.lock().expect("lock").clone()).expect("utf8");
    assert!(logs.contains("http request"), "nothing was logged: {logs}");
    assert!(logs.contains("***"), "redaction markers expected: {logs}");
    for secret in [TOKEN, "shade-SECRET-9", "pw-SECRET-77", "sk-returned-once"] {
        assert!(!logs.contains(secret), "{secret} leaked into logs:\n{logs}");
        assert!(
            !debug_cfg.contains(secret),
            "{secret} leaked into Debug: {debug_cfg}"
        );
    }
}

#[tokio::test]
async fn mutations_through_the_client_invalidate_the_read_cache() {
    let (base, s) = start().await;
    let c = api(&base);
    let read = |c: Api| async move {
        let lc = c.clone();
        c.cache()
            .read::<Value, _, _, _, _>(
                "thing",
                "1",
                move || async move {
                    lc.get("/count/list").send_no_body().await?;
                    Ok(vec![json!({"id": "1"})])
                },
                || async { Ok(None) },
            )
            .await
    };
    assert!(read(c.clone()).await.expect("read").is_some());
    assert!(read(c.clone()).await.expect("read").is_some());
    assert_eq!(s.hits("list"), 1);
    // Any non-GET request drops the cache.
    let _ = c.post("/always-503").send_no_body().await;
    assert!(read(c.clone()).await.expect("read").is_some());
    assert_eq!(s.hits("list"), 2);
}

#[tokio::test]
async fn a_post_that_never_connected_is_retried() {
    // Reserve a port, free it, and start serving on it only after the first attempts failed.
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = probe.local_addr().expect("addr");
    drop(probe);
    let s: St = Arc::default();
    let app = Router::new()
        .route("/keyed", post(keyed))
        .route("/create-502", post(create_502))
        .with_state(s.clone());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let listener = tokio::net::TcpListener::bind(addr).await.expect("rebind");
        axum::serve(listener, app).await.expect("serve");
    });
    let mut cfg = config(&format!("http://{addr}"));
    cfg.max_retries = 20;
    let mut tuning = fast_tuning();
    tuning.retry_base = Duration::from_millis(20);
    tuning.retry_max = Duration::from_millis(40);
    let c = Client::with_tuning(cfg, tuning)
        .expect("client")
        .bind(Deadline::none());
    // 502 on the first request that arrives: not retried for an un-keyed POST, but the
    // refused connections before it were.
    let e = c
        .post("/create-502")
        .json(&json!({"name": "n"}))
        .send_no_body()
        .await
        .expect_err("502");
    assert_eq!(e.status(), Some(502));
    assert_eq!(s.hits("create_502"), 1);
}

#[tokio::test]
async fn connection_refused_reads_plainly() {
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = probe.local_addr().expect("addr");
    drop(probe);
    let mut cfg = config(&format!("http://{addr}"));
    cfg.max_retries = 1;
    let e = Client::with_tuning(cfg, fast_tuning())
        .expect("client")
        .bind(Deadline::none())
        .get("/x")
        .describe("list instances")
        .send::<Value>()
        .await
        .expect_err("refused");
    assert!(
        matches!(e, ClientError::Transport { sent: false, .. }),
        "{e:?}"
    );
    assert!(
        e.summary()
            .starts_with("Failed to list instances: could not reach the icgpu API"),
        "{}",
        e.summary()
    );
    assert!(!e.is_ambiguous());
}
