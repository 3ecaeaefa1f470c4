//! Capacity failover (`placements`) and SSH readiness (`wait_for_ssh`) through real Terraform
//! against the emulator: with the first two placements full (one shown unavailable, one
//! refused at create) the third is used and the next plan is empty; editing the list replaces
//! nothing; with all full one error lists all three; `wait_for_ssh` completes a handshake with
//! a real sshd on 127.0.0.1 and records its host key, and a closed port times out clearly.

use crate::support::sshd::Sshd;
use crate::support::{Emulator, Tf};
use std::time::{Duration, Instant};

/// `echo hello` in base64.
const SCRIPT: &str = "ZWNobyBoZWxsbwo=";

/// Full per the availability data (an emulator anchor).
const SHOWN_FULL: (&str, &str, &str) = ("tensordock", "na-us-bos-2", "A6000");
/// Listed available; the test makes its create answer "unavailable".
const REFUSES: (&str, &str, &str) = ("tensordock", "na-us-bos-1", "A6000");
const FREE: (&str, &str, &str) = ("lambdalabs", "us-west-1", "H100");

fn placement((cloud, region, ty): (&str, &str, &str)) -> String {
    format!(
        "    {{ cloud = \"{cloud}\", region = \"{region}\", shade_instance_type = \"{ty}\" }},\n"
    )
}

fn instance(placements: &[(&str, &str, &str)], extra: &str) -> String {
    let list: String = placements.iter().copied().map(placement).collect();
    format!(
        r#"
resource "shadeform_instance" "a" {{
  name = "failover-1"
  placements = [
{list}  ]
  launch_configuration = {{
    type = "script"
    script_configuration = {{
      base64_script = "{SCRIPT}"
    }}
  }}
{extra}
}}
"#
    )
}

/// The next create aimed at `region` answers Shadeform's 409 for an unavailable type.
fn refuse_next_create_in(emu: &Emulator, region: &str) {
    emu.add_faults(serde_json::json!({
        "api": "shadeform",
        "method": "POST",
        "path_prefix": "/shadeform/v1/instances/create",
        "body_contains": format!("\"region\":\"{region}\""),
        "times": 1,
        "action": {"status": 409, "body": {
            "error": "A6000 is currently unavailable in na-us-bos-1 on tensordock",
            "error_code": "INSTANCE_TYPE_UNAVAILABLE"
        }}
    }));
}

fn live_instances(emu: &Emulator) -> usize {
    emu.live()
        .iter()
        .filter(|o| o.api == "shadeform" && o.kind == "instance")
        .count()
}

#[test]
fn first_two_placements_full_the_third_is_used_and_the_next_plan_is_empty() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    refuse_next_create_in(&emu, REFUSES.1);
    tf.config(&["shadeform"], &instance(&[SHOWN_FULL, REFUSES, FREE], ""));
    tf.apply();
    // The full one costs no create call; the refused one is answered before the handler
    // (so only the tally sees it); the chosen one is the one create the API handled.
    assert_eq!(emu.fault_tally().total_injected(), 1);
    assert_eq!(emu.count("shadeform.Create"), 1);
    assert_eq!(live_instances(&emu), 1);
    let a = tf.resource("shadeform_instance.a");
    let v = &a;
    assert_eq!(v["cloud"], FREE.0);
    assert_eq!(v["region"], FREE.1);
    assert_eq!(v["shade_instance_type"], FREE.2);
    assert_eq!(v["status"], "active");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Editing the list alone changes state only: no create, no delete.
    tf.config(&["shadeform"], &instance(&[FREE, REFUSES], ""));
    let plan = tf.plan_text();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "editing placements must not replace:\n{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("shadeform.Create"), 1);
    assert_eq!(emu.count("shadeform.Delete"), 0);
    assert_eq!(tf.resource("shadeform_instance.a")["id"], v["id"]);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
    assert_eq!(live_instances(&emu), 0);
}

