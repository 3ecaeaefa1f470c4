//! Every operation of each API spec, sent to the emulator and checked against the spec's
//! response schemas (see `conformance/mod.rs`).

use std::time::Duration;

use crate::conformance::{assert_conformant, check_spec, load_spec, Target};
use gpucloud::emulator::{start, EmulatorConfig};

const STEP: Duration = Duration::from_millis(40);

#[tokio::test]
async fn icgpu_conforms_to_its_spec() {
    let emu = start(
        EmulatorConfig {
            seed: 1,
            step: STEP,
            rate_limit_per_minute: 10_000,
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("emulator starts");
    let spec = load_spec("icgpu-platform.openapi.yml");
    let base = emu.base_url();
    let results = check_spec(
        &spec,
        &Target {
            base_url: &base,
            mount: "/icgpu",
            headers: &[("Authorization", "Bearer icgpu-test-token")],
            scheme_headers: &[(
                "llmApiKey",
                &[("Authorization", "Bearer sk-ic-emulator-test-key")],
            )],
            settle: STEP * 4,
        },
    )
    .await;
    let operations = spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").keys())
        .filter(|k| *k != "parameters")
        .count();
    assert_eq!(results.len(), operations, "every operation was exercised");
    // Lifecycle actions the run reaches in a status that refuses them (documented 409s), and
    // the disk attachment, whose page example names a VM that does not exist (documented
    // 404; then 409 for the detach), and the SSH key group's member key, whose page example
    // names a key that does not exist (documented 404). `icgpu_networks_and_disks_follow_their_spec`
    // and the acceptance tests walk those with real IDs.
    let may_refuse = [
        "startInstance",
        "requeueInstance",
        "startVm",
        "rebootVm",
        "attachVmDisk",
        "detachVmDisk",
        "addSshKeyGroupKey",
        "removeSshKeyGroupKey",
    ];
    assert_conformant(&results, &may_refuse);
    for r in &results {
        println!(
            "{:<32} {:<6} {:<48} {}",
            r.operation_id, r.method, r.path, r.status
        );
    }
    let ok = results
        .iter()
        .filter(|r| (200..300).contains(&r.status))
        .count();
    assert!(
        ok >= operations - may_refuse.len(),
        "{ok} of {operations} answered 2xx"
    );
    emu.shutdown().await;
}

#[test]
fn the_validator_catches_wrong_bodies_and_accepts_nullable_fields() {
    let spec = load_spec("icgpu-platform.openapi.yml");
    let schema = serde_json::json!({"$ref": "#/components/schemas/Instance"});
    let example = spec
        .pointer("/paths/~1api~1v1~1instances~1{id}/get/responses/200/content/application~1json/examples/running/value")
        .expect("example")
        .clone();
    assert!(crate::conformance::validate(&spec, &schema, &example).is_empty());
    let mut pending = example.clone();
    pending["ssh_host"] = serde_json::Value::Null;
    assert!(
        crate::conformance::validate(&spec, &schema, &pending).is_empty(),
        "nullable"
    );
    let mut wrong = example.clone();
    wrong["status"] = "exploded".into();
    assert!(
        !crate::conformance::validate(&spec, &schema, &wrong).is_empty(),
        "enum"
    );
    let mut missing = example;
    missing.as_object_mut().expect("object").remove("gpu_model");
    assert!(
        !crate::conformance::validate(&spec, &schema, &missing).is_empty(),
        "required"
    );
    let date = serde_json::json!({"$ref": "#/components/schemas/SpendingAlert"});
    let bad = serde_json::json!({"id": "alert-x", "name": "n", "threshold": 1, "notifyVia": "in_app",
        "triggered": false, "lastTriggeredAt": null, "createdAt": "yesterday", "updatedAt": "2025-11-20T09:14:03Z"});
    assert!(
        !crate::conformance::validate(&spec, &date, &bad).is_empty(),
        "date-time format"
    );
}

// ---------------------------------------------------------------------------------------------
// AMD, ROCm, Shadeform and GPU AI Service: an ordered walk of real exchanges (so path ids and
// lifecycles are real), each response checked against the schema its spec documents for the
// operation and status, and every spec operation exercised at least once.
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeSet;

use serde_json::{json, Value};

/// Follows a local `$ref` inside the spec (responses may be `$ref`s to `components/responses`).
fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap_or(v),
        None => v,
    }
}

