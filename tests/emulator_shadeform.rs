//! The Shadeform emulator over real HTTP: the instance-type catalogue and its filters,
//! create validation (launch configurations, unavailable capacity), the pending → active →
//! deleted → 404 lifecycle, volumes and the instances mounting them, auth (with added keys),
//! the admin hooks and the ledger.

use std::time::{Duration, Instant};

use gpucloud::emulator::{start, EmulatorConfig, EmulatorHandle};
use reqwest::StatusCode;
use serde_json::{json, Value};

const KEY: &str = "shadeform-test-key";
const FROZEN: Duration = Duration::from_secs(3600);
const FAST: Duration = Duration::from_millis(50);

async fn emulator(step: Duration) -> EmulatorHandle {
    let config = EmulatorConfig {
        seed: 9,
        step,
        ..EmulatorConfig::default()
    };
    start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("emulator starts")
}

async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
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

fn url(emu: &EmulatorHandle, path: &str) -> String {
    format!("{}/shadeform/v1{path}", emu.base_url())
}

async fn get(emu: &EmulatorHandle, path: &str) -> (StatusCode, Value) {
    send(
        reqwest::Client::new()
            .get(url(emu, path))
            .header("X-API-KEY", KEY),
    )
    .await
}

async fn post(emu: &EmulatorHandle, path: &str, body: Value) -> (StatusCode, Value) {
    send(
        reqwest::Client::new()
            .post(url(emu, path))
            .header("X-API-KEY", KEY)
            .json(&body),
    )
    .await
}

fn create_body(cloud: &str, region: &str, ty: &str) -> Value {
    json!({"cloud": cloud, "region": region, "shade_instance_type": ty, "shade_cloud": true, "name": "cool-gpu-server"})
}

