//! Acceptance tests for the `shadeform` member: the real `terraform` against the built provider
//! and the in-process emulator. `shadeform_instance` and `shadeform_volume` are created, planned
//! empty, replaced by a forcing change, imported (CLI and `import {}` + `-generate-config-out`)
//! and destroyed with nothing left live; a mounted volume is not destroyed; an unavailable
//! (cloud, region, type) fails before any create call and lists alternatives; a bad launch
//! configuration fails at validate, an unlisted cloud only warns; examples apply, and so do
//! the official provider's three published examples (tests/fixtures/shadeform_official).

use crate::support::{applies_without_requests, Emulator, Tf};
use std::path::Path;

fn example(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/shadeform")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `echo hello` in base64.
const SCRIPT: &str = "ZWNobyBoZWxsbwo=";

fn instance(name: &str, region: &str) -> String {
    instance_with(name, region, "")
}

/// The instance with `extra` (an argument) set too.
fn instance_with(name: &str, region: &str, extra: &str) -> String {
    format!(
        r#"
resource "shadeform_instance" "a" {{
  cloud               = "tensordock"
  region              = "{region}"
  shade_instance_type = "A6000"
  name                = "{name}"
  {extra}

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

/// An `import {}` block with `-generate-config-out` writes configuration that plans nothing but
/// the import, and applying it leaves an empty plan. Returns the generated configuration.
fn generated_config_plans_clean(emu: &Emulator, address: &str, id: &str) -> String {
    let gen = Tf::new(emu);
    gen.config(
        &["shadeform"],
        &format!("import {{\n  to = {address}\n  id = \"{id}\"\n}}\n"),
    );
    gen.ok(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=gen.tf",
    ]);
    let generated = gen.read("gen.tf");
    let plan = gen.plan_text();
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "generated configuration differs from the imported object:\n{plan}\n{generated}"
    );
    gen.apply();
    assert_eq!(
        gen.plan_exit_code(),
        0,
        "{address}: plan after import not empty"
    );
    generated
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

    // `wait_for_ssh` only steers a create: a change of it alone shows nothing as known after
    // apply, sends nothing but the refresh, and keeps what the API reported (IP, status).
    tf.config(
        &["shadeform"],
        &instance_with("acc-sf-a", "na-us-bos-1", "wait_for_ssh = true"),
    );
    applies_without_requests(&tf, &emu, "wait_for_ssh", "shadeform", &["instances"]);
    let changed = tf.resource("shadeform_instance.a");
    assert_eq!(changed["wait_for_ssh"], true);
    assert_eq!(changed["ip"], a["ip"]);
    assert_eq!(s(&changed["status"]), "active");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

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

    let generated = generated_config_plans_clean(&emu, "shadeform_instance.a", &id);
    assert!(generated.contains(SCRIPT), "{generated}");

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

    assert_eq!(emu.total("shadeform"), 0);
}

#[test]
fn an_unlisted_cloud_warns_at_validate_and_fails_before_create_when_not_offered() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["shadeform"],
        r#"
resource "shadeform_instance" "a" {
  cloud               = "nowhere"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
  name                = "unlisted-cloud"
}
"#,
    );
    let out = tf.validate();
    assert!(out.contains("Unlisted value for cloud"), "{out}");
    assert_eq!(emu.total("shadeform"), 0, "validate calls nothing");
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains(r#""nowhere" does not offer "A6000""#), "{out}");
    assert_eq!(emu.count("shadeform.Create"), 0);
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
    tf.write(
        "volume.tf",
        &example("resources/shadeform_volume/resource.tf"),
    );
    tf.config(
        &["shadeform"],
        &example("resources/shadeform_instance/resource.tf"),
    );
    tf.apply();
    let models = tf.resource("shadeform_volume.models");
    let trainer = tf.resource("shadeform_instance.trainer");
    assert_eq!(trainer["volume_ids"], serde_json::json!([models["id"]]));
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

fn volume_and_instance(size: u32) -> String {
    format!(
        r#"
resource "shadeform_volume" "data" {{
  cloud      = "datacrunch"
  region     = "helsinki-finland-2"
  name       = "acc-sf-data"
  size_in_gb = {size}
}}

resource "shadeform_instance" "a" {{
  cloud               = "datacrunch"
  region              = "helsinki-finland-2"
  shade_instance_type = "H200"
  name                = "acc-sf-mounted"
  volume_ids          = [shadeform_volume.data.id]
  template_id         = "template-123"
}}
"#
    )
}

fn live(emu: &Emulator, kind: &str) -> Vec<String> {
    emu.live()
        .into_iter()
        .filter(|o| o.api == "shadeform" && o.kind == kind)
        .map(|o| o.id)
        .collect()
}

#[test]
fn volume_mounted_at_launch_replace_import_destroy() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["shadeform"], &volume_and_instance(101));
    tf.apply();
    let v = tf.resource("shadeform_volume.data");
    let a = tf.resource("shadeform_instance.a");
    assert_eq!(v["size_in_gb"], 101);
    assert_eq!(v["fixed_size"], true);
    assert_eq!(v["supports_multi_mount"], false);
    assert!(!s(&v["cloud_assigned_id"]).is_empty(), "{v}");
    assert_eq!(a["volume_ids"], serde_json::json!([v["id"]]));
    assert!(!s(&a["ssh_key_id"]).is_empty(), "the default key: {a}");
    assert_eq!(s(&a["template_id"]), "template-123");
    assert_eq!(emu.count("shadeform.VolumesCreate"), 1);
    emu.reset_ledger();
    assert_eq!(tf.plan_exit_code(), 0, "plan after create not empty");
    assert_eq!(emu.count("shadeform.Volumes"), 1, "refresh reads the list");
    assert_eq!(emu.count("shadeform.VolumesInfo"), 0);
    tf.ok(&[
        "apply",
        "-refresh-only",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ]);
    assert_eq!(
        s(&tf.resource("shadeform_volume.data")["mounted_by"]),
        s(&a["id"]),
        "the refresh sees the mount"
    );

    tf.config(&["shadeform"], &volume_and_instance(200));
    let plan = tf.plan_text();
    assert!(
        plan.contains("shadeform_volume.data must be replaced")
            && plan.contains("shadeform_instance.a must be replaced"),
        "{plan}"
    );
    tf.apply();
    let v2 = tf.resource("shadeform_volume.data");
    let a2 = tf.resource("shadeform_instance.a");
    assert_ne!(v["id"], v2["id"]);
    assert_eq!(v2["size_in_gb"], 200);
    assert_eq!(a2["volume_ids"], serde_json::json!([v2["id"]]));
    assert_eq!(live(&emu, "volume"), vec![s(&v2["id"]).to_string()]);
    assert_eq!(live(&emu, "instance"), vec![s(&a2["id"]).to_string()]);

    let cli = Tf::new(&emu);
    cli.config(&["shadeform"], &volume_and_instance(200));
    cli.import("shadeform_volume.data", s(&v2["id"]));
    cli.import("shadeform_instance.a", s(&a2["id"]));
    assert_eq!(
        cli.plan_exit_code(),
        0,
        "plan after terraform import not empty"
    );

    let generated = generated_config_plans_clean(&emu, "shadeform_volume.data", s(&v2["id"]));
    assert!(generated.contains("size_in_gb = 200"), "{generated}");

    let creates = emu.count("shadeform.VolumesCreate");
    tf.destroy();
    assert!(
        live(&emu, "volume").is_empty() && live(&emu, "instance").is_empty(),
        "{:?}",
        emu.live()
    );
    assert_eq!(
        emu.count("shadeform.VolumesCreate"),
        creates,
        "import never creates"
    );
}

#[test]
fn a_volume_still_mounted_is_not_destroyed() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["shadeform"], &volume_and_instance(101));
    tf.apply();
    let a = tf.resource("shadeform_instance.a");
    let vol = tf.resource("shadeform_volume.data");
    // The instance leaves Terraform's hands but keeps running with the volume mounted.
    tf.ok(&["state", "rm", "-no-color", "shadeform_instance.a"]);
    let out = tf.fails(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains("Shadeform volume is still mounted"), "{out}");
    assert!(out.contains(s(&a["id"])), "{out}");
    assert_eq!(
        emu.count("shadeform.VolumesDelete"),
        0,
        "no delete was sent"
    );
    assert_eq!(live(&emu, "volume"), vec![s(&vol["id"]).to_string()]);

    tf.import("shadeform_instance.a", s(&a["id"]));
    tf.destroy();
    assert!(
        emu.live().iter().all(|o| o.api != "shadeform"),
        "{:?}",
        emu.live()
    );
}

