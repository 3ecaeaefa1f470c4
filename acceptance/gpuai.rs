//! Acceptance tests for the `gpuai` member: the real `terraform` against the built provider and
//! the in-process emulator. Every resource is created, planned empty, replaced by a forcing
//! change, imported (CLI and `import {}` + `-generate-config-out`) and destroyed; data sources
//! return the emulator's seed; bad input fails before any API call; every example is applied.

use crate::support::{Emulator, Tf};
use std::path::Path;

const ORG: &str = "org-abc123";
const PROJECT: &str = "prj-abc123";

fn example(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/gpuai")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn runtime(name: &str) -> String {
    format!(
        r#"
resource "gpuai_airuntime" "a" {{
  org_id      = "{ORG}"
  project_id  = "{PROJECT}"
  name        = "{name}"
  region      = "as-south-1"
  plan_id     = "gpu-h200-on-demand-1h"
  template_id = "tpl-jupyterlab-pytorch"
}}
"#
    )
}

/// Live objects of one gpuai kind (`airuntime` or `notify_availability`).
fn live(emu: &Emulator, kind: &str) -> Vec<String> {
    emu.live()
        .into_iter()
        .filter(|o| o.api == "gpuai" && o.kind == kind)
        .map(|o| o.id)
        .collect()
}

fn s(v: &serde_json::Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Imports `address` by `id` into a fresh directory holding only an `import {}` block, lets
/// Terraform generate the configuration, applies the import, and returns the directory after
/// checking the plan is empty.
fn import_with_generated_config(emu: &Emulator, address: &str, id: &str) -> (Tf, String) {
    let tf = Tf::new(emu);
    tf.config(
        &["gpuai"],
        &format!("import {{\n  to = {address}\n  id = \"{id}\"\n}}\n"),
    );
    tf.ok(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=gen.tf",
    ]);
    let generated = tf.read("gen.tf");
    assert!(!generated.is_empty(), "no configuration generated");
    let plan = tf.plan_text();
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "generated configuration differs from the imported object:\n{plan}\n{generated}"
    );
    tf.apply();
    assert_eq!(tf.plan_exit_code(), 0, "plan after import not empty");
    (tf, generated)
}

#[test]
fn airuntime_create_replace_import_destroy() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["gpuai"], &runtime("acc-first"));
    tf.apply();
    let a = tf.resource("gpuai_airuntime.a");
    assert_eq!(s(&a["status"]), "Running");
    assert_eq!(
        s(&a["gpu_config_id"]),
        "gpu-h200-141g-16cpu-128g",
        "derived from plan_id"
    );
    assert_eq!(a["gpu_count"], 1);
    assert!(
        s(&a["endpoints"]["jupyter_url"]).starts_with("https://"),
        "{a}"
    );
    assert!(a["endpoints"]["ssh"]["port"].as_i64().is_some(), "{a}");
    assert!(
        a["template_spec"].is_null(),
        "a template's spec is not copied into state"
    );
    assert_eq!(emu.count("gpuai.createAIRuntime"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "plan after create not empty");

    // Every argument forces replacement.
    tf.config(&["gpuai"], &runtime("acc-second"));
    let plan = tf.plan_text();
    assert!(plan.contains("must be replaced"), "{plan}");
    tf.apply();
    let b = tf.resource("gpuai_airuntime.a");
    assert_ne!(a["id"], b["id"]);
    assert_eq!(emu.count("gpuai.createAIRuntime"), 2);
    assert_eq!(emu.count("gpuai.deleteAIRuntime"), 1);
    assert_eq!(live(&emu, "airuntime"), vec![s(&b["id"]).to_string()]);

    let id = format!("{ORG}/{PROJECT}/{}", s(&b["id"]));
    // `terraform import` into the same configuration: nothing to change afterwards.
    let cli = Tf::new(&emu);
    cli.config(&["gpuai"], &runtime("acc-second"));
    cli.import("gpuai_airuntime.a", &id);
    assert_eq!(
        cli.plan_exit_code(),
        0,
        "plan after terraform import not empty"
    );
    // An `import {}` block with generated configuration.
    let (_gen, generated) = import_with_generated_config(&emu, "gpuai_airuntime.a", &id);
    assert!(generated.contains("tpl-jupyterlab-pytorch"), "{generated}");

    let creates = emu.count("gpuai.createAIRuntime");
    tf.destroy();
    assert!(live(&emu, "airuntime").is_empty(), "{:?}", emu.live());
    assert_eq!(
        emu.count("gpuai.createAIRuntime"),
        creates,
        "import never creates"
    );
}

