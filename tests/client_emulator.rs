//! The shared client against the real emulator: refresh coalescing counted in the emulator's
//! ledger, exactly-once creates through lost responses, POST safety and Retry-After.

use gpucloud::client::{
    create_reconciled, list_all_token, Auth, Client, ClientConfig, Deadline, Secret, Tuning,
};
use gpucloud::emulator::{self, EmulatorConfig, EmulatorHandle};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn emulator() -> EmulatorHandle {
    let config = EmulatorConfig {
        step: Duration::from_millis(100),
        rate_limit_per_minute: 100_000,
        ..EmulatorConfig::default()
    };
    emulator::start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("emulator starts")
}

fn tuning() -> Tuning {
    Tuning {
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
        ..Tuning::default()
    }
}

fn icgpu(emu: &EmulatorHandle) -> Client {
    Client::with_tuning(
        ClientConfig {
            api: "icgpu",
            base_url: format!("{}/icgpu", emu.base_url()),
            auth: Auth::Bearer(Secret::new("icgpu-test-token")),
            ..ClientConfig::default()
        },
        tuning(),
    )
    .expect("client")
}

fn amd(emu: &EmulatorHandle) -> Client {
    Client::with_tuning(
        ClientConfig {
            api: "amd",
            base_url: format!("{}/amd/v1", emu.base_url()),
            auth: Auth::Header {
                name: "X-API-Key",
                value: Secret::new("amd-test-key"),
            },
            ..ClientConfig::default()
        },
        tuning(),
    )
    .expect("client")
}

async fn fault(emu: &EmulatorHandle, rule: Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/_admin/faults", emu.base_url()))
        .json(&rule)
        .send()
        .await
        .expect("admin request");
    assert!(
        resp.status().is_success(),
        "fault rule refused: {}",
        resp.status()
    );
}

