//! Acceptance tests for the `amd` member: the real `terraform` against the built provider and
//! the in-process emulator. `amd_instance` is created, planned empty, replaced by a forcing
//! change, imported (CLI and `import {}` + `-generate-config-out`) and destroyed with nothing
//! left live; data sources return the emulator's seed; bad values fail before any API call;
//! every example is applied.

use crate::support::{Emulator, Tf};
use std::path::Path;

fn example(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/amd")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn instance(name: &str, gpu_type: &str, gpu_count: &str) -> String {
    format!(
        r#"
resource "amd_instance" "a" {{
  name      = "{name}"
  gpu_type  = "{gpu_type}"
  gpu_count = {gpu_count}
}}
"#
    )
}

fn live_instances(emu: &Emulator) -> Vec<String> {
    emu.live()
        .into_iter()
        .filter(|o| o.api == "amd" && o.kind == "instance")
        .map(|o| o.id)
        .collect()
}

fn s(v: &serde_json::Value) -> &str {
    v.as_str().unwrap_or_default()
}

#[test]
fn instance_create_replace_import_destroy() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["amd"], &instance("acc-a", "mi250", "2"));
    tf.apply();
    let a = tf.resource("amd_instance.a");
    assert_eq!(s(&a["status"]), "running", "{a}");
    assert_eq!(s(&a["name"]), "acc-a");
    assert_eq!(a["gpu_count"], 2);
    assert_eq!(s(&a["region"]), "us-west-2", "computed from the API: {a}");
    assert!(!s(&a["image_id"]).is_empty(), "{a}");
    assert!(!s(&a["created_at"]).is_empty(), "{a}");
    assert_eq!(emu.count("amd.createInstance"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "plan after create not empty");

    // No update API: a new GPU count replaces the instance.
    tf.config(&["amd"], &instance("acc-a", "mi250", "4"));
    let plan = tf.plan_text();
    assert!(plan.contains("must be replaced"), "{plan}");
    assert!(plan.contains("forces replacement"), "{plan}");
    tf.apply();
    let b = tf.resource("amd_instance.a");
    assert_ne!(a["id"], b["id"]);
    assert_eq!(b["gpu_count"], 4);
    assert_eq!(emu.count("amd.createInstance"), 2);
    assert_eq!(emu.count("amd.terminateInstance"), 1);
    assert_eq!(live_instances(&emu), vec![s(&b["id"]).to_string()]);
    let id = s(&b["id"]).to_string();

    // `terraform import` into the same configuration: nothing to change afterwards.
    let cli = Tf::new(&emu);
    cli.config(&["amd"], &instance("acc-a", "mi250", "4"));
    cli.import("amd_instance.a", &id);
    assert_eq!(
        cli.plan_exit_code(),
        0,
        "plan after terraform import not empty"
    );

    // An `import {}` block with generated configuration shows no difference.
    let gen = Tf::new(&emu);
    gen.config(
        &["amd"],
        &format!("import {{\n  to = amd_instance.a\n  id = \"{id}\"\n}}\n"),
    );
    gen.ok(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=gen.tf",
    ]);
    let generated = gen.read("gen.tf");
    assert!(
        generated.contains("gpu_type") && generated.contains("mi250"),
        "{generated}"
    );
    let plan = gen.plan_text();
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "generated configuration differs from the imported object:\n{plan}\n{generated}"
    );
    gen.apply();
    assert_eq!(gen.plan_exit_code(), 0);

    let creates = emu.count("amd.createInstance");
    tf.destroy();
    assert!(live_instances(&emu).is_empty(), "{:?}", emu.live());
    assert_eq!(
        emu.count("amd.createInstance"),
        creates,
        "import never creates"
    );
}

#[test]
fn bad_values_fail_at_validate_naming_the_attribute_without_api_calls() {
    let emu = Emulator::start();
    for (gpu_type, count, attribute) in [
        ("mi300x", "0", "gpu_count"),
        ("mi300x", "9", "gpu_count"),
        ("mi300x", "1.5", "gpu_count"),
        ("mi100", "1", "gpu_type"),
        ("rx7900xtx", "1", "gpu_type"),
    ] {
        let tf = Tf::new(&emu);
        tf.config(&["amd"], &instance("bad", gpu_type, count));
        let out = tf.fails(&["plan", "-input=false", "-no-color"]);
        assert!(
            out.contains(&format!("Invalid value for {attribute}")),
            "{gpu_type}/{count}: {out}"
        );
        assert!(
            out.contains(&format!("amd_instance.a.{attribute}")) || out.contains(attribute),
            "{out}"
        );
    }
    assert_eq!(emu.total("amd"), 0, "{:?}", emu.live());
}

