//! The ROCm management emulator over real HTTP: seeded devices, health (one critical),
//! performance, version, 404/401 error shapes, the admin health hook and the ledger.

use gpucloud::emulator::{start, EmulatorConfig, EmulatorHandle};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn emulator(seed: u64) -> EmulatorHandle {
    let config = EmulatorConfig {
        seed,
        ..EmulatorConfig::default()
    };
    start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("emulator starts")
}

async fn get(emu: &EmulatorHandle, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().get(format!("{}/rocm/v1{path}", emu.base_url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request completes");
    let status = resp.status();
    (status, resp.json().await.expect("JSON body"))
}

const TOKEN: Option<&str> = Some("rocm-test-token");

#[tokio::test]
async fn eight_mi300x_devices_with_exactly_gpu5_critical() {
    let emu = emulator(11).await;
    let (s, list) = get(&emu, "/devices", TOKEN).await;
    assert_eq!(s, StatusCode::OK);
    let devices = list["devices"].as_array().expect("devices");
    let ids: Vec<&str> = devices.iter().filter_map(|d| d["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["gpu0", "gpu1", "gpu2", "gpu3", "gpu4", "gpu5", "gpu6", "gpu7"]
    );
    assert!(devices
        .iter()
        .all(|d| d["model"] == "MI300X" && d["memoryTotal"] == 192));

    let mut statuses = Vec::new();
    for id in &ids {
        let (s, h) = get(&emu, &format!("/devices/{id}/health"), TOKEN).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["deviceId"], *id);
        statuses.push(h["status"].as_str().expect("status").to_owned());
    }
    assert_eq!(statuses.iter().filter(|s| *s == "critical").count(), 1);
    assert_eq!(statuses[5], "critical");
    assert_eq!(statuses[3], "warning");
    assert!(statuses
        .iter()
        .all(|s| ["healthy", "warning", "critical", "unknown"].contains(&s.as_str())));

    let (s, d) = get(&emu, "/devices/gpu2", TOKEN).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["computeUnits"], 304);
    assert!(d["pcieBusId"]
        .as_str()
        .is_some_and(|b| b.starts_with("0000:")));
    let (s, p) = get(&emu, "/devices/gpu2/performance", TOKEN).await;
    assert_eq!(s, StatusCode::OK);
    assert!(p["gpuUtilization"]
        .as_f64()
        .is_some_and(|u| (0.0..=100.0).contains(&u)));
    let (s, v) = get(&emu, "/system/rocm-version", TOKEN).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["rocmVersion"], "6.1.0");
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_devices_are_404_and_bad_tokens_are_401() {
    let emu = emulator(1).await;
    for path in [
        "/devices/gpu8",
        "/devices/gpu8/health",
        "/devices/gpu8/performance",
    ] {
        let (s, v) = get(&emu, path, TOKEN).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            v,
            json!({"code": "NOT_FOUND", "message": "Device not found"})
        );
    }
    for token in [None, Some("wrong"), Some("amd-test-key")] {
        let (s, v) = get(&emu, "/devices", token).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(v["code"], "UNAUTHORIZED");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn admin_changes_health_reset_restores_and_the_ledger_counts() {
    let emu = emulator(1).await;
    let http = reqwest::Client::new();
    let url = format!("{}/_admin/rocm/devices/gpu1/health", emu.base_url());
    let resp = http
        .post(&url)
        .json(&json!({"status": "critical"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    let bad = http
        .post(&url)
        .json(&json!({"status": "on-fire"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let (_, h) = get(&emu, "/devices/gpu1/health", TOKEN).await;
    assert_eq!(h["status"], "critical");

    let reset = http
        .post(format!("{}/_admin/reset", emu.base_url()))
        .send()
        .await
        .expect("sent");
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let (_, h) = get(&emu, "/devices/gpu1/health", TOKEN).await;
    assert_eq!(h["status"], "healthy");

    get(&emu, "/devices", TOKEN).await;
    get(&emu, "/devices/gpu0", TOKEN).await;
    get(&emu, "/devices/gpu0/performance", TOKEN).await;
    get(&emu, "/system/rocm-version", TOKEN).await;
    let l = &emu.shared().ledger;
    assert_eq!(
        l.count("rocm", "getDeviceHealth"),
        1,
        "counted since the reset"
    );
    assert_eq!(l.count("rocm", "listDevices"), 1);
    assert_eq!(l.count("rocm", "getDevice"), 1);
    assert_eq!(l.count("rocm", "getDevicePerformance"), 1);
    assert_eq!(l.count("rocm", "getRocmVersion"), 1);
    assert!(emu.live_objects().iter().all(|o| o.api != "rocm"));
    emu.shutdown().await;
}

#[tokio::test]
async fn telemetry_is_deterministic_per_seed() {
    let a = emulator(5).await;
    let b = emulator(5).await;
    let c = emulator(6).await;
    let mut per = Vec::new();
    for emu in [&a, &b, &c] {
        let mut all = Vec::new();
        for n in 0..8 {
            all.push(get(emu, &format!("/devices/gpu{n}/health"), TOKEN).await.1);
        }
        per.push(all);
    }
    assert_eq!(per[0], per[1]);
    assert_ne!(per[0], per[2]);
    for emu in [a, b, c] {
        emu.shutdown().await;
    }
}