fn count(emu: &EmulatorHandle, api: &str, op: &str) -> u64 {
    emu.shared().ledger.count(api, op)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_100_instances_costs_one_list_and_no_gets_and_never_serves_a_deleted_one() {
    let emu = emulator().await;
    let client = icgpu(&emu);
    let b = Deadline::after(Duration::from_secs(60));
    let mut ids = Vec::new();
    for i in 0..100 {
        let inst: Value = client
            .bind(b.clone())
            .post("/api/v1/instances")
            .json(&json!({"name": format!("c{i}"), "tier": "timesliced"}))
            .idempotency_key(format!("coalesce-{i}"))
            .send()
            .await
            .expect("create");
        ids.push(inst["id"].as_str().expect("id").to_string());
    }
    emu.shared().ledger.reset();

    let reads = ids.iter().map(|id| {
        let client = client.clone();
        let b = b.clone();
        async move {
            client
                .cache()
                .read::<Value, _, _, _, _>(
                    "instances",
                    id,
                    || {
                        list_all_token::<Value>(
                            client
                                .bind(b.clone())
                                .get("/api/v1/instances")
                                .query("maxResults", 100),
                            "instances",
                        )
                    },
                    || {
                        client
                            .bind(b.clone())
                            .get(&format!("/api/v1/instances/{id}"))
                            .send_optional::<Value>()
                    },
                )
                .await
        }
    });
    let found = futures::future::join_all(reads).await;
    for (id, r) in ids.iter().zip(&found) {
        let obj = r.as_ref().expect("read succeeds").as_ref().expect("found");
        assert_eq!(obj["id"], id.as_str());
    }
    assert!(
        count(&emu, "icgpu", "listInstances") <= 2,
        "list calls: {}",
        count(&emu, "icgpu", "listInstances")
    );
    assert_eq!(count(&emu, "icgpu", "getInstance"), 0);

    // This process deletes one: the next read must not be served from the cached list.
    let gone = &ids[7];
    client
        .bind(b.clone())
        .delete(&format!("/api/v1/instances/{gone}"))
        .send_no_body()
        .await
        .expect("delete");
    let after: Option<Value> = client
        .cache()
        .read(
            "instances",
            gone,
            || {
                list_all_token::<Value>(
                    client
                        .bind(b.clone())
                        .get("/api/v1/instances")
                        .query("maxResults", 100),
                    "instances",
                )
            },
            || {
                client
                    .bind(b.clone())
                    .get(&format!("/api/v1/instances/{gone}"))
                    .send_optional::<Value>()
            },
        )
        .await
        .expect("read");
    if let Some(obj) = after {
        assert_eq!(
            obj["status"], "terminating",
            "a deleted instance was served as {obj}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_create_whose_response_is_lost_creates_exactly_one_instance() {
    let emu = emulator().await;
    let client = icgpu(&emu);
    fault(&emu, json!({"method": "POST", "path_prefix": "/icgpu/api/v1/instances", "times": 1, "action": "lose_response"})).await;
    let inst: Value = client
        .bind(Deadline::after(Duration::from_secs(30)))
        .post("/api/v1/instances")
        .json(&json!({"name": "once", "tier": "mig"}))
        .idempotency_key("exactly-once-1")
        .send()
        .await
        .expect("the retry with the same key gets the replayed answer");
    assert_eq!(
        count(&emu, "icgpu", "createInstance"),
        2,
        "one lost answer, one replay"
    );
    let live: Vec<_> = emu
        .live_objects()
        .into_iter()
        .filter(|o| o.api == "icgpu")
        .collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].id, inst["id"].as_str().expect("id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unkeyed_create_is_reconciled_not_repeated_when_its_response_is_lost() {
    let emu = emulator().await;
    let client = amd(&emu);
    fault(&emu, json!({"method": "POST", "path_prefix": "/amd/v1/instances", "times": 1, "action": "lose_response"})).await;
    let b = Deadline::after(Duration::from_secs(30));
    let req = client
        .bind(b.clone())
        .post("/instances")
        .json(&json!({"name": "adopt-me", "gpuType": "mi300x", "gpuCount": 1}));
    let inst: Value = create_reconciled(req, |_since| {
        let client = client.clone();
        let b = b.clone();
        async move {
            let list: Value = client.bind(b.clone()).get("/instances").send().await?;
            let items = list["instances"]
                .as_array()
                .or(list["data"].as_array())
                .cloned()
                .unwrap_or_default();
            Ok(items.into_iter().find(|i| i["name"] == "adopt-me"))
        }
    })
    .await
    .expect("adopted");
    assert_eq!(inst["name"], "adopt-me");
    assert_eq!(count(&emu, "amd", "createInstance"), 1, "never sent twice");
    assert_eq!(
        emu.live_objects().iter().filter(|o| o.api == "amd").count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unkeyed_post_is_never_retried_after_a_server_error() {
    let emu = emulator().await;
    let client = amd(&emu);
    fault(&emu, json!({"method": "POST", "path_prefix": "/amd/v1/instances", "times": 1, "action": {"status": 503}})).await;
    let err = client
        .bind(Deadline::after(Duration::from_secs(10)))
        .post("/instances")
        .json(&json!({"name": "x", "gpuType": "mi250", "gpuCount": 1}))
        .send::<Value>()
        .await
        .expect_err("the 503 reaches the caller");
    assert_eq!(err.status(), Some(503));
    // The injected 503 answers before the handler (and its ledger entry); a retry would have
    // reached the handler and been counted.
    assert_eq!(
        count(&emu, "amd", "createInstance"),
        0,
        "the POST was sent again"
    );
    assert_eq!(
        emu.live_objects().iter().filter(|o| o.api == "amd").count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_from_the_api_is_honoured() {
    let emu = emulator().await;
    let client = icgpu(&emu);
    fault(&emu, json!({"method": "GET", "path_prefix": "/icgpu/api/v1/gpu-tiers", "times": 1, "action": {"status": 503, "retry_after": 1}})).await;
    let started = Instant::now();
    let tiers: Value = client
        .bind(Deadline::after(Duration::from_secs(10)))
        .get("/api/v1/gpu-tiers")
        .send()
        .await
        .expect("succeeds after the retry");
    assert!(
        tiers["gpuTiers"].as_array().is_some_and(|t| !t.is_empty()),
        "{tiers}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    // The injected 503 answers before the handler; the one counted request is the retry.
    assert_eq!(count(&emu, "icgpu", "listGpuTiers"), 1);
}