struct Walk {
    spec: Value,
    base: String,
    headers: Vec<(&'static str, String)>,
    http: reqwest::Client,
    seen: BTreeSet<String>,
    problems: Vec<String>,
}

impl Walk {
    async fn new(
        spec_file: &str,
        headers: &[(&'static str, &str)],
    ) -> (Self, gpucloud::emulator::EmulatorHandle) {
        let emu = start(
            EmulatorConfig {
                seed: 1,
                step: STEP,
                rate_limit_per_minute: 10_000,
            },
            "127.0.0.1:0".parse().expect("addr"),
        )
        .await
        .expect("emulator starts");
        let walk = Self {
            spec: load_spec(spec_file),
            base: emu.base_url(),
            headers: headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            http: reqwest::Client::new(),
            seen: BTreeSet::new(),
            problems: Vec::new(),
        };
        (walk, emu)
    }

    /// Sends `method path` under `mount` and checks the answer against `spec_path`'s operation.
    async fn call(
        &mut self,
        mount: &str,
        method: &str,
        spec_path: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(m, format!("{}{mount}{path}", self.base));
        for (k, v) in &self.headers {
            req = req.header(*k, v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request completes");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let here = format!("{method} {path} → {status}");
        let Some(op) = self.spec["paths"][spec_path].get(method.to_lowercase()) else {
            self.problems
                .push(format!("{here}: {spec_path} {method} is not in the spec"));
            return (status, value);
        };
        if let Some(id) = op["operationId"].as_str() {
            self.seen.insert(id.to_owned());
        }
        let Some(documented) = op["responses"].get(status.to_string()) else {
            self.problems
                .push(format!("{here}: status not documented; body {text}"));
            return (status, value);
        };
        let documented = resolve(&self.spec, documented).clone();
        match documented["content"]["application/json"].get("schema") {
            Some(schema) => {
                if !text.is_empty() && value.is_null() {
                    self.problems
                        .push(format!("{here}: body is not JSON: {text}"));
                }
                for e in crate::conformance::validate(&self.spec, schema, &value) {
                    self.problems.push(format!("{here}: {e}"));
                }
            }
            None if !text.is_empty() => self
                .problems
                .push(format!("{here}: undocumented body {text}")),
            None => {}
        }
        (status, value)
    }

    /// Repeats a GET (checking every answer) until `done` holds.
    async fn poll(
        &mut self,
        mount: &str,
        spec_path: &str,
        path: &str,
        done: impl Fn(u16, &Value) -> bool,
    ) -> (u16, Value) {
        for _ in 0..250 {
            let (s, v) = self.call(mount, "GET", spec_path, path, None).await;
            if done(s, &v) {
                return (s, v);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{path} never reached the awaited state");
    }

    fn finish(self) {
        let all: BTreeSet<String> = self.spec["paths"]
            .as_object()
            .expect("paths")
            .values()
            .flat_map(|item| item.as_object().expect("path item").values())
            .filter_map(|op| {
                op.get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect();
        let missed: Vec<&String> = all.difference(&self.seen).collect();
        assert!(missed.is_empty(), "operations never exercised: {missed:?}");
        assert!(
            self.problems.is_empty(),
            "conformance problems:\n{}",
            self.problems.join("\n")
        );
    }
}

#[tokio::test]
async fn amd_conforms_to_its_spec() {
    let (mut w, emu) = Walk::new(
        "amd-developer-cloud.openapi.yml",
        &[("X-API-Key", "amd-test-key")],
    )
    .await;
    let m = "/amd/v1";
    let body = json!({"name": "llm-training", "gpuType": "mi300x", "gpuCount": 8, "imageId": "rocm-6.1-pytorch", "region": "us-west-2"});
    let (s, inst) = w
        .call(m, "POST", "/instances", "/instances", Some(body))
        .await;
    assert_eq!(s, 201);
    let id = inst["id"].as_str().expect("id").to_owned();
    let item = format!("/instances/{id}");
    w.poll(m, "/instances/{instanceId}", &item, |_, v| {
        v["status"] == "running"
    })
    .await;
    w.call(m, "GET", "/instances", "/instances?limit=5&offset=0", None)
        .await;
    w.call(
        m,
        "GET",
        "/instances/{instanceId}/metrics",
        &format!("{item}/metrics"),
        None,
    )
    .await;
    w.call(m, "GET", "/models", "/models", None).await;
    let model = json!({"name": "llama-3.1-70b", "modelId": "meta-llama/Llama-3.1-70B-Instruct", "framework": "vLLM", "gpuType": "mi300x", "gpuCount": 2});
    w.call(m, "POST", "/models", "/models", Some(model)).await;
    w.call(m, "GET", "/credits", "/credits", None).await;
    let (s, _) = w
        .call(m, "DELETE", "/instances/{instanceId}", &item, None)
        .await;
    assert_eq!(s, 204);
    w.poll(m, "/instances/{instanceId}", &item, |s, _| s == 404)
        .await;
    w.headers = vec![("X-API-Key", "wrong".into())];
    let (s, _) = w.call(m, "GET", "/instances", "/instances", None).await;
    assert_eq!(s, 401);
    w.finish();
    emu.shutdown().await;
}

#[tokio::test]
async fn rocm_conforms_to_its_spec() {
    let (mut w, emu) = Walk::new(
        "rocm-management.openapi.yml",
        &[("Authorization", "Bearer rocm-test-token")],
    )
    .await;
    let m = "/rocm/v1";
    w.call(m, "GET", "/devices", "/devices", None).await;
    w.call(m, "GET", "/devices/{deviceId}", "/devices/gpu0", None)
        .await;
    let (_, h) = w
        .call(
            m,
            "GET",
            "/devices/{deviceId}/health",
            "/devices/gpu5/health",
            None,
        )
        .await;
    assert_eq!(h["status"], "critical");
    w.call(
        m,
        "GET",
        "/devices/{deviceId}/performance",
        "/devices/gpu1/performance",
        None,
    )
    .await;
    w.call(
        m,
        "GET",
        "/system/rocm-version",
        "/system/rocm-version",
        None,
    )
    .await;
    for path in [
        "/devices/gpu9",
        "/devices/gpu9/health",
        "/devices/gpu9/performance",
    ] {
        let spec_path = path.replace("gpu9", "{deviceId}");
        let (s, _) = w.call(m, "GET", &spec_path, path, None).await;
        assert_eq!(s, 404);
    }
    w.headers = vec![("Authorization", "Bearer wrong".into())];
    let (s, _) = w
        .call(
            m,
            "GET",
            "/system/rocm-version",
            "/system/rocm-version",
            None,
        )
        .await;
    assert_eq!(s, 401);
    w.finish();
    emu.shutdown().await;
}

/// The published Shadeform spec with the live API's additions merged over it (same-named
/// paths and schemas replace the published ones; see `specs/shadeform-live.openapi.yml`).
fn shadeform_live_spec(mut spec: Value) -> Value {
    let live = load_spec("shadeform-live.openapi.yml");
    for (section, key) in [("paths", None), ("components", Some("schemas"))] {
        let (Some(into), Some(from)) = (
            spec.get_mut(section)
                .and_then(|v| match key {
                    Some(k) => v.get_mut(k),
                    None => Some(v),
                })
                .and_then(Value::as_object_mut),
            live.get(section)
                .and_then(|v| match key {
                    Some(k) => v.get(k),
                    None => Some(v),
                })
                .and_then(Value::as_object),
        ) else {
            panic!("both specs have {section}");
        };
        into.extend(from.clone());
    }
    spec
}

#[tokio::test]
async fn shadeform_conforms_to_its_spec() {
    let (mut w, emu) = Walk::new(
        "shadeform.openapi.json",
        &[("X-API-KEY", "shadeform-test-key")],
    )
    .await;
    w.spec = shadeform_live_spec(w.spec);
    let m = "/shadeform/v1";
    let (_, all) = w
        .call(m, "GET", "/instances/types", "/instances/types", None)
        .await;
    assert!(
        all["instance_types"]
            .as_array()
            .expect("types")
            .iter()
            .any(|t| t["cloud"] == "scaleway"),
        "clouds beyond the published enum are offered"
    );
    w.call(
        m,
        "GET",
        "/instances/types",
        "/instances/types?cloud=tensordock&available=true&sort=price",
        None,
    )
    .await;
    w.call(m, "GET", "/volumes/types", "/volumes/types", None)
        .await;
    let (s, vol) = w
        .call(
            m,
            "POST",
            "/volumes/create",
            "/volumes/create",
            Some(json!({"cloud": "tensordock", "region": "na-us-bos-1", "size_in_gb": 100, "name": "My storage volume"})),
        )
        .await;
    assert_eq!(s, 200);
    let vol_id = vol["id"].as_str().expect("volume id").to_owned();
    let vol_info = format!("/volumes/{vol_id}/info");
    let (_, v) = w
        .call(m, "GET", "/volumes/{id}/info", &vol_info, None)
        .await;
    assert_eq!(v["mounted_by"], Value::Null);
    // The spec's own example values (CreateRequest has no example body), mounting the volume.
    let body = json!({"cloud": "tensordock", "region": "na-us-bos-1", "shade_instance_type": "A100", "shade_cloud": true, "name": "cool-gpu-server",
        "launch_configuration": {"type": "docker", "docker_configuration": {"image": "vllm/vllm-openai:latest", "port_mappings": [{"host_port": 80, "container_port": 8000}]}},
        "volume_ids": [vol_id], "template_id": "template-123"});
    let (s, c) = w
        .call(
            m,
            "POST",
            "/instances/create",
            "/instances/create",
            Some(body),
        )
        .await;
    assert_eq!(s, 200);
    let id = c["id"].as_str().expect("id").to_owned();
    let info = format!("/instances/{id}/info");
    w.call(m, "GET", "/instances/{id}/info", &info, None).await;
    let (_, active) = w
        .poll(m, "/instances/{id}/info", &info, |_, v| {
            v["status"] == "active"
        })
        .await;
    assert_eq!(active["volume_ids"], json!([vol_id]));
    assert!(active["ssh_key_id"].as_str().is_some_and(|k| !k.is_empty()));
    w.call(m, "GET", "/instances", "/instances", None).await;
    let (_, vols) = w.call(m, "GET", "/volumes", "/volumes", None).await;
    assert_eq!(vols["volumes"][0]["mounted_by"], json!(id));
    let vol_delete = format!("/volumes/{vol_id}/delete");
    let (s, _) = w
        .call(m, "POST", "/volumes/{id}/delete", &vol_delete, None)
        .await;
    assert_eq!(s, 409, "a mounted volume stays");
    let (s, _) = w
        .call(
            m,
            "POST",
            "/instances/{id}/delete",
            &format!("/instances/{id}/delete"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (_, v) = w.call(m, "GET", "/instances/{id}/info", &info, None).await;
    assert_eq!(v["status"], "deleted");
    let (s, _) = w
        .call(m, "POST", "/volumes/{id}/delete", &vol_delete, None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = w
        .call(m, "GET", "/volumes/{id}/info", &vol_info, None)
        .await;
    assert_eq!(s, 404);
    w.finish();
    emu.shutdown().await;
}

#[tokio::test]
async fn gpuai_conforms_to_its_spec() {
    let (mut w, emu) = Walk::new(
        "gpu-ai-service.openapi.yml",
        &[("Authorization", "Bearer gpuai-test-token")],
    )
    .await;
    let (gpu, inv, tenant) = ("/gpuai/gpu", "/gpuai/inventory", "/gpuai/tenant");
    let i = "/api/v1beta1/inventory";
    w.call(
        inv,
        "GET",
        i,
        &format!("{i}?region=as-south-1&limit=100"),
        None,
    )
    .await;
    w.call(inv, "GET", i, &format!("{i}?page=3&limit=100"), None)
        .await;
    let (s, _) = w
        .call(inv, "GET", i, &format!("{i}?limit=1000"), None)
        .await;
    assert_eq!(s, 400);
    let g = "/api/v1beta1/inventory/gpuconfig";
    w.call(
        inv,
        "GET",
        g,
        &format!("{g}?config_id=gpu-rtx5090-32g-16cpu-96g"),
        None,
    )
    .await;
    let (s, _) = w
        .call(inv, "GET", g, &format!("{g}?config_id=gpu-nope"), None)
        .await;
    assert_eq!(s, 404);
    let n = "/api/v1beta1/inventory/gpu/notify-availability";
    let sold_out = json!({"region_id": "as-south-1", "config_id": "gpu-h100-80g-20cpu-125g"});
    let (s, _) = w.call(inv, "POST", n, n, Some(sold_out.clone())).await;
    assert_eq!(s, 201);
    let (s, _) = w.call(inv, "POST", n, n, Some(sold_out)).await;
    assert_eq!(s, 409);
    w.call(
        inv,
        "POST",
        n,
        n,
        Some(json!({"region_id": "as-south-1", "config_id": "gpu-rtx5090-32g-16cpu-96g"})),
    )
    .await;
    w.call(inv, "GET", n, n, None).await;

    let runs = "/api/v1beta1/orgs/{org_id}/projects/{project_id}/airuntimes";
    let runs_path = "/api/v1beta1/orgs/org-abc123/projects/prj-abc123/airuntimes";
    let one = "/api/v1beta1/orgs/{org_id}/projects/{project_id}/airuntimes/{airuntime_id}";
    let body = json!({"name": "quickstart-jupyter", "region": "as-south-1", "templateID": "tpl-jupyterlab-pytorch",
        "gpuConfigID": "gpu-rtx5090-32g-16cpu-96g", "gpuCount": 1, "planId": "gpu-rtx5090-on-demand-1h",
        "sshKeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 you@host"],
        "storage": {"sizeGb": 200, "mountPath": "/workspace"}});
    let (s, rt) = w.call(gpu, "POST", runs, runs_path, Some(body)).await;
    assert_eq!(s, 201);
    let spec_body = json!({"name": "my-vllm", "region": "as-south-1", "templateSpec": {"image": "vllm/vllm-openai:latest",
        "ports": [{"name": "api", "port": 8000, "protocol": "http"}], "env": {"HF_HOME": "/workspace/hf"}, "command": ["--model", "x"]},
        "gpuConfigID": "gpu-rtx5090-32g-16cpu-96g", "gpuCount": 2, "planId": "gpu-rtx5090-on-demand-1h"});
    let (s, _) = w
        .call(gpu, "POST", runs, runs_path, Some(spec_body.clone()))
        .await;
    assert_eq!(s, 201, "4 free RTX 5090s: 1 + 2 fit");
    let mut third = spec_body;
    third["name"] = json!("one-too-many");
    let (s, e) = w.call(gpu, "POST", runs, runs_path, Some(third)).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("insufficient_capacity"))
    );
    let item = format!("{runs_path}/{}", rt["id"].as_str().expect("id"));
    let (s, _) = w
        .call(
            gpu,
            "GET",
            &format!("{one}/metrics"),
            &format!("{item}/metrics"),
            None,
        )
        .await;
    assert_eq!(s, 409, "metrics need Running");
    w.poll(gpu, one, &item, |_, v| v["status"] == "Running")
        .await;
    w.call(
        gpu,
        "GET",
        &format!("{one}/metrics"),
        &format!("{item}/metrics"),
        None,
    )
    .await;
    w.call(
        gpu,
        "GET",
        runs,
        &format!("{runs_path}?page=1&limit=10"),
        None,
    )
    .await;
    let t = "/api/v1beta1/airuntime-templates";
    w.call(gpu, "GET", t, &format!("{t}?limit=3"), None).await;
    w.call(
        gpu,
        "GET",
        &format!("{t}/{{template_id}}"),
        &format!("{t}/tpl-vllm-openai"),
        None,
    )
    .await;
    let (s, _) = w
        .call(
            gpu,
            "GET",
            &format!("{t}/{{template_id}}"),
            &format!("{t}/bad_id"),
            None,
        )
        .await;
    assert_eq!(s, 400);
    let (s, d) = w.call(gpu, "DELETE", one, &item, None).await;
    assert_eq!((s, d["status"].as_str()), (202, Some("Deleting")));
    w.poll(gpu, one, &item, |s, _| s == 404).await;

    let login = "/api/v1/auth/login";
    let (s, _) = w
        .call(
            tenant,
            "POST",
            login,
            login,
            Some(json!({"email": "demo@neevcloud.test", "password": "gpuai-test-password"})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = w
        .call(
            tenant,
            "POST",
            login,
            login,
            Some(json!({"email": "demo@neevcloud.test", "password": "wrong"})),
        )
        .await;
    assert_eq!(s, 401);
    w.headers = vec![("Authorization", "Bearer sk-nc-inference".into())];
    let (s, _) = w.call(gpu, "GET", t, t, None).await;
    assert_eq!(s, 401);
    w.finish();
    emu.shutdown().await;
}

/// The VM network and disk rules the generic icgpu run cannot reach (it has no VM to attach a
/// disk to, and sends only valid bodies), walked with real IDs; every answer is checked
/// against the spec.
#[tokio::test]
async fn icgpu_networks_and_disks_follow_their_spec() {
    let (mut w, emu) = Walk::new(
        "icgpu-platform.openapi.yml",
        &[("Authorization", "Bearer icgpu-test-token")],
    )
    .await;
    let m = "/icgpu";
    let nets = "/api/v1/vm-networks";
    let (s, net) = w
        .call(m, "POST", nets, nets, Some(json!({"name": "training-net"})))
        .await;
    assert_eq!((s, net["description"].as_str()), (201, Some("")));
    let (net_spec, net_path) = (
        "/api/v1/vm-networks/{id}",
        format!("{nets}/{}", net["id"].as_str().expect("id")),
    );
    let (s, _) = w
        .call(m, "POST", nets, nets, Some(json!({"name": "training-net"})))
        .await;
    assert_eq!(s, 409, "names are unique");
    let (s, n) = w
        .call(
            m,
            "PATCH",
            net_spec,
            &net_path,
            Some(json!({"description": "eval"})),
        )
        .await;
    assert_eq!((s, n["name"].as_str()), (200, Some("training-net")));
    w.call(m, "GET", nets, nets, None).await;
    w.call(m, "GET", net_spec, &net_path, None).await;

    let sub_spec = "/api/v1/vm-networks/{id}/subnets";
    let subnets = format!("{net_path}/subnets");
    let workers = json!({"name": "workers", "cidr": "10.100.0.0/24"});
    let (s, sub) = w.call(m, "POST", sub_spec, &subnets, Some(workers)).await;
    assert_eq!((s, sub["gateway_ip"].as_str()), (201, Some("10.100.0.1")));
    let wide = json!({"name": "wide", "cidr": "10.100.0.0/16"});
    let (s, e) = w.call(m, "POST", sub_spec, &subnets, Some(wide)).await;
    assert_eq!(s, 409, "overlapping CIDRs: {e}");
    let odd = json!({"name": "odd", "cidr": "10.101.0.1/24"});
    let (s, e) = w.call(m, "POST", sub_spec, &subnets, Some(odd)).await;
    assert_eq!((s, e["details"][0]["field"].as_str()), (400, Some("cidr")));
    let (_, list) = w.call(m, "GET", sub_spec, &subnets, None).await;
    assert_eq!(list["subnets"].as_array().map(Vec::len), Some(1));
    let one_sub = "/api/v1/vm-networks/{id}/subnets/{subnetId}";
    let sub_path = format!("{subnets}/{}", sub["id"].as_str().expect("id"));
    w.call(m, "GET", one_sub, &sub_path, None).await;

    let rules_spec = "/api/v1/vm-networks/{id}/firewall-rules";
    let rules = format!("{net_path}/firewall-rules");
    let ssh = json!({"direction": "ingress", "protocol": "tcp", "port_range": "22", "source": "0.0.0.0/0"});
    let (s, rule) = w
        .call(m, "POST", rules_spec, &rules, Some(ssh.clone()))
        .await;
    assert_eq!((s, rule["action"].as_str()), (201, Some("allow")));
    let (s, _) = w.call(m, "POST", rules_spec, &rules, Some(ssh)).await;
    assert_eq!(s, 409, "an identical rule");
    let ping = json!({"direction": "egress", "protocol": "icmp", "port_range": "22", "source": "10.0.0.0/8"});
    let (s, e) = w.call(m, "POST", rules_spec, &rules, Some(ping)).await;
    assert_eq!(
        (s, e["details"][0]["field"].as_str()),
        (400, Some("port_range"))
    );
    let (_, list) = w.call(m, "GET", rules_spec, &rules, None).await;
    assert_eq!(list["firewallRules"].as_array().map(Vec::len), Some(1));
    let one_rule = "/api/v1/vm-networks/{id}/firewall-rules/{ruleId}";
    let rule_path = format!("{rules}/{}", rule["id"].as_str().expect("id"));
    w.call(m, "GET", one_rule, &rule_path, None).await;

    // A network with subnets stays; its firewall rules go with it.
    let (s, _) = w.call(m, "DELETE", net_spec, &net_path, None).await;
    assert_eq!(s, 409);
    let (s, _) = w.call(m, "DELETE", one_sub, &sub_path, None).await;
    assert_eq!(s, 204);
    let (s, _) = w.call(m, "DELETE", net_spec, &net_path, None).await;
    assert_eq!(s, 204);
    let (s, _) = w.call(m, "GET", one_rule, &rule_path, None).await;
    assert_eq!(s, 404);
    let (s, _) = w.call(m, "DELETE", one_rule, &rule_path, None).await;
    assert_eq!(s, 404);

    // Disks: attached to a real VM, grown while attached, never shrunk, deleted only when
    // detached; a deleted VM frees its disk.
    let vm_body = json!({"name": "trainer", "templateId": "tpl-ubuntu-gpu"});
    let (s, vm) = w
        .call(m, "POST", "/api/v1/vms", "/api/v1/vms", Some(vm_body))
        .await;
    assert_eq!(s, 201);
    let vm_id = vm["id"].as_str().expect("id").to_owned();
    let disks = "/api/v1/vm-disks";
    let (s, disk) = w
        .call(
            m,
            "POST",
            disks,
            disks,
            Some(json!({"name": "data-volume", "size_gb": 500})),
        )
        .await;
    assert_eq!((s, disk["status"].as_str()), (201, Some("available")));
    let one = "/api/v1/vm-disks/{id}";
    let disk_path = format!("{disks}/{}", disk["id"].as_str().expect("id"));
    let act = |a: &str| {
        (
            format!("/api/v1/vm-disks/{{id}}/{a}"),
            format!("{disk_path}/{a}"),
        )
    };
    let ((attach_spec, attach), (detach_spec, detach), (resize_spec, resize)) =
        (act("attach"), act("detach"), act("resize"));
    let here = json!({"vm_id": vm_id});
    for _ in 0..2 {
        let (s, d) = w
            .call(m, "POST", &attach_spec, &attach, Some(here.clone()))
            .await;
        assert_eq!(
            (s, d["vm_id"].as_str(), d["status"].as_str()),
            (200, Some(vm_id.as_str()), Some("attached"))
        );
    }
    let (s, _) = w
        .call(
            m,
            "POST",
            &attach_spec,
            &attach,
            Some(json!({"vm_id": "vm-nope"})),
        )
        .await;
    assert_eq!(s, 404, "no such VM");
    let spare = json!({"name": "spare", "templateId": "tpl-ubuntu-gpu"});
    let (_, spare) = w
        .call(m, "POST", "/api/v1/vms", "/api/v1/vms", Some(spare))
        .await;
    let (s, _) = w
        .call(
            m,
            "POST",
            &attach_spec,
            &attach,
            Some(json!({"vm_id": spare["id"]})),
        )
        .await;
    assert_eq!(s, 409, "attached elsewhere already");
    let (s, d) = w
        .call(
            m,
            "POST",
            &resize_spec,
            &resize,
            Some(json!({"size_gb": 1000})),
        )
        .await;
    assert_eq!((s, d["size_gb"].as_i64()), (200, Some(1000)));
    let (s, e) = w
        .call(
            m,
            "POST",
            &resize_spec,
            &resize,
            Some(json!({"size_gb": 800})),
        )
        .await;
    assert_eq!(
        (s, e["details"][0]["field"].as_str()),
        (400, Some("size_gb"))
    );
    let (s, d) = w
        .call(
            m,
            "PATCH",
            one,
            &disk_path,
            Some(json!({"name": "training-data"})),
        )
        .await;
    assert_eq!((s, d["name"].as_str()), (200, Some("training-data")));
    let (s, _) = w.call(m, "DELETE", one, &disk_path, None).await;
    assert_eq!(s, 409, "attached disks are not deleted");
    let (s, _) = w
        .call(
            m,
            "POST",
            &detach_spec,
            &detach,
            Some(json!({"vm_id": "vm-other"})),
        )
        .await;
    assert_eq!(s, 409, "the guard names another VM");
    let (s, d) = w
        .call(m, "POST", &detach_spec, &detach, Some(here.clone()))
        .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("available")));
    let (s, _) = w.call(m, "POST", &detach_spec, &detach, None).await;
    assert_eq!(s, 409, "not attached");
    w.call(m, "POST", &attach_spec, &attach, Some(here)).await;
    let vm_path = format!("/api/v1/vms/{vm_id}");
    w.call(m, "DELETE", "/api/v1/vms/{id}", &vm_path, None)
        .await;
    w.poll(m, one, &disk_path, |_, d| d["status"] == "available")
        .await;
    w.call(m, "GET", disks, disks, None).await;
    let (s, _) = w.call(m, "DELETE", one, &disk_path, None).await;
    assert_eq!(s, 204);
    let (s, _) = w.call(m, "GET", one, &disk_path, None).await;
    assert_eq!(s, 404);

    let tags = [
        "VM networks",
        "VM subnets",
        "VM firewall rules",
        "VM disks",
        "VM disk attachments",
    ];
    let ops: BTreeSet<String> = w.spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
        .filter(|op| {
            op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| tags.contains(&t.as_str().unwrap_or(""))))
        })
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();
    let missed: Vec<&String> = ops.difference(&w.seen).collect();
    assert!(missed.is_empty(), "operations never exercised: {missed:?}");
    assert!(
        w.problems.is_empty(),
        "conformance problems:\n{}",
        w.problems.join("\n")
    );
    emu.shutdown().await;
}

/// SSH key group membership, which the generic icgpu run reaches only with the page's example
/// key ID (a documented 404), walked with a real key; every answer is checked against the spec.
#[tokio::test]
async fn icgpu_ssh_key_group_membership_follows_its_spec() {
    let (mut w, emu) = Walk::new(
        "icgpu-platform.openapi.yml",
        &[("Authorization", "Bearer icgpu-test-token")],
    )
    .await;
    let m = "/icgpu";
    let keys = "/api/v1/ssh-keys";
    let public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop";
    let (s, key) = w
        .call(
            m,
            "POST",
            keys,
            keys,
            Some(json!({"name": "alice", "public_key": public_key})),
        )
        .await;
    assert_eq!(s, 201);
    let key_id = key["id"].as_str().expect("id").to_owned();
    let groups = "/api/v1/ssh-key-groups";
    let (s, group) = w
        .call(m, "POST", groups, groups, Some(json!({"name": "ml-team"})))
        .await;
    assert_eq!(
        (s, group["ssh_key_ids"].as_array().map(Vec::len)),
        (201, Some(0))
    );
    let group_path = format!("{groups}/{}", group["id"].as_str().expect("id"));
    let add_spec = "/api/v1/ssh-key-groups/{id}/keys";
    let add_path = format!("{group_path}/keys");
    let body = json!({ "ssh_key_id": key_id });
    for _ in 0..2 {
        let (s, g) = w
            .call(m, "POST", add_spec, &add_path, Some(body.clone()))
            .await;
        assert_eq!(
            (s, g["ssh_key_ids"].clone()),
            (200, json!([key_id])),
            "adding twice adds once"
        );
    }
    let remove_spec = "/api/v1/ssh-key-groups/{id}/keys/{keyId}";
    let remove_path = format!("{group_path}/keys/{key_id}");
    let (s, _) = w.call(m, "DELETE", remove_spec, &remove_path, None).await;
    assert_eq!(s, 204);
    let (s, _) = w.call(m, "DELETE", remove_spec, &remove_path, None).await;
    assert_eq!(s, 404, "no longer a member");
    // A key deleted from the account leaves its groups.
    w.call(m, "POST", add_spec, &add_path, Some(body)).await;
    let (s, _) = w
        .call(
            m,
            "DELETE",
            "/api/v1/ssh-keys/{id}",
            &format!("{keys}/{key_id}"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (_, g) = w
        .call(m, "GET", "/api/v1/ssh-key-groups/{id}", &group_path, None)
        .await;
    assert_eq!(g["ssh_key_ids"], json!([]));
    // Only membership is walked here; the generic run covers every operation.
    assert!(
        w.problems.is_empty(),
        "conformance problems:\n{}",
        w.problems.join("\n")
    );
    emu.shutdown().await;
}