/// A refresh walks the runtime list: a runtime listed `Running` at the version its state was
/// written from is not read again; one that moved is, and a failure found that way replaces it.
#[test]
fn refresh_reads_only_the_runtimes_that_moved() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let many = runtime("acc-many-${count.index}").replace(
        "resource \"gpuai_airuntime\" \"a\" {",
        "resource \"gpuai_airuntime\" \"a\" {\n  count = 6",
    );
    tf.config(&["gpuai"], &many);
    tf.apply();

    emu.reset_ledger();
    assert_eq!(tf.plan_exit_code(), 0, "plan after create not empty");
    let (lists, gets) = (
        emu.count("gpuai.listAIRuntimes"),
        emu.count("gpuai.getAIRuntime"),
    );
    println!("refresh of 6 runtimes: {lists} list call(s), {gets} reads");
    assert!((1..=2).contains(&lists), "{:?}", emu.requests());
    assert_eq!(gets, 0, "unchanged runtimes were read one by one");

    let failed = s(&tf.resource("gpuai_airuntime.a[2]")["id"]).to_string();
    emu.post(
        &format!("/_admin/gpuai/airuntimes/{failed}/fail"),
        serde_json::json!({"message": "GPU fell off the bus"}),
    );
    emu.reset_ledger();
    let plan = tf.plan_text();
    assert!(
        plan.contains("gpuai_airuntime.a[2] must be replaced"),
        "{plan}"
    );
    assert!(plan.contains("GPU fell off the bus"), "{plan}");
    assert!(
        plan.contains("1 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    assert_eq!(
        emu.count("gpuai.getAIRuntime"),
        1,
        "only the runtime that moved is read: {:?}",
        emu.requests()
    );
    tf.destroy();
    assert!(live(&emu, "airuntime").is_empty(), "{:?}", emu.live());
}

#[test]
fn airuntime_example_applies_imports_and_destroys() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["gpuai"],
        &example("resources/gpuai_airuntime/resource.tf"),
    );
    tf.apply();
    let url = tf.output("jupyter_url");
    assert!(s(&url).starts_with("https://"), "{url}");
    let vllm = tf.resource("gpuai_airuntime.vllm");
    assert_eq!(s(&vllm["gpu_config_id"]), "gpu-h200-141g-32cpu-256g");
    assert_eq!(
        s(&vllm["template_spec"]["image"]),
        "vllm/vllm-openai:latest"
    );
    assert_eq!(vllm["storage"]["size_gb"], 200);
    assert_eq!(s(&vllm["endpoints"]["http"][0]["name"]), "api");
    assert_eq!(tf.plan_exit_code(), 0, "plan after create not empty");
    assert_eq!(live(&emu, "airuntime").len(), 2);

    // A runtime from an inline spec imports back to the same spec.
    let id = format!("{ORG}/{PROJECT}/{}", s(&vllm["id"]));
    let (_gen, generated) = import_with_generated_config(&emu, "gpuai_airuntime.vllm", &id);
    assert!(generated.contains("HF_HOME"), "{generated}");

    tf.destroy();
    assert!(live(&emu, "airuntime").is_empty(), "{:?}", emu.live());
}

#[test]
fn failed_runtime_is_saved_tainted_not_orphaned() {
    let emu = Emulator::start();
    emu.post(
        "/_admin/gpuai/fail-next",
        serde_json::json!({"count": 1, "message": "image pull failed: manifest unknown"}),
    );
    let tf = Tf::new(&emu);
    tf.config(&["gpuai"], &runtime("acc-fails"));
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains("image pull failed: manifest unknown"), "{out}");
    let state: serde_json::Value =
        serde_json::from_str(&tf.state_file()).expect("state file is JSON");
    let inst = &state["resources"][0]["instances"][0];
    assert_eq!(s(&inst["status"]), "tainted", "{state}");
    assert_eq!(s(&inst["attributes"]["status"]), "Failed");
    assert!(!s(&inst["attributes"]["id"]).is_empty());
    // The next apply replaces it; destroy then leaves nothing.
    tf.apply();
    assert_eq!(s(&tf.resource("gpuai_airuntime.a")["status"]), "Running");
    tf.destroy();
    assert!(live(&emu, "airuntime").is_empty(), "{:?}", emu.live());
}

