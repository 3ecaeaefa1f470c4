//! The GPU AI Service emulator over real HTTP: inventory paging (> 250 items) and filters,
//! GPU config, notify-availability, the AI runtime lifecycle (Running, Failed, Deleting → 404),
//! live capacity, templates, login and tokens, error shapes and the ledger.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gpucloud::emulator::{start, EmulatorConfig, EmulatorHandle};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const TOKEN: &str = "gpuai-test-token";
const FROZEN: Duration = Duration::from_secs(3600);
const FAST: Duration = Duration::from_millis(50);
const RUNS: &str = "/gpu/api/v1beta1/orgs/org-abc123/projects/prj-abc123/airuntimes";
const INV: &str = "/inventory/api/v1beta1/inventory";
const NOTIFY: &str = "/inventory/api/v1beta1/inventory/gpu/notify-availability";

async fn emulator(step: Duration) -> EmulatorHandle {
    let config = EmulatorConfig {
        seed: 4,
        step,
        ..EmulatorConfig::default()
    };
    start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("emulator starts")
}

struct Api {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl Api {
    fn new(emu: &EmulatorHandle) -> Self {
        Self {
            base: emu.base_url(),
            http: reqwest::Client::new(),
            token: Some(TOKEN.into()),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let prefix = if path.starts_with("/_admin") {
            ""
        } else {
            "/gpuai"
        };
        let mut req = self
            .http
            .request(method, format!("{}{prefix}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
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

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn wait_status(&self, path: &str, want: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (s, v) = self.get(path).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            if v["status"] == want {
                return v;
            }
            assert!(Instant::now() < deadline, "never {want}: {v}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn wait_gone(&self, path: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (s, v) = self.get(path).await;
            if s == StatusCode::NOT_FOUND {
                return v;
            }
            assert_eq!(v["status"], "Deleting", "{v}");
            assert!(Instant::now() < deadline, "never removed: {v}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn assert_error(s: StatusCode, v: &Value, want: StatusCode, code: &str) {
    assert_eq!(s, want, "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
}

fn data(v: &Value) -> &Vec<Value> {
    v["data"].as_array().expect("data")
}

fn jupyter(name: &str) -> Value {
    json!({"name": name, "region": "as-south-1", "templateID": "tpl-jupyterlab-pytorch", "planId": "gpu-h200-on-demand-1h", "gpuCount": 1})
}

#[tokio::test]
async fn inventory_pages_walk_all_items_and_filters_apply() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let (s, first) = api.get(INV).await;
    assert_eq!(s, StatusCode::OK);
    let total = first["pagination"]["total_items"].as_u64().expect("total");
    assert!(total > 250, "{total}");
    assert_eq!(data(&first).len(), 20, "default limit");
    assert_eq!(first["pagination"]["current_page"], 1);

    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let (s, v) = api.get(&format!("{INV}?page={page}&limit=100")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["pagination"]["total_pages"], total.div_ceil(100));
        seen.extend(data(&v).iter().map(|i| {
            (
                i["config_id"].as_str().expect("id").to_owned(),
                i["region"].as_str().expect("region").to_owned(),
            )
        }));
        if page >= v["pagination"]["total_pages"].as_u64().expect("pages") {
            break;
        }
        page += 1;
    }
    assert_eq!(seen.len() as u64, total);
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no item twice");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, seen, "ordered by config_id, then region");
    let (_, beyond) = api.get(&format!("{INV}?page=99")).await;
    assert!(data(&beyond).is_empty());

    let (_, region) = api.get(&format!("{INV}?region=as-south-1&limit=100")).await;
    assert_eq!(region["pagination"]["total_items"], 33);
    let (_, model) = api.get(&format!("{INV}?gpu_model=h100&limit=100")).await;
    assert!(!data(&model).is_empty());
    assert!(data(&model).iter().all(|i| i["gpu_model"] == "NVIDIA H100"));
    let (_, amd) = api.get(&format!("{INV}?gpu_vendor=amd&limit=100")).await;
    assert!(!data(&amd).is_empty() && data(&amd).iter().all(|i| i["gpu_vendor"] == "AMD"));
    let (_, vram) = api
        .get(&format!("{INV}?vram_min=48&vram_max=80&limit=100"))
        .await;
    assert!(data(&vram)
        .iter()
        .all(|i| (48..=80).contains(&i["vram_gib"].as_i64().expect("vram"))));
    assert!(vram["pagination"]["total_items"].as_u64().expect("n") > 0);
    let (_, nothing) = api.get(&format!("{INV}?region=mars-1")).await;
    assert!(data(&nothing).is_empty());

    let sold_out = data(&region)
        .iter()
        .find(|i| i["config_id"] == "gpu-h100-80g-20cpu-125g")
        .expect("seeded");
    assert_eq!(sold_out["availability"], "None");
    assert_eq!(sold_out["max_gpu_count"], 0);
    let rtx = data(&region)
        .iter()
        .find(|i| i["config_id"] == "gpu-rtx5090-32g-16cpu-96g")
        .expect("seeded");
    assert_eq!(
        (
            rtx["available_gpu_count"].as_u64(),
            rtx["max_gpu_count"].as_u64(),
            rtx["total_gpu_count"].as_u64()
        ),
        (Some(4), Some(2), Some(6))
    );
    assert_eq!(rtx["availability"], "Low");

    for bad in [
        "page=0",
        "limit=101",
        "limit=0",
        "vram_min=80&vram_max=48",
        "vram_min=-1",
        "page=one",
    ] {
        let (s, v) = api.get(&format!("{INV}?{bad}")).await;
        assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn gpu_config_lists_regions_and_plans() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let (s, c) = api
        .get(&format!(
            "{INV}/gpuconfig?config_id=gpu-rtx5090-32g-16cpu-96g"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let regions = c["regions"].as_array().expect("regions");
    assert!(regions.contains(&json!("as-south-1")) && regions.len() == 8);
    assert_eq!(c["region"], regions[0]);
    let plans: Vec<&str> = c["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .filter_map(|p| p["plan_id"].as_str())
        .collect();
    assert!(plans.contains(&"gpu-rtx5090-on-demand-1h"));
    let (s, v) = api.get(&format!("{INV}/gpuconfig")).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    let (s, v) = api
        .get(&format!("{INV}/gpuconfig?config_id=gpu-none"))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    emu.shutdown().await;
}

#[tokio::test]
async fn notify_availability_creates_conflicts_and_moves_on_when_capacity_exists() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let sold_out = json!({"region_id": "as-south-1", "config_id": "gpu-h100-80g-20cpu-125g"});
    let (s, n) = api.post(NOTIFY, sold_out.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{n}");
    assert_eq!(n["status"], "pending");
    assert_eq!(n["notified_at"], Value::Null);
    let (s, v) = api.post(NOTIFY, sold_out.clone()).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");

    let has = json!({"region_id": "as-south-1", "config_id": "gpu-rtx5090-32g-16cpu-96g"});
    let (s, quick) = api.post(NOTIFY, has).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        quick["status"], "pending",
        "registered as pending even with capacity"
    );
    let (_, list) = api.get(NOTIFY).await;
    let list = list.as_array().expect("bare array").clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], quick["id"], "newest first");
    assert_eq!(list[0]["status"], "notified");
    assert!(list[0]["notified_at"].is_string());
    assert_eq!(list[1]["status"], "pending");
    let (_, pending) = api.get(&format!("{NOTIFY}?status=pending")).await;
    assert_eq!(pending.as_array().map(Vec::len), Some(1));
    let live: Vec<String> = emu
        .live_objects()
        .into_iter()
        .filter(|o| o.api == "gpuai")
        .map(|o| o.id)
        .collect();
    assert_eq!(live, vec![n["id"].as_str().expect("id").to_owned()]);

    let admin = "/_admin/gpuai/capacity";
    let (s, row) = api.post(admin, json!({"config_id": "gpu-h100-80g-20cpu-125g", "region": "as-south-1", "total_gpu_count": 8})).await;
    assert_eq!(s, StatusCode::OK, "{row}");
    assert_eq!(row["availability"], "Medium");
    let (_, notified) = api.get(&format!("{NOTIFY}?status=notified")).await;
    assert_eq!(notified.as_array().map(Vec::len), Some(2));

    for bad in [
        json!({"region_id": "mars-1", "config_id": "gpu-h100-80g-20cpu-125g"}),
        json!({"region_id": "as-south-1"}),
        json!({"region_id": "as-south-1", "config_id": "gpu-nope"}),
    ] {
        let (s, v) = api.post(NOTIFY, bad).await;
        assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    }
    let (s, v) = api.get(&format!("{NOTIFY}?status=sent")).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");

    let (s, again) = api.post(NOTIFY, sold_out).await;
    assert_eq!(s, StatusCode::CREATED, "no pending duplicate any more");
    let id = again["id"].as_str().expect("id");
    let (s, c) = api
        .post(
            &format!("/_admin/gpuai/notify-availability/{id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["status"], "cancelled");
    emu.shutdown().await;
}

#[tokio::test]
async fn runtime_goes_pending_provisioning_running_then_deleting_then_404() {
    let emu = emulator(FAST).await;
    let api = Api::new(&emu);
    // The CLI README body: no gpuConfigID, so the first H200 config in the region is used.
    let (s, rt) = api.post(RUNS, jupyter("my-jupyter")).await;
    assert_eq!(s, StatusCode::CREATED, "{rt}");
    assert_eq!(rt["status"], "Pending");
    assert_eq!(rt["gpuConfigId"], "gpu-h200-141g-16cpu-128g");
    assert_eq!(rt["project"], "prj-abc123");
    assert_eq!(
        rt["endpoints"],
        json!({"jupyterUrl": null, "ssh": null, "http": []})
    );
    assert_eq!(
        rt["storage"],
        json!({"sizeGb": 100, "mountPath": "/workspace"})
    );
    assert_eq!(
        rt["templateSpec"]["image"],
        "neevai/jupyterlab-pytorch:latest"
    );
    let id = rt["id"].as_str().expect("id").to_owned();
    let path = format!("{RUNS}/{id}");

    let inv = format!("{INV}/gpuconfig?config_id=gpu-h200-141g-16cpu-128g");
    let (_, cfg) = api.get(&inv).await;
    assert_eq!(cfg["region"], "as-east-1", "first region ascending");
    let (_, home) = api
        .get(&format!("{INV}?region=as-south-1&gpu_model=H200&limit=100"))
        .await;
    let row = data(&home)
        .iter()
        .find(|i| i["config_id"] == "gpu-h200-141g-16cpu-128g")
        .expect("row");
    assert_eq!(row["available_gpu_count"], 63, "the runtime holds one GPU");

    let running = api.wait_status(&path, "Running").await;
    assert!(running["endpoints"]["jupyterUrl"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    assert_eq!(running["endpoints"]["ssh"]["user"], "root");
    assert_eq!(running["message"], Value::Null);
    assert_ne!(running["updatedAt"], running["createdAt"]);
    let (s, m) = api.get(&format!("{path}/metrics")).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["gpus"].as_array().map(Vec::len), Some(1));
    assert_eq!(m["gpuMemoryTotalGib"], 141.0);
    let (_, list) = api.get(RUNS).await;
    assert_eq!(data(&list)[0]["status"], "Running");
    assert!(
        data(&list)[0].get("endpoints").is_none(),
        "list items are summaries"
    );

    let (s, d) = api.call(Method::DELETE, &path, None).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{d}");
    assert_eq!(d["status"], "Deleting");
    let (s, d2) = api.call(Method::DELETE, &path, None).await;
    if s == StatusCode::ACCEPTED {
        assert_eq!(d2["status"], "Deleting", "idempotent");
    }
    let gone = api.wait_gone(&path).await;
    assert_eq!(gone["code"], "not_found");
    let (s, v) = api.get(&format!("{path}/metrics")).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = api.call(Method::DELETE, &path, None).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (_, home) = api
        .get(&format!("{INV}?region=as-south-1&gpu_model=H200&limit=100"))
        .await;
    let row = data(&home)
        .iter()
        .find(|i| i["config_id"] == "gpu-h200-141g-16cpu-128g")
        .expect("row");
    assert_eq!(row["available_gpu_count"], 64, "GPUs returned");
    assert!(emu.live_objects().iter().all(|o| o.api != "gpuai"));
    emu.shutdown().await;
}

#[tokio::test]
async fn failed_runtimes_release_gpus_and_report_a_message() {
    let emu = emulator(FAST).await;
    let api = Api::new(&emu);
    let (s, _) = api
        .post(
            "/_admin/gpuai/fail-next",
            json!({"message": "image pull failed: manifest unknown"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let body = json!({"name": "direct", "region": "as-south-1", "gpuConfigID": "gpu-rtx5090-32g-16cpu-96g", "planId": "gpu-rtx5090-on-demand-1h", "gpuCount": 2,
        "templateSpec": {"image": "vllm/vllm-openai:latest", "ports": [{"name": "api", "port": 8000}], "env": {"HF_HOME": "/workspace/hf"}, "command": ["--model", "x"]},
        "sshKeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 me@host"]});
    let (s, rt) = api.post(RUNS, body).await;
    assert_eq!(s, StatusCode::CREATED, "{rt}");
    assert_eq!(rt["templateId"], Value::Null);
    assert_eq!(rt["templateSpec"]["ports"][0]["protocol"], "http");
    let path = format!("{RUNS}/{}", rt["id"].as_str().expect("id"));
    let failed = api.wait_status(&path, "Failed").await;
    assert_eq!(failed["message"], "image pull failed: manifest unknown");
    let (s, v) = api.get(&format!("{path}/metrics")).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    let (_, inv) = api
        .get(&format!("{INV}?region=as-south-1&gpu_model=5090&limit=100"))
        .await;
    let row = data(&inv)
        .iter()
        .find(|i| i["config_id"] == "gpu-rtx5090-32g-16cpu-96g")
        .expect("row");
    assert_eq!(
        row["available_gpu_count"], 4,
        "a Failed runtime holds no GPUs: {row}"
    );

    let (s, ok) = api.post(RUNS, jupyter("second")).await;
    assert_eq!(s, StatusCode::CREATED);
    let second = format!("{RUNS}/{}", ok["id"].as_str().expect("id"));
    api.wait_status(&second, "Running").await;
    let (s, f) = api
        .post(
            &format!(
                "/_admin/gpuai/airuntimes/{}/fail",
                ok["id"].as_str().expect("id")
            ),
            json!({"message": "node lost"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let (_, v) = api.get(&second).await;
    assert_eq!(
        (v["status"].as_str(), v["message"].as_str()),
        (Some("Failed"), Some("node lost"))
    );
    let live = emu.live_objects();
    assert!(live
        .iter()
        .filter(|o| o.api == "gpuai")
        .all(|o| o.status == "Failed"));
    assert_eq!(
        live.iter().filter(|o| o.api == "gpuai").count(),
        2,
        "Failed runtimes stay until deleted"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn create_validation_conflicts_and_capacity() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let base = jupyter("ok-name");
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = base.clone();
        b.as_object_mut().expect("object").remove(k);
        b
    };
    let bad = [
        with("name", json!("Bad_Name")),
        with("name", json!("-x")),
        without("name"),
        with("region", json!("mars-1")),
        without("planId"),
        with("planId", json!("gpu-nope-on-demand-1h")),
        with("templateID", json!("tpl-missing")),
        without("templateID"),
        with("templateSpec", json!({"image": "x"})),
        with("gpuConfigID", json!("gpu-nope")),
        with("gpuConfigID", json!("gpu-rtx5090-32g-16cpu-96g")),
        with("gpuCount", json!(0)),
        with("sshKeys", json!(["hello"])),
        with("storage", json!({"mountPath": "relative"})),
        with("storage", json!({"sizeGb": 0})),
    ];
    for body in bad {
        let (s, v) = api.post(RUNS, body.clone()).await;
        assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
        assert!(v["details"].is_object(), "{v}");
    }
    let (s, _) = api.post(RUNS, base.clone()).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = api.post(RUNS, base.clone()).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    let (s, _) = api
        .post(
            "/gpu/api/v1beta1/orgs/org-abc123/projects/prj-def456/airuntimes",
            base.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "names are unique per project only");

    let rtx = |name: &str, n: u32| json!({"name": name, "region": "as-south-1", "templateID": "tpl-ubuntu-cuda", "gpuConfigID": "gpu-rtx5090-32g-16cpu-96g", "planId": "gpu-rtx5090-on-demand-1h", "gpuCount": n});
    let (s, v) = api.post(RUNS, rtx("too-many", 3)).await;
    assert_error(s, &v, StatusCode::CONFLICT, "insufficient_capacity");
    for name in ["rtx-a", "rtx-b"] {
        let (s, v) = api.post(RUNS, rtx(name, 2)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = api.post(RUNS, rtx("rtx-c", 1)).await;
    assert_error(s, &v, StatusCode::CONFLICT, "insufficient_capacity");
    let (s, v) = api.post(RUNS, json!({"name": "sold", "region": "as-south-1", "templateID": "tpl-ubuntu-cuda", "gpuConfigID": "gpu-h100-80g-20cpu-125g", "planId": "gpu-h100-on-demand-1h"})).await;
    assert_error(s, &v, StatusCode::CONFLICT, "insufficient_capacity");

    let (s, v) = api
        .post(
            "/gpu/api/v1beta1/orgs/org-abc123/projects/prj-nope/airuntimes",
            base.clone(),
        )
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = api
        .get("/gpu/api/v1beta1/orgs/org-nope/projects/prj-abc123/airuntimes")
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = api.get(&format!("{RUNS}/not-a-uuid")).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    let (s, v) = api
        .get(&format!("{RUNS}/3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10"))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = api.post(RUNS, json!("not an object")).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_region_and_plan_made_full_shows_in_the_inventory_and_refuses_creates() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let admin = "/_admin/gpuai/capacity";
    let full =
        json!({"region": "as-south-1", "plan_id": "gpu-h200-on-demand-1h", "total_gpu_count": 0});
    let (s, v) = api.post(admin, full).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Every H200 config offered there has the plan.
    assert_eq!(data(&v).len(), 3, "{v}");
    let (_, inv) = api
        .get(&format!("{INV}?region=as-south-1&gpu_model=H200"))
        .await;
    assert!(!data(&inv).is_empty());
    for row in data(&inv) {
        assert_eq!(
            (row["availability"].as_str(), row["max_gpu_count"].as_i64()),
            (Some("None"), Some(0)),
            "{row}"
        );
    }
    let (s, v) = api.post(RUNS, jupyter("no-room")).await;
    assert_error(s, &v, StatusCode::CONFLICT, "insufficient_capacity");

    let nowhere = json!({"region": "as-south-1", "plan_id": "gpu-nope", "total_gpu_count": 0});
    let (s, v) = api.post(admin, nowhere).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = api
        .post(admin, json!({"region": "as-south-1", "total_gpu_count": 0}))
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    emu.shutdown().await;
}

#[tokio::test]
async fn runtime_list_is_paged_newest_first() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let mut ids = Vec::new();
    for n in 0..7 {
        let (s, v) = api.post(RUNS, jupyter(&format!("rt-{n}"))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["id"].as_str().expect("id").to_owned());
    }
    ids.reverse();
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (_, v) = api.get(&format!("{RUNS}?page={page}&limit=3")).await;
        assert_eq!(v["pagination"]["total_items"], 7);
        assert_eq!(v["pagination"]["total_pages"], 3);
        seen.extend(
            data(&v)
                .iter()
                .map(|r| r["id"].as_str().expect("id").to_owned()),
        );
    }
    assert_eq!(seen, ids);
    let (s, v) = api.get(&format!("{RUNS}?limit=500")).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    emu.shutdown().await;
}

#[tokio::test]
async fn templates_are_paged_and_fetched_by_id() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    let t = "/gpu/api/v1beta1/airuntime-templates";
    let (s, all) = api.get(t).await;
    assert_eq!(s, StatusCode::OK);
    let n = all["pagination"]["total_items"].as_u64().expect("n");
    assert!(n >= 5);
    let (_, p2) = api.get(&format!("{t}?page=2&limit=2")).await;
    assert_eq!(data(&p2).len(), 2);
    assert_eq!(data(&p2)[0]["id"], data(&all)[2]["id"]);
    let (s, one) = api.get(&format!("{t}/tpl-jupyterlab-pytorch")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["ownerOrgId"], Value::Null);
    assert_eq!(one["templateSpec"]["ports"][0]["name"], "jupyter");
    let (s, v) = api.get(&format!("{t}/jupyter")).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    let (s, v) = api.get(&format!("{t}/tpl-missing")).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    emu.shutdown().await;
}

#[tokio::test]
async fn login_tokens_pats_and_refusals() {
    let emu = emulator(FROZEN).await;
    let mut api = Api::new(&emu);
    let login = "/tenant/api/v1/auth/login";
    api.token = None;
    let (s, v) = api
        .post(
            login,
            json!({"email": "demo@neevcloud.test", "password": "wrong"}),
        )
        .await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, v) = api
        .post(
            login,
            json!({"email": "nobody@neevcloud.test", "password": "x"}),
        )
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = api.post(login, json!({"email": "not-an-email"})).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "validation_error");
    let (s, tok) = api
        .post(
            login,
            json!({"email": "demo@neevcloud.test", "password": "gpuai-test-password"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 3600);
    let access = tok["access_token"].as_str().expect("token").to_owned();
    assert_eq!(access.split('.').count(), 3, "JWT-shaped");

    let (s, v) = api.get(INV).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    for refused in ["sk-nc-inference-key", "nope", "pat-nc-unknown"] {
        api.token = Some(refused.into());
        let (s, v) = api.get("/gpu/api/v1beta1/airuntime-templates").await;
        assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    for accepted in [access.as_str(), "pat-nc-emulator-0001", TOKEN] {
        api.token = Some(accepted.into());
        let (s, _) = api.get(NOTIFY).await;
        assert_eq!(s, StatusCode::OK, "{accepted}");
    }
    let (s, _) = api.get("/inventory/api/v1beta1/airuntime-templates").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "runtimes live under /gpu only");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_ledger_counts_each_spec_operation() {
    let emu = emulator(FROZEN).await;
    let api = Api::new(&emu);
    api.get(INV).await;
    api.get(&format!(
        "{INV}/gpuconfig?config_id=gpu-rtx5090-32g-16cpu-96g"
    ))
    .await;
    api.post(
        NOTIFY,
        json!({"region_id": "as-south-1", "config_id": "gpu-h100-80g-20cpu-125g"}),
    )
    .await;
    api.get(NOTIFY).await;
    let (_, rt) = api.post(RUNS, jupyter("ledger")).await;
    let path = format!("{RUNS}/{}", rt["id"].as_str().expect("id"));
    api.get(RUNS).await;
    api.get(&path).await;
    api.get(&format!("{path}/metrics")).await;
    api.call(Method::DELETE, &path, None).await;
    api.get("/gpu/api/v1beta1/airuntime-templates").await;
    api.get("/gpu/api/v1beta1/airuntime-templates/tpl-comfyui")
        .await;
    api.post(
        "/tenant/api/v1/auth/login",
        json!({"email": "demo@neevcloud.test", "password": "gpuai-test-password"}),
    )
    .await;
    let counts = emu.shared().ledger.counts();
    for op in [
        "listInventory",
        "getGpuConfig",
        "createGpuNotifyAvailabilityRequest",
        "listGpuNotifyAvailabilityRequests",
        "createAIRuntime",
        "listAIRuntimes",
        "getAIRuntime",
        "getAIRuntimeMetrics",
        "deleteAIRuntime",
        "listAIRuntimeTemplates",
        "getAIRuntimeTemplate",
        "loginUser",
    ] {
        assert_eq!(
            counts.get(&format!("gpuai.{op}")),
            Some(&1),
            "{op}: {counts:?}"
        );
    }
    let live = emu.live_objects();
    let kinds: BTreeSet<&str> = live
        .iter()
        .filter(|o| o.api == "gpuai")
        .map(|o| o.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["notify_availability"]),
        "the Deleting runtime is not live: {live:?}"
    );
    emu.shutdown().await;
}
