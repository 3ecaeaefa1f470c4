//! The GPU image validation probe: a small HIP C++ program shipped inside the provider binary,
//! copied to a freshly booted machine, built there with whatever GPU compiler the image has
//! (`hipcc`, else `nvcc`, else `g++` with a CPU shim) and run. Its last stdout line is one JSON
//! report (schema `gpu-image-probe/1`) that [`parse_report`] turns into a [`ProbeReport`].
//!
//! Exit status of the probe: 0 pass or warn, 1 fail, 2 could not run (bad arguments, no GPU,
//! watchdog timeout). The report line is printed in every case.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Schema tag of the report line.
pub const SCHEMA: &str = "gpu-image-probe/1";
/// The file the compilers are pointed at; the headers sit beside it.
pub const MAIN_SOURCE: &str = "probe.hip.cpp";
/// Name of the built program inside the build directory.
pub const BINARY: &str = "gpu-probe";
/// AMD targets built by default: MI200 series and MI300 series.
pub const AMD_ARCHS: &[&str] = &["gfx90a", "gfx942"];

/// The limits `--thresholds` overrides, one per measured check (`LIMIT_KEYS` in the probe);
/// any other key makes the probe refuse to run.
pub const THRESHOLD_KEYS: &[&str] = &[
    "hbm_copy_fail_gbps",
    "hbm_copy_warn_gbps",
    "hbm_triad_fail_gbps",
    "hbm_triad_warn_gbps",
    "h2d_fail_gbps",
    "h2d_warn_gbps",
    "d2h_fail_gbps",
    "d2h_warn_gbps",
    "p2p_fail_gbps",
    "p2p_warn_gbps",
];

/// The probe's sources as (file name, contents), to be written into one directory on the host.
/// They live in the top-level `probe/` folder, beside their calibration notes.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "probe.hip.cpp",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/probe/probe.hip.cpp")),
    ),
    (
        "hip_compat_cuda.h",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/probe/hip_compat_cuda.h"
        )),
    ),
    (
        "hip_cpu_shim.h",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/probe/hip_cpu_shim.h")),
    ),
];

/// Which compiler builds the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    /// `hipcc` if present (PATH or /opt/rocm), else `nvcc` (PATH or /usr/local/cuda), else `g++`.
    Auto,
    /// AMD GPUs through ROCm's `hipcc`.
    Hipcc,
    /// NVIDIA GPUs through `nvcc` and `hip_compat_cuda.h`.
    Nvcc,
    /// No GPU: the CPU shim (`hip_cpu_shim.h`), for tests.
    Gxx,
}

/// Quotes `s` for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn hipcc_line(hipcc: &str) -> String {
    let archs: Vec<String> = AMD_ARCHS
        .iter()
        .map(|a| format!("--offload-arch={a}"))
        .collect();
    format!(
        "{hipcc} -x hip -O3 -std=c++17 {} -o {BINARY} {MAIN_SOURCE}",
        archs.join(" ")
    )
}

/// hipcc for the detected architectures (`$ARCHS`), else the default list.
fn hipcc_auto_line() -> String {
    let defaults: Vec<String> = AMD_ARCHS
        .iter()
        .map(|a| format!("--offload-arch={a}"))
        .collect();
    format!(
        "\"$HIPCC\" -x hip -O3 -std=c++17 ${{ARCHS:-{}}} -o {BINARY} {MAIN_SOURCE}",
        defaults.join(" ")
    )
}

fn nvcc_line(nvcc: &str) -> String {
    // sm_80 and sm_90 machine code plus compute_90 PTX, which newer GPUs JIT-compile.
    format!(
        "{nvcc} -x cu -O3 -std=c++17 -gencode arch=compute_80,code=sm_80 \
         -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
         -o {BINARY} {MAIN_SOURCE}"
    )
}

fn gxx_line() -> String {
    format!("g++ -O2 -std=c++17 -o {BINARY} {MAIN_SOURCE}")
}