#[test]
fn availability_notification_lifecycle() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["gpuai"],
        &example("resources/gpuai_availability_notification/resource.tf"),
    );
    tf.apply();
    let first = tf.resource("gpuai_availability_notification.h100");
    assert_eq!(s(&first["status"]), "pending");
    assert_eq!(s(&first["config_id"]), "gpu-h100-80g-20cpu-125g");
    assert_eq!(tf.plan_exit_code(), 0, "plan after create not empty");

    // A second request for the same pair is a clear error, not a raw 409.
    let dup = format!(
        "{}\nresource \"gpuai_availability_notification\" \"dup\" {{\n  region_id = \"as-south-1\"\n  config_id = \"gpu-h100-80g-20cpu-125g\"\n}}\n",
        example("resources/gpuai_availability_notification/resource.tf")
    );
    tf.config(&["gpuai"], &dup);
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains("already registered"), "{out}");

    // A forcing change replaces it, with a warning that the old one is only forgotten.
    tf.config(
        &["gpuai"],
        &example("resources/gpuai_availability_notification/resource.tf")
            .replace("gpu-h100-80g-20cpu-125g", "gpu-h100-80g-40cpu-250g"),
    );
    let out = tf.apply();
    assert!(out.contains("not cancelled"), "{out}");
    let second = tf.resource("gpuai_availability_notification.h100");
    assert_ne!(first["id"], second["id"]);

    let (_gen, generated) = import_with_generated_config(
        &emu,
        "gpuai_availability_notification.h100",
        s(&second["id"]),
    );
    assert!(generated.contains("gpu-h100-80g-40cpu-250g"), "{generated}");

    let out = tf.destroy();
    assert!(out.contains("no API to cancel"), "{out}");
    assert!(
        tf.state_file().contains("\"resources\": []"),
        "state still holds it"
    );
    // The API cannot cancel: the requests stay registered upstream, which is what the warning
    // says. Nothing else of ours is live.
    assert!(live(&emu, "airuntime").is_empty());
    assert_eq!(emu.count("gpuai.createGpuNotifyAvailabilityRequest"), 3);
}

#[test]
fn data_source_examples_return_the_seed() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let body = [
        "data-sources/gpuai_inventory/data-source.tf",
        "data-sources/gpuai_gpu_config/data-source.tf",
        "data-sources/gpuai_airuntime_templates/data-source.tf",
        "data-sources/gpuai_airuntime_template/data-source.tf",
    ]
    .map(example)
    .join("\n");
    tf.config(&["gpuai"], &body);
    tf.apply();
    let plans = tf.output("rtx5090_plans");
    assert_eq!(
        plans,
        serde_json::json!(["gpu-rtx5090-on-demand-1h", "gpu-rtx5090-reserved-1mo"])
    );
    let ids = tf.output("template_ids");
    let ids = ids.as_array().expect("list");
    assert_eq!(ids.len(), 7, "{ids:?}");
    assert!(ids.iter().any(|i| i == "tpl-jupyterlab-pytorch"));
    assert_eq!(
        tf.output("jupyter_image"),
        serde_json::json!("neevai/jupyterlab-pytorch:latest")
    );
    let configs = tf.output("available_configs");
    assert!(
        configs
            .as_array()
            .is_some_and(|c| c.iter().any(|i| i == "gpu-rtx5090-32g-16cpu-96g")),
        "{configs}"
    );
    assert!(emu.count("gpuai.getGpuConfig") >= 1);
    assert!(emu.count("gpuai.getAIRuntimeTemplate") >= 1);
}

#[test]
fn inventory_walks_every_page_and_filters() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["gpuai"],
        r#"