#[test]
fn when_every_placement_is_full_one_error_lists_all_three() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    emu.post(
        "/_admin/shadeform/availability",
        serde_json::json!({"cloud": FREE.0, "region": FREE.1, "shade_instance_type": FREE.2, "available": false}),
    );
    refuse_next_create_in(&emu, REFUSES.1);
    tf.config(&["shadeform"], &instance(&[SHOWN_FULL, REFUSES, FREE], ""));
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        out.contains("No placement could take the Shadeform instance"),
        "{out}"
    );
    for (line, why) in [
        (
            "A6000 in na-us-bos-2 on tensordock: skipped",
            "unavailable right now",
        ),
        (
            "A6000 in na-us-bos-1 on tensordock: refused",
            "the type is unavailable",
        ),
        (
            "H100 in us-west-1 on lambdalabs: skipped",
            "unavailable right now",
        ),
    ] {
        assert!(
            out.contains(line) && out.contains(why),
            "{line} / {why} missing:\n{out}"
        );
    }
    assert_eq!(emu.fault_tally().total_injected(), 1, "{out}");
    assert_eq!(emu.count("shadeform.Create"), 0);
    assert_eq!(live_instances(&emu), 0);
    assert!(
        tf.state_json()["values"].is_null(),
        "nothing may be in state"
    );
}

#[test]
fn wait_for_ssh_completes_a_handshake_and_records_the_host_key() {
    let sshd = Sshd::start();
    let emu = Emulator::start();
    emu.post(
        "/_admin/ssh_endpoint",
        serde_json::json!({"host": "127.0.0.1", "port": sshd.port}),
    );
    let tf = Tf::new(&emu);
    tf.config(&["shadeform"], &instance(&[FREE], "  wait_for_ssh = true"));
    tf.apply();
    let v = tf.resource("shadeform_instance.a").clone();
    assert_eq!(v["ssh_port"], sshd.port, "{v}");
    assert_eq!(v["ssh_host_key_fingerprint"], sshd.host_key_fingerprint);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
}

#[test]
fn wait_for_ssh_on_a_closed_port_times_out_with_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let emu = Emulator::start();
    emu.post(
        "/_admin/ssh_endpoint",
        serde_json::json!({"host": "127.0.0.1", "port": port}),
    );
    let tf = Tf::new(&emu);
    let extra = "  wait_for_ssh = true\n  timeouts {\n    create = \"8s\"\n  }";
    tf.config(&["shadeform"], &instance(&[FREE], extra));
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        out.contains(&format!("SSH on 127.0.0.1:{port} did not answer in time")),
        "{out}"
    );
    assert!(
        out.contains("Connection refused") || out.contains("refused"),
        "{out}"
    );
    // The instance the API made is kept, tainted, not lost.
    assert_eq!(live_instances(&emu), 1);
    let state = tf.state_file();
    assert!(state.contains("\"status\": \"tainted\""), "{state}");
    tf.destroy();
    assert_eq!(live_instances(&emu), 0);
}

#[test]
fn a_killed_provider_resumes_in_the_placement_it_sent_and_makes_no_second_instance() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    refuse_next_create_in(&emu, REFUSES.1);
    emu.hold();
    tf.config(&["shadeform"], &instance(&[REFUSES, FREE], ""));
    let apply = tf.spawn(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    crate::support::wait_for(
        "the create in the second placement",
        Duration::from_secs(60),
        || emu.created_total() == 1,
    );
    for pid in apply.provider_pids() {
        crate::support::send_signal(pid, "KILL");
    }
    let killed = Instant::now();
    assert!(
        apply.wait(killed, Duration::from_secs(60)).is_some(),
        "terraform exits once its provider is gone"
    );
    emu.release();
    // The first placement has capacity again: a create that forgot where its first attempt
    // went would launch a second instance there.
    tf.apply();
    assert_eq!(emu.created_total(), 1, "{:?}", emu.created());
    assert_eq!(live_instances(&emu), 1);
    assert_eq!(tf.resource("shadeform_instance.a")["region"], FREE.1);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
    assert_eq!(live_instances(&emu), 0);
}