/// The shell line that builds the probe in `dir` (where [`SOURCES`] were written) into
/// `dir/gpu-probe`. It announces the compiler it picked on stderr.
pub fn build_command(compiler: Compiler, dir: &str) -> String {
    let body = match compiler {
        Compiler::Hipcc => hipcc_line("hipcc"),
        Compiler::Nvcc => nvcc_line("nvcc"),
        Compiler::Gxx => gxx_line(),
        // A compiler is only picked when its GPU is there (a toolchain alone proves nothing,
        // and an old hipcc cannot even target gfx942): hipcc builds for the architectures the
        // machine reports, falling back to the default list.
        Compiler::Auto => format!(
            "if [ -e /dev/kfd ] && {{ command -v hipcc >/dev/null 2>&1 || [ -x /opt/rocm/bin/hipcc ]; }}; then \
             HIPCC=$(command -v hipcc || echo /opt/rocm/bin/hipcc); \
             ARCHS=$( {{ amdgpu-arch || /opt/rocm/bin/amdgpu-arch || rocm_agent_enumerator || /opt/rocm/bin/rocm_agent_enumerator; }} 2>/dev/null \
             | grep -E '^gfx[0-9a-f]+$' | grep -v '^gfx000$' | sort -u | sed 's/^/--offload-arch=/' | tr '\\n' ' '); \
             echo \"gpu-probe: building with hipcc for ${{ARCHS:-the default architectures}}\" >&2; {}; \
             elif {{ [ -e /dev/nvidiactl ] || nvidia-smi -L >/dev/null 2>&1; }} && {{ command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; }}; then \
             NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc); \
             echo 'gpu-probe: building with nvcc' >&2; {}; \
             else echo 'gpu-probe: no GPU with its toolchain found, building the CPU shim with g++' >&2; {}; fi",
            hipcc_auto_line(),
            nvcc_line("\"$NVCC\""),
            gxx_line()
        ),
    };
    format!("cd {} && {body}", shell_quote(dir))
}

/// What the probe is told to expect; turned into command-line arguments by [`ProbeOptions::args`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeOptions {
    pub expect_gpus: Option<u32>,
    /// e.g. `gfx942` or `sm_90`.
    pub expect_arch: Option<String>,
    /// Expected memory per GPU in GiB; the probe fails below 0.95 times this.
    pub min_memory_gib: Option<f64>,
    /// Fraction of free memory the memory-touch check allocates (probe default 0.9).
    pub mem_fraction: Option<f64>,
    /// Threshold overrides, a flat JSON object such as `{"hbm_copy_fail_gbps": 2500}`.
    pub thresholds: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ProbeOptions {
    pub fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if let Some(n) = self.expect_gpus {
            a.extend(["--expect-gpus".to_string(), n.to_string()]);
        }
        if let Some(arch) = &self.expect_arch {
            a.extend(["--expect-arch".to_string(), arch.clone()]);
        }
        if let Some(g) = self.min_memory_gib {
            a.extend(["--min-memory-gib".to_string(), g.to_string()]);
        }
        if let Some(f) = self.mem_fraction {
            a.extend(["--mem-fraction".to_string(), f.to_string()]);
        }
        if let Some(t) = &self.thresholds {
            a.extend([
                "--thresholds".to_string(),
                serde_json::Value::Object(t.clone()).to_string(),
            ]);
        }
        a
    }
}

/// The shell line that runs the built probe in `dir`; the report is the last stdout line.
pub fn run_command(dir: &str, options: &ProbeOptions) -> String {
    let mut line = format!("cd {} && ./{BINARY}", shell_quote(dir));
    for a in options.args() {
        line.push(' ');
        line.push_str(&shell_quote(&a));
    }
    line
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// One GPU as the runtime describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub index: u32,
    pub name: String,
    /// `gfx942`, `sm_90`, or `cpu` for the shim.
    pub arch: String,
    /// The threshold table entry the name matched, if any.
    #[serde(default)]
    pub model: Option<String>,
    pub total_memory_bytes: u64,
    #[serde(default)]
    pub free_memory_bytes: Option<u64>,
    #[serde(default)]
    pub compute_units: Option<u32>,
    #[serde(default)]
    pub pci_bus_id: Option<String>,
}

/// One check result. `value` is a number, a string (architecture) or null (skipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub id: String,
    /// None for machine-wide checks (device count).
    #[serde(default)]
    pub device: Option<u32>,
    /// The destination device of a peer-to-peer check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<u32>,
    pub status: Status,
    #[serde(default)]
    pub value: serde_json::Value,
    #[serde(default)]
    pub unit: String,
    /// The limits applied, e.g. `{"fail_below": 2500, "warn_below": 3500}`; empty when the
    /// model is unknown and the value is only reported.
    #[serde(default)]
    pub thresholds: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub detail: String,
}

