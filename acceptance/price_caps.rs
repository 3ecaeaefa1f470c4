//! `max_hourly_price` through real Terraform: a plan that would create something listed above
//! the cap fails at plan, naming the attribute, after reading nothing but the public price list;
//! at or under the cap it plans and applies; changing only the cap later touches nothing, and a
//! cap below what already runs only warns (so it never blocks `terraform destroy`).

use crate::support::{Emulator, Tf};

fn icgpu_instance(workload_type: &str, cap: u64) -> String {
    format!(
        r#"
resource "icgpu_instance" "train" {{
  name             = "train"
  tier             = "dedicated"
  workload_type    = "{workload_type}"
  max_hourly_price = {cap}
}}
"#
    )
}

/// Terraform's error output with its line wrapping undone.
fn plan_error(tf: &Tf) -> String {
    let out = tf.fails(&["plan", "-no-color", "-input=false"]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn icgpu_instance_cap_is_checked_at_plan_against_the_tier_list() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    // Interactive dedicated is listed at 250000 tokens per hour.
    tf.config(&["icgpu"], &icgpu_instance("interactive", 200_000));
    let out = plan_error(&tf);
    assert!(
        out.contains("Listed price is above max_hourly_price"),
        "{out}"
    );
    assert!(out.contains("max_hourly_price"), "{out}");
    assert!(
        out.contains("250000 tokens per hour") && out.contains("200000"),
        "{out}"
    );
    assert!(emu.count("icgpu.listGpuTiers") >= 1);
    assert_eq!(emu.requests_besides("icgpu", &["listGpuTiers"]), 0);

    // Batch is half price, under the cap.
    tf.config(&["icgpu"], &icgpu_instance("batch", 200_000));
    tf.apply();
    assert_eq!(emu.count("icgpu.createInstance"), 1);
    assert_eq!(
        tf.resource("icgpu_instance.train")["max_hourly_price"],
        200000
    );
    assert_eq!(tf.plan_exit_code(), 0);

    // Only the cap changes: an in-place change of the cap alone, with no request but reads.
    tf.config(&["icgpu"], &icgpu_instance("batch", 150_000));
    let plan = tf.plan_text();
    assert!(
        plan.contains("1 to change") && plan.contains("max_hourly_price"),
        "{plan}"
    );
    emu.reset_ledger();
    tf.apply();
    assert_eq!(
        emu.requests_besides("icgpu", &["listGpuTiers", "getInstance", "listInstances"]),
        0
    );
    assert_eq!(
        tf.resource("icgpu_instance.train")["max_hourly_price"],
        150000
    );
    assert_eq!(tf.plan_exit_code(), 0);

    // A cap below what already runs only warns: it must not block `terraform destroy`, whose
    // first step plans this configuration.
    tf.config(&["icgpu"], &icgpu_instance("batch", 100_000));
    let plan = tf.plan_text();
    let flat = plan.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Warning: Listed price is above max_hourly_price"),
        "{plan}"
    );
    assert!(flat.contains("125000 tokens per hour"), "{plan}");
    tf.destroy();
    assert!(emu.live().is_empty(), "{:?}", emu.live());
}

fn shadeform_instance(cap: u64) -> String {
    format!(
        r#"
resource "shadeform_instance" "a" {{
  cloud               = "tensordock"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
  name                = "capped"
  max_hourly_price    = {cap}

  launch_configuration = {{
    type = "script"
    script_configuration = {{
      base64_script = "ZWNobyBoZWxsbwo="
    }}
  }}
}}
"#
    )
}

#[test]
fn shadeform_instance_cap_is_in_cents_from_the_instance_types() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    // tensordock A6000 is listed at 47 cents per hour.
    tf.config(&["shadeform"], &shadeform_instance(40));
    let out = plan_error(&tf);
    assert!(out.contains("max_hourly_price"), "{out}");
    assert!(out.contains("47 US cents per hour"), "{out}");
    assert!(emu.count("shadeform.GetInstanceTypes") >= 1);
    assert_eq!(emu.requests_besides("shadeform", &["GetInstanceTypes"]), 0);

    tf.config(&["shadeform"], &shadeform_instance(47));
    assert_eq!(tf.plan_exit_code(), 2);
    assert_eq!(emu.count("shadeform.Create"), 0);
}

fn gpuai_runtime(config_id: Option<&str>, plan: &str, gpus: u32, cap: &str) -> String {
    let config_line = config_id
        .map(|c| format!("  gpu_config_id    = \"{c}\"\n"))
        .unwrap_or_default();
    format!(
        r#"
resource "gpuai_airuntime" "a" {{
  org_id           = "org-abc123"
  project_id       = "prj-abc123"
  name             = "capped"
  region           = "as-south-1"
  plan_id          = "{plan}"
{config_line}  gpu_count        = {gpus}
  template_id      = "tpl-jupyterlab-pytorch"
  max_hourly_price = {cap}
}}
"#
    )
}

/// Writes a gpuai configuration whose plan must fail, and checks the error names each of `needles`.
fn gpuai_plan_fails(tf: &Tf, body: &str, needles: &[&str]) {
    tf.config(&["gpuai"], body);
    let out = plan_error(tf);
    for n in needles {
        assert!(out.contains(n), "{n:?} missing from: {out}");
    }
}

#[test]
fn gpuai_runtime_cap_covers_all_its_gpus_in_us_dollars() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let rtx = Some("gpu-rtx5090-32g-16cpu-96g");
    // Two RTX 5090 at 0.98 each: 1.96.
    let two_rtx = |cap| gpuai_runtime(rtx, "gpu-rtx5090-on-demand-1h", 2, cap);
    gpuai_plan_fails(
        &tf,
        &two_rtx("1.95"),
        &["max_hourly_price", "1.96 US dollars per hour"],
    );
    assert_eq!(emu.requests_besides("gpuai", &["getGpuConfig"]), 0);
    tf.config(&["gpuai"], &two_rtx("1.96"));
    assert_eq!(tf.plan_exit_code(), 2);

    // Without a config the API picks one; the check prices the plan the same way.
    let h200 = gpuai_runtime(None, "gpu-h200-on-demand-1h", 1, "2.5");
    gpuai_plan_fails(&tf, &h200, &["2.99 US dollars per hour"]);
    assert_eq!(
        emu.requests_besides("gpuai", &["getGpuConfig", "listInventory"]),
        0
    );

    // A plan the config does not offer cannot be priced: the plan fails at `plan_id`.
    let unoffered = gpuai_runtime(rtx, "gpu-h200-on-demand-1h", 1, "100");
    gpuai_plan_fails(&tf, &unoffered, &["does not offer plan", "plan_id"]);
    assert_eq!(emu.count("gpuai.createAIRuntime"), 0);
}
