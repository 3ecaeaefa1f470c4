//! Builds the GPU image probe with g++ and its CPU shim, exactly as `build_command(Compiler::Gxx)`
//! would on a remote host, runs it, and checks the report through `parse_report`.

// Included by path so this test does not depend on where the module is registered in the crate.
#[allow(dead_code)]
#[path = "../src/providers/validation/probe.rs"]
mod probe;

use probe::{Check, Compiler, ProbeReport, Status, Verdict};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Writes the embedded sources into a temporary directory and compiles them once per test run.
fn probe_binary() -> &'static PathBuf {
    static BIN: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &BIN.get_or_init(|| {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
        for (name, text) in probe::SOURCES {
            std::fs::write(dir.path().join(name), text).expect("write source");
        }
        let line = probe::build_command(Compiler::Gxx, dir.path().to_str().expect("utf-8 path"));
        let out = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .output()
            .expect("run sh");
        assert!(
            out.status.success(),
            "build failed: {line}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bin = dir.path().join(probe::BINARY);
        (dir, bin)
    })
    .1
}

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, ProbeReport, String) {
    let mut cmd = Command::new(probe_binary());
    cmd.args(args)
        .env_remove("GPU_PROBE_FAULT")
        .env_remove("GPU_PROBE_CPU_DEVICES")
        .env_remove("GPU_PROBE_CPU_NAME");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run probe");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = probe::parse_report(&stdout)
        .unwrap_or_else(|e| panic!("{e}\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    (out.status.code().expect("exit code"), report, stderr)
}

fn check<'a>(r: &'a ProbeReport, id: &str, device: Option<u32>) -> &'a Check {
    r.check(id, device)
        .unwrap_or_else(|| panic!("no check {id} for {device:?} in {r:#?}"))
}

#[test]
fn healthy_run_passes_and_executes_checks_one_to_four() {
    let (code, r, stderr) = run(&["--expect-gpus", "1", "--mem-fraction", "0.5"], &[]);
    assert_eq!(code, 0, "{}", probe::failing_checks_table(&r));
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(r.backend, "cpu");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.devices.len(), 1);
    assert_eq!(r.devices[0].arch, "cpu");
    assert!(r.devices[0].total_memory_bytes > 0);
    assert!(
        stderr.contains("[gpu-probe] verdict pass"),
        "logs go to stderr"
    );

    let count = check(&r, "device_count", None);
    assert_eq!(
        (count.status, count.value.as_u64()),
        (Status::Pass, Some(1))
    );
    // Checks 1-4 (devices, memory touch, compute, device bandwidth) ran and passed.
    for id in [
        "device_arch",
        "device_memory",
        "memory_touch",
        "saxpy",
        "gemm",
        "gemm_repeat",
        "hbm_copy",
        "hbm_triad",
    ] {
        let c = check(&r, id, Some(0));
        assert_eq!(c.status, Status::Pass, "{id}: {c:?}");
        assert!(!c.value.is_null(), "{id} has a value");
    }
    assert_eq!(check(&r, "gemm", Some(0)).value.as_u64(), Some(0));
    assert_eq!(
        check(&r, "memory_touch", Some(0))
            .thresholds
            .get("mem_fraction")
            .and_then(|v| v.as_f64()),
        Some(0.5)
    );
    let copy = check(&r, "hbm_copy", Some(0));
    assert_eq!(copy.unit, "GB/s");
    assert!(copy.value.as_f64().expect("number") > 0.0);
    assert!(
        copy.thresholds.is_empty(),
        "CPU backend is reported, not graded"
    );
    // Host<->device ran; ECC and P2P are skipped on one CPU device.
    assert_eq!(check(&r, "h2d", Some(0)).status, Status::Pass);
    assert_eq!(check(&r, "d2h", Some(0)).status, Status::Pass);
    assert_eq!(check(&r, "ecc", Some(0)).status, Status::Skip);
    assert_eq!(check(&r, "p2p", None).status, Status::Skip);
}

#[test]
fn fault_switch_fails_the_gemm_check() {
    let (code, r, _) = run(&[], &[("GPU_PROBE_FAULT", "gemm")]);
    assert_eq!(code, 1);
    assert_eq!(r.verdict, Verdict::Fail);
    let gemm = check(&r, "gemm", Some(0));
    assert_eq!(gemm.status, Status::Fail);
    assert_eq!(
        gemm.value.as_u64(),
        Some(1),
        "exactly one corrupted element"
    );
    let failing: Vec<&str> = r.problems().map(|c| c.id.as_str()).collect();
    assert_eq!(failing, ["gemm"]);
    let table = probe::failing_checks_table(&r);
    assert!(table.contains("gemm") && table.contains("fail"), "{table}");

    let (code, r, _) = run(&["--fault", "gemm"], &[]);
    assert_eq!((code, r.verdict), (1, Verdict::Fail));
}