/// The probe's report line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub schema: String,
    #[serde(default)]
    pub probe_version: Option<String>,
    pub verdict: Verdict,
    /// `hip`, `cuda` or `cpu`.
    pub backend: String,
    #[serde(default)]
    pub runtime_version: Option<String>,
    #[serde(default)]
    pub driver_version: Option<String>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub devices: Vec<Device>,
    #[serde(default)]
    pub checks: Vec<Check>,
    #[serde(default)]
    pub errors: Vec<String>,
}

impl ProbeReport {
    /// Checks with status fail or warn, in report order.
    pub fn problems(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
    }

    /// The first check with this id (and device, when given).
    pub fn check(&self, id: &str, device: Option<u32>) -> Option<&Check> {
        self.checks
            .iter()
            .find(|c| c.id == id && (device.is_none() || c.device == device))
    }
}

const MAX_QUOTED: usize = 200;

fn excerpt(s: &str) -> String {
    if s.chars().count() <= MAX_QUOTED {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_QUOTED).collect();
    format!("{cut}...")
}

/// Parses the probe's stdout: the report is its last non-empty line (build output or runtime
/// chatter may come before it).
pub fn parse_report(stdout: &str) -> Result<ProbeReport, String> {
    let line = stdout
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .ok_or_else(|| "the probe printed nothing on stdout".to_string())?;
    let raw: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        format!(
            "the probe's last stdout line is not JSON ({e}): {}",
            excerpt(line)
        )
    })?;
    match raw.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(format!(
                "the probe report has schema \"{}\", expected \"{SCHEMA}\"",
                excerpt(other)
            ))
        }
        None => {
            return Err(format!(
                "the probe's last stdout line is not a probe report (no \"schema\"): {}",
                excerpt(line)
            ))
        }
    }
    serde_json::from_value(raw).map_err(|e| format!("malformed probe report: {e}"))
}