#[test]
fn icgpu_instance_wait_for_ssh_records_the_host_key_of_a_real_sshd() {
    let sshd = Sshd::start();
    let emu = Emulator::start();
    emu.post(
        "/_admin/ssh_endpoint",
        serde_json::json!({"host": "127.0.0.1", "port": sshd.port}),
    );
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        r#"
resource "icgpu_instance" "a" {
  name         = "ssh-ready"
  tier         = "mig"
  wait_for_ssh = true
}
"#,
    );
    tf.apply();
    let v = tf.resource("icgpu_instance.a");
    assert_eq!(v["ssh_host"], "127.0.0.1");
    assert_eq!(v["ssh_host_key_fingerprint"], sshd.host_key_fingerprint);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
}

// ---- icgpu_instance: placements of (tier, workload type) ----

fn icgpu_instance(tiers: &[&str], extra: &str) -> String {
    let list: String = tiers
        .iter()
        .map(|t| format!("    {{ tier = \"{t}\", workload_type = \"interactive\" }},\n"))
        .collect();
    format!(
        r#"
resource "icgpu_instance" "a" {{
  name = "failover-1"
  placements = [
{list}  ]
{extra}
}}
"#
    )
}

/// The public tier list shows `tier` without capacity, and interactive creates there fail.
fn icgpu_tier_full(emu: &Emulator, tier: &str) {
    emu.post(
        &format!("/_admin/icgpu/gpu-tiers/{tier}/capacity"),
        serde_json::json!({"available_count": 0}),
    );
}

/// The next create in `tier` answers the platform's 409 for no capacity, though the tier list
/// shows some (a race the availability data cannot see).
fn icgpu_refuse_next_create_in(emu: &Emulator, tier: &str) {
    emu.add_faults(serde_json::json!({
        "api": "icgpu",
        "method": "POST",
        "path_prefix": "/icgpu/api/v1/instances",
        "body_contains": format!("\"tier\":\"{tier}\""),
        "times": 1,
        "action": {"capacity_error": {"message": format!("No capacity available in tier '{tier}'")}}
    }));
}

fn live_of(emu: &Emulator, api: &str) -> usize {
    emu.live().iter().filter(|o| o.api == api).count()
}

#[test]
fn icgpu_instance_first_two_placements_full_the_third_is_used_and_the_next_plan_is_empty() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    icgpu_tier_full(&emu, "dedicated");
    icgpu_refuse_next_create_in(&emu, "mig");
    tf.config(
        &["icgpu"],
        &icgpu_instance(&["dedicated", "mig", "timesliced"], ""),
    );
    tf.apply();
    assert_eq!(emu.fault_tally().total_injected(), 1);
    assert_eq!(emu.created_total(), 1, "{:?}", emu.created());
    assert_eq!(live_of(&emu, "icgpu"), 1);
    let v = tf.resource("icgpu_instance.a");
    assert_eq!(v["tier"], "timesliced");
    assert_eq!(v["workload_type"], "interactive");
    assert_eq!(v["status"], "running");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Editing the list alone changes state only: no create, no delete.
    tf.config(&["icgpu"], &icgpu_instance(&["mig", "timesliced"], ""));
    let plan = tf.plan_text();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "editing placements must not replace:\n{plan}"
    );
    tf.apply();
    assert_eq!(emu.created_total(), 1, "{:?}", emu.created());
    assert_eq!(emu.count("icgpu.deleteInstance"), 0);
    let after = tf.resource("icgpu_instance.a");
    assert_eq!(after["id"], v["id"]);
    assert_eq!(after["tier"], "timesliced");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
    assert_eq!(live_of(&emu, "icgpu"), 0);
}

