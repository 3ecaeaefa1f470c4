//! `<member>_image_validation`: SSH into a freshly created GPU machine, build the HIP probe with
//! the image's own toolchain, run it, and fail the apply on a bad verdict, so nothing is deployed
//! on a broken image. One implementation, registered by every instance-bearing member.

use super::probe::{self, Compiler, ProbeOptions, ProbeReport, Verdict};
use super::ssh::{Session, SshError, Target};
use crate::framework::schema::Nesting;
use crate::framework::validators;
use crate::framework::ImportForm;
use crate::framework::{
    Attribute, AttributePath, Ctx, Diagnostics, Failure, Operation, Resource, Schema, Type,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::time::Duration;

const COMPILERS: &[&str] = &["auto", "hipcc", "nvcc"];
/// Where probe runs are built on the machine (under the login user's home); each run uses a
/// folder of its own, removed afterwards, so concurrent validations of one host never collide.
const REMOTE_BASE: &str = ".gpu-image-probe";

/// Generic over the member's client type only so it can be registered in any member; it talks
/// SSH, never the member's API.
pub struct ImageValidationResource<C>(PhantomData<fn() -> C>);

impl<C> ImageValidationResource<C> {
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<C> Default for ImageValidationResource<C> {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Serialize, Deserialize, Default)]
pub struct Expect {
    pub gpu_count: Option<u32>,
    pub arch: Option<String>,
    pub min_memory_gib: Option<f64>,
}

#[derive(Serialize, Deserialize, Default)]
pub struct DeviceModel {
    pub index: Option<u32>,
    pub name: Option<String>,
    pub arch: Option<String>,
    pub memory_gib: Option<f64>,
}

#[derive(Serialize, Deserialize, Default)]
pub struct CheckModel {
    pub id: Option<String>,
    pub device: Option<u32>,
    pub status: Option<String>,
    pub value: Option<String>,
    pub unit: Option<String>,
    pub detail: Option<String>,
}

#[derive(Serialize, Deserialize, Default)]
pub struct Model {
    pub id: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub private_key: Option<String>,
    pub host_key_fingerprint: Option<String>,
    pub expect: Option<Expect>,
    pub thresholds: Option<BTreeMap<String, f64>>,
    pub fail_on_warn: Option<bool>,
    pub compiler: Option<String>,
    pub triggers: Option<BTreeMap<String, String>>,
    pub verdict: Option<String>,
    pub backend: Option<String>,
    pub devices: Option<Vec<DeviceModel>>,
    pub checks: Option<Vec<CheckModel>>,
    pub report_json: Option<String>,
    pub validated_at: Option<String>,
}

fn input(a: Attribute) -> Attribute {
    a.requires_replace()
}

#[async_trait]
impl<C: Send + Sync + 'static> Resource for ImageValidationResource<C> {
    type Client = C;
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "image_validation"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "Proves a GPU machine's image works before anything is deployed on it: connects over \
             SSH, builds a small HIP probe with the image's own toolchain (hipcc, else nvcc), runs \
             it (devices, memory allocate-and-touch, an exactly verified SAXPY and GEMM, HBM, \
             host-device and peer bandwidth, ECC) and fails the apply when the verdict is `fail` \
             (or `warn` with `fail_on_warn`). The report is kept in state; refresh does not re-run \
             it. Change `triggers` (for example to the instance id) to validate again.",
        )
        .attribute(Attribute::string("id").output("An identifier of this validation run.").use_state_for_unknown())
        .attribute(input(Attribute::string("host").required().validator(validators::length_between(1, 253)).description("Host name or address of the machine to validate.")))
        .attribute(input(Attribute::int("port").default(22).validator(validators::between(1.0, 65535.0)).description("SSH port.")))
        .attribute(input(Attribute::string("user").required().validator(validators::length_between(1, 64)).description("SSH login user.")))
        .attribute(Attribute::string("private_key").required().write_only().description("OpenSSH private key (PEM) for `user`. Write-only: used during apply, never stored in plan or state (Terraform 1.11 or later).").validator(validators::from_fn("value must be an unencrypted OpenSSH private key", |v| {
            let s = v.as_str().unwrap_or_default();
            russh::keys::decode_secret_key(s, None).map(|_| ()).map_err(|e| format!("the private key could not be read: {e}"))
        })))
        .attribute(input(Attribute::string("host_key_fingerprint").optional().validator(validators::regex(r"^SHA256:[A-Za-z0-9+/]{43}=?$", "an OpenSSH SHA256 fingerprint such as `SHA256:...` (`ssh-keygen -lf`)")).description("Expected SHA256 fingerprint of the host key. When set, a different key aborts the run; when unset, the seen fingerprint is reported in a warning.")))
        .attribute(input(Attribute::nested("expect", Nesting::Single, vec![
            Attribute::int("gpu_count").optional().validator(validators::between(1.0, 64.0)).description("Number of GPUs the machine must have."),
            Attribute::string("arch").optional().description("GPU architecture every device must report, such as `gfx942` (MI300X) or `sm_90` (H100)."),
            Attribute::number("min_memory_gib").optional().validator(validators::greater_than(0.0)).description("Memory each GPU must have, in GiB (at least 0.95 times this)."),
        ]).optional().description("What the machine must have; the device check fails otherwise.")))
        .attribute(input(Attribute::map_of("thresholds", Type::Number).optional().validator(validators::keys_one_of(probe::THRESHOLD_KEYS)).description(format!("Threshold overrides in GB/s by name: {}; see the probe's calibration notes for the defaults.", validators::quoted_list(probe::THRESHOLD_KEYS)))))
        .attribute(input(Attribute::bool("fail_on_warn").default(false).description("Fail the apply when the verdict is `warn`.")))
        .attribute(input(Attribute::string("compiler").default("auto").one_of(COMPILERS).description(format!("How to build the probe on the machine: `auto` (hipcc, else nvcc, else the CPU shim with g++), `hipcc` or `nvcc`. One of: {}.", COMPILERS.join(", ")))))
        .attribute(input(Attribute::map_of("triggers", Type::String).optional().description("Arbitrary values; any change runs the validation again (for example the instance id).")))
        .attribute(Attribute::string("verdict").output("Overall result: `pass` or `warn` (a `fail` or `error` verdict fails the apply)."))
        .attribute(Attribute::string("backend").output("How the probe ran: `hip`, `cuda` or `cpu` (no GPU toolchain found)."))
        .attribute(Attribute::nested("devices", Nesting::List, vec![
            Attribute::int("index").output("Device index."),
            Attribute::string("name").output("Device name."),
            Attribute::string("arch").output("Architecture, such as `gfx942` or `sm_90`."),
            Attribute::number("memory_gib").output("Total memory in GiB."),
        ]).output("The GPUs the probe found."))
        .attribute(Attribute::nested("checks", Nesting::List, vec![
            Attribute::string("id").output("Check id, such as `devices`, `gemm` or `hbm_copy`."),
            Attribute::int("device").output("Device index the check ran on (null for machine-wide checks)."),
            Attribute::string("status").output("`pass`, `warn`, `fail` or `skip`."),
            Attribute::string("value").output("Measured value."),
            Attribute::string("unit").output("Unit of the value."),
            Attribute::string("detail").output("What was measured against which thresholds."),
        ]).output("Every check the probe ran."))
        .attribute(Attribute::string("report_json").output("The probe's full JSON report (schema `gpu-image-probe/1`)."))
        .attribute(Attribute::string("validated_at").output("When the validation ran (RFC 3339)."))
        .timeouts(&["create"])
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Create => Duration::from_secs(15 * 60),
            _ => Duration::from_secs(60),
        }
    }

    async fn create(&self, ctx: &Ctx<'_, C>, mut plan: Model) -> Result<Model, Failure<Model>> {
        let host = plan.host.clone().unwrap_or_default();
        let port = plan.port.unwrap_or(22);
        let user = plan.user.clone().unwrap_or_default();
        let key = plan.private_key.take().unwrap_or_default();
        let target = Target {
            host: &host,
            port,
            user: &user,
            private_key: &key,
            host_key_fingerprint: plan.host_key_fingerprint.as_deref(),
        };
        let session = Session::connect(&target, ctx.deadline, &ctx.cancel)
            .await
            .map_err(|e| ssh_failure(&host, e))?;
        if plan.host_key_fingerprint.is_none() {
            ctx.warn_attribute(
                AttributePath::attr("host_key_fingerprint"),
                "Host key not verified",
                format!(
                    "{host}:{port} presented host key {}; set host_key_fingerprint to verify it on the next run.",
                    session.host_key
                ),
            );
        }
        let result = run_probe(&session, ctx, &plan).await;
        session.close().await;
        let (report, raw) = result?;
        judge(&report, plan.fail_on_warn.unwrap_or(false))?;
        if report.backend == "cpu" {
            ctx.warn(
                "Probe ran without a GPU",
                format!("No GPU toolchain (hipcc or nvcc) was found on {host}, so the probe ran on its CPU shim. Set `compiler` to require one."),
            );
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        plan.id = Some(format!("{host}:{port}@{now}"));
        plan.verdict = Some(verdict_name(report.verdict).into());
        plan.backend = Some(report.backend.clone());
        plan.devices = Some(
            report
                .devices
                .iter()
                .map(|d| DeviceModel {
                    index: Some(d.index),
                    name: Some(d.name.clone()),
                    arch: Some(d.arch.clone()),
                    memory_gib: Some(
                        (d.total_memory_bytes as f64 / (1u64 << 30) as f64 * 100.0).round() / 100.0,
                    ),
                })
                .collect(),
        );
        plan.checks = Some(
            report
                .checks
                .iter()
                .map(|c| CheckModel {
                    id: Some(c.id.clone()),
                    device: c.device,
                    status: serde_json::to_value(c.status)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from)),
                    value: Some(match &c.value {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    }),
                    unit: Some(c.unit.clone()),
                    detail: Some(c.detail.clone()),
                })
                .collect(),
        );
        plan.report_json = Some(raw);
        plan.validated_at = Some(now);
        Ok(plan)
    }

    async fn read(&self, _ctx: &Ctx<'_, C>, state: Model) -> Result<Option<Model>, Diagnostics> {
        // The report is a record of one run; reading must not re-run a GPU probe.
        Ok(Some(state))
    }

    async fn delete(&self, _ctx: &Ctx<'_, C>, _state: Model) -> Result<(), Diagnostics> {
        Ok(())
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::unsupported(
            "An image validation is a record of one probe run; create it instead of importing it.",
        )
    }
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Warn => "warn",
        Verdict::Fail => "fail",
        Verdict::Error => "error",
    }
}

