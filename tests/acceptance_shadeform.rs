//! Acceptance tests for the `shadeform` member: the real `terraform` against the built provider
//! and the in-process emulator. `shadeform_instance` is created, planned empty, replaced by a
//! forcing change, imported (CLI and `import {}` + `-generate-config-out`) and destroyed with
//! nothing left live; an unavailable (cloud, region, type) fails before any create call and
//! lists alternatives; creates of one type share one availability check; a bad launch
//! configuration fails at validate; examples apply.

mod support;

use std::path::Path;
use support::{Emulator, Tf};

fn example(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/shadeform")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `echo hello` in base64.
const SCRIPT: &str = "ZWNobyBoZWxsbwo=";

fn instance(name: &str, region: &str) -> String {
    format!(
        r#"
resource "shadeform_instance" "a" {{
  cloud               = "tensordock"
  region              = "{region}"
  shade_instance_type = "A6000"
  name                = "{name}"

  launch_configuration = {{
    type = "script"
    script_configuration = {{
      base64_script = "{SCRIPT}"
    }}
  }}
}}
"#
    )
}

fn live_instances(emu: &Emulator) -> Vec<String> {
    emu.live()
        .into_iter()
        .filter(|o| o.api == "shadeform" && o.kind == "instance")
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
    tf.config(&["shadeform"], &instance("acc-sf-a", "na-us-bos-1"));
    tf.apply();
    let a = tf.resource("shadeform_instance.a");
    assert_eq!(s(&a["status"]), "active", "{a}");
    assert!(!s(&a["ip"]).is_empty(), "an active instance has an IP: {a}");
    assert_eq!(s(&a["ssh_user"]), "shadeform");
    assert_eq!(a["ssh_port"], 22);
    assert_eq!(a["hourly_price"], 47);
    assert_eq!(a["shade_cloud"], true, "defaults to true");
    assert_eq!(s(&a["os"]), "ubuntu22.04_cuda12.2_shade_os");
    assert_eq!(a["configuration"]["gpu_type"], "A6000");
    assert_eq!(
        s(&a["launch_configuration"]["script_configuration"]["base64_script"]),
        SCRIPT
    );
    assert_eq!(emu.count("shadeform.Create"), 1);
    emu.reset_ledger();
    assert_eq!(tf.plan_exit_code(), 0, "plan after create not empty");
    assert_eq!(
        emu.count("shadeform.instances"),
        1,
        "refresh reads the list"
    );
    assert_eq!(emu.count("shadeform.instances/info"), 0);

    tf.config(&["shadeform"], &instance("acc-sf-b", "na-us-bos-1"));
    let plan = tf.plan_text();
    assert!(plan.contains("must be replaced"), "{plan}");
    tf.apply();
    let b = tf.resource("shadeform_instance.a");
    assert_ne!(a["id"], b["id"]);
    assert_eq!(emu.count("shadeform.Create"), 1);
    assert_eq!(emu.count("shadeform.Delete"), 1);
    assert_eq!(live_instances(&emu), vec![s(&b["id"]).to_string()]);
    let id = s(&b["id"]).to_string();

    let cli = Tf::new(&emu);
    cli.config(&["shadeform"], &instance("acc-sf-b", "na-us-bos-1"));
    cli.import("shadeform_instance.a", &id);
    assert_eq!(
        cli.plan_exit_code(),
        0,
        "plan after terraform import not empty"
    );

    let gen = Tf::new(&emu);
    gen.config(
        &["shadeform"],
        &format!("import {{\n  to = shadeform_instance.a\n  id = \"{id}\"\n}}\n"),
    );
    gen.ok(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=gen.tf",
    ]);
    let generated = gen.read("gen.tf");
    assert!(generated.contains(SCRIPT), "{generated}");
    let plan = gen.plan_text();
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "generated configuration differs from the imported object:\n{plan}\n{generated}"
    );
    gen.apply();
    assert_eq!(gen.plan_exit_code(), 0);

    let creates = emu.count("shadeform.Create");
    tf.destroy();
    assert!(live_instances(&emu).is_empty(), "{:?}", emu.live());
    assert_eq!(
        emu.count("shadeform.Create"),
        creates,
        "import never creates"
    );
}

#[test]
fn unavailable_type_fails_before_create_listing_alternatives() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    // The emulator pins (tensordock, na-us-bos-2, A6000) unavailable and bos-1 available.
    tf.config(&["shadeform"], &instance("acc-sf-x", "na-us-bos-2"));
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains("unavailable"), "{out}");
    assert!(
        out.contains(r#"cloud = "tensordock", region = "na-us-bos-1" ($0.47/h)"#),
        "{out}"
    );
    assert_eq!(emu.count("shadeform.Create"), 0);
    assert!(emu.count("shadeform.GetInstanceTypes") >= 1);
    assert!(live_instances(&emu).is_empty());
}