fn assert_error(s: StatusCode, v: &Value, want: StatusCode) {
    assert_eq!(s, want, "{v}");
    assert!(v["error"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert!(v["error_code"].is_string(), "{v}");
}

fn types(v: &Value) -> &Vec<Value> {
    v["instance_types"].as_array().expect("instance_types")
}

#[tokio::test]
async fn catalogue_covers_several_clouds_and_filters_work() {
    let emu = emulator(FROZEN).await;
    let (s, all) = get(&emu, "/instances/types").await;
    assert_eq!(s, StatusCode::OK);
    let all = types(&all).clone();
    let clouds: std::collections::BTreeSet<&str> =
        all.iter().filter_map(|t| t["cloud"].as_str()).collect();
    assert!(clouds.len() >= 5, "{clouds:?}");
    let avail = |t: &Value, region: &str| {
        t["availability"]
            .as_array()
            .expect("availability")
            .iter()
            .find(|a| a["region"] == region)
            .map(|a| a["available"].clone())
    };
    let a6000 = all
        .iter()
        .find(|t| t["cloud"] == "tensordock" && t["shade_instance_type"] == "A6000")
        .expect("tensordock A6000");
    assert_eq!(avail(a6000, "na-us-bos-1"), Some(json!(true)));
    assert_eq!(avail(a6000, "na-us-bos-2"), Some(json!(false)));
    assert_eq!(a6000["configuration"]["vram_per_gpu_in_gb"], 48);
    assert!(a6000["configuration"]["os_options"]
        .as_array()
        .is_some_and(|o| !o.is_empty()));

    let (_, aws) = get(&emu, "/instances/types?cloud=aws").await;
    assert!(!types(&aws).is_empty() && types(&aws).iter().all(|t| t["cloud"] == "aws"));
    let (_, eight) = get(&emu, "/instances/types?num_gpus=8").await;
    assert!(!types(&eight).is_empty());
    assert!(types(&eight)
        .iter()
        .all(|t| t["configuration"]["num_gpus"] == 8));
    let (_, h100) = get(&emu, "/instances/types?gpu_type=H100").await;
    assert!(types(&h100)
        .iter()
        .all(|t| t["configuration"]["gpu_type"] == "H100"));
    assert!(types(&h100).len() >= 2);
    let (_, by_name) = get(&emu, "/instances/types?shade_instance_type=A6000").await;
    assert!(types(&by_name)
        .iter()
        .all(|t| t["shade_instance_type"] == "A6000"));
    let (_, region) = get(&emu, "/instances/types?region=na-us-bos-2").await;
    for t in types(&region) {
        assert_eq!(t["region"], "na-us-bos-2");
        assert!(t["availability"]
            .as_array()
            .expect("a")
            .iter()
            .all(|a| a["region"] == "na-us-bos-2"));
    }
    let (_, available) = get(&emu, "/instances/types?available=true").await;
    for t in types(&available) {
        assert!(t["availability"]
            .as_array()
            .expect("a")
            .iter()
            .all(|a| a["available"] == true));
    }
    assert!(types(&available).iter().all(|t| !(t["cloud"] == "aws"
        && t["shade_instance_type"] == "8xH100"
        && avail(t, "eu-central-1").is_some())));
    let (_, sorted) = get(&emu, "/instances/types?sort=price").await;
    let prices: Vec<i64> = types(&sorted)
        .iter()
        .filter_map(|t| t["hourly_price"].as_i64())
        .collect();
    assert_eq!(prices.len(), all.len());
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");

    for bad in ["sort=name", "available=maybe", "num_gpus=two"] {
        let (s, v) = get(&emu, &format!("/instances/types?{bad}")).await;
        assert_error(s, &v, StatusCode::BAD_REQUEST);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn instance_goes_pending_active_deleted_then_404() {
    let emu = emulator(FAST).await;
    let body = json!({
        "cloud": "tensordock", "region": "na-us-bos-1", "shade_instance_type": "A6000",
        "shade_cloud": true, "name": "vllm-box", "os": "ubuntu22.04_cuda12.2_shade_os",
        "launch_configuration": {"type": "docker", "docker_configuration": {
            "image": "vllm/vllm-openai:latest", "args": "--model mistralai/Mistral-7B-v0.1",
            "envs": [{"name": "HUGGING_FACE_HUB_TOKEN", "value": "x"}],
            "port_mappings": [{"host_port": 80, "container_port": 8000}]}}
    });
    let (s, created) = post(&emu, "/instances/create", body).await;
    assert_eq!(s, StatusCode::OK, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert!(created["cloud_assigned_id"].is_string());

    let info = format!("/instances/{id}/info");
    let deadline = Instant::now() + Duration::from_secs(5);
    let active = loop {
        let (s, v) = get(&emu, &info).await;
        assert_eq!(s, StatusCode::OK);
        assert!(["pending", "active"].contains(&v["status"].as_str().expect("status")));
        if v["status"] == "active" {
            break v;
        }
        assert!(Instant::now() < deadline, "never active: {v}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(active["ip"].as_str().is_some_and(|ip| !ip.is_empty()));
    assert_eq!(
        active["launch_configuration"]["docker_configuration"]["image"],
        "vllm/vllm-openai:latest"
    );
    assert_eq!(active["deleted_at"], Value::Null);
    assert_eq!(active["hourly_price"], 47);
    let (_, list) = get(&emu, "/instances").await;
    assert_eq!(list["instances"][0]["id"], id.as_str());

    let (s, v) = post(&emu, &format!("/instances/{id}/delete"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (s, v) = get(&emu, &info).await;
        if s == StatusCode::NOT_FOUND {
            assert_error(s, &v, StatusCode::NOT_FOUND);
            break;
        }
        assert_eq!(v["status"], "deleted", "{v}");
        assert!(v["deleted_at"].is_string());
        assert!(Instant::now() < deadline, "never gone");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, list) = get(&emu, "/instances").await;
    assert_eq!(list["instances"], json!([]));
    assert!(emu.live_objects().iter().all(|o| o.api != "shadeform"));
    let (s, v) = post(&emu, &format!("/instances/{id}/delete"), json!({})).await;
    assert_error(s, &v, StatusCode::NOT_FOUND);
    emu.shutdown().await;
}

#[tokio::test]
async fn deleted_reads_as_deleted_and_leaves_the_list_at_once() {
    let emu = emulator(FROZEN).await;
    let script = json!({"type": "script", "script_configuration": {"base64_script": "IyEvYmluL2Jhc2gKZWNobyBoaQo="}});
    let mut body = create_body("lambdalabs", "us-west-1", "H100");
    body["launch_configuration"] = script;
    let (s, c) = post(&emu, "/instances/create", body).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let id = c["id"].as_str().expect("id");
    let (_, v) = get(&emu, &format!("/instances/{id}/info")).await;
    assert_eq!(v["status"], "pending");
    assert_eq!(v["ip"], "");
    assert_eq!(emu.live_objects().len(), 1);
    post(&emu, &format!("/instances/{id}/delete"), json!({})).await;
    let (_, v) = get(&emu, &format!("/instances/{id}/info")).await;
    assert_eq!(v["status"], "deleted");
    let (_, list) = get(&emu, "/instances").await;
    assert_eq!(list["instances"], json!([]));
    let (s, _) = post(&emu, &format!("/instances/{id}/delete"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "repeated delete while still readable");
    assert!(emu.live_objects().iter().all(|o| o.api != "shadeform"));
    emu.shutdown().await;
}

#[tokio::test]
async fn unavailable_capacity_and_bad_requests_are_refused() {
    let emu = emulator(FROZEN).await;
    let (s, v) = post(
        &emu,
        "/instances/create",
        create_body("tensordock", "na-us-bos-2", "A6000"),
    )
    .await;
    assert_error(s, &v, StatusCode::CONFLICT);
    assert_eq!(v["error_code"], "INSTANCE_TYPE_UNAVAILABLE");
    let (s, v) = post(
        &emu,
        "/instances/create",
        create_body("aws", "eu-central-1", "8xH100"),
    )
    .await;
    assert_error(s, &v, StatusCode::CONFLICT);

    let mut cases = vec![
        create_body("gcp", "us-east-1", "H100"),
        create_body("tensordock", "na-us-bos-1", "H200"),
        create_body("tensordock", "us-east-1", "A6000"),
        json!({"cloud": "tensordock", "region": "na-us-bos-1", "shade_instance_type": "A6000", "shade_cloud": true}),
        json!({"cloud": "tensordock", "region": "na-us-bos-1", "shade_instance_type": "A6000", "name": "x"}),
    ];
    let lcs = [
        json!({"type": "docker"}),
        json!({"type": "docker", "docker_configuration": {"image": ""}}),
        json!({"type": "script", "script_configuration": {"base64_script": "not base64!"}}),
        json!({"type": "script", "docker_configuration": {"image": "x"}, "script_configuration": {"base64_script": "eA=="}}),
        json!({"type": "kubernetes"}),
    ];
    for lc in lcs {
        let mut b = create_body("tensordock", "na-us-bos-1", "A6000");
        b["launch_configuration"] = lc;
        cases.push(b);
    }
    let mut own_cloud = create_body("tensordock", "na-us-bos-1", "A6000");
    own_cloud["shade_cloud"] = json!(false);
    cases.push(own_cloud);
    let mut bad_os = create_body("tensordock", "na-us-bos-1", "A6000");
    bad_os["os"] = json!("windows");
    cases.push(bad_os);
    for body in cases {
        let (s, v) = post(&emu, "/instances/create", body.clone()).await;
        assert_error(s, &v, StatusCode::BAD_REQUEST);
    }
    let (s, v) = get(&emu, "/instances/00000000-0000-0000-0000-000000000000/info").await;
    assert_error(s, &v, StatusCode::NOT_FOUND);
    let (_, list) = get(&emu, "/instances").await;
    assert_eq!(list["instances"], json!([]), "nothing created");
    emu.shutdown().await;
}

#[tokio::test]
async fn admin_availability_flips_and_wrong_keys_are_401() {
    let emu = emulator(FROZEN).await;
    let http = reqwest::Client::new();
    let admin = format!("{}/_admin/shadeform/availability", emu.base_url());
    let flip = json!({"cloud": "tensordock", "region": "na-us-bos-2", "shade_instance_type": "A6000", "available": true});
    let (s, _) = send(http.post(&admin).json(&flip)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = post(
        &emu,
        "/instances/create",
        create_body("tensordock", "na-us-bos-2", "A6000"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = send(http.post(&admin).json(&json!({"cloud": "aws", "region": "mars-1", "shade_instance_type": "A6000", "available": true}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    for key in [None, Some("wrong")] {
        let mut req = http.get(url(&emu, "/instances"));
        if let Some(k) = key {
            req = req.header("X-API-KEY", k);
        }
        let (s, v) = send(req).await;
        assert_error(s, &v, StatusCode::UNAUTHORIZED);
    }
    let l = &emu.shared().ledger;
    assert_eq!(l.count("shadeform", "Create"), 1);
    assert_eq!(
        l.count("shadeform", "instances"),
        0,
        "refused calls are not counted"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_ledger_uses_the_spec_operation_ids() {
    let emu = emulator(FROZEN).await;
    get(&emu, "/instances/types").await;
    get(&emu, "/instances").await;
    let (_, c) = post(
        &emu,
        "/instances/create",
        create_body("tensordock", "na-us-bos-1", "A100"),
    )
    .await;
    let id = c["id"]
        .as_str()
        .expect("spec example body creates an instance");
    get(&emu, &format!("/instances/{id}/info")).await;
    post(&emu, &format!("/instances/{id}/delete"), json!({})).await;
    let counts = emu.shared().ledger.counts();
    for op in [
        "GetInstanceTypes",
        "instances",
        "Create",
        "instances/info",
        "Delete",
    ] {
        assert_eq!(
            counts.get(&format!("shadeform.{op}")),
            Some(&1),
            "{op}: {counts:?}"
        );
    }
    emu.shutdown().await;
}

fn volume_body(cloud: &str, region: &str, name: &str) -> Value {
    json!({"cloud": cloud, "region": region, "size_in_gb": 101, "name": name})
}

#[tokio::test]
async fn volumes_mount_on_one_instance_and_outlive_it() {
    let emu = emulator(FROZEN).await;
    let (s, types) = get(&emu, "/volumes/types").await;
    assert_eq!(s, StatusCode::OK);
    assert!(types["volume_types"]
        .as_array()
        .expect("volume_types")
        .iter()
        .any(|t| t["cloud"] == "datacrunch" && t["region"] == "helsinki-finland-2"));
    let (s, c) = post(
        &emu,
        "/volumes/create",
        volume_body("datacrunch", "helsinki-finland-2", "data"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let vol = c["id"].as_str().expect("id").to_owned();
    let (_, v) = get(&emu, &format!("/volumes/{vol}/info")).await;
    assert_eq!(v["size_in_gb"], 101);
    assert_eq!(v["fixed_size"], true);
    assert_eq!(v["supports_multi_mount"], false);
    assert_eq!(v["mounted_by"], Value::Null);
    assert!(v["cost_estimate"].is_string() && v["cloud_assigned_id"].is_string());

    let mut elsewhere = create_body("tensordock", "na-us-bos-1", "A6000");
    elsewhere["volume_ids"] = json!([vol]);
    let (s, e) = post(&emu, "/instances/create", elsewhere).await;
    assert_error(s, &e, StatusCode::BAD_REQUEST);
    assert!(
        e["error"]
            .as_str()
            .is_some_and(|m| m.contains("same cloud and region")),
        "{e}"
    );

    let mut body = create_body("datacrunch", "helsinki-finland-2", "H200");
    body["volume_ids"] = json!([vol]);
    body["template_id"] = json!("template-123");
    let (s, i) = post(&emu, "/instances/create", body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{i}");
    let id = i["id"].as_str().expect("id").to_owned();
    let (_, info) = get(&emu, &format!("/instances/{id}/info")).await;
    assert_eq!(info["volume_ids"], json!([vol]));
    assert_eq!(info["template_id"], "template-123");
    let default_key = info["ssh_key_id"].as_str().expect("default key").to_owned();
    let (_, v) = get(&emu, &format!("/volumes/{vol}/info")).await;
    assert_eq!(v["mounted_by"], json!(id));
    let (s, e) = post(&emu, "/instances/create", body).await;
    assert_error(s, &e, StatusCode::CONFLICT);
    assert_eq!(e["error_code"], "VOLUME_IN_USE", "one instance per volume");
    let (s, e) = post(&emu, &format!("/volumes/{vol}/delete"), json!({})).await;
    assert_error(s, &e, StatusCode::CONFLICT);
    let kinds: Vec<(String, String)> = emu
        .live_objects()
        .into_iter()
        .map(|o| (o.kind, o.status))
        .collect();
    assert!(
        kinds.contains(&("volume".into(), "mounted".into())),
        "{kinds:?}"
    );

    let mut keyed = create_body("datacrunch", "helsinki-finland-2", "H200");
    keyed["ssh_key_id"] = json!("key-2");
    let (_, k) = post(&emu, "/instances/create", keyed).await;
    let (_, kinfo) = get(
        &emu,
        &format!("/instances/{}/info", k["id"].as_str().expect("id")),
    )
    .await;
    assert_eq!(kinfo["ssh_key_id"], "key-2");
    assert_ne!(default_key, "key-2");
    assert_eq!(kinfo["volume_ids"], json!([]));

    post(&emu, &format!("/instances/{id}/delete"), json!({})).await;
    let (_, v) = get(&emu, &format!("/volumes/{vol}/info")).await;
    assert_eq!(
        v["mounted_by"],
        Value::Null,
        "deleting the instance unmounts"
    );
    let (_, list) = get(&emu, "/volumes").await;
    assert_eq!(list["volumes"][0]["id"], json!(vol));
    let (s, _) = post(&emu, &format!("/volumes/{vol}/delete"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = get(&emu, &format!("/volumes/{vol}/info")).await;
    assert_error(s, &e, StatusCode::NOT_FOUND);
    let (_, list) = get(&emu, "/volumes").await;
    assert_eq!(list["volumes"], json!([]));

    for bad in [
        volume_body("datacrunch", "mars-1", "x"),
        volume_body("datacrunch", "helsinki-finland-2", " "),
        json!({"cloud": "datacrunch", "region": "helsinki-finland-2", "size_in_gb": 0, "name": "x"}),
        json!({"cloud": "datacrunch", "region": "helsinki-finland-2", "name": "x"}),
    ] {
        let (s, e) = post(&emu, "/volumes/create", bad).await;
        assert_error(s, &e, StatusCode::BAD_REQUEST);
    }
    let mut two = create_body("datacrunch", "helsinki-finland-2", "H200");
    two["volume_ids"] = json!(["a", "b"]);
    let (s, e) = post(&emu, "/instances/create", two).await;
    assert_error(s, &e, StatusCode::BAD_REQUEST);
    let counts = emu.shared().ledger.counts();
    for op in [
        "VolumesTypes",
        "Volumes",
        "VolumesCreate",
        "VolumesInfo",
        "VolumesDelete",
    ] {
        assert!(
            counts.contains_key(&format!("shadeform.{op}")),
            "{op}: {counts:?}"
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn clouds_beyond_the_spec_enum_launch_and_added_keys_are_accepted() {
    let emu = emulator(FROZEN).await;
    let (s, v) = post(
        &emu,
        "/instances/create",
        create_body("scaleway", "paris-france-1", "H100"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let http = reqwest::Client::new();
    let their_key = || {
        http.get(url(&emu, "/instances"))
            .header("X-API-KEY", "YOUR_API_KEY")
    };
    let (s, _) = send(their_key()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let admin = format!("{}/_admin/shadeform/api_keys", emu.base_url());
    let (s, _) = send(http.post(&admin).json(&json!({"api_key": "YOUR_API_KEY"}))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, list) = send(their_key()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["instances"][0]["cloud"], "scaleway");
    let (s, _) = send(http.post(&admin).json(&json!({"api_key": ""}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    emu.shutdown().await;
}