/// One of the official provider's published examples, as copied under tests/fixtures.
fn official(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/shadeform_official")
        .join(name)
        .join("main.tf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_official_providers_examples_validate_and_apply_unchanged() {
    let emu = Emulator::start();
    // The examples spell their key in the provider block; the emulator learns it.
    emu.post(
        "/_admin/shadeform/api_keys",
        serde_json::json!({"api_key": "YOUR_API_KEY"}),
    );
    for name in ["instance", "volume", "instance_types"] {
        let tf = Tf::new(&emu);
        tf.write("main.tf", &official(name));
        let out = tf.validate();
        if name != "volume" {
            assert!(
                out.contains("Unlisted value for cloud") && out.contains("scaleway"),
                "{name}: {out}"
            );
        }
        tf.apply();
        let state = tf.state_json();
        let instances: Vec<&serde_json::Value> = state["values"]["root_module"]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .filter(|r| r["type"] == "shadeform_instance")
            .collect();
        assert_eq!(instances.len(), 1, "{name}: {state}");
        let i = &instances[0]["values"];
        assert_eq!(s(&i["status"]), "active", "{name}: {i}");
        if name == "volume" {
            let v = tf.resource("shadeform_volume.test-volume");
            assert_eq!(i["volume_ids"], serde_json::json!([v["id"]]));
        } else {
            assert_eq!(s(&i["cloud"]), "scaleway");
        }
        assert_eq!(tf.plan_exit_code(), 0, "{name}: plan after apply not empty");
        tf.destroy();
        assert!(
            emu.live().iter().all(|o| o.api != "shadeform"),
            "{name}: {:?}",
            emu.live()
        );
    }
}

#[test]
fn a_lost_volume_create_response_adopts_the_volume_instead_of_making_another() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    // A same-named volume made earlier elsewhere must not be mistaken for ours.
    tf.config(
        &["shadeform"],
        r#"
resource "shadeform_volume" "old" {
  cloud      = "datacrunch"
  region     = "helsinki-finland-2"
  name       = "acc-sf-lost"
  size_in_gb = 50
}
"#,
    );
    tf.apply();
    let old = tf.resource("shadeform_volume.old");
    tf.ok(&["state", "rm", "-no-color", "shadeform_volume.old"]);
    emu.post(
        "/_admin/faults",
        serde_json::json!({"api": "shadeform", "method": "POST",
                           "path_prefix": "/shadeform/v1/volumes/create",
                           "times": 1, "action": "lose_response"}),
    );
    emu.reset_ledger();
    tf.config(
        &["shadeform"],
        r#"
resource "shadeform_volume" "data" {
  cloud      = "datacrunch"
  region     = "helsinki-finland-2"
  name       = "acc-sf-lost"
  size_in_gb = 50
}
"#,
    );
    tf.apply();
    let v = tf.resource("shadeform_volume.data");
    assert_ne!(
        v["id"], old["id"],
        "adopted the new volume, not the older namesake"
    );
    assert_eq!(emu.count("shadeform.VolumesCreate"), 1, "no second create");
    let mut volumes = live(&emu, "volume");
    volumes.sort();
    let mut want = vec![s(&old["id"]).to_string(), s(&v["id"]).to_string()];
    want.sort();
    assert_eq!(volumes, want);
    tf.destroy();
    tf.import("shadeform_volume.data", s(&old["id"]));
    tf.destroy();
    assert!(live(&emu, "volume").is_empty(), "{:?}", emu.live());
}