fn ssh_failure(host: &str, e: SshError) -> Failure<Model> {
    let summary = match e {
        SshError::Interrupted => "Image validation interrupted".to_string(),
        _ => format!("Could not reach {host} over SSH"),
    };
    Diagnostics::single_error(summary, e.to_string()).into()
}

/// Uploads the probe sources, builds them and runs the probe; returns the parsed report and
/// its raw JSON line.
async fn run_probe<C: ?Sized>(
    session: &Session,
    ctx: &Ctx<'_, C>,
    plan: &Model,
) -> Result<(ProbeReport, String), Failure<Model>> {
    let dir = format!("{REMOTE_BASE}/{}", uuid::Uuid::new_v4().simple());
    let result = build_and_run(session, ctx, plan, &dir).await;
    let _ = session
        .run(
            &format!("rm -rf {}", probe::shell_quote(&dir)),
            b"",
            &ctx.cancel,
        )
        .await;
    result
}

async fn build_and_run<C: ?Sized>(
    session: &Session,
    ctx: &Ctx<'_, C>,
    plan: &Model,
    dir: &str,
) -> Result<(ProbeReport, String), Failure<Model>> {
    let host = plan.host.as_deref().unwrap_or_default();
    let fail = |summary: &str, detail: String| -> Failure<Model> {
        Diagnostics::single_error(summary.to_string(), detail).into()
    };
    let ssh = |e: SshError| ssh_failure(host, e);
    let mkdir = session
        .run(
            &format!("mkdir -p {}", probe::shell_quote(dir)),
            b"",
            &ctx.cancel,
        )
        .await
        .map_err(ssh)?;
    if mkdir.exit_status != Some(0) {
        return Err(fail("Could not prepare the probe directory", mkdir.stderr));
    }
    for (name, text) in probe::SOURCES {
        let out = session
            .run(
                &format!("cat > {}/{name}", probe::shell_quote(dir)),
                text.as_bytes(),
                &ctx.cancel,
            )
            .await
            .map_err(ssh)?;
        if out.exit_status != Some(0) {
            return Err(fail(
                "Could not upload the probe",
                format!("{name}: {}", out.stderr),
            ));
        }
    }
    let compiler = match plan.compiler.as_deref() {
        Some("hipcc") => Compiler::Hipcc,
        Some("nvcc") => Compiler::Nvcc,
        _ => Compiler::Auto,
    };
    let build = session
        .run(&probe::build_command(compiler, dir), b"", &ctx.cancel)
        .await
        .map_err(ssh)?;
    if build.exit_status != Some(0) {
        return Err(fail(
            "The probe did not build on the machine",
            format!(
                "The image's toolchain failed to build the probe:\n{}",
                tail(&build.stderr)
            ),
        ));
    }
    let expect = plan.expect.as_ref();
    let options = ProbeOptions {
        expect_gpus: expect.and_then(|e| e.gpu_count),
        expect_arch: expect.and_then(|e| e.arch.clone()),
        min_memory_gib: expect.and_then(|e| e.min_memory_gib),
        mem_fraction: None,
        thresholds: plan.thresholds.as_ref().map(|t| {
            t.iter()
                .filter_map(|(k, v)| {
                    serde_json::Number::from_f64(*v)
                        .map(|n| (k.clone(), serde_json::Value::Number(n)))
                })
                .collect()
        }),
    };
    let run = session
        .run(&probe::run_command(dir, &options), b"", &ctx.cancel)
        .await
        .map_err(ssh)?;
    let report = probe::parse_report(&run.stdout).map_err(|e| {
        fail(
            "The probe produced no report",
            format!(
                "{e}\nexit status: {:?}\nstderr:\n{}",
                run.exit_status,
                tail(&run.stderr)
            ),
        )
    })?;
    let raw = run
        .stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string();
    Ok((report, raw))
}

/// A `fail` or `error` verdict (or `warn` with `fail_on_warn`) fails the create, and nothing is
/// saved: the machine is not fit for use.
fn judge(report: &ProbeReport, fail_on_warn: bool) -> Result<(), Failure<Model>> {
    let bad = match report.verdict {
        Verdict::Pass => false,
        Verdict::Warn => fail_on_warn,
        Verdict::Fail | Verdict::Error => true,
    };
    if !bad {
        return Ok(());
    }
    let mut detail = format!(
        "The GPU image probe's verdict is `{}` (backend {}).\n\n{}",
        verdict_name(report.verdict),
        report.backend,
        probe::failing_checks_table(report)
    );
    if !report.errors.is_empty() {
        detail.push_str(&format!("\nErrors: {}", report.errors.join("; ")));
    }
    Err(Diagnostics::single_error("GPU image validation failed", detail).into())
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
