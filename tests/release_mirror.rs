//! A user can install the released artifact: `scripts/release-local.sh` builds this host's
//! archives in the Registry layout plus a filesystem mirror, and `terraform init` installs every
//! member from that mirror (no dev_overrides), lists it in `terraform providers`, and plans.

use crate::support::Emulator;
use std::path::Path;
use std::process::Command;

#[test]
fn terraform_installs_every_member_from_the_local_mirror() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = tempfile::tempdir().expect("tempdir");
    let version = "0.1.0";
    // The member binaries cargo built for this test run (a nested cargo build would wait on
    // the build lock this test run holds).
    let bin_dir = Path::new(crate::support::PROVIDER_BIN)
        .parent()
        .expect("bin dir");
    let built = Command::new("scripts/release-local.sh")
        .args(["--version", version, "--out"])
        .arg(out_dir.path())
        .arg("--bin-dir")
        .arg(bin_dir)
        .current_dir(repo)
        .output()
        .expect("release script runs");
    assert!(
        built.status.success(),
        "release-local.sh failed: {}",
        crate::support::describe(&built)
    );

    let (os, arch) = (
        std::env::consts::OS,
        if cfg!(target_arch = "aarch64") {
            "arm64"
        } else {
            "amd64"
        },
    );
    for m in gpucloud::providers::MEMBERS {
        let base = format!("terraform-provider-{m}_{version}");
        for f in [
            format!("{base}_{os}_{arch}.zip"),
            format!("{base}_manifest.json"),
            format!("{base}_SHA256SUMS"),
        ] {
            assert!(out_dir.path().join(&f).exists(), "missing release file {f}");
        }
        let sums = std::fs::read_to_string(out_dir.path().join(format!("{base}_SHA256SUMS")))
            .expect("sums");
        assert!(sums.contains(&format!("{base}_{os}_{arch}.zip")), "{sums}");
    }

    let work = tempfile::tempdir().expect("tempdir");
    let cli_config = work.path().join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/gpucloud/*\"]\n  }}\n}}\n",
            out_dir.path().join("mirror").display()
        ),
    )
    .expect("terraformrc");
    let mut main = String::from("terraform {\n  required_providers {\n");
    for m in gpucloud::providers::MEMBERS {
        main.push_str(&format!("    {m} = {{\n      source  = \"gpucloud/{m}\"\n      version = \"{version}\"\n    }}\n"));
    }
    main.push_str("  }\n}\n\ndata \"icgpu_gpu_tiers\" \"all\" {}\n\noutput \"tiers\" {\n  value = length(data.icgpu_gpu_tiers.all.tiers)\n}\n");
    std::fs::write(work.path().join("main.tf"), main).expect("main.tf");

    let emu = Emulator::start();
    let terraform = |args: &[&str]| {
        let mut cmd = Command::new("terraform");
        cmd.args(args)
            .current_dir(work.path())
            .env("TF_CLI_CONFIG_FILE", &cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG");
        for (k, v) in emu.env() {
            cmd.env(k, v);
        }
        cmd.output().expect("terraform runs")
    };
    let init = terraform(&["init", "-input=false", "-no-color"]);
    assert!(
        init.status.success(),
        "terraform init from the mirror failed: {}",
        crate::support::describe(&init)
    );
    let lock = std::fs::read_to_string(work.path().join(".terraform.lock.hcl")).expect("lock file");
    let providers = terraform(&["providers", "-no-color"]);
    let listed = String::from_utf8_lossy(&providers.stdout);
    for m in gpucloud::providers::MEMBERS {
        assert!(
            listed.contains(&format!("registry.terraform.io/gpucloud/{m}")),
            "{m} not listed:\n{listed}"
        );
        assert!(
            lock.contains(&format!("registry.terraform.io/gpucloud/{m}")),
            "{m} not locked"
        );
    }
    let plan = terraform(&["plan", "-input=false", "-no-color"]);
    assert!(
        plan.status.success(),
        "plan with the installed providers failed: {}",
        crate::support::describe(&plan)
    );
    assert!(
        String::from_utf8_lossy(&plan.stdout).contains("tiers"),
        "{}",
        crate::support::describe(&plan)
    );
}
