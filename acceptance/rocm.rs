//! Acceptance tests for the `rocm` member (data sources only): the real `terraform` against
//! the built provider and the in-process emulator's seeded host (eight MI300X GPUs; `gpu5` is
//! `critical`, `gpu3` is `warning`).

use crate::support::{Emulator, Tf};
use std::path::Path;

fn example(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/rocm")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn examples_apply_with_the_seeded_devices() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.write("provider.tf", &example("provider/provider.tf"));
    for (i, ds) in ["rocm_devices", "rocm_device", "rocm_version"]
        .iter()
        .enumerate()
    {
        tf.write(
            &format!("ds{i}.tf"),
            &example(&format!("data-sources/{ds}/data-source.tf")),
        );
    }
    tf.config(&["rocm"], "");
    tf.apply();
    let health = tf.output("device_health");
    let health = health.as_object().expect("a map of device health");
    assert_eq!(health.len(), 8, "{health:?}");
    assert_eq!(health["gpu5"], "critical");
    assert_eq!(health["gpu3"], "warning");
    assert_eq!(health["gpu0"], "healthy");
    assert!(tf.output("gpu0_temperature").as_f64().is_some());
    assert_eq!(tf.output("rocm_version"), "6.1.0");
    // Health and performance of every listed device, plus one device read on its own.
    assert_eq!(emu.count("rocm.getDeviceHealth"), 9);
    assert!(emu.count("rocm.getDevicePerformance") >= 9);
    assert_eq!(tf.plan_exit_code(), 0);
}

#[test]
fn require_healthy_fails_naming_the_sick_devices() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["rocm"],
        "data \"rocm_devices\" \"all\" {\n  require_healthy = true\n}\n",
    );
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(out.contains("Unhealthy ROCm GPU devices"), "{out}");
    assert!(out.contains("gpu5 (critical"), "{out}");
    assert!(out.contains("gpu3 (warning"), "{out}");
    assert!(!out.contains("gpu0 ("), "{out}");

    // Once repaired, the same configuration plans.
    for d in ["gpu3", "gpu5"] {
        emu.post(
            &format!("/_admin/rocm/devices/{d}/health"),
            serde_json::json!({"status": "healthy"}),
        );
    }
    let fixed = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(
        fixed.contains("gpu5 (healthy but"),
        "ECC errors still count: {fixed}"
    );
}

#[test]
fn model_filter_and_health_are_optional() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["rocm"],
        r#"
data "rocm_devices" "mi300x" {
  model = "mi300x"
}
data "rocm_devices" "mi250" {
  model = "MI250"
}
output "ids" {
  value = data.rocm_devices.mi300x.devices[*].id
}
output "bus" {
  value = data.rocm_devices.mi300x.devices[0].pcie_bus_id
}
output "health_is_null" {
  value = data.rocm_devices.mi300x.devices[0].health == null
}
output "mi250" {
  value = length(data.rocm_devices.mi250.devices)
}
"#,
    );
    tf.apply();
    let ids = tf.output("ids");
    assert_eq!(ids.as_array().map(Vec::len), Some(8), "{ids}");
    assert_eq!(ids[0], "gpu0");
    assert_eq!(tf.output("bus"), "0000:03:00.0");
    assert_eq!(tf.output("health_is_null"), true);
    assert_eq!(tf.output("mi250"), 0);
    assert_eq!(
        emu.count("rocm.getDeviceHealth"),
        0,
        "no health unless asked"
    );
}

#[test]
fn unknown_device_is_an_error_on_id() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["rocm"],
        "data \"rocm_device\" \"x\" {\n  id = \"gpu42\"\n}\n",
    );
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(out.contains("ROCm device not found"), "{out}");
    assert!(out.contains("gpu42"), "{out}");
}