#[test]
fn icgpu_instance_with_every_placement_full_one_error_lists_all_three() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    icgpu_tier_full(&emu, "dedicated");
    icgpu_tier_full(&emu, "timesliced");
    icgpu_refuse_next_create_in(&emu, "mig");
    tf.config(
        &["icgpu"],
        &icgpu_instance(&["dedicated", "mig", "timesliced"], ""),
    );
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        out.contains("No placement could take the instance"),
        "{out}"
    );
    for (line, why) in [
        ("tier dedicated (interactive): skipped", "without capacity"),
        ("tier mig (interactive): refused", "has no capacity"),
        ("tier timesliced (interactive): skipped", "without capacity"),
    ] {
        assert!(
            out.contains(line) && out.contains(why),
            "{line} / {why} missing:\n{out}"
        );
    }
    assert_eq!(emu.fault_tally().total_injected(), 1, "{out}");
    assert_eq!(emu.created_total(), 0);
    assert!(tf.state_json()["values"].is_null(), "nothing in state");
}

#[test]
fn icgpu_instance_placements_above_the_price_cap_are_skipped_without_a_create() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    // dedicated is listed at 250000 tokens per hour, mig at 120000.
    let cap = "  max_hourly_price = 200000";
    tf.config(&["icgpu"], &icgpu_instance(&["dedicated", "mig"], cap));
    tf.apply();
    assert_eq!(emu.count("icgpu.createInstance"), 1);
    assert_eq!(tf.resource("icgpu_instance.a")["tier"], "mig");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();

    // Every placement over the cap: the plan fails, naming the cheapest.
    tf.config(
        &["icgpu"],
        &icgpu_instance(&["dedicated", "mig"], "  max_hourly_price = 100000"),
    );
    let out = tf.fails(&["plan", "-no-color", "-input=false"]);
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("The cheapest placement"), "{out}");
    assert!(flat.contains("120000 tokens per hour"), "{out}");
    assert_eq!(emu.count("icgpu.createInstance"), 1);
}

#[test]
fn icgpu_instance_placements_and_a_tier_together_are_refused_at_plan() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &icgpu_instance(&["mig"], "  tier = \"mig\""));
    let out = tf.fails(&["plan", "-no-color", "-input=false"]);
    assert!(out.contains("tier conflicts with placements"), "{out}");
    tf.config(
        &["icgpu"],
        "resource \"icgpu_instance\" \"a\" {\n  name = \"no-tier\"\n}\n",
    );
    let out = tf.fails(&["plan", "-no-color", "-input=false"]);
    assert!(out.contains("Missing tier"), "{out}");
    assert_eq!(emu.total("icgpu"), 0);
}

// ---- gpuai_airuntime: placements of (region, plan) ----

/// Sold out per the inventory (a seed anchor: the first H100 config in as-south-1).
const AI_SHOWN_FULL: (&str, &str) = ("as-south-1", "gpu-h100-on-demand-1h");
/// Listed with free GPUs; the test makes its create answer `insufficient_capacity`.
const AI_REFUSES: (&str, &str) = ("as-south-1", "gpu-rtx5090-on-demand-1h");
/// 64 free GPUs (a seed anchor), at 2.99 US dollars per GPU and hour.
const AI_FREE: (&str, &str) = ("as-south-1", "gpu-h200-on-demand-1h");

fn airuntime(placements: &[(&str, &str)], extra: &str) -> String {
    let list: String = placements
        .iter()
        .map(|(r, p)| format!("    {{ region = \"{r}\", plan_id = \"{p}\" }},\n"))
        .collect();
    format!(
        r#"
resource "gpuai_airuntime" "a" {{
  org_id      = "org-abc123"
  project_id  = "prj-abc123"
  name        = "failover-1"
  template_id = "tpl-jupyterlab-pytorch"
  placements = [
{list}  ]
{extra}
}}
"#
    )
}

