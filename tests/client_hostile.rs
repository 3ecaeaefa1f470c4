//! The shared client against answers no honest API gives, from a small axum server this
//! file controls: redirects towards a second listener (which must never see a request, let
//! alone a credential), lists that never end, creates answered 2xx with bodies that cannot
//! be read, and `Retry-After` in the past or absurdly far away.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use gpucloud::client::{
    create_reconciled, list_all_offset, list_all_pages, list_all_token, Api, Auth, Client,
    ClientConfig, ClientError, Deadline, Secret, Tuning,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "tok-HOSTILE-77c1";

/// The five unreadable answers to a create the issue names.
const UNREADABLE: &[&str] = &["empty", "html", "no-id", "wrong-id", "truncated"];

#[derive(Default)]
struct S {
    hits: Mutex<HashMap<String, u32>>,
    /// Instances created: (id, name, created_at).
    instances: Mutex<Vec<(String, String, chrono::DateTime<chrono::Utc>)>>,
    /// Idempotency key → the answer first given to it.
    replies: Mutex<HashMap<String, Value>>,
    /// Requests the second listener received, with their headers.
    trapped: Mutex<Vec<HeaderMap>>,
    /// The second listener's base URL.
    trap: Mutex<String>,
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
    fn named(&self, name: &str) -> usize {
        self.instances
            .lock()
            .expect("lock")
            .iter()
            .filter(|(_, n, _)| n == name)
            .count()
    }
    fn create(&self, name: &str) -> Value {
        let mut all = self.instances.lock().expect("lock");
        let id = format!("i-{}", all.len() + 1);
        all.push((id.clone(), name.to_string(), chrono::Utc::now()));
        json!({"id": id, "name": name, "status": "pending"})
    }
}

/// `good` as the hostile `mode` answers it (the object exists either way).
fn hostile(mode: &str, good: &Value) -> Response {
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    match mode {
        "empty" => (StatusCode::OK, "").into_response(),
        "html" => (StatusCode::OK, [("content-type", "text/html")], html).into_response(),
        "no-id" => {
            let mut v = good.clone();
            if let Some(o) = v.as_object_mut() {
                o.remove("id");
            }
            (StatusCode::CREATED, Json(v)).into_response()
        }
        "wrong-id" => {
            let mut v = good.clone();
            v["id"] = json!(12345);
            (StatusCode::CREATED, Json(v)).into_response()
        }
        "truncated" => {
            let text = good.to_string();
            (StatusCode::CREATED, text[..text.len() / 2].to_string()).into_response()
        }
        _ => (StatusCode::CREATED, Json(good.clone())).into_response(),
    }
}

#[derive(serde::Deserialize)]
struct CreateBody {
    name: String,
}

async fn create(
    State(s): State<St>,
    Path(mode): Path<String>,
    Json(b): Json<CreateBody>,
) -> Response {
    s.hit("create");
    let good = s.create(&b.name);
    hostile(&mode, &good)
}

/// Keyed: the first answer to a key is hostile, every replay of it the stored good one.
async fn create_keyed(
    State(s): State<St>,
    Path(mode): Path<String>,
    headers: HeaderMap,
    Json(b): Json<CreateBody>,
) -> Response {
    s.hit("create_keyed");
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if let Some(stored) = s.replies.lock().expect("lock").get(&key) {
        return (StatusCode::CREATED, Json(stored.clone())).into_response();
    }
    let good = s.create(&b.name);
    s.replies.lock().expect("lock").insert(key, good.clone());
    hostile(&mode, &good)
}

async fn list_instances(State(s): State<St>) -> Json<Value> {
    s.hit("list");
    let items: Vec<Value> = s
        .instances
        .lock()
        .expect("lock")
        .iter()
        .map(|(id, name, at)| json!({"id": id, "name": name, "createdAt": at.to_rfc3339()}))
        .collect();
    Json(json!({ "instances": items }))
}

async fn redirect(State(s): State<St>, Path(status): Path<u16>) -> Response {
    s.hit("redirect");
    let to = format!("{}/stolen?token=x", s.trap.lock().expect("lock"));
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
    (code, [("location", to)], "moved").into_response()
}

async fn same_origin(State(s): State<St>) -> Response {
    s.hit("same_origin");
    (StatusCode::FOUND, [("location", "/landed")], "moved").into_response()
}

