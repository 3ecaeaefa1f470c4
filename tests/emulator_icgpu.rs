//! The IC GPU emulator over real HTTP: lifecycles, idempotency, pagination, rate limits,
//! validation, auth, fault injection, admin actions and the ledger.

use std::time::Duration;

use gpucloud::emulator::{start, EmulatorConfig, EmulatorHandle};
use reqwest::StatusCode;
use serde_json::{json, Value};

const TOKEN: &str = "icgpu-test-token";
const STEP: Duration = Duration::from_millis(60);
const SSH: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop";

async fn emulator(rate_limit_per_minute: u32) -> EmulatorHandle {
    let config = EmulatorConfig {
        seed: 7,
        step: STEP,
        rate_limit_per_minute,
    };
    start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("emulator starts")
}

struct Api {
    base: String,
    http: reqwest::Client,
    token: String,
}

impl Api {
    fn new(emu: &EmulatorHandle) -> Self {
        Self {
            base: emu.base_url(),
            http: reqwest::Client::new(),
            token: TOKEN.to_string(),
        }
    }
    fn url(&self, path: &str) -> String {
        if path.starts_with("/_admin") {
            format!("{}{path}", self.base)
        } else if path.starts_with("/v1/") {
            format!("{}/icgpu{path}", self.base)
        } else {
            format!("{}/icgpu/api/v1{path}", self.base)
        }
    }
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request completes");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::DELETE, path, None).await
    }
    /// Polls until `field` of `path` equals `want` (bounded).
    async fn wait_for(&self, path: &str, want: &str) -> Value {
        for _ in 0..40 {
            let (status, body) = self.get(path).await;
            if status == StatusCode::OK && body["status"] == want {
                return body;
            }
            tokio::time::sleep(STEP / 2).await;
        }
        panic!("{path} never reached status {want}");
    }
    async fn wait_gone(&self, path: &str) {
        for _ in 0..40 {
            if self.get(path).await.0 == StatusCode::NOT_FOUND {
                return;
            }
            tokio::time::sleep(STEP / 2).await;
        }
        panic!("{path} never went away");
    }
}

fn instance(name: &str) -> Value {
    json!({"name": name, "tier": "dedicated", "ssh_key": SSH, "storage_gb": 100})
}

