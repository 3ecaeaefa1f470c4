//! The binary's front door: run by hand it says it is a Terraform plugin; it refuses
//! Terraform versions without protocol 6; an unknown member lists the members.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-gpucloud");
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("PLUGIN_PROTOCOL_VERSIONS")
        .env_remove("PLUGIN_CLIENT_CERT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_by_hand_it_says_it_is_a_terraform_plugin() {
    for env in [&[][..], &[("TF_PLUGIN_MAGIC_COOKIE", "wrong")][..]] {
        let out = run(&["--provider", "icgpu"], env);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("Terraform provider plugin"), "{err}");
        assert!(err.contains("not meant to be run directly"), "{err}");
        assert!(
            out.stdout.is_empty(),
            "no handshake line without the cookie"
        );
    }
}

#[test]
fn terraform_without_protocol_6_is_refused() {
    let out = run(
        &["--provider", "icgpu"],
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("protocol 6"), "{}", stderr(&out));
}

#[test]
fn unknown_member_lists_the_members() {
    let out = run(
        &["--provider", "nosuchcloud"],
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
        ],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("\"nosuchcloud\""), "{err}");
    for m in gpucloud::providers::MEMBERS {
        assert!(err.contains(m), "member {m} listed: {err}");
    }
}

#[test]
fn version_flag() {
    let out = run(&["--version"], &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}
