//! Every operation of each API spec, sent to the emulator and checked against the spec's
//! response schemas (see `conformance/mod.rs`).

mod conformance;

use std::time::Duration;

use conformance::{assert_conformant, check_spec, load_spec, Target};
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
    // Lifecycle actions the run reaches in a status that refuses them (documented 409s).
    assert_conformant(
        &results,
        &["startInstance", "requeueInstance", "startVm", "rebootVm"],
    );
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
    assert!(ok >= operations - 4, "{ok} of {operations} answered 2xx");
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
    assert!(conformance::validate(&spec, &schema, &example).is_empty());
    let mut pending = example.clone();
    pending["ssh_host"] = serde_json::Value::Null;
    assert!(
        conformance::validate(&spec, &schema, &pending).is_empty(),
        "nullable"
    );
    let mut wrong = example.clone();
    wrong["status"] = "exploded".into();
    assert!(
        !conformance::validate(&spec, &schema, &wrong).is_empty(),
        "enum"
    );
    let mut missing = example;
    missing.as_object_mut().expect("object").remove("gpu_model");
    assert!(
        !conformance::validate(&spec, &schema, &missing).is_empty(),
        "required"
    );
    let date = serde_json::json!({"$ref": "#/components/schemas/SpendingAlert"});
    let bad = serde_json::json!({"id": "alert-x", "name": "n", "threshold": 1, "notifyVia": "in_app",
        "triggered": false, "lastTriggeredAt": null, "createdAt": "yesterday", "updatedAt": "2025-11-20T09:14:03Z"});
    assert!(
        !conformance::validate(&spec, &date, &bad).is_empty(),
        "date-time format"
    );
}