data "gpuai_inventory" "all" {}
data "gpuai_inventory" "home" {
  region = "as-south-1"
}
data "gpuai_inventory" "amd" {
  gpu_vendor = "amd"
}
data "gpuai_inventory" "h200" {
  gpu_model = "h200"
  region    = "as-south-1"
}
data "gpuai_inventory" "big" {
  vram_min = 100
  vram_max = 150
}
output "all" { value = data.gpuai_inventory.all.items }
output "home" { value = data.gpuai_inventory.home.items }
output "amd" { value = data.gpuai_inventory.amd.items }
output "h200" { value = data.gpuai_inventory.h200.items }
output "big" { value = data.gpuai_inventory.big.items }
"#,
    );
    tf.apply();
    let all = tf.output("all");
    let all = all.as_array().expect("items");
    assert_eq!(all.len(), 264, "every seeded item over three pages");
    let first = &all[0];
    for field in [
        "config_id",
        "gpu_model",
        "gpu_vendor",
        "vram_gib",
        "default_cpu_cores",
        "default_memory_gib",
        "price_per_gpu_per_hour",
        "region",
        "min_gpu_count",
        "max_gpu_count",
        "available_gpu_count",
        "total_gpu_count",
        "availability",
        "instance_type",
        "type",
    ] {
        assert!(!first[field].is_null(), "{field} missing in {first}");
    }
    let mut keys: Vec<(String, String)> = all
        .iter()
        .map(|i| (s(&i["config_id"]).into(), s(&i["region"]).into()))
        .collect();
    keys.dedup();
    assert_eq!(keys.len(), 264, "no item read twice");
    // Each read walks 3 pages of 100 (264 items), the filtered ones fewer.
    assert!(emu.count("gpuai.listInventory") >= 3 + 4);

    let home = tf.output("home");
    let home = home.as_array().expect("items");
    assert_eq!(home.len(), 33);
    assert!(home.iter().all(|i| i["region"] == "as-south-1"));
    let amd = tf.output("amd");
    let amd = amd.as_array().expect("items");
    assert!(!amd.is_empty() && amd.iter().all(|i| i["gpu_vendor"] == "AMD"));
    let h200 = tf.output("h200");
    let h200 = h200.as_array().expect("items");
    assert_eq!(h200.len(), 3);
    assert!(h200.iter().all(|i| s(&i["gpu_model"]).contains("H200")));
    let big = tf.output("big");
    let big = big.as_array().expect("items");
    assert!(!big.is_empty());
    assert!(big.iter().all(|i| {
        let v = i["vram_gib"].as_f64().unwrap_or(0.0);
        (100.0..=150.0).contains(&v)
    }));
}

#[test]
fn bad_values_fail_before_any_api_call() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["gpuai"],
        "data \"gpuai_inventory\" \"x\" {\n  vram_min = 96\n  vram_max = 32\n}\n",
    );
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(
        out.contains("vram_max") && out.contains("vram_min"),
        "{out}"
    );

    let both = runtime("acc-both").replace(
        "template_id = \"tpl-jupyterlab-pytorch\"",
        "template_id = \"tpl-jupyterlab-pytorch\"\n  template_spec = { image = \"x\" }",
    );
    tf.config(&["gpuai"], &both);
    let out = tf.fails(&["validate", "-no-color"]);
    assert!(
        out.contains("template_spec") && out.contains("exactly one of"),
        "{out}"
    );

    tf.config(&["gpuai"], &runtime("Not_A_Label"));
    let out = tf.fails(&["validate", "-no-color"]);
    assert!(out.contains("name") && out.contains("DNS label"), "{out}");

    tf.config(&["gpuai"], &runtime("acc-import"));
    for bad in ["just-an-id", "org-abc123/prj-abc123", "org/prj/not-a-uuid"] {
        let out = tf.fails(&[
            "import",
            "-input=false",
            "-no-color",
            "gpuai_airuntime.a",
            bad,
        ]);
        assert!(
            out.contains("org_id/project_id/airuntime_id"),
            "{bad}: {out}"
        );
    }
    tf.write(
        "import.tf",
        "import {\n  to = gpuai_airuntime.a\n  id = \"org-abc123/3f2b6c1e\"\n}\n",
    );
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(out.contains("org_id/project_id/airuntime_id"), "{out}");

    assert_eq!(emu.total("gpuai"), 0, "{:?}", emu.live());
}