#[test]
fn instances_of_one_type_share_one_availability_check() {
    let emu = Emulator::start_with(gpucloud::emulator::EmulatorConfig {
        step: std::time::Duration::ZERO,
        ..Default::default()
    });
    let tf = Tf::new(&emu);
    tf.config(
        &["shadeform"],
        r#"
resource "shadeform_instance" "fleet" {
  for_each = toset(["a", "b", "c", "d"])

  name                = "acc-sf-fleet-${each.key}"
  cloud               = "tensordock"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
}
"#,
    );
    tf.apply();
    assert_eq!(live_instances(&emu).len(), 4);
    assert_eq!(emu.count("shadeform.Create"), 4);
    assert_eq!(
        emu.count("shadeform.GetInstanceTypes"),
        1,
        "one availability list serves every create of the run"
    );
    // A lifecycle without delay: create and one read per instance, besides the shared list.
    assert_eq!(emu.total("shadeform"), 1 + 4 * 2);
    tf.destroy();
    assert!(live_instances(&emu).is_empty());
}

#[test]
fn bad_launch_configuration_fails_at_validate_without_api_calls() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["shadeform"],
        r#"
resource "shadeform_instance" "a" {
  cloud               = "tensordock"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
  name                = "both"
  launch_configuration = {
    type                 = "docker"
    docker_configuration = { image = "nginx" }
    script_configuration = { base64_script = "ZWNobw==" }
  }
}
"#,
    );
    let out = tf.fails(&["validate", "-no-color"]);
    assert!(out.contains("Conflicting launch configurations"), "{out}");
    assert!(
        out.contains("launch_configuration.script_configuration"),
        "{out}"
    );

    tf.config(
        &["shadeform"],
        r#"
resource "shadeform_instance" "a" {
  cloud               = "tensordock"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
  name                = "missing"
  launch_configuration = {
    type = "script"
  }
}
"#,
    );
    let out = tf.fails(&["validate", "-no-color"]);
    assert!(
        out.contains("Missing launch_configuration.script_configuration"),
        "{out}"
    );

    tf.config(
        &["shadeform"],
        r#"
resource "shadeform_instance" "a" {
  cloud               = "nowhere"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
  name                = "bad-cloud"
}
"#,
    );
    let out = tf.fails(&["validate", "-no-color"]);
    assert!(out.contains("Invalid value for cloud"), "{out}");
    assert_eq!(emu.total("shadeform"), 0);
}

#[test]
fn examples_apply_and_instance_types_filter() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.write("provider.tf", &example("provider/provider.tf"));
    tf.write(
        "types.tf",
        &example("data-sources/shadeform_instance_types/data-source.tf"),
    );
    tf.write(
        "extra.tf",
        r#"
data "shadeform_instance_types" "aws_8xh100" {
  cloud               = "aws"
  region              = "eu-central-1"
  shade_instance_type = "8xH100"
}
output "aws_8xh100_none_available" {
  value = data.shadeform_instance_types.aws_8xh100.cheapest_available == null
}
output "aws_8xh100_available" {
  value = data.shadeform_instance_types.aws_8xh100.instance_types[0].availability
}
data "shadeform_instance_types" "one_gpu" {
  num_gpus = 1
  sort     = "price"
}
output "one_gpu_prices" {
  value = data.shadeform_instance_types.one_gpu.instance_types[*].hourly_price
}
"#,
    );
    tf.config(
        &["shadeform"],
        &example("resources/shadeform_instance/resource.tf"),
    );
    tf.apply();
    let cheapest = tf.output("cheapest_a6000");
    assert_eq!(cheapest["cloud"], "tensordock", "{cheapest}");
    assert_eq!(cheapest["region"], "na-us-bos-1", "{cheapest}");
    assert_eq!(cheapest["cents"], 47, "{cheapest}");
    assert_eq!(tf.output("aws_8xh100_none_available"), true);
    assert_eq!(
        tf.output("aws_8xh100_available"),
        serde_json::json!([{"region": "eu-central-1", "available": false}])
    );
    let prices: Vec<i64> = tf
        .output("one_gpu_prices")
        .as_array()
        .expect("prices")
        .iter()
        .filter_map(|p| p.as_i64())
        .collect();
    assert!(
        prices.len() > 3 && prices.windows(2).all(|w| w[0] <= w[1]),
        "{prices:?}"
    );
    let vllm = tf.resource("shadeform_instance.vllm");
    assert_eq!(s(&vllm["status"]), "active");
    assert!(s(&tf.output("vllm_ssh")).starts_with("ssh -p 22 shadeform@"));
    assert_eq!(tf.plan_exit_code(), 0);
    tf.destroy();
    assert!(live_instances(&emu).is_empty(), "{:?}", emu.live());
}

#[test]
fn a_lost_create_response_adopts_the_instance_instead_of_launching_another() {
    let emu = Emulator::start();
    emu.post(
        "/_admin/faults",
        serde_json::json!({"api": "shadeform", "method": "POST",
                           "path_prefix": "/shadeform/v1/instances/create",
                           "times": 1, "action": "lose_response"}),
    );
    let tf = Tf::new(&emu);
    tf.config(&["shadeform"], &instance("acc-sf-lost", "na-us-bos-1"));
    tf.apply();
    let a = tf.resource("shadeform_instance.a");
    assert_eq!(s(&a["status"]), "active");
    assert_eq!(emu.count("shadeform.Create"), 1, "no second create");
    assert!(
        emu.count("shadeform.instances") >= 1,
        "the lost create was reconciled by listing"
    );
    assert_eq!(live_instances(&emu), vec![s(&a["id"]).to_string()]);
    tf.destroy();
    assert!(live_instances(&emu).is_empty(), "{:?}", emu.live());
}
