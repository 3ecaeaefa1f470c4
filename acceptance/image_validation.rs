//! `icgpu_image_validation` through real Terraform against a real sshd on 127.0.0.1: the probe
//! is uploaded, built with the machine's toolchain (g++ and the CPU shim here) and run; a good
//! verdict is recorded, a bad one fails the apply naming the failing check.

use crate::support::sshd::Sshd;
use crate::support::{Emulator, Tf};

fn config(sshd: &Sshd, extra: &str) -> String {
    format!(
        r#"
provider "icgpu" {{}}

resource "icgpu_image_validation" "gpu" {{
  host                 = "127.0.0.1"
  port                 = {port}
  user                 = "{user}"
  private_key          = file("{key}")
  host_key_fingerprint = "{fp}"
  triggers = {{
    instance = "inst-demo"
  }}
{extra}
}}

output "verdict" {{
  value = icgpu_image_validation.gpu.verdict
}}
"#,
        port = sshd.port,
        user = sshd.user,
        key = sshd.client_key.display(),
        fp = sshd.host_key_fingerprint,
    )
}

#[test]
fn a_healthy_machine_passes_and_the_report_is_kept_without_the_key() {
    let sshd = Sshd::start();
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &config(&sshd, ""));
    tf.apply();
    let r = tf.resource("icgpu_image_validation.gpu");
    assert_eq!(r["verdict"], "pass", "{r}");
    assert_eq!(r["backend"], "cpu");
    let checks = r["checks"].as_array().expect("checks");
    for id in ["device_count", "memory_touch", "saxpy", "gemm"] {
        assert!(
            checks
                .iter()
                .any(|c| c["id"].as_str().is_some_and(|s| s.starts_with(id))
                    && c["status"] == "pass"),
            "no passing {id} check in {checks:?}"
        );
    }
    let report: serde_json::Value =
        serde_json::from_str(r["report_json"].as_str().expect("report_json"))
            .expect("report is JSON");
    assert_eq!(report["schema"], "gpu-image-probe/1");
    // Write-only: the private key is in neither state nor plan.
    let key = std::fs::read_to_string(&sshd.client_key).expect("key");
    let key_body = key.lines().nth(1).expect("key body");
    assert!(!tf.state_file().contains(key_body));
    assert!(r["private_key"].is_null());
    // Refresh keeps the stored report and runs nothing: the plan is empty.
    assert_eq!(tf.plan_exit_code(), 0);
    // Changing a trigger validates again.
    tf.config(
        &["icgpu"],
        &config(&sshd, "").replace("inst-demo", "inst-other"),
    );
    assert_eq!(tf.plan_exit_code(), 2);
    tf.apply();
    tf.destroy();
}

#[test]
fn expecting_eight_gpus_fails_naming_the_device_check_and_saves_nothing() {
    let sshd = Sshd::start();
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        &config(&sshd, "  expect = {\n    gpu_count = 8\n  }\n"),
    );
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains("GPU image validation failed"), "{out}");
    assert!(
        out.contains("devices"),
        "the failing device check is named: {out}"
    );
    let state = tf.state_file();
    assert!(
        !state.contains("icgpu_image_validation"),
        "nothing saved on a failed verdict: {state}"
    );
}

#[test]
fn a_wrong_host_key_is_refused() {
    let sshd = Sshd::start();
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    tf.config(
        &["icgpu"],
        &config(&sshd, "").replace(&sshd.host_key_fingerprint, wrong),
    );
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.contains("host key"), "{out}");
}