async fn landed(State(s): State<St>) -> Json<Value> {
    s.hit("landed");
    Json(json!({"ok": true}))
}

async fn trap(State(s): State<St>, headers: HeaderMap) -> Json<Value> {
    s.trapped.lock().expect("lock").push(headers);
    Json(json!({"ok": true}))
}

type Q = Query<HashMap<String, String>>;

fn num(q: &Q, k: &str, default: u64) -> u64 {
    q.get(k).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Fresh items, but always the same cursor.
async fn token_same_cursor(State(s): State<St>) -> Json<Value> {
    let n = s.hit("token_same_cursor");
    Json(json!({"instances": [{"id": n}], "nextToken": "c-1"}))
}

/// A fresh cursor every time, but always the first page.
async fn token_same_page(State(s): State<St>) -> Json<Value> {
    let n = s.hit("token_same_page");
    Json(json!({"instances": [{"id": 1}, {"id": 2}], "nextToken": format!("c-{n}")}))
}

/// Ignores `offset`: the first window again and again, with a total that says go on.
async fn offset_ignored(State(s): State<St>, q: Q) -> Json<Value> {
    s.hit("offset_ignored");
    let limit = num(&q, "limit", 20);
    let items: Vec<Value> = (0..limit).map(|i| json!({"id": i})).collect();
    Json(json!({"instances": items, "total": 1000}))
}

/// Fresh items forever, honouring `offset`, while its total keeps growing past them.
async fn offset_growing(State(s): State<St>, q: Q) -> Json<Value> {
    s.hit("offset_growing");
    let (limit, offset) = (num(&q, "limit", 20), num(&q, "offset", 0));
    let items: Vec<Value> = (offset..offset + limit).map(|i| json!({"id": i})).collect();
    Json(json!({"instances": items, "total": offset + 10 * limit}))
}

/// Ignores `page`, and says so in `current_page`.
async fn pages_echo(State(s): State<St>) -> Json<Value> {
    s.hit("pages_echo");
    Json(json!({"data": [{"id": 1}],
        "pagination": {"current_page": 1, "total_pages": 5000, "total_items": 5000, "limit": 1}}))
}

/// Ignores `page` and reports no `current_page`.
async fn pages_silent(State(s): State<St>) -> Json<Value> {
    s.hit("pages_silent");
    Json(json!({"data": [{"id": 1}], "pagination": {"total_pages": 5000}}))
}

/// Each page takes 150 ms and holds fresh items; the list never says how long it is.
async fn pages_slow(State(s): State<St>, q: Q) -> Json<Value> {
    s.hit("pages_slow");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (page, limit) = (num(&q, "page", 1), num(&q, "limit", 20));
    let items: Vec<Value> = (0..limit).map(|i| json!({"id": page * 1000 + i})).collect();
    Json(json!({ "data": items }))
}

/// 503 with a `Retry-After` of `when`, then (for `past`) success.
async fn retry(State(s): State<St>, Path(when): Path<String>) -> Response {
    let n = s.hit(&format!("retry_{when}"));
    let header = match when.as_str() {
        "past" => "Wed, 21 Oct 2015 07:28:00 GMT",
        "far-date" => "Fri, 31 Dec 9999 23:59:59 GMT",
        _ => "99999999999",
    };
    if when == "past" && n > 1 {
        return Json(json!({"ok": true})).into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [("retry-after", header)],
        Json(json!({"code": "Unavailable", "message": "busy"})),
    )
        .into_response()
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    format!("http://{addr}")
}

/// The hostile API and, on another port (another origin), the listener a redirect points to.
async fn start() -> (String, St) {
    let s: St = Arc::default();
    let trap_base = serve(Router::new().fallback(any(trap)).with_state(s.clone())).await;
    *s.trap.lock().expect("lock") = trap_base;
    let app = Router::new()
        .route("/create/{mode}", post(create))
        .route("/keyed/{mode}", post(create_keyed))
        .route("/instances", get(list_instances))
        .route("/redirect/{status}", any(redirect))
        .route("/same-origin", get(same_origin))
        .route("/landed", get(landed))
        .route("/token-same-cursor", get(token_same_cursor))
        .route("/token-same-page", get(token_same_page))
        .route("/offset-ignored", get(offset_ignored))
        .route("/offset-growing", get(offset_growing))
        .route("/pages-echo", get(pages_echo))
        .route("/pages-silent", get(pages_silent))
        .route("/pages-slow", get(pages_slow))
        .route("/retry/{when}", get(retry))
        .with_state(s.clone());
    (serve(app).await, s)
}

/// A client for `base` under no deadline (a test that needs one binds its own).
fn client(base: &str, auth: Auth) -> Api {
    Client::with_tuning(
        ClientConfig {
            api: "hostile",
            base_url: base.to_string(),
            auth,
            max_retries: 3,
            request_timeout: Duration::from_secs(5),
            ..ClientConfig::default()
        },
        Tuning {
            retry_base: Duration::from_millis(5),
            retry_max: Duration::from_millis(20),
            retry_after_max: Duration::from_secs(5),
            ..Tuning::default()
        },
    )
    .expect("client")
    .bind(Deadline::none())
}

fn bearer(base: &str) -> Api {
    client(base, Auth::Bearer(Secret::new(TOKEN)))
}

/// Every auth scheme the members use: IC GPU, ROCm and GPU AI (Bearer), AMD (`X-API-Key`),
/// Shadeform (`X-API-KEY`).
fn every_scheme() -> Vec<(&'static str, Auth)> {
    vec![
        ("Bearer", Auth::Bearer(Secret::new(TOKEN))),
        (
            "X-API-Key",
            Auth::Header {
                name: "X-API-Key",
                value: Secret::new(TOKEN),
            },
        ),
        (
            "X-API-KEY",
            Auth::Header {
                name: "X-API-KEY",
                value: Secret::new(TOKEN),
            },
        ),
    ]
}

#[tokio::test]
async fn no_redirect_is_followed_so_no_credential_reaches_another_origin() {
    let (base, s) = start().await;
    let trap = s.trap.lock().expect("lock").clone();
    for (scheme, auth) in every_scheme() {
        let c = client(&base, auth);
        for status in [301u16, 302, 303, 307, 308] {
            let path = format!("/redirect/{status}");
            let e = c
                .get(&path)
                .describe("list instances")
                .send::<Value>()
                .await
                .expect_err("a redirect is an error");
            assert!(
                matches!(&e, ClientError::Redirect { status: st, location, .. }
                    if *st == status && *location == format!("{trap}/stolen")),
                "{scheme} {status}: {e:?}"
            );
            assert!(!e.is_ambiguous(), "a GET changes nothing");
            assert!(
                e.summary().contains(&format!("{trap}/stolen")),
                "{}",
                e.summary()
            );
            assert!(!e.summary().contains("token=x"), "the query is not shown");
            let e = c
                .post(&path)
                .json(&json!({"name": "a"}))
                .send::<Value>()
                .await
                .expect_err("a redirect is an error");
            assert!(e.is_ambiguous(), "a redirected POST may have acted: {e:?}");
        }
    }
    let trapped = s.trapped.lock().expect("lock").clone();
    assert!(
        trapped.is_empty(),
        "the second listener was reached: {trapped:?}"
    );
    assert_eq!(
        s.hits("redirect"),
        3 * 5 * 2,
        "each answered once, never retried"
    );

    // Not even a same-origin hop is taken.
    let e = bearer(&base)
        .get("/same-origin")
        .send::<Value>()
        .await
        .expect_err("a redirect is an error");
    assert!(
        matches!(&e, ClientError::Redirect { location, .. } if *location == format!("{base}/landed")),
        "{e:?}"
    );
    assert_eq!(s.hits("landed"), 0);
}

/// Runs one list walk, returning its error and how long it took.
async fn walk(
    f: impl std::future::Future<Output = Result<Vec<Value>, ClientError>>,
) -> (ClientError, Duration) {
    let t = Instant::now();
    let e = f.await.expect_err("the walk must stop with an error");
    (e, t.elapsed())
}

#[tokio::test]
async fn every_pagination_loop_stops_naming_the_endpoint_and_the_page() {
    let (base, s) = start().await;
    let c = bearer(&base);
    let cases: Vec<(&str, u64, &str, (ClientError, Duration))> = vec![
        (
            "token_same_cursor",
            2,
            "page 2 gave the same next cursor as page 1",
            walk(list_all_token(
                c.get("/token-same-cursor").describe("list instances"),
                "instances",
            ))
            .await,
        ),
        (
            "token_same_page",
            2,
            "page 2 (nextToken=c-1) repeats page 1 (2 identical items)",
            walk(list_all_token(
                c.get("/token-same-page").describe("list instances"),
                "instances",
            ))
            .await,
        ),
        (
            "offset_ignored",
            2,
            "page 2 (offset=50) repeats page 1 (50 identical items)",
            walk(list_all_offset(
                c.get("/offset-ignored").describe("list instances"),
                "instances",
                50,
            ))
            .await,
        ),
        (
            "pages_echo",
            2,
            "asked for page 2, it answered page 1",
            walk(list_all_pages(
                c.get("/pages-echo").describe("list instances"),
                "data",
                1,
            ))
            .await,
        ),
        (
            "pages_silent",
            2,
            "page 2 (page=2) repeats page 1 (1 identical items)",
            walk(list_all_pages(
                c.get("/pages-silent").describe("list instances"),
                "data",
                1,
            ))
            .await,
        ),
    ];
    for (name, page, reason, (e, took)) in cases {
        let endpoint = format!("GET /{}", name.replace('_', "-"));
        match &e {
            ClientError::Pagination {
                endpoint: ep,
                page: p,
                reason: r,
                ..
            } => {
                assert_eq!(
                    (ep.as_str(), *p, r.as_str()),
                    (endpoint.as_str(), page, reason),
                    "{name}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(
            e.summary()
                .starts_with("Failed to list instances: the API's list does not end"),
            "{}",
            e.summary()
        );
        assert!(
            e.detail().contains(&format!("`{endpoint}`")),
            "{}",
            e.detail()
        );
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
        assert!(
            u64::from(s.hits(name)) <= page.max(2),
            "{name}: {} requests",
            s.hits(name)
        );
    }

    // Fresh items forever with a total that keeps growing: the first page's total (10 pages
    // of 20) bounds the walk at 12 pages.
    let (e, took) = walk(list_all_offset(
        c.get("/offset-growing").describe("list instances"),
        "instances",
        20,
    ))
    .await;
    assert!(
        matches!(&e, ClientError::Pagination { page: 13, reason, .. }
            if reason.contains("its totals allow at most 12 pages")),
        "{e:?}"
    );
    assert_eq!(s.hits("offset_growing"), 12, "no request past the bound");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn a_list_that_outlasts_the_deadline_says_where_the_walk_stopped() {
    let (base, s) = start().await;
    let b = Deadline::after(Duration::from_millis(700));
    let t = Instant::now();
    let e = list_all_pages::<Value>(
        bearer(&base)
            .client()
            .bind(b)
            .get("/pages-slow")
            .describe("list runtimes"),
        "data",
        20,
    )
    .await
    .expect_err("the deadline ends the walk");
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    match &e {
        ClientError::Pagination { page, reason, .. } => {
            assert!(
                *page >= 2 && u64::from(s.hits("pages_slow")) <= *page,
                "{e:?}"
            );
            assert!(
                reason.contains("the operation's time ran out at page"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[derive(Debug, serde::Deserialize)]
struct Created {
    id: String,
    name: String,
}

/// Like the AMD and Shadeform models: every field optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Lenient {
    id: Option<String>,
    name: Option<String>,
}

/// The instance called `name` in the list, created since `since`.
async fn find(
    c: &Api,
    name: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Lenient>, ClientError> {
    let all: Value = c.get("/instances").send().await?;
    Ok(all["instances"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| {
            i["name"] == name
                && i["createdAt"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .is_some_and(|t| t >= since)
        })
        .map(|i| Lenient {
            id: i["id"].as_str().map(str::to_string),
            name: i["name"].as_str().map(str::to_string),
        }))
}

#[tokio::test]
async fn an_unreadable_create_answer_is_reconciled_to_the_one_instance() {
    let (base, s) = start().await;
    let c = bearer(&base);
    for (i, mode) in UNREADABLE.iter().enumerate() {
        let name = format!("web-{mode}");
        let created: Lenient = create_reconciled(
            c.post(&format!("/create/{mode}"))
                .json(&json!({"name": name})),
            |since| find(&c, &name, since),
        )
        .await
        .unwrap_or_else(|e| panic!("{mode}: {e:?}"));
        assert!(created.id.is_some(), "{mode}: {created:?}");
        assert_eq!(created.name.as_deref(), Some(name.as_str()));
        assert_eq!(s.named(&name), 1, "{mode}: exactly one instance");
        assert_eq!(s.hits("create"), i as u32 + 1, "{mode}: no second create");
    }
    assert_eq!(s.hits("list"), UNREADABLE.len() as u32, "one lookup each");
}

#[tokio::test]
async fn an_unreadable_create_answer_that_cannot_be_reconciled_quotes_it_redacted() {
    let (base, s) = start().await;
    let c = bearer(&base);
    let e = create_reconciled(
        c.post("/create/html")
            .json(&json!({"name": "lost"}))
            .describe("create instance \"lost\""),
        |_| async { c.get("/redirect/301").send::<Option<Lenient>>().await },
    )
    .await
    .expect_err("the lookup failed");
    assert_eq!(s.hits("create"), 1, "never created twice");
    assert!(
        matches!(
            &e,
            ClientError::Decode {
                kind: "an HTML page",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.summary(),
        "Failed to create instance \"lost\": the API answered HTTP 200 with an HTML page the provider cannot read"
    );
    assert!(
        e.detail()
            .contains(r#"The body began: "<html><head><title>502 Bad Gateway</title>"#),
        "{}",
        e.detail()
    );

    // The truncated answer holds (part of) the credential the API echoed back: quoted, but
    // scrubbed.
    let e = create_reconciled(
        c.post("/create/truncated")
            .json(&json!({"name": TOKEN}))
            .describe("create instance"),
        |_| async {
            Err::<Option<Lenient>, _>(ClientError::Config {
                message: "no list".into(),
            })
        },
    )
    .await
    .expect_err("the lookup failed");
    let detail = e.detail();
    assert!(
        detail.contains("JSON cut short") || e.summary().contains("JSON cut short"),
        "{e:?}"
    );
    assert!(detail.contains(r#"The body began: "{\"id\":"#), "{detail}");
    assert!(
        !detail.contains("tok-HOS") && !e.summary().contains("tok-HOS"),
        "{detail}"
    );
}

#[tokio::test]
async fn an_unreadable_answer_to_a_keyed_create_is_replayed_with_the_same_key() {
    let (base, s) = start().await;
    let c = bearer(&base);
    for (i, mode) in UNREADABLE.iter().enumerate() {
        let name = format!("key-{mode}");
        let created: Created = c
            .post(&format!("/keyed/{mode}"))
            .json(&json!({"name": name}))
            .idempotency_key(format!("k-{mode}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e:?}"));
        assert_eq!(created.name, name);
        assert!(created.id.starts_with("i-"), "{created:?}");
        assert_eq!(s.named(&name), 1, "{mode}: exactly one");
        assert_eq!(
            s.hits("create_keyed"),
            2 * (i as u32 + 1),
            "{mode}: one replay"
        );
    }

    // Through `create_reconciled` (IC GPU instances, VMs, clusters) as well.
    let created: Lenient = create_reconciled(
        c.post("/keyed/html")
            .json(&json!({"name": "key-reconciled"}))
            .idempotency_key("k-reconciled"),
        |since| find(&c, "key-reconciled", since),
    )
    .await
    .expect("reconciled");
    assert!(created.id.is_some());
    assert_eq!(s.named("key-reconciled"), 1);

    // Without a key an unreadable answer is never sent again.
    let e = c
        .post("/create/html")
        .json(&json!({"name": "unkeyed"}))
        .send::<Created>()
        .await
        .expect_err("unreadable");
    assert!(matches!(e, ClientError::Decode { .. }), "{e:?}");
    assert_eq!(s.named("unkeyed"), 1);
}

#[tokio::test]
async fn retry_after_in_the_past_retries_and_far_away_fails_at_once() {
    let (base, s) = start().await;
    let c = bearer(&base);
    let t = Instant::now();
    let v: Value = c.get("/retry/past").send().await.expect("the retry works");
    assert_eq!(v["ok"], json!(true));
    assert_eq!(s.hits("retry_past"), 2);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());

    for (when, words) in [("far", "years"), ("far-date", "years")] {
        let t = Instant::now();
        let e = c
            .get(&format!("/retry/{when}"))
            .describe("list instances")
            .send::<Value>()
            .await
            .expect_err("too far to wait");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{when}: {:?}",
            t.elapsed()
        );
        assert_eq!(s.hits(&format!("retry_{when}")), 1, "{when}: not retried");
        let summary = e.summary();
        assert!(
            summary.contains("asked to retry after")
                && summary.contains(words)
                && summary.contains("longer than the provider waits (5s)"),
            "{when}: {summary}"
        );
    }
}