#[test]
fn expectations_and_threshold_overrides_are_enforced() {
    let (code, r, _) = run(
        &[
            "--expect-gpus",
            "2",
            "--expect-arch",
            "gfx942",
            "--min-memory-gib",
            "100000",
            "--skip",
            "memory_touch,host_device",
            "--thresholds",
            r#"{"hbm_copy_fail_gbps": 1e9, "hbm_triad_warn_gbps": 1e9}"#,
        ],
        &[],
    );
    assert_eq!(code, 1);
    let failing: Vec<(&str, Status)> = r.problems().map(|c| (c.id.as_str(), c.status)).collect();
    assert_eq!(
        failing,
        [
            ("device_count", Status::Fail),
            ("device_arch", Status::Fail),
            ("device_memory", Status::Fail),
            ("hbm_copy", Status::Fail),
            ("hbm_triad", Status::Warn),
        ]
    );
    assert_eq!(
        check(&r, "hbm_copy", Some(0))
            .thresholds
            .get("fail_below")
            .and_then(|v| v.as_f64()),
        Some(1e9)
    );
    assert_eq!(check(&r, "memory_touch", Some(0)).status, Status::Skip);
    assert_eq!(check(&r, "h2d", Some(0)).status, Status::Skip);
}

/// The (fail_below, warn_below) limits a check was graded against.
fn limits(c: &Check) -> (Option<f64>, Option<f64>) {
    let get = |k: &str| c.thresholds.get(k).and_then(|v| v.as_f64());
    (get("fail_below"), get("warn_below"))
}

/// Lowest copy and triad medians of four probe runs on a healthy H200 (probe/README.md).
const H200_HEALTHY_COPY_GBPS: f64 = 3463.6;
const H200_HEALTHY_TRIAD_GBPS: f64 = 3947.4;

#[test]
fn an_h200_is_graded_by_its_model_limits_which_pass_the_measured_healthy_card() {
    let (code, r, _) = run(
        &["--skip", "memory_touch"],
        &[("GPU_PROBE_CPU_NAME", "NVIDIA H200")],
    );
    assert_eq!(r.devices[0].model.as_deref(), Some("H200"));
    // The shim moves a few GB/s, so the H200's device-memory floors fail it.
    assert_eq!((code, r.verdict), (1, Verdict::Fail));
    for (id, healthy) in [
        ("hbm_copy", H200_HEALTHY_COPY_GBPS),
        ("hbm_triad", H200_HEALTHY_TRIAD_GBPS),
    ] {
        let c = check(&r, id, Some(0));
        assert_eq!(c.status, Status::Fail, "{id}: {c:?}");
        let (fail, warn) = limits(c);
        let (fail, warn) = (fail.expect("fail_below"), warn.expect("warn_below"));
        assert!((fail - 2400.0).abs() < 0.01, "{id} fail_below {fail}");
        assert!((warn - 2880.0).abs() < 0.01, "{id} warn_below {warn}");
        assert!(
            healthy > warn,
            "{id}: a healthy H200 ({healthy}) must not warn"
        );
    }
    for id in ["h2d", "d2h"] {
        assert_eq!(
            limits(check(&r, id, Some(0))),
            (Some(20.0), Some(40.0)),
            "{id}"
        );
    }

    let (_, r, _) = run(
        &["--skip", "memory_touch"],
        &[("GPU_PROBE_CPU_NAME", "NVIDIA GH200 480GB")],
    );
    assert_eq!(r.devices[0].model.as_deref(), Some("GH200"));
}

#[test]
fn two_simulated_devices_run_verified_peer_copies() {
    let (code, r, _) = run(
        &[
            "--skip",
            "memory_touch",
            "--thresholds",
            r#"{"p2p_warn_gbps": 1e9}"#,
        ],
        &[("GPU_PROBE_CPU_DEVICES", "2")],
    );
    assert_eq!(code, 0, "warn still exits 0");
    assert_eq!(r.verdict, Verdict::Warn);
    assert_eq!(r.devices.len(), 2);
    let pairs: Vec<(Option<u32>, Option<u32>, Status)> = r
        .checks
        .iter()
        .filter(|c| c.id == "p2p")
        .map(|c| (c.device, c.peer, c.status))
        .collect();
    assert_eq!(
        pairs,
        [
            (Some(0), Some(1), Status::Warn),
            (Some(1), Some(0), Status::Warn)
        ]
    );
    let c = check(&r, "p2p", Some(0));
    assert!(c.detail.contains("0 wrong words"), "{}", c.detail);
}

#[test]
fn unusable_arguments_or_no_device_exit_2_with_a_report() {
    let (code, r, _) = run(&["--thresholds", r#"{"no_such_key": 1}"#], &[]);
    assert_eq!((code, r.verdict), (2, Verdict::Error));
    assert!(r.errors[0].contains("no_such_key"), "{:?}", r.errors);

    let (code, r, _) = run(&[], &[("GPU_PROBE_CPU_DEVICES", "0")]);
    assert_eq!((code, r.verdict), (2, Verdict::Error));
    assert_eq!(check(&r, "device_count", None).status, Status::Fail);
}