#[tokio::test]
async fn instance_lifecycle_create_run_stop_start_delete() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let (status, created) = api.post("/instances", instance("life")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["status"], "pending");
    assert_eq!(created["ssh_host"], Value::Null);
    let id = created["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("inst-"));
    let path = format!("/instances/{id}");

    let running = api.wait_for(&path, "running").await;
    assert_eq!(running["ssh_host"], "ssh.gpu.local");
    assert!(running["ssh_port"].is_u64());

    let (status, stopping) = api.post(&format!("{path}/stop"), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(stopping["status"], "stopping");
    api.wait_for(&path, "stopped").await;
    let (status, err) = api.post(&format!("{path}/stop"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["code"], "ConflictException");

    let (status, started) = api.post(&format!("{path}/start"), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(started["status"], "pending");
    api.wait_for(&path, "running").await;

    let (status, deleting) = api.delete(&path).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(deleting["status"], "terminating");
    api.wait_gone(&path).await;
    let (status, err) = api.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["code"], "ResourceNotFoundException");
    assert!(err["requestId"].is_string());
    assert!(emu.live_objects().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn idempotency_replays_same_body_and_rejects_a_different_one() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let send = |body: Value| {
        api.http
            .post(api.url("/instances"))
            .bearer_auth(TOKEN)
            .header("Idempotency-Key", "key-1")
            .json(&body)
            .send()
    };
    let first = send(instance("idem")).await.expect("sent");
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(first.headers()["idempotency-key"], "key-1");
    let first: Value = first.json().await.expect("json");
    // Same body with keys in another order: still a replay.
    let reordered = json!({"storage_gb": 100, "ssh_key": SSH, "tier": "dedicated", "name": "idem"});
    let second = send(reordered).await.expect("sent");
    assert_eq!(second.status(), StatusCode::CREATED);
    let second: Value = second.json().await.expect("json");
    assert_eq!(first["id"], second["id"]);

    let third = send(instance("other")).await.expect("sent");
    assert_eq!(third.status(), StatusCode::CONFLICT);
    let third: Value = third.json().await.expect("json");
    assert_eq!(third["code"], "ConflictException");

    let (_, list) = api.get("/instances").await;
    assert_eq!(list["instances"].as_array().expect("array").len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn pagination_walks_every_item_newest_first() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let mut ids = Vec::new();
    for n in 0..7 {
        let (status, a) = api
            .post(
                "/spending-alerts",
                json!({"name": format!("a{n}"), "threshold": 10 + n}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        ids.push(a["id"].as_str().expect("id").to_string());
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            Some(t) => format!("/spending-alerts?maxResults=3&nextToken={t}"),
            None => "/spending-alerts?maxResults=3".to_string(),
        };
        let (status, page) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        for a in page["spendingAlerts"].as_array().expect("items") {
            seen.push(a["id"].as_str().expect("id").to_string());
        }
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => {
                assert_eq!(page["nextToken"], Value::Null);
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    let (status, err) = api.get("/spending-alerts?nextToken=garbage").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["code"], "ValidationException");
    let (status, _) = api.get("/spending-alerts?maxResults=101").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    emu.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let emu = emulator(10).await;
    let api = Api::new(&emu);
    for _ in 0..10 {
        assert_eq!(api.get("/instances").await.0, StatusCode::OK);
    }
    let resp = api
        .http
        .get(api.url("/instances"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((1..=60).contains(&retry));
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "ThrottlingException");
    // The ledger counts the refused request under its operation and as throttled.
    assert_eq!(emu.shared().ledger.count("icgpu", "listInstances"), 11);
    assert_eq!(emu.shared().ledger.count("icgpu", "throttled"), 1);
    // Public catalogues are not subject to the account limit.
    assert_eq!(api.get("/gpu-tiers").await.0, StatusCode::OK);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_rate_limit_of_zero_is_no_limit() {
    let emu = emulator(0).await;
    let api = Api::new(&emu);
    for _ in 0..200 {
        assert_eq!(api.get("/instances").await.0, StatusCode::OK);
    }
    assert_eq!(emu.shared().ledger.count("icgpu", "throttled"), 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn validation_errors_are_400_validation_exception() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let mut body = instance("small");
    body["storage_gb"] = json!(5);
    let (status, err) = api.post("/instances", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["code"], "ValidationException");
    assert_eq!(err["details"][0]["field"], "storage_gb");

    let mut body = instance("extra");
    body["colour"] = json!("red");
    let (status, err) = api.post("/instances", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["details"][0]["field"], "colour");

    let (status, _) = api
        .post("/models", json!({"name": "m", "model": "x/y", "resourceProfile": "nvidia-gpu-mig", "minReplicas": 3, "maxReplicas": 1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, dry) = api.post("/instances?dryRun=true", instance("dry")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dry["dry_run"], true);
    assert!(emu.live_objects().is_empty(), "dry run creates nothing");
    emu.shutdown().await;
}

#[tokio::test]
async fn auth_rejects_bad_tokens_and_enforces_api_key_scopes() {
    let emu = emulator(1000).await;
    let mut api = Api::new(&emu);
    let (_, key) = api
        .post(
            "/api-keys",
            json!({"name": "ro-models", "scopes": ["models"], "permissions": ["read"]}),
        )
        .await;
    let secret = key["key"].as_str().expect("key once").to_string();
    assert!(secret.starts_with(key["prefix"].as_str().expect("prefix")));
    let (_, fetched) = api
        .get(&format!("/api-keys/{}", key["id"].as_str().expect("id")))
        .await;
    assert!(
        fetched.get("key").is_none(),
        "secret is never returned again"
    );

    api.token = "wrong".into();
    let (status, err) = api.get("/instances").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["code"], "AuthenticationError");
    assert_eq!(
        api.get("/gpu-tiers").await.0,
        StatusCode::OK,
        "public op ignores token"
    );

    api.token = secret;
    assert_eq!(api.get("/models").await.0, StatusCode::OK);
    let (status, err) = api.get("/instances").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(err["code"], "AccessDeniedException");
    let (status, _) = api
        .post(
            "/models",
            json!({"name": "m", "model": "x/y", "resourceProfile": "nvidia-gpu-mig"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    emu.shutdown().await;
}

#[tokio::test]
async fn lose_response_creates_the_object_but_the_client_errors() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let rule = json!({"method": "POST", "path_prefix": "/icgpu/api/v1/instances", "times": 1, "action": "lose_response"});
    let added = api
        .http
        .post(api.url("/_admin/faults"))
        .json(&rule)
        .send()
        .await
        .expect("sent");
    assert_eq!(added.status(), StatusCode::CREATED);

    let send = || {
        api.http
            .post(api.url("/instances"))
            .bearer_auth(TOKEN)
            .header("Idempotency-Key", "retry-me")
            .json(&instance("lost"))
            .send()
    };
    let outcome = send().await;
    assert!(
        outcome.is_err(),
        "the client must see a broken connection: {outcome:?}"
    );
    let live = emu.live_objects();
    assert_eq!(live.len(), 1, "the handler ran: {live:?}");

    // The retry with the same key replays the stored response.
    let retried: Value = send().await.expect("sent").json().await.expect("json");
    assert_eq!(retried["id"].as_str(), Some(live[0].id.as_str()));
    assert_eq!(emu.live_objects().len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn drop_status_and_latency_faults() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let faults = json!([
        {"api": "icgpu", "method": "POST", "path_regex": "/instances$", "times": 1, "action": "drop"},
        {"api": "icgpu", "method": "GET", "path_prefix": "/icgpu/api/v1/gpu-tiers", "times": 1, "action": {"status": 503, "retry_after": 1}},
        {"api": "amd", "action": "drop"}
    ]);
    let resp = api
        .http
        .post(api.url("/_admin/faults"))
        .json(&faults)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::CREATED);

    let dropped = api
        .http
        .post(api.url("/instances"))
        .bearer_auth(TOKEN)
        .json(&instance("d"))
        .send()
        .await;
    // The connection closes before a status line, like a network drop.
    assert!(dropped.is_err(), "{dropped:?}");
    assert!(
        emu.live_objects().is_empty(),
        "a dropped request never reaches the handler"
    );

    let resp = api
        .http
        .get(api.url("/gpu-tiers"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "ServiceUnavailableException");
    assert!(body["requestId"].is_string());
    assert_eq!(
        api.get("/gpu-tiers").await.0,
        StatusCode::OK,
        "times: 1 is used up"
    );

    let clear = api
        .http
        .delete(api.url("/_admin/faults"))
        .send()
        .await
        .expect("sent");
    assert_eq!(clear.status(), StatusCode::NO_CONTENT);
    let slow = json!({"path_prefix": "/icgpu/api/v1/vm-templates", "times": 1, "action": {"latency_ms": 150}});
    api.http
        .post(api.url("/_admin/faults"))
        .json(&slow)
        .send()
        .await
        .expect("sent");
    let t0 = std::time::Instant::now();
    assert_eq!(api.get("/vm-templates").await.0, StatusCode::OK);
    assert!(t0.elapsed() >= Duration::from_millis(150));
    emu.shutdown().await;
}

#[tokio::test]
async fn ledger_counts_operations_and_reset_clears_everything() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    api.post("/instances", instance("counted")).await;
    api.get("/instances").await;
    api.get("/instances").await;
    api.get("/gpu-tiers").await;
    let (_, ledger) = api.get("/_admin/ledger").await;
    assert_eq!(ledger["requests"]["icgpu.createInstance"], 1);
    assert_eq!(ledger["requests"]["icgpu.listInstances"], 2);
    assert_eq!(ledger["requests"]["icgpu.listGpuTiers"], 1);
    assert_eq!(ledger["live"][0]["kind"], "instance");
    assert_eq!(ledger["live"][0]["api"], "icgpu");
    assert_eq!(emu.shared().ledger.count("icgpu", "listInstances"), 2);

    let resp = api
        .http
        .post(api.url("/_admin/reset"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (_, ledger) = api.get("/_admin/ledger").await;
    assert_eq!(ledger["requests"], json!({}));
    assert_eq!(ledger["live"], json!([]));
    emu.shutdown().await;
}

#[tokio::test]
async fn preemption_requeue_and_capacity() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let (_, batch) = api
        .post(
            "/instances",
            json!({"name": "b", "tier": "timesliced", "workload_type": "batch"}),
        )
        .await;
    let id = batch["id"].as_str().expect("id").to_string();
    api.wait_for(&format!("/instances/{id}"), "running").await;
    let resp = api
        .http
        .post(api.url(&format!("/_admin/icgpu/instances/{id}/preempt")))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    api.wait_for(&format!("/instances/{id}"), "preempted").await;
    let (status, requeued) = api
        .post(&format!("/instances/{id}/requeue"), json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(requeued["status"], "pending");

    let resp = api
        .http
        .put(api.url("/_admin/icgpu/gpu-tiers/mig/capacity"))
        .json(&json!({"available_count": 0}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, tiers) = api.get("/gpu-tiers").await;
    let mig = &tiers["gpuTiers"][1];
    assert_eq!(
        (mig["tier"].as_str(), mig["available"].as_bool()),
        (Some("mig"), Some(false))
    );
    let (status, err) = api
        .post("/instances", json!({"name": "i", "tier": "mig"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["code"], "ConflictException");
    let (status, queued) = api
        .post(
            "/instances",
            json!({"name": "q", "tier": "mig", "workload_type": "batch"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let fault = json!({"api": "icgpu", "method": "POST", "path_prefix": "/icgpu/api/v1/instances", "times": 1,
        "action": {"capacity_error": {"message": "no A100 left"}}});
    api.http
        .post(api.url("/_admin/faults"))
        .json(&fault)
        .send()
        .await
        .expect("sent");
    let (status, err) = api
        .post("/instances", json!({"name": "c", "tier": "dedicated"}))
        .await;
    assert_eq!(
        (status, err["message"].as_str()),
        (StatusCode::CONFLICT, Some("no A100 left"))
    );
    let (status, err) = api.call(reqwest::Method::PUT, "/instances", None).await;
    assert_eq!(
        (status.as_u16(), err["code"].as_str()),
        (405, Some("ValidationException"))
    );
    tokio::time::sleep(STEP * 4).await;
    let (_, still) = api
        .get(&format!(
            "/instances/{}",
            queued["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(still["status"], "pending", "batch waits for capacity");
    emu.shutdown().await;
}

#[tokio::test]
async fn model_deployment_serves_at_its_endpoint() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let (status, m) = api
        .post("/models", json!({"name": "my-qwen", "model": "Qwen/Qwen2.5-7B-Instruct", "resourceProfile": "nvidia-gpu-mig", "minReplicas": 1, "maxReplicas": 2, "huggingfaceToken": "hf_x"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(m["status"], "deploying");
    assert!(m.get("huggingfaceToken").is_none());
    let endpoint = m["endpoint"].as_str().expect("endpoint").to_string();
    assert!(endpoint.starts_with(&emu.base_url()), "{endpoint}");
    let serving = api.wait_for("/models/my-qwen", "serving").await;
    assert_eq!(serving["readyReplicas"], 1);
    let resp = api
        .http
        .get(format!("{endpoint}/models"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    let models: Value = resp.json().await.expect("json");
    assert_eq!(models["data"][0]["id"], "my-qwen");

    let (status, stopped) = api.post("/models/my-qwen/stop", json!({})).await;
    assert_eq!(
        (status, stopped["status"].as_str()),
        (StatusCode::ACCEPTED, Some("stopped"))
    );
    let resp = api
        .http
        .get(format!("{endpoint}/models"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    emu.shutdown().await;
}

#[tokio::test]
async fn generated_ssh_key_and_kubeconfig_are_real() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let (status, key) = api.post("/ssh-keys/generate", json!({"name": "gen"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let private = ssh_key::PrivateKey::from_openssh(key["private_key"].as_str().expect("pem"))
        .expect("valid OpenSSH private key");
    assert_eq!(
        private.public_key().to_openssh().expect("encodes"),
        key["public_key"].as_str().expect("public")
    );
    assert_eq!(
        private.fingerprint(ssh_key::HashAlg::Sha256).to_string(),
        key["fingerprint"].as_str().expect("fp")
    );
    let (status, _) = api
        .post(
            "/ssh-keys",
            json!({"name": "dup", "public_key": key["public_key"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "same fingerprint");

    let (_, cluster) = api
        .post("/clusters", json!({"name": "k", "version": "1.31"}))
        .await;
    let id = cluster["id"].as_str().expect("id").to_string();
    let (status, _) = api.get(&format!("/clusters/{id}/kubeconfig")).await;
    assert_eq!(status, StatusCode::CONFLICT, "not running yet");
    api.wait_for(&format!("/clusters/{id}"), "running").await;
    let (status, yaml) = api.get(&format!("/clusters/{id}/kubeconfig")).await;
    assert_eq!(status, StatusCode::OK);
    let cfg: serde_yaml::Value = serde_yaml::from_str(yaml.as_str().expect("text")).expect("yaml");
    let server = cfg["clusters"][0]["cluster"]["server"]
        .as_str()
        .expect("server");
    assert!(server.starts_with("https://"));
    assert_eq!(cfg["current-context"].as_str(), Some("k"));
    emu.shutdown().await;
}

#[tokio::test]
async fn fine_tuning_jobs_train_fail_as_told_cancel_and_take_only_api_keys() {
    let emu = emulator(10_000).await;
    let mut api = Api::new(&emu);
    let jobs = "/v1/fine-tuning/jobs";
    let job = json!({"model": "meta-llama/Llama-3.1-8B-Instruct", "training_file": "file-abc123",
        "suffix": "my-lora", "hyperparameters": {"learning_rate": "2e-4", "n_epochs": 2}});
    // The OIDC token is for /api/v1: the LLM API refuses it, in OpenAI's error shape.
    let (status, body) = api.post(jobs, job.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["type"], "authentication_error");
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("sk-ic-")));

    api.token = gpucloud::emulator::icgpu::TEST_LLM_KEY.into();
    let (status, created) = api.post(jobs, job.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "validating_files");
    assert!(created["fine_tuned_model"].is_null());
    let id = created["id"].as_str().expect("id").to_string();
    let path = format!("{jobs}/{id}");
    let done = api.wait_for(&path, "succeeded").await;
    assert_eq!(
        done["fine_tuned_model"],
        format!("ft:llama-3.1-8b:my-lora:{id}")
    );
    assert!(done["trained_tokens"].as_i64().is_some_and(|t| t > 0));
    assert!(done["finished_at"].as_i64() >= done["created_at"].as_i64());
    assert_eq!(
        done["hyperparameters"]["lora_rank"], 16,
        "the default is reported"
    );
    let (_, events) = api.get(&format!("{path}/events")).await;
    let metrics = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "metrics");
    assert_eq!(metrics.count(), 2, "one loss per epoch: {events}");
    // Cancelling a finished job changes nothing.
    let (status, after) = api.delete(&path).await;
    assert_eq!(
        (status, &after["status"]),
        (StatusCode::OK, &json!("succeeded"))
    );

    // A queued outcome makes the next job fail with its message.
    api.post(
        "/_admin/outcomes",
        json!({"api": "icgpu", "status": "failed", "message": "bad data"}),
    )
    .await;
    let (_, failing) = api.post(jobs, job.clone()).await;
    let failed = api
        .wait_for(
            &format!("{jobs}/{}", failing["id"].as_str().expect("id")),
            "failed",
        )
        .await;
    assert_eq!(failed["error"]["message"], "bad data");
    assert!(failed["fine_tuned_model"].is_null());

    // Held, a job trains until released; DELETE cancels it mid-training.
    api.post("/_admin/hold", json!({})).await;
    let (_, held) = api.post(jobs, job.clone()).await;
    let held = format!("{jobs}/{}", held["id"].as_str().expect("id"));
    api.wait_for(&held, "running").await;
    tokio::time::sleep(STEP * 6).await;
    assert_eq!(api.get(&held).await.1["status"], "running");
    let (status, cancelled) = api.delete(&held).await;
    assert_eq!(
        (status, &cancelled["status"]),
        (StatusCode::OK, &json!("cancelled"))
    );
    assert!(cancelled["finished_at"].is_i64());
    assert_eq!(api.get(&held).await.1["status"], "cancelled");
    assert!(emu
        .live_objects()
        .iter()
        .all(|o| o.kind != "fine_tuning_job"));

    let mut bad = job.clone();
    bad["hyperparameters"]["n_epochs"] = json!(0);
    let (status, body) = api.post(jobs, bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["param"], "hyperparameters.n_epochs");
    let mut bad = job.clone();
    bad["suffix"] = json!("-My Model");
    let (status, body) = api.post(jobs, bad).await;
    assert_eq!(
        (status, &body["error"]["param"]),
        (StatusCode::BAD_REQUEST, &json!("suffix"))
    );
    let (status, body) = api.get(&format!("{jobs}/ftjob-nope")).await;
    assert_eq!(
        (status, &body["error"]["type"]),
        (StatusCode::NOT_FOUND, &json!("invalid_request_error"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_llm_api_has_its_own_rate_limit_at_half_the_dashboards() {
    let emu = emulator(4).await;
    let mut api = Api::new(&emu);
    api.token = gpucloud::emulator::icgpu::TEST_LLM_KEY.into();
    let job = "/v1/fine-tuning/jobs/ftjob-none";
    for _ in 0..2 {
        assert_eq!(api.get(job).await.0, StatusCode::NOT_FOUND);
    }
    let (status, body) = api.get(job).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    // The Dashboard API counts apart.
    api.token = TOKEN.into();
    assert_eq!(api.get("/instances").await.0, StatusCode::OK);
    emu.shutdown().await;
}

#[tokio::test]
async fn slurm_environments_honour_the_hold_and_functions_validate_their_fields() {
    let emu = emulator(1000).await;
    let api = Api::new(&emu);
    let env = json!({"name": "distributed-training", "max_nodes": 4, "gpu_per_node": 1});
    let (status, _) = api.post("/_admin/hold", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, created) = api.post("/slurm-environments", env.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (created["status"].as_str(), &created["ssh_host"]),
        (Some("provisioning"), &Value::Null)
    );
    let path = format!(
        "/slurm-environments/{}",
        created["id"].as_str().expect("id")
    );
    tokio::time::sleep(STEP * 4).await;
    assert_eq!(api.get(&path).await.1["status"], "provisioning", "held");
    let (status, again) = api.post("/slurm-environments", env).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(emu.release_held(), 1);
    let running = api.wait_for(&path, "running").await;
    assert_eq!(running["ssh_user"], "gpuuser");
    assert!(running["ssh_port"].is_u64(), "{running}");
    let (status, deleting) = api.delete(&path).await;
    assert_eq!(
        (status, &deleting["status"]),
        (StatusCode::ACCEPTED, &json!("deleting"))
    );
    api.wait_gone(&path).await;

    let bad = json!({"name": "n", "max_nodes": 0, "gpu_per_node": 1});
    let (status, err) = api.post("/slurm-environments", bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["details"][0]["field"], "max_nodes");

    let function = json!({"name": "image-classifier", "image": "registry.gpu.local/myteam/classifier:v1",
        "entrypoint": "python classify.py", "gpuTier": "h100", "envVars": {"MODEL_PATH": "/m"}});
    let (status, err) = api.post("/functions", function.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["details"][0]["field"], "gpuTier");
    let mut good = function;
    good["gpuTier"] = json!("timesliced");
    let (status, f) = api.post("/functions", good).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (f["status"].as_str(), f["timeoutSeconds"].as_i64()),
        (Some("ready"), Some(300))
    );
    assert_eq!(f["envVars"]["MODEL_PATH"], "/m");
    let path = format!("/functions/{}", f["id"].as_str().expect("id"));
    assert_eq!(api.delete(&path).await.0, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&path).await.0, StatusCode::NOT_FOUND);
    assert!(emu.live_objects().is_empty());
    emu.shutdown().await;
}