fn airuntime_refuse_next_create_of(emu: &Emulator, plan: &str) {
    emu.add_faults(serde_json::json!({
        "api": "gpuai",
        "method": "POST",
        "path_prefix": "/gpuai/gpu/api/v1beta1/orgs",
        "body_contains": format!("\"planId\":\"{plan}\""),
        "times": 1,
        "action": {"status": 409, "body": {
            "code": "insufficient_capacity",
            "message": format!("only 0 GPUs of {plan} available in as-south-1")
        }}
    }));
}

#[test]
fn gpuai_airuntime_first_two_placements_full_the_third_is_used_and_the_next_plan_is_empty() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    airuntime_refuse_next_create_of(&emu, AI_REFUSES.1);
    tf.config(
        &["gpuai"],
        &airuntime(&[AI_SHOWN_FULL, AI_REFUSES, AI_FREE], ""),
    );
    tf.apply();
    // The sold-out one costs no create call; the refused one is answered before the handler.
    assert_eq!(emu.fault_tally().total_injected(), 1);
    assert_eq!(emu.count("gpuai.createAIRuntime"), 1);
    assert_eq!(live_of(&emu, "gpuai"), 1);
    let v = tf.resource("gpuai_airuntime.a");
    assert_eq!(v["region"], AI_FREE.0);
    assert_eq!(v["plan_id"], AI_FREE.1);
    assert_eq!(v["status"], "Running");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    tf.config(&["gpuai"], &airuntime(&[AI_FREE, AI_REFUSES], ""));
    let plan = tf.plan_text();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "editing placements must not replace:\n{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("gpuai.createAIRuntime"), 1);
    assert_eq!(tf.resource("gpuai_airuntime.a")["id"], v["id"]);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
    assert_eq!(live_of(&emu, "gpuai"), 0);
}

#[test]
fn gpuai_airuntime_with_every_placement_full_one_error_lists_all_three() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    emu.post(
        "/_admin/gpuai/capacity",
        serde_json::json!({"region": AI_FREE.0, "plan_id": AI_FREE.1, "total_gpu_count": 0}),
    );
    airuntime_refuse_next_create_of(&emu, AI_REFUSES.1);
    tf.config(
        &["gpuai"],
        &airuntime(&[AI_SHOWN_FULL, AI_REFUSES, AI_FREE], ""),
    );
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        out.contains("No placement could take the AI runtime"),
        "{out}"
    );
    for (line, why) in [
        (
            "plan gpu-h100-on-demand-1h in as-south-1: skipped",
            "max_gpu_count = 0",
        ),
        (
            "plan gpu-rtx5090-on-demand-1h in as-south-1: refused",
            "insufficient_capacity",
        ),
        (
            "plan gpu-h200-on-demand-1h in as-south-1: skipped",
            "availability None",
        ),
    ] {
        assert!(
            out.contains(line) && out.contains(why),
            "{line} / {why} missing:\n{out}"
        );
    }
    assert_eq!(emu.fault_tally().total_injected(), 1, "{out}");
    assert_eq!(emu.count("gpuai.createAIRuntime"), 0);
    assert!(tf.state_json()["values"].is_null(), "nothing in state");
}

#[test]
fn gpuai_airuntime_placements_above_the_price_cap_are_skipped_without_a_create() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    // H200 is listed at 2.99 US dollars per GPU and hour, RTX 5090 at 0.98.
    tf.config(
        &["gpuai"],
        &airuntime(&[AI_FREE, AI_REFUSES], "  max_hourly_price = 2.5"),
    );
    tf.apply();
    assert_eq!(emu.count("gpuai.createAIRuntime"), 1);
    let v = tf.resource("gpuai_airuntime.a");
    assert_eq!(v["plan_id"], AI_REFUSES.1);
    assert_eq!(v["gpu_config_id"], "gpu-rtx5090-32g-16cpu-96g");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
    assert_eq!(live_of(&emu, "gpuai"), 0);
}