#[test]
fn omitted_names_are_generated_refresh_is_coalesced_and_stopped_instances_warn() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["amd"],
        "resource \"amd_instance\" \"a\" {\n  count     = 3\n  gpu_type  = \"mi210\"\n  gpu_count = 1\n}\n",
    );
    tf.apply();
    let names: std::collections::BTreeSet<String> = (0..3)
        .map(|i| s(&tf.resource(&format!("amd_instance.a[{i}]"))["name"]).to_string())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("tf-")), "{names:?}");

    // Refreshing three instances costs one list, not three reads.
    emu.reset_ledger();
    assert_eq!(tf.plan_exit_code(), 0, "a generated name is not a diff");
    assert_eq!(emu.count("amd.listInstances"), 1);
    assert_eq!(emu.count("amd.getInstance"), 0);

    let a = tf.resource("amd_instance.a[0]");
    emu.post(
        &format!("/_admin/amd/instances/{}/stop", s(&a["id"])),
        serde_json::json!({}),
    );
    let plan = tf.plan_text();
    assert!(plan.contains("is stopped"), "{plan}");
    assert!(plan.contains("no start call"), "{plan}");
    tf.destroy();
    assert!(live_instances(&emu).is_empty(), "{:?}", emu.live());
}

/// Creates `n` instances straight through the API (not Terraform), named `seed-<i>`.
fn seed_instances(emu: &Emulator, n: usize, gpu_type: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = format!("{}/amd/v1/instances", emu.base_url);
    rt.block_on(async {
        let http = reqwest::Client::new();
        for i in 0..n {
            let resp = http
                .post(&url)
                .header("X-API-Key", "amd-test-key")
                .json(&serde_json::json!({"name": format!("seed-{i}"), "gpuType": gpu_type, "gpuCount": 1}))
                .send()
                .await
                .expect("create");
            assert_eq!(resp.status(), 201);
        }
    });
}

#[test]
fn examples_apply_and_data_sources_return_the_seed() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.write("provider.tf", &example("provider/provider.tf"));
    tf.config(&["amd"], &example("resources/amd_instance/resource.tf"));
    tf.apply();
    assert_eq!(s(&tf.output("training_status")), "running");
    let id = s(&tf.resource("amd_instance.training")["id"]).to_string();

    // More instances than one page, so `amd_instances` must walk pages.
    seed_instances(&emu, 55, "mi250");
    for ds in [
        "amd_instance",
        "amd_instances",
        "amd_instance_metrics",
        "amd_credits",
        "amd_models",
    ] {
        tf.write(
            &format!("{ds}.tf"),
            &example(&format!("data-sources/{ds}/data-source.tf")),
        );
    }
    tf.write(
        "terraform.tfvars",
        &format!("instance_id = \"{id}\"\nmetrics_instance_id = \"{id}\"\n"),
    );
    tf.write(
        "extra.tf",
        "data \"amd_instances\" \"mi250\" {\n  gpu_type = \"mi250\"\n}\n\
         output \"mi250_count\" {\n  value = length(data.amd_instances.mi250.instances)\n}\n",
    );
    let lists_before = emu.count("amd.listInstances");
    tf.apply();
    assert_eq!(s(&tf.output("instance_gpus")), "8x mi300x");
    assert_eq!(tf.output("running_mi300x_ids"), serde_json::json!([id]));
    assert_eq!(tf.output("mi250_count"), 55, "every page is walked");
    assert!(emu.count("amd.listInstances") - lists_before >= 3);
    let util = tf.output("gpu_utilization");
    assert!(util.as_f64().is_some_and(|u| u >= 60.0), "{util}");
    assert_eq!(s(&tf.output("credits_left")), "500 USD");
    let models = tf.output("serving_model_endpoints");
    assert_eq!(
        s(&models["llama-3.1-70b"]),
        "https://inf.developer.amd.com/model-001/v1",
        "{models}"
    );
    assert_eq!(models.as_object().map(|m| m.len()), Some(3), "{models}");

    tf.destroy();
    let ours: Vec<String> = live_instances(&emu)
        .into_iter()
        .filter(|i| *i == id)
        .collect();
    assert!(ours.is_empty(), "{:?}", emu.live());
    assert_eq!(emu.count("amd.createInstance"), 56);
}

#[test]
fn a_lost_create_response_adopts_the_instance_instead_of_launching_another() {
    let emu = Emulator::start();
    emu.post(
        "/_admin/faults",
        serde_json::json!({"api": "amd", "method": "POST", "path_prefix": "/amd/v1/instances",
                           "times": 1, "action": "lose_response"}),
    );
    let tf = Tf::new(&emu);
    tf.config(&["amd"], &instance("acc-lost", "mi300x", "1"));
    tf.apply();
    let a = tf.resource("amd_instance.a");
    assert_eq!(s(&a["status"]), "running");
    assert_eq!(emu.count("amd.createInstance"), 1, "no second create");
    assert!(
        emu.count("amd.listInstances") >= 1,
        "the lost create was reconciled by listing"
    );
    assert_eq!(live_instances(&emu), vec![s(&a["id"]).to_string()]);
    tf.destroy();
    assert!(live_instances(&emu).is_empty(), "{:?}", emu.live());
}
