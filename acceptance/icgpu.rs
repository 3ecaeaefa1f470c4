//! The `icgpu` member through real Terraform against the in-process emulator: lifecycles,
//! in-place changes counted in the ledger, replacement, import with generated config,
//! preemption, write-only secrets, and plan-time validation that makes no API call.

use crate::support::icgpu::{import_with_generated_config, live_icgpu};
use crate::support::{Emulator, Tf};

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop";

fn instance(tier: &str, desired: &str) -> String {
    format!(
        r#"
resource "icgpu_instance" "a" {{
  name          = "acc-a"
  tier          = "{tier}"
  ssh_key       = "{KEY}"
  storage_gb    = 20
  desired_state = "{desired}"
}}
"#
    )
}

#[test]
fn instance_lifecycle_stop_start_replace_import_destroy() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &instance("mig", "running"));
    tf.apply();
    let r = tf.resource("icgpu_instance.a");
    let id = r["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("inst-"), "{r}");
    assert_eq!(r["status"], "running");
    assert_eq!(r["workload_type"], "interactive");
    assert_eq!(
        r["ssh_command"],
        format!(
            "ssh -p {} {}@{}",
            r["ssh_port"],
            r["ssh_user"].as_str().expect("user"),
            r["ssh_host"].as_str().expect("host")
        )
    );
    assert_eq!(emu.count("icgpu.createInstance"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Stop in place: exactly one stop call, nothing replaced.
    emu.reset_ledger();
    tf.config(&["icgpu"], &instance("mig", "stopped"));
    let plan = tf.plan_text();
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");
    tf.apply();
    assert_eq!(emu.count("icgpu.stopInstance"), 1);
    assert_eq!(emu.count("icgpu.createInstance"), 0);
    assert_eq!(emu.count("icgpu.deleteInstance"), 0);
    assert_eq!(tf.resource("icgpu_instance.a")["status"], "stopped");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // And back.
    emu.reset_ledger();
    tf.config(&["icgpu"], &instance("mig", "running"));
    tf.apply();
    assert_eq!(emu.count("icgpu.startInstance"), 1);
    assert_eq!(tf.resource("icgpu_instance.a")["status"], "running");
    assert_eq!(tf.plan_exit_code(), 0);

    // A tier change replaces the instance.
    emu.reset_ledger();
    tf.config(&["icgpu"], &instance("dedicated", "running"));
    let plan = tf.plan_text();
    assert!(plan.contains("must be replaced"), "{plan}");
    tf.apply();
    assert_eq!(emu.count("icgpu.createInstance"), 1);
    assert_eq!(emu.count("icgpu.deleteInstance"), 1);
    let new_id = tf.resource("icgpu_instance.a")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_ne!(new_id, id);

    // terraform import into the same configuration shows no diff.
    tf.ok(&["state", "rm", "icgpu_instance.a"]);
    tf.import("icgpu_instance.a", &new_id);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    let generated = import_with_generated_config(&emu, "icgpu_instance.g", &new_id);
    assert!(generated.contains("tier"), "{generated}");

    // A malformed import ID is refused with the expected form.
    tf.config(
        &["icgpu"],
        &format!(
            "{}\nresource \"icgpu_instance\" \"b\" {{\n  name = \"b\"\n  tier = \"mig\"\n}}\n",
            instance("dedicated", "running")
        ),
    );
    let out = tf.fails(&[
        "import",
        "-input=false",
        "-no-color",
        "icgpu_instance.b",
        "i-123",
    ]);
    assert!(out.contains("inst-"), "{out}");
    tf.config(&["icgpu"], &instance("dedicated", "running"));

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

#[test]
fn refresh_of_many_instances_is_one_list_and_create_stopped_stops_once() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        r#"
resource "icgpu_instance" "n" {
  count         = 3
  name          = "acc-n${count.index}"
  tier          = "mig"
  desired_state = count.index == 0 ? "stopped" : "running"
}
"#,
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.createInstance"), 3);
    assert_eq!(emu.count("icgpu.stopInstance"), 1);
    assert_eq!(tf.resource("icgpu_instance.n[0]")["status"], "stopped");
    assert_eq!(tf.resource("icgpu_instance.n[1]")["status"], "running");
    emu.reset_ledger();
    assert_eq!(tf.plan_exit_code(), 0);
    assert_eq!(emu.count("icgpu.listInstances"), 1, "refresh is coalesced");
    assert_eq!(emu.count("icgpu.getInstance"), 0);
    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

#[test]
fn preempted_batch_instance_shows_an_in_place_diff_and_apply_requeues_it() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        r#"
resource "icgpu_instance" "b" {
  name          = "acc-batch"
  tier          = "timesliced"
  workload_type = "batch"
}
"#,
    );
    tf.apply();
    let id = tf.resource("icgpu_instance.b")["id"]
        .as_str()
        .expect("id")
        .to_string();
    emu.post(
        &format!("/_admin/icgpu/instances/{id}/preempt"),
        serde_json::json!({}),
    );
    let plan = tf.plan_text();
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");
    assert!(
        plan.contains(r#"desired_state = "stopped" -> "running""#),
        "{plan}"
    );
    emu.reset_ledger();
    tf.apply();
    assert_eq!(emu.count("icgpu.requeueInstance"), 1);
    assert_eq!(emu.count("icgpu.startInstance"), 0);
    assert_eq!(tf.resource("icgpu_instance.b")["status"], "running");
    assert_eq!(tf.plan_exit_code(), 0);
    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

fn deployment(max: i64, enabled: bool) -> String {
    format!(
        r#"
variable "hf_token" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "icgpu_model_deployment" "m" {{
  name                      = "acc-llama"
  model                     = "meta-llama/Llama-3.1-8B-Instruct"
  engine                    = "vllm"
  resource_profile          = "nvidia-gpu-mig"
  min_replicas              = 1
  max_replicas              = {max}
  enabled                   = {enabled}
  huggingface_token         = var.hf_token
  huggingface_token_version = "1"
  wait_for_endpoint         = true
}}
"#
    )
}

#[test]
fn model_deployment_scales_in_place_and_never_stores_the_token() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.set_env("TF_VAR_hf_token", "hf_topsecret_acceptance_value");
    tf.config(&["icgpu"], &deployment(2, true));
    let plan = tf.plan_json();
    assert!(
        !plan.to_string().contains("hf_topsecret_acceptance_value"),
        "token in plan JSON"
    );
    tf.apply();
    assert!(
        !tf.state_file().contains("hf_topsecret_acceptance_value"),
        "token in state"
    );
    assert!(
        emu.count("icgpu.listServedModels") >= 1,
        "wait_for_endpoint probed <endpoint>/models"
    );
    let r = tf.resource("icgpu_model_deployment.m");
    assert_eq!(r["id"], "acc-llama");
    assert_eq!(r["status"], "serving");
    assert!(r["huggingface_token"].is_null(), "{r}");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    emu.reset_ledger();
    tf.config(&["icgpu"], &deployment(3, true));
    tf.apply();
    assert_eq!(emu.count("icgpu.updateModelDeploymentScaling"), 1);
    assert_eq!(emu.count("icgpu.createModelDeployment"), 0);
    assert_eq!(emu.count("icgpu.deleteModelDeployment"), 0);
    assert_eq!(tf.resource("icgpu_model_deployment.m")["max_replicas"], 3);
    assert_eq!(tf.plan_exit_code(), 0);

    emu.reset_ledger();
    tf.config(&["icgpu"], &deployment(3, false));
    tf.apply();
    assert_eq!(emu.count("icgpu.stopModelDeployment"), 1);
    assert_eq!(tf.resource("icgpu_model_deployment.m")["status"], "stopped");
    assert_eq!(tf.plan_exit_code(), 0);

    // Rotating the token is a replacement driven by the version attribute.
    tf.config(
        &["icgpu"],
        &deployment(3, false).replace(r#"= "1""#, r#"= "2""#),
    );
    let plan = tf.plan_text();
    assert!(plan.contains("must be replaced"), "{plan}");

    import_with_generated_config(&emu, "icgpu_model_deployment.g", "acc-llama");
    tf.config(&["icgpu"], &deployment(3, false));
    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

fn webhook(events: &str, enabled: bool) -> String {
    format!(
        r#"
resource "icgpu_webhook" "w" {{
  url     = "https://hooks.example.com/icgpu"
  events  = [{events}]
  enabled = {enabled}
}}
"#
    )
}

#[test]
fn webhook_changes_in_place_and_keeps_its_secret() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        &webhook(r#""instance.created", "balance.low""#, true),
    );
    tf.apply();
    let r = tf.resource("icgpu_webhook.w");
    let id = r["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("wh-"), "{r}");
    assert!(
        r["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_")),
        "{r}"
    );
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    emu.reset_ledger();
    tf.config(&["icgpu"], &webhook(r#""*""#, false));
    tf.apply();
    assert_eq!(emu.count("icgpu.updateWebhook"), 1);
    assert_eq!(emu.count("icgpu.createWebhook"), 0);
    let r2 = tf.resource("icgpu_webhook.w");
    assert_eq!(r2["secret"], r["secret"], "secret kept across updates");
    assert_eq!(r2["enabled"], false);
    assert_eq!(tf.plan_exit_code(), 0);

    import_with_generated_config(&emu, "icgpu_webhook.g", &id);
    let other = Tf::new(&emu);
    other.config(
        &["icgpu"],
        &webhook(r#""*""#, false).replace("\"w\"", "\"i\""),
    );
    other.import("icgpu_webhook.i", &id);
    assert!(other.resource("icgpu_webhook.i")["secret"].is_null());
    assert_eq!(other.plan_exit_code(), 0, "{}", other.plan_text());
    other.ok(&["state", "rm", "icgpu_webhook.i"]);

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

#[test]
fn gpu_tiers_work_without_a_token_but_resources_name_it() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.set_env("ICGPU_TOKEN", "");
    tf.config(
        &["icgpu"],
        r#"
data "icgpu_gpu_tiers" "all" {}

data "icgpu_gpu_tiers" "mig" {
  tier = "mig"
}

output "all" {
  value = data.icgpu_gpu_tiers.all.tiers
}

output "mig" {
  value = data.icgpu_gpu_tiers.mig.tiers
}
"#,
    );
    tf.apply();
    let all = tf.output("all");
    let tiers: Vec<&str> = all
        .as_array()
        .expect("tiers")
        .iter()
        .filter_map(|t| t["tier"].as_str())
        .collect();
    assert_eq!(tiers, ["dedicated", "mig", "timesliced"]);
    let first = &all[0];
    for field in [
        "description",
        "gpu_model",
        "gpu_memory_gb",
        "memory_isolation",
        "price_per_hour_tokens",
        "batch_price_per_hour_tokens",
        "available",
        "available_count",
    ] {
        assert!(!first[field].is_null(), "{field} missing in {first}");
    }
    assert_eq!(tf.output("mig").as_array().map(Vec::len), Some(1));

    tf.config(&["icgpu"], &instance("mig", "running"));
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains("ICGPU_TOKEN"), "{out}");
    assert_eq!(emu.count("icgpu.createInstance"), 0);
}

#[test]
fn capacity_conflict_names_the_tier_and_the_data_source() {
    let emu = Emulator::start();
    put_json(
        &emu.base_url,
        "/_admin/icgpu/gpu-tiers/dedicated/capacity",
        r#"{"available_count": 0}"#,
    );
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &instance("dedicated", "running"));
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains("dedicated"), "{out}");
    assert!(out.contains("data.icgpu_gpu_tiers"), "{out}");
    assert!(live_icgpu(&emu).is_empty());
}

#[test]
fn an_instance_that_fails_while_creating_is_saved_tainted_with_the_api_message() {
    let emu = Emulator::start();
    // No capacity: the batch instance waits in `pending`, giving time to fail it.
    put_json(
        &emu.base_url,
        "/_admin/icgpu/gpu-tiers/timesliced/capacity",
        r#"{"available_count": 0}"#,
    );
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        r#"
resource "icgpu_instance" "f" {
  name          = "acc-fail"
  tier          = "timesliced"
  workload_type = "batch"
}
"#,
    );
    let out = std::thread::scope(|s| {
        let apply = s.spawn(|| tf.run(&["apply", "-auto-approve", "-input=false", "-no-color"]));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let id = loop {
            if let Some(o) = emu.live().into_iter().find(|o| o.kind == "instance") {
                break o.id;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "instance never created"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        emu.post(
            &format!("/_admin/icgpu/instances/{id}/fail"),
            serde_json::json!({"message": "GPU driver exploded"}),
        );
        apply.join().expect("apply thread")
    });
    let text = crate::support::describe(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("GPU driver exploded"), "{text}");
    let shown = tf.ok(&["state", "show", "-no-color", "icgpu_instance.f"]);
    assert!(shown.contains("tainted"), "{shown}");
    assert!(shown.contains("inst-"), "{shown}");
    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

/// A blocking HTTP/1.1 PUT (the harness only offers POST for admin calls).
fn put_json(base_url: &str, path: &str, body: &str) {
    use std::io::{Read, Write};
    let addr = base_url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect emulator");
    write!(
        s,
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}

#[test]
fn bad_values_fail_at_plan_naming_the_attribute_without_api_calls() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let cases: &[(&str, &str)] = &[
        (
            r#"resource "icgpu_instance" "x" {
  name = "x"
  tier = "gigantic"
}"#,
            "tier",
        ),
        (
            r#"resource "icgpu_instance" "x" {
  name       = "x"
  tier       = "mig"
  storage_gb = 5
}"#,
            "storage_gb",
        ),
        (
            r#"resource "icgpu_instance" "x" {
  name       = "x"
  tier       = "mig"
  storage_gb = 900
}"#,
            "storage_gb",
        ),
        (
            r#"resource "icgpu_instance" "x" {
  name          = "x"
  tier          = "mig"
  workload_type = "spot"
}"#,
            "workload_type",
        ),
        (
            r#"resource "icgpu_instance" "x" {
  name    = "x"
  tier    = "mig"
  ssh_key = "ssh-ed25519 not-a-key"
}"#,
            "ssh_key",
        ),
        (
            r#"resource "icgpu_model_deployment" "x" {
  name             = "x"
  model            = "m/m"
  engine           = "vllm"
  resource_profile = "nvidia-gpu-mig"
  min_replicas     = 3
  max_replicas     = 2
}"#,
            "max_replicas",
        ),
        (
            r#"resource "icgpu_webhook" "x" {
  url    = "http://hooks.example.com/x"
  events = ["*"]
}"#,
            "url",
        ),
        (
            r#"resource "icgpu_webhook" "x" {
  url    = "https://hooks.example.com/x"
  events = ["instance.exploded"]
}"#,
            "events",
        ),
    ];
    for (body, attr) in cases {
        tf.config(&["icgpu"], body);
        let out = tf.fails(&["plan", "-input=false", "-no-color"]);
        assert!(
            out.contains(attr),
            "error for {attr} does not name it:\n{out}"
        );
        if *attr == "events" {
            assert!(
                out.contains("instance.preempted"),
                "valid events listed: {out}"
            );
        }
    }
    assert_eq!(emu.total("icgpu"), 0, "plan-time errors called the API");

    // http:// to loopback is allowed with a warning.
    tf.config(
        &["icgpu"],
        r#"resource "icgpu_webhook" "x" {
  url    = "http://127.0.0.1:9/hook"
  events = ["*"]
}"#,
    );
    let out = tf.ok(&["validate", "-no-color"]);
    assert!(out.contains("plain HTTP"), "{out}");
}
