//! `wait_for_ssh` on `icgpu_vm` and `gpuai_airuntime` through real Terraform: the emulator
//! points both at one real sshd on 127.0.0.1, the apply records its host key and changing the
//! argument replaces nothing; on a closed port the apply fails within a short create timeout,
//! naming the address, and both objects stay in state, tainted; a runtime whose container
//! exposes no SSH port is refused at plan. (`icgpu_instance` and `shadeform_instance`: see
//! `failover.rs`.)

use crate::support::sshd::Sshd;
use crate::support::{Emulator, Tf};

/// A VM and a runtime from a template with an SSH port, both waiting for SSH; `extra` goes into
/// both blocks.
fn vm_and_runtime(wait: bool, extra: &str) -> String {
    format!(
        r#"
resource "icgpu_vm" "a" {{
  name         = "ssh-ready"
  template_id  = "tpl-ubuntu-gpu"
  wait_for_ssh = {wait}
{extra}
}}

resource "gpuai_airuntime" "a" {{
  org_id       = "org-abc123"
  project_id   = "prj-abc123"
  name         = "ssh-ready"
  region       = "as-south-1"
  plan_id      = "gpu-h200-on-demand-1h"
  template_id  = "tpl-jupyterlab-pytorch"
  wait_for_ssh = {wait}
{extra}
}}
"#
    )
}

fn point_ssh_at(emu: &Emulator, port: u16) {
    emu.post(
        "/_admin/ssh_endpoint",
        serde_json::json!({"host": "127.0.0.1", "port": port}),
    );
}

fn live(emu: &Emulator) -> usize {
    emu.live()
        .iter()
        .filter(|o| {
            (o.api == "icgpu" && o.kind == "vm") || (o.api == "gpuai" && o.kind == "airuntime")
        })
        .count()
}

#[test]
fn a_vm_and_a_runtime_wait_for_a_real_sshd_and_record_its_host_key() {
    let sshd = Sshd::start();
    let emu = Emulator::start();
    point_ssh_at(&emu, sshd.port);
    let tf = Tf::new(&emu);
    tf.config(&["icgpu", "gpuai"], &vm_and_runtime(true, ""));
    tf.apply();
    let vm = tf.resource("icgpu_vm.a");
    assert_eq!(vm["ssh_port"], sshd.port, "{vm}");
    assert_eq!(vm["ssh_host_key_fingerprint"], sshd.host_key_fingerprint);
    let rt = tf.resource("gpuai_airuntime.a");
    assert_eq!(rt["endpoints"]["ssh"]["port"], sshd.port, "{rt}");
    assert_eq!(rt["ssh_host_key_fingerprint"], sshd.host_key_fingerprint);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Turning the wait off changes state only: nothing is replaced, the fingerprint stays.
    tf.config(&["icgpu", "gpuai"], &vm_and_runtime(false, ""));
    let plan = tf.plan_text();
    assert!(
        plan.contains("0 to add, 2 to change, 0 to destroy"),
        "wait_for_ssh must not replace:\n{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.createVm"), 1);
    assert_eq!(emu.count("gpuai.createAIRuntime"), 1);
    for address in ["icgpu_vm.a", "gpuai_airuntime.a"] {
        let r = tf.resource(address);
        assert_eq!(r["wait_for_ssh"], false, "{r}");
        assert_eq!(r["ssh_host_key_fingerprint"], sshd.host_key_fingerprint);
    }
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.destroy();
    assert_eq!(live(&emu), 0);
}

#[test]
fn on_a_closed_port_the_apply_fails_in_time_naming_the_address_and_keeps_both_tainted() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let emu = Emulator::start();
    point_ssh_at(&emu, port);
    let tf = Tf::new(&emu);
    let timeouts = "  timeouts {\n    create = \"6s\"\n  }";
    tf.config(&["icgpu", "gpuai"], &vm_and_runtime(true, timeouts));
    let started = std::time::Instant::now();
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{out}"
    );
    let timed_out = format!("SSH on 127.0.0.1:{port} did not answer in time");
    assert_eq!(out.matches(&timed_out).count(), 2, "{out}");
    assert!(out.contains("wait_for_ssh is set"), "{out}");
    assert!(out.contains("refused"), "{out}");
    // What the APIs made is kept, tainted, not lost.
    assert_eq!(live(&emu), 2);
    let state: serde_json::Value = serde_json::from_str(&tf.state_file()).expect("state is JSON");
    let statuses: Vec<&str> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["instances"][0]["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["tainted", "tainted"], "{state}");
    tf.destroy();
    assert_eq!(live(&emu), 0);
}

#[test]
fn a_runtime_without_an_ssh_port_refuses_the_wait_at_plan() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let runtime = |source: &str| {
        format!(
            r#"
resource "gpuai_airuntime" "a" {{
  org_id       = "org-abc123"
  project_id   = "prj-abc123"
  name         = "no-ssh"
  region       = "as-south-1"
  plan_id      = "gpu-h200-on-demand-1h"
  wait_for_ssh = true
{source}
}}
"#
        )
    };
    for (source, named) in [
        (
            "  template_id = \"tpl-vllm-openai\"",
            "template \"tpl-vllm-openai\"",
        ),
        (
            "  template_spec = {\n    image = \"vllm/vllm-openai:latest\"\n    ports = [{ name = \"api\", port = 8000 }]\n  }",
            "the inline template_spec",
        ),
    ] {
        tf.config(&["gpuai"], &runtime(source));
        let out = tf.fails(&["plan", "-input=false", "-no-color"]);
        // Terraform wraps the detail.
        let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            out.contains("This runtime has no SSH to wait for") && out.contains(named),
            "{out}"
        );
        assert!(out.contains("wait_for_ssh"), "{out}");
    }
    assert_eq!(emu.count("gpuai.createAIRuntime"), 0);
    // With an SSH port the same plan goes through.
    tf.config(
        &["gpuai"],
        &runtime("  template_spec = {\n    image = \"i\"\n    ports = [{ name = \"ssh\", port = 22, protocol = \"tcp\" }]\n  }"),
    );
    assert_eq!(tf.plan_exit_code(), 2);
}
