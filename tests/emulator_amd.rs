//! The AMD Developer Cloud emulator over real HTTP: lifecycle, termination, admin stop,
//! pagination, filters, validation, auth, models, credits and the ledger.

use std::time::{Duration, Instant};

use gpucloud::emulator::{start, EmulatorConfig, EmulatorHandle};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const KEY: &str = "amd-test-key";

async fn emulator(step: Duration) -> EmulatorHandle {
    let config = EmulatorConfig {
        seed: 3,
        step,
        ..EmulatorConfig::default()
    };
    start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("emulator starts")
}

/// Steps too long to pass during a test: intermediate statuses stay put.
const FROZEN: Duration = Duration::from_secs(3600);
const FAST: Duration = Duration::from_millis(50);

struct Api {
    base: String,
    http: reqwest::Client,
    key: &'static str,
}

impl Api {
    fn new(emu: &EmulatorHandle) -> Self {
        Self {
            base: emu.base_url(),
            http: reqwest::Client::new(),
            key: KEY,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = if path.starts_with("/_admin") {
            format!("{}{path}", self.base)
        } else {
            format!("{}/amd/v1{path}", self.base)
        };
        let mut req = self.http.request(method, url).header("X-API-Key", self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request completes");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("JSON body")
        };
        (status, v)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    async fn create(&self, body: Value) -> Value {
        let (s, v) = self.call(Method::POST, "/instances", Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }

    /// Polls `path` until `done` holds for (status, body), or fails after five seconds.
    async fn wait(
        &self,
        path: &str,
        done: impl Fn(StatusCode, &Value) -> bool,
    ) -> (StatusCode, Value) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (s, v) = self.get(path).await;
            if done(s, &v) {
                return (s, v);
            }
            assert!(
                Instant::now() < deadline,
                "timed out polling {path}: {s} {v}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn assert_error(s: StatusCode, v: &Value, want: StatusCode, code: &str) {
    assert_eq!(s, want, "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
}

#[tokio::test]
async fn instance_goes_pending_running_then_terminated_then_404() {
    let emu = emulator(FAST).await;
    let api = Api::new(&emu);
    let inst = api
        .create(json!({"name": "llm-training", "gpuType": "mi300x", "gpuCount": 8, "imageId": "rocm-6.1-pytorch", "region": "us-west-2"}))
        .await;
    assert_eq!(inst["status"], "pending");
    assert_eq!(inst["gpuType"], "mi300x");
    assert_eq!(inst["gpuCount"], 8);
    assert_eq!(inst["name"], "llm-training");
    let id = inst["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("inst-"));
    let path = format!("/instances/{id}");
    let (_, running) = api.wait(&path, |_, v| v["status"] == "running").await;
    assert_eq!(running["createdAt"], inst["createdAt"]);
    let live = emu.live_objects();
    assert!(live
        .iter()
        .any(|o| o.api == "amd" && o.id == id && o.status == "running"));

    let (s, m) = api.get(&format!("{path}/metrics")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["instanceId"], id.as_str());
    assert_eq!(m["memoryTotal"], 192.0);
    assert!(m["gpuUtilization"]
        .as_f64()
        .is_some_and(|u| u > 0.0 && u <= 100.0));

    let (s, _) = api.call(Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = api
        .wait(&path, |s, v| {
            s == StatusCode::NOT_FOUND || v["status"] != "terminated"
        })
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "NOT_FOUND");
    assert!(emu.live_objects().iter().all(|o| o.id != id));
    let (s, v) = api.call(Method::DELETE, &path, None).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "NOT_FOUND");
    emu.shutdown().await;
}

#[tokio::test]
async fn terminated_and_stopped_instances_read_and_filter_as_the_spec_says() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let a = api.create(json!({"gpuType": "mi250", "gpuCount": 2})).await;
    let b = api.create(json!({"gpuType": "mi210", "gpuCount": 1})).await;
    let (a_id, b_id) = (a["id"].as_str().expect("id"), b["id"].as_str().expect("id"));
    assert!(
        a["name"].as_str().is_some_and(|n| !n.is_empty()),
        "a name is generated"
    );
    assert_eq!(a["region"], "us-west-2");

    let (s, v) = api
        .call(Method::DELETE, &format!("/instances/{a_id}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (_, v) = api.get(&format!("/instances/{a_id}")).await;
    assert_eq!(v["status"], "terminated");
    let (s, _) = api
        .call(Method::DELETE, &format!("/instances/{a_id}"), None)
        .await;
    assert_eq!(
        s,
        StatusCode::NO_CONTENT,
        "a repeated delete still succeeds"
    );

    let (_, all) = api.get("/instances").await;
    assert_eq!(
        all["total"], 1,
        "terminated instances are not active: {all}"
    );
    let (_, term) = api.get("/instances?status=terminated").await;
    assert_eq!(term["instances"][0]["id"], a_id);

    let (s, v) = api
        .call(
            Method::POST,
            &format!("/_admin/amd/instances/{b_id}/stop"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = api.get(&format!("/instances/{b_id}")).await;
    assert_eq!(v["status"], "stopped");
    let (_, stopped) = api.get("/instances?status=stopped").await;
    assert_eq!(stopped["total"], 1);
    let (_, pending) = api.get("/instances?status=pending").await;
    assert_eq!(pending["total"], 0);
    let live = emu.live_objects();
    assert_eq!(
        live.iter()
            .filter(|o| o.api == "amd")
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        vec![b_id]
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn limit_offset_pagination_walks_every_instance_and_filters_by_gpu_type() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let mut ids = Vec::new();
    for n in 0..25 {
        let ty = if n % 5 == 0 { "mi210" } else { "mi300x" };
        let v = api
            .create(json!({"name": format!("node-{n}"), "gpuType": ty, "gpuCount": 1}))
            .await;
        ids.push(v["id"].as_str().expect("id").to_owned());
    }
    let (_, first) = api.get("/instances").await;
    assert_eq!(
        first["instances"].as_array().map(Vec::len),
        Some(20),
        "default limit 20"
    );
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let (s, page) = api
            .get(&format!("/instances?limit=10&offset={offset}"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["total"], 25);
        let items = page["instances"].as_array().expect("array").clone();
        if items.is_empty() {
            break;
        }
        seen.extend(
            items
                .iter()
                .map(|i| i["id"].as_str().expect("id").to_owned()),
        );
        offset += 10;
    }
    assert_eq!(seen, ids, "every instance once, in creation order");
    let (_, mi210) = api.get("/instances?gpuType=mi210").await;
    assert_eq!(mi210["total"], 5);
    assert!(mi210["instances"]
        .as_array()
        .expect("array")
        .iter()
        .all(|i| i["gpuType"] == "mi210"));
    let (_, none) = api.get("/instances?gpuType=rx7900xtx").await;
    assert_eq!(none["total"], 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_requests_get_the_spec_error_shape() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let bad_bodies = [
        json!({"gpuType": "rx7900xtx", "gpuCount": 1}),
        json!({"gpuType": "mi300x", "gpuCount": 0}),
        json!({"gpuType": "mi300x", "gpuCount": 9}),
        json!({"gpuCount": 1}),
        json!({"gpuType": "mi300x"}),
        json!({"gpuType": "mi300x", "gpuCount": "eight"}),
        json!({"gpuType": "mi300x", "gpuCount": 1, "name": " "}),
    ];
    for body in bad_bodies {
        let (s, v) = api
            .call(Method::POST, "/instances", Some(body.clone()))
            .await;
        assert_error(s, &v, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let raw = api
        .http
        .post(format!("{}/amd/v1/instances", api.base))
        .header("X-API-Key", KEY)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let (s, v) = api.get("/instances?status=exploded").await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let (s, v) = api.get("/instances?limit=-1").await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let (s, v) = api.get("/instances/inst-nope").await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "NOT_FOUND");
    let (s, v) = api.get("/instances/inst-nope/metrics").await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "NOT_FOUND");
    let (s, v) = api
        .call(
            Method::POST,
            "/models",
            Some(json!({"modelId": "m", "framework": "ONNX", "gpuType": "mi300x"})),
        )
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let (_, list) = api.get("/instances").await;
    assert_eq!(
        list["total"], 0,
        "nothing was created by a rejected request"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_or_missing_key_is_401_unauthorized() {
    let emu = emulator(FROZEN).await;
    let mut api = Api::new(&emu);
    api.key = "wrong-key";
    for path in ["/instances", "/models", "/credits", "/instances/inst-1"] {
        let (s, v) = api.get(path).await;
        assert_error(s, &v, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    }
    let resp = reqwest::get(format!("{}/amd/v1/instances", emu.base_url()))
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let shared = emu.shared();
    assert_eq!(
        shared.ledger.count("amd", "listInstances"),
        0,
        "refused calls are not handled"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn models_and_credits_are_seeded_and_deploys_become_serving() {
    let emu = emulator(FAST).await;
    let api = Api::new(&emu);
    let (s, models) = api.get("/models").await;
    assert_eq!(s, StatusCode::OK);
    let list = models["models"].as_array().expect("models");
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|m| m["status"] == "serving"));
    assert_eq!(list[0]["id"], "model-001");

    let (s, m) = api
        .call(Method::POST, "/models", Some(json!({"name": "llama-3.1-70b", "modelId": "meta-llama/Llama-3.1-70B-Instruct", "framework": "vLLM", "gpuType": "mi300x", "gpuCount": 2})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["status"], "deploying");
    assert!(m["endpoint"]
        .as_str()
        .is_some_and(|e| e.contains(m["id"].as_str().expect("id"))));
    let id = m["id"].clone();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, models) = api.get("/models").await;
        let me = models["models"]
            .as_array()
            .expect("models")
            .iter()
            .find(|x| x["id"] == id)
            .cloned();
        if me.as_ref().is_some_and(|x| x["status"] == "serving") {
            break;
        }
        assert!(Instant::now() < deadline, "model never served: {models}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (s, c) = api.get("/credits").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["currency"], "USD");
    let (b, u, t) = (
        c["balance"].as_f64(),
        c["used"].as_f64(),
        c["total"].as_f64(),
    );
    assert_eq!(
        b.zip(u).map(|(b, u)| b + u),
        t,
        "balance + used = total: {c}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_ledger_counts_each_operation_and_reset_forgets_instances() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let a = api
        .create(json!({"gpuType": "mi300x", "gpuCount": 1}))
        .await;
    api.create(json!({"gpuType": "mi300x", "gpuCount": 1}))
        .await;
    let id = a["id"].as_str().expect("id");
    api.get(&format!("/instances/{id}")).await;
    api.get("/instances").await;
    api.get(&format!("/instances/{id}/metrics")).await;
    api.call(Method::DELETE, &format!("/instances/{id}"), None)
        .await;
    api.get("/models").await;
    api.get("/credits").await;
    let (s, ledger) = api.get("/_admin/ledger").await;
    assert_eq!(s, StatusCode::OK);
    let req = &ledger["requests"];
    assert_eq!(req["amd.createInstance"], 2);
    assert_eq!(req["amd.getInstance"], 1);
    assert_eq!(req["amd.listInstances"], 1);
    assert_eq!(req["amd.getInstanceMetrics"], 1);
    assert_eq!(req["amd.terminateInstance"], 1);
    assert_eq!(req["amd.listModels"], 1);
    assert_eq!(req["amd.getCredits"], 1);
    let live: Vec<&Value> = ledger["live"]
        .as_array()
        .expect("live")
        .iter()
        .filter(|o| o["api"] == "amd")
        .collect();
    assert_eq!(live.len(), 1, "{ledger}");
    assert_eq!(live[0]["kind"], "instance");
    assert_eq!(live[0]["status"], "pending");

    let (s, _) = api.call(Method::POST, "/_admin/reset", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = api.get("/instances").await;
    assert_eq!(list["total"], 0);
    assert!(emu.live_objects().iter().all(|o| o.api != "amd"));
    emu.shutdown().await;
}

#[tokio::test]
async fn one_seed_gives_the_same_ids() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let emu = emulator(FROZEN).await;
        let api = Api::new(&emu);
        let v = api
            .create(json!({"gpuType": "mi300x", "gpuCount": 1}))
            .await;
        runs.push(v["id"].clone());
        emu.shutdown().await;
    }
    assert_eq!(runs[0], runs[1]);
}