fn cell_value(c: &Check) -> String {
    let v = match &c.value {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if c.unit.is_empty() || v == "-" {
        v
    } else {
        format!("{v} {}", c.unit)
    }
}

fn cell_device(c: &Check) -> String {
    match (c.device, c.peer) {
        (Some(d), Some(p)) => format!("{d}->{p}"),
        (Some(d), None) => d.to_string(),
        _ => "-".to_string(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A plain-text table of the failing and warning checks plus the probe's errors, for
/// diagnostics.
pub fn failing_checks_table(report: &ProbeReport) -> String {
    let header = ["CHECK", "DEVICE", "STATUS", "VALUE", "THRESHOLDS", "DETAIL"];
    let rows: Vec<[String; 6]> = report
        .problems()
        .map(|c| {
            let thresholds = if c.thresholds.is_empty() {
                "-".to_string()
            } else {
                c.thresholds
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            [
                c.id.clone(),
                cell_device(c),
                c.status.as_str().to_string(),
                cell_value(c),
                thresholds,
                one_line(&c.detail),
            ]
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "probe verdict: {:?} (backend {}, {} device(s))",
        report.verdict,
        report.backend,
        report.devices.len()
    );
    if rows.is_empty() {
        out.push_str("no failing or warning checks\n");
    } else {
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut push_row = |cells: [&str; 6]| {
            let mut line = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    line.push_str(cell);
                } else {
                    let pad = widths[i] - cell.chars().count();
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        };
        push_row(header);
        for r in &rows {
            push_row([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]);
        }
    }
    for e in &report.errors {
        let _ = writeln!(out, "error: {}", one_line(e));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // A report as the CPU shim prints it, with gemm failed by the fault switch and p2p warned.
    const SAMPLE: &str = r#"{"schema":"gpu-image-probe/1","probe_version":"1.0.0","verdict":"fail","backend":"cpu","runtime_version":"cpu-shim","driver_version":null,"duration_ms":317,"devices":[{"index":0,"name":"CPU shim device","arch":"cpu","model":null,"total_memory_bytes":25276063744,"free_memory_bytes":22854361088,"compute_units":1,"pci_bus_id":null}],"checks":[{"id":"device_count","device":null,"status":"pass","value":1,"unit":"devices","thresholds":{},"detail":"CPU shim device"},{"id":"device_arch","device":0,"status":"pass","value":"cpu","unit":"","thresholds":{},"detail":"CPU shim device"},{"id":"gemm","device":0,"status":"fail","value":1,"unit":"mismatches","thresholds":{"max_mismatches":0},"detail":"256x256 FP32 vs CPU reference (fault injected)"},{"id":"hbm_copy","device":0,"status":"pass","value":4.0463,"unit":"GB/s","thresholds":{},"detail":"reported only"},{"id":"p2p","device":0,"peer":1,"status":"warn","value":19.9663,"unit":"GB/s","thresholds":{"warn_below":43.7},"detail":"8 MiB, peer access yes"},{"id":"ecc","device":0,"status":"skip","value":null,"unit":"","thresholds":{},"detail":"CPU backend has no ECC counters"}],"errors":["gemm (device 0): example error"]}"#;

    #[test]
    fn parses_the_last_non_empty_line() {
        let stdout = format!("build chatter\n{{\"not\":\"it\"}}\n{SAMPLE}\n\n  \n");
        let r = parse_report(&stdout).expect("report");
        assert_eq!(r.schema, SCHEMA);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.backend, "cpu");
        assert_eq!(r.runtime_version.as_deref(), Some("cpu-shim"));
        assert_eq!(r.driver_version, None);
        assert_eq!(r.duration_ms, Some(317));
        assert_eq!(r.devices.len(), 1);
        assert_eq!(r.devices[0].total_memory_bytes, 25_276_063_744);
        assert_eq!(r.devices[0].pci_bus_id, None);
        assert_eq!(r.checks.len(), 6);
        let count = r.check("device_count", None).expect("device_count");
        assert_eq!(count.device, None);
        assert_eq!(count.value.as_u64(), Some(1));
        let gemm = r.check("gemm", Some(0)).expect("gemm");
        assert_eq!(gemm.status, Status::Fail);
        assert_eq!(
            gemm.thresholds
                .get("max_mismatches")
                .and_then(|v| v.as_u64()),
            Some(0)
        );
        let p2p = r.check("p2p", Some(0)).expect("p2p");
        assert_eq!(p2p.peer, Some(1));
        assert_eq!(p2p.value.as_f64(), Some(19.9663));
        assert_eq!(
            r.check("ecc", Some(0)).map(|c| c.status),
            Some(Status::Skip)
        );
        assert_eq!(r.errors, vec!["gemm (device 0): example error"]);
    }

    #[test]
    fn parses_the_watchdog_line_with_few_fields() {
        let line = r#"{"schema":"gpu-image-probe/1","verdict":"error","backend":"hip","devices":[],"checks":[],"errors":["probe timed out after 900 s"]}"#;
        let r = parse_report(line).expect("report");
        assert_eq!(r.verdict, Verdict::Error);
        assert_eq!(r.duration_ms, None);
        assert_eq!(r.errors.len(), 1);
    }

    #[test]
    fn rejects_empty_and_foreign_output() {
        assert!(parse_report("")
            .expect_err("empty")
            .contains("printed nothing"));
        assert!(parse_report("\n \n")
            .expect_err("blank")
            .contains("printed nothing"));
        let e = parse_report("{\"x\":1}\nSegmentation fault").expect_err("not json");
        assert!(
            e.contains("not JSON") && e.contains("Segmentation fault"),
            "{e}"
        );
        let e = parse_report("{\"verdict\":\"pass\"}").expect_err("no schema");
        assert!(e.contains("no \"schema\""), "{e}");
        let e = parse_report(r#"{"schema":"gpu-image-probe/2","verdict":"pass","backend":"hip"}"#)
            .expect_err("schema");
        assert!(e.contains("gpu-image-probe/2"), "{e}");
        let e = parse_report(r#"{"schema":"gpu-image-probe/1","verdict":"maybe","backend":"hip"}"#)
            .expect_err("verdict");
        assert!(e.contains("malformed probe report"), "{e}");
        let e = parse_report(&"z".repeat(5000)).expect_err("long");
        assert!(e.len() < 400, "long lines are cut: {}", e.len());
    }

    #[test]
    fn table_lists_failing_and_warning_checks_and_errors() {
        let r = parse_report(SAMPLE).expect("report");
        let t = failing_checks_table(&r);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("probe verdict: Fail"), "{t}");
        assert!(lines[1].starts_with("CHECK"), "{t}");
        assert!(lines[2].starts_with("gemm"), "{t}");
        assert!(lines[2].contains("1 mismatches") && lines[2].contains("max_mismatches=0"));
        assert!(lines[3].starts_with("p2p") && lines[3].contains("0->1"));
        assert!(lines[3].contains("warn") && lines[3].contains("warn_below=43.7"));
        // Columns line up: STATUS starts at the same offset in every row.
        let col = lines[1].find("STATUS").expect("STATUS");
        assert_eq!(&lines[2][col..col + 4], "fail");
        assert_eq!(&lines[3][col..col + 4], "warn");
        assert!(!t.contains("hbm_copy") && !t.contains("device_arch") && !t.contains("ecc"));
        assert_eq!(lines.last(), Some(&"error: gemm (device 0): example error"));
    }

    #[test]
    fn table_says_when_nothing_failed() {
        let mut r = parse_report(SAMPLE).expect("report");
        r.checks.retain(|c| c.status == Status::Pass);
        r.errors.clear();
        let t = failing_checks_table(&r);
        assert!(t.contains("no failing or warning checks"), "{t}");
    }

    #[test]
    fn sources_hold_the_program_and_both_headers() {
        let names: Vec<&str> = SOURCES.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, [MAIN_SOURCE, "hip_compat_cuda.h", "hip_cpu_shim.h"]);
        let main = SOURCES[0].1;
        assert!(main.contains("#include \"hip_compat_cuda.h\""));
        assert!(main.contains("#include \"hip_cpu_shim.h\""));
        assert!(main.contains(SCHEMA));
        assert!(SOURCES[1].1.contains("cudaMemcpyPeer"));
        assert!(SOURCES[2].1.contains("hipLaunchKernelGGL"));
    }

    #[test]
    fn build_commands_pick_the_right_compiler() {
        let hip = build_command(Compiler::Hipcc, "/opt/probe");
        assert_eq!(
            hip,
            "cd /opt/probe && hipcc -x hip -O3 -std=c++17 --offload-arch=gfx90a \
             --offload-arch=gfx942 -o gpu-probe probe.hip.cpp"
        );
        let nv = build_command(Compiler::Nvcc, "/opt/probe");
        assert!(nv.starts_with("cd /opt/probe && nvcc -x cu "), "{nv}");
        assert!(nv.contains("code=sm_90") && nv.ends_with("-o gpu-probe probe.hip.cpp"));
        assert_eq!(
            build_command(Compiler::Gxx, "/tmp/p"),
            "cd /tmp/p && g++ -O2 -std=c++17 -o gpu-probe probe.hip.cpp"
        );
        let auto = build_command(Compiler::Auto, "/tmp/my dir's");
        assert!(
            auto.starts_with(r"cd '/tmp/my dir'\''s' && if [ -e /dev/kfd ] && { command -v hipcc"),
            "{auto}"
        );
        let (h, n, g) = (
            auto.find("\"$HIPCC\" -x hip").expect("hipcc"),
            auto.find("\"$NVCC\" -x cu").expect("nvcc"),
            auto.find("g++ -O2").expect("g++"),
        );
        assert!(h < n && n < g, "hipcc before nvcc before g++: {auto}");
        assert!(auto.ends_with("fi"));
    }

    #[test]
    fn options_become_quoted_arguments() {
        let mut t = serde_json::Map::new();
        t.insert("hbm_copy_fail_gbps".into(), serde_json::json!(2500));
        let o = ProbeOptions {
            expect_gpus: Some(8),
            expect_arch: Some("gfx942".into()),
            min_memory_gib: Some(192.0),
            mem_fraction: Some(0.5),
            thresholds: Some(t),
        };
        assert_eq!(
            o.args(),
            [
                "--expect-gpus",
                "8",
                "--expect-arch",
                "gfx942",
                "--min-memory-gib",
                "192",
                "--mem-fraction",
                "0.5",
                "--thresholds",
                r#"{"hbm_copy_fail_gbps":2500}"#
            ]
        );
        assert_eq!(
            run_command("/opt/p", &o),
            r#"cd /opt/p && ./gpu-probe --expect-gpus 8 --expect-arch gfx942 --min-memory-gib 192 --mem-fraction 0.5 --thresholds '{"hbm_copy_fail_gbps":2500}'"#
        );
        assert_eq!(
            run_command("/opt/p", &ProbeOptions::default()),
            "cd /opt/p && ./gpu-probe"
        );
    }

    #[test]
    fn threshold_keys_are_the_probes_limit_keys() {
        let src = SOURCES[0].1;
        let start = src
            .find("LIMIT_KEYS[] = {")
            .expect("LIMIT_KEYS in the probe");
        let end = start + src[start..].find("};").expect("end of LIMIT_KEYS");
        let keys: Vec<&str> = src[start..end].split('"').skip(1).step_by(2).collect();
        assert_eq!(keys, THRESHOLD_KEYS);
    }
}
