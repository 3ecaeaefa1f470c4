//! The plugin as Terraform sees it: structured logs under the provider's name with
//! `TF_LOG=DEBUG`, and `--debug` printing a TF_REATTACH_PROVIDERS line that real Terraform uses.

use crate::support::{Emulator, Tf, PROVIDER_BIN};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const TIERS: &str = r#"
provider "icgpu" {}

data "icgpu_gpu_tiers" "all" {}

output "tier_count" {
  value = length(data.icgpu_gpu_tiers.all.tiers)
}
"#;

#[test]
fn tf_log_debug_shows_the_providers_structured_lines_under_its_name() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.config(&["icgpu"], TIERS);
    tf.set_env("TF_LOG", "DEBUG");
    let out = tf.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.status.success(), "{}", crate::support::describe(&out));
    let logs = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-icgpu:"))
        .collect();
    assert!(
        ours.iter().any(|l| l.contains("rpc=ConfigureProvider")),
        "no ConfigureProvider line from the provider in:\n{}",
        ours.join("\n")
    );
    assert!(ours
        .iter()
        .any(|l| l.contains("@module=provider.terraform-provider-icgpu")));
    // Credentials never reach the logs, at any level.
    assert!(
        !logs.contains("icgpu-test-token"),
        "the token leaked into TF_LOG output"
    );
}

#[test]
fn debug_mode_prints_a_reattach_line_terraform_can_use() {
    let emu = Emulator::start();
    let mut child = Command::new(PROVIDER_BIN)
        .args(["--provider", "icgpu", "--debug"])
        .envs(emu.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("provider starts in debug mode");
    let stdout = child.stdout.take().expect("stdout");
    let mut reattach = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        // The line reads `export TF_REATTACH_PROVIDERS='{...}'`, ready to paste.
        if let Some(at) = line.find("TF_REATTACH_PROVIDERS=") {
            let value = &line[at + "TF_REATTACH_PROVIDERS=".len()..];
            reattach = Some(value.trim().trim_matches('\'').to_string());
            break;
        }
    }
    let reattach = reattach.expect("a TF_REATTACH_PROVIDERS line");
    let parsed: serde_json::Value = serde_json::from_str(&reattach).expect("the value is JSON");
    let entry = &parsed["registry.terraform.io/gpucloud/icgpu"];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Addr"]["Network"], "unix");

    // No dev_overrides and no installed provider: only the reattached process can serve this.
    let dir = tempfile::tempdir().expect("tempdir");
    let rc = dir.path().join("empty.tfrc");
    std::fs::write(&rc, "").expect("rc");
    std::fs::write(
        dir.path().join("main.tf"),
        format!("terraform {{\n  required_providers {{\n    icgpu = {{ source = \"gpucloud/icgpu\" }}\n  }}\n}}\n{TIERS}"),
    )
    .expect("main.tf");
    let terraform = |args: &[&str]| {
        Command::new("terraform")
            .args(args)
            .current_dir(dir.path())
            .env("TF_REATTACH_PROVIDERS", &reattach)
            .env("TF_CLI_CONFIG_FILE", &rc)
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .output()
            .expect("terraform runs")
    };
    let init = terraform(&["init", "-input=false", "-no-color"]);
    let plan = terraform(&["plan", "-input=false", "-no-color"]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        init.status.success(),
        "init: {}",
        crate::support::describe(&init)
    );
    assert!(
        plan.status.success(),
        "plan: {}",
        crate::support::describe(&plan)
    );
    assert!(
        String::from_utf8_lossy(&plan.stdout).contains("tier_count"),
        "{}",
        crate::support::describe(&plan)
    );
}
