//! Acceptance tests for the lifecycle of long-running resources (issue 12), the way a user
//! meets it: real `terraform` against the emulator under faults, Ctrl-C, a killed provider,
//! hanging reads and creates that end badly.
//!
//! - a fault campaign over every member: 84 resources under 20% 500/502/503/429, 5% dropped
//!   connections and 5% lost replies of mutating requests apply and destroy at the first try,
//!   with exactly one create per resource and nothing left behind;
//! - Ctrl-C while 40 creates wait for their instances: the next apply replaces nothing;
//! - the provider killed after the API accepted 36 creates: the next apply adopts them;
//! - a read that outlives `timeouts.read` fails at its deadline, and Ctrl-C during a hanging
//!   refresh returns within 2 s;
//! - a create that reaches a failed or unknown status fails at once, naming it.
//!
//! Each test prints its figures straight to stderr (`support::report`), so CI shows them.

use crate::support::{report, wait_for, Emulator, Tf};
use gpucloud::emulator::EmulatorConfig;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Every member, for `required_providers`.
const MEMBERS: &[&str] = &["icgpu", "amd", "rocm", "shadeform", "gpuai"];

/// Where a refresh reads the instance-like resources: latency faults go only there, so
/// provider configuration and data sources are not slowed.
const RESOURCE_READS: &str = r"^/(icgpu/api/v1/(instances|vms|clusters|models)|amd/v1/instances|shadeform/v1/instances|gpuai/gpu/api/v1beta1/orgs/[^/]+/projects/[^/]+/airuntimes)";

/// An emulator whose lifecycle steps are short and whose IC GPU rate limit is out of the way
/// (the campaign's own 429s come from the fault rules).
fn emulator() -> Emulator {
    Emulator::start_with(EmulatorConfig {
        step: Duration::from_millis(150),
        rate_limit_per_minute: 1_000_000,
        ..EmulatorConfig::default()
    })
}

/// A working directory with small retry backoffs and fast polling.
fn workdir(emu: &Emulator) -> Tf {
    let mut tf = Tf::new(emu);
    tf.set_env("GPUCLOUD_RETRY_BASE_MS", "20");
    tf.set_env("GPUCLOUD_RETRY_MAX_MS", "200");
    tf.set_env("GPUCLOUD_POLL_INTERVAL_MS", "100");
    tf.set_env("GPUCLOUD_POLL_MAX_MS", "400");
    tf
}

/// Provider blocks for every member. Each request gets 10 retries: at a 30% fault rate, the
/// default 5 would exhaust about once per 1,400 requests, which measures the budget rather
/// than which requests are retried.
const PROVIDERS: &str = r#"
provider "icgpu" {
  requests_per_minute = 0
  max_retries         = 10
}
provider "amd" {
  max_retries = 10
}
provider "rocm" {
  max_retries = 10
}
provider "shadeform" {
  max_retries = 10
}
provider "gpuai" {
  max_retries = 10
}
"#;

/// `n` resources of `type_name` called `fleet` (`count = n`): `attributes` and `extra`
/// (a `timeouts` block, say) inside the block.
fn fleet_of(type_name: &str, n: usize, attributes: &str, extra: &str) -> String {
    format!("\nresource \"{type_name}\" \"fleet\" {{\n  count = {n}\n{attributes}{extra}}}\n")
}

const ICGPU_INSTANCE: &str = r#"  name  = "fleet-inst-${count.index}"
  tier  = element(["mig", "timesliced", "dedicated"], count.index)
"#;

const AMD_INSTANCE: &str = r#"  name      = "fleet-amd-${count.index}"
  gpu_type  = "mi210"
  gpu_count = 1
"#;

const SHADEFORM_INSTANCE: &str = r#"  cloud               = "tensordock"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
  name                = "fleet-sf-${count.index}"
"#;

const GPUAI_RUNTIME: &str = r#"  org_id      = "org-abc123"
  project_id  = "prj-abc123"
  name        = "fleet-rt-${count.index}"
  region      = "as-south-1"
  plan_id     = "gpu-h200-on-demand-1h"
  template_id = "tpl-jupyterlab-pytorch"
"#;

/// One instance-like resource type of each member with `n` of each, `extra` inside each.
fn instances_of_each(n: [usize; 4], extra: &str) -> String {
    [
        PROVIDERS.to_string(),
        fleet_of("icgpu_instance", n[0], ICGPU_INSTANCE, extra),
        fleet_of("amd_instance", n[1], AMD_INSTANCE, extra),
        fleet_of("shadeform_instance", n[2], SHADEFORM_INSTANCE, extra),
        fleet_of("gpuai_airuntime", n[3], GPUAI_RUNTIME, extra),
    ]
    .concat()
}

/// The cheap and the slower IC GPU types, beside the instances.
fn icgpu_others(vms: usize, clusters: usize, models: usize, cheap: usize) -> String {
    format!(
        r#"
resource "icgpu_vm" "fleet" {{
  count       = {vms}
  name        = "fleet-vm-${{count.index}}"
  template_id = "tpl-ubuntu-cpu"
}}

resource "icgpu_cluster" "fleet" {{
  count   = {clusters}
  name    = "fleet-cluster-${{count.index}}"
  version = "1.31"
}}

resource "icgpu_model_deployment" "fleet" {{
  count            = {models}
  name             = "fleet-model-${{count.index}}"
  model            = "Qwen/Qwen2.5-7B-Instruct"
  engine           = "vllm"
  resource_profile = "nvidia-gpu-mig"
  min_replicas     = 1
  max_replicas     = 2
}}

resource "icgpu_ssh_key" "fleet" {{
  count    = {cheap}
  name     = "fleet-ssh-${{count.index}}"
  generate = true
}}

resource "icgpu_spending_alert" "fleet" {{
  count      = {cheap}
  name       = "fleet-alert-${{count.index}}"
  threshold  = 1000 * (count.index + 1)
  notify_via = "webhook"
}}

resource "icgpu_webhook" "fleet" {{
  count  = {cheap}
  url    = "https://hooks.example.com/fleet/${{count.index}}"
  events = ["instance.created", "instance.error"]
}}

resource "icgpu_api_key" "fleet" {{
  count       = 2
  name        = "fleet-key-${{count.index}}"
  scopes      = ["vms"]
  permissions = ["read"]
}}
"#
    )
}

/// Reads of every member's data, so the campaign's faults hit plain reads too.
const DATA_SOURCES: &str = r#"
data "rocm_devices" "all" {}

data "rocm_version" "host" {}

data "rocm_device" "gpu0" {
  id = "gpu0"
}

data "icgpu_gpu_tiers" "all" {}

data "shadeform_instance_types" "a6000" {
  shade_instance_type = "A6000"
}

data "amd_credits" "account" {}
"#;

/// Overall fault rates as the campaign states them; each rule's own rate is conditional on
/// the rules before it not having matched, so these shares hold for a mutating request.
const FAULT_MIX: &[(&str, f64)] = &[
    ("lose_response", 0.05),
    ("drop", 0.05),
    ("500", 0.05),
    ("502", 0.05),
    ("503", 0.05),
    ("429", 0.05),
];

fn campaign_faults() -> serde_json::Value {
    let mut rules = Vec::new();
    let mut taken = 0.0;
    for (kind, share) in FAULT_MIX {
        let rate = share / (1.0 - taken);
        taken += share;
        match *kind {
            "lose_response" => {
                for method in ["POST", "PUT", "PATCH", "DELETE"] {
                    rules.push(serde_json::json!({
                        "method": method, "rate": rate, "action": "lose_response"
                    }));
                }
            }
            "drop" => rules.push(serde_json::json!({ "rate": rate, "action": "drop" })),
            status => {
                let status: u16 = status.parse().expect("status");
                let action = if status == 429 {
                    serde_json::json!({ "status": 429, "retry_after": 1 })
                } else {
                    serde_json::json!({ "status": status })
                };
                rules.push(serde_json::json!({ "rate": rate, "action": action }));
            }
        }
    }
    serde_json::Value::Array(rules)
}

/// What the emulator and the state say after a run.
struct Figures {
    created: BTreeMap<String, usize>,
    duplicates: usize,
    missing: Vec<String>,
    orphans: Vec<String>,
    untracked_in_state: Vec<String>,
    live: usize,
    state: usize,
}

impl Figures {
    fn of(emu: &Emulator, tf: &Tf, expected: &BTreeMap<&str, usize>) -> Self {
        let created: BTreeMap<String, usize> = emu
            .created()
            .into_iter()
            .map(|(k, ids)| (k, ids.len()))
            .collect();
        let mut duplicates = 0;
        let mut missing = Vec::new();
        for (kind, want) in expected {
            let got = created.get(*kind).copied().unwrap_or(0);
            duplicates += got.saturating_sub(*want);
            if got < *want {
                missing.push(format!("{kind}: {got} of {want}"));
            }
        }
        let state: BTreeSet<String> = tf.state_ids().into_values().collect();
        let live: BTreeSet<String> = emu.live().into_iter().map(|o| o.id).collect();
        Figures {
            created,
            duplicates,
            missing,
            orphans: live.difference(&state).cloned().collect(),
            untracked_in_state: state.difference(&live).cloned().collect(),
            live: live.len(),
            state: state.len(),
        }
    }

    /// The apply after an interruption converged: it succeeded with one create per
    /// resource, and nothing runs that state does not hold.
    fn assert_converged(&self, applied: bool, apply_text: &str) {
        assert!(
            applied,
            "the next apply failed:\n{}",
            errors_shown(apply_text)
        );
        assert_eq!(
            self.duplicates, 0,
            "the next apply created again: {:?}",
            self.created
        );
        assert!(
            self.missing.is_empty(),
            "missing creates: {:?}",
            self.missing
        );
        assert!(self.orphans.is_empty(), "orphans: {:?}", self.orphans);
    }

    fn print(&self, label: &str) {
        report(&format!(
            "[{label}] creates {:?} (total {}), duplicates {}, missing {:?}, live {}, in state {}, orphans {} (e.g. {:?}), in state but not live {:?}",
            self.created,
            self.created.values().sum::<usize>(),
            self.duplicates,
            self.missing,
            self.live,
            self.state,
            self.orphans.len(),
            self.orphans.iter().take(3).collect::<Vec<_>>(),
            self.untracked_in_state,
        ));
    }
}

fn print_faults(emu: &Emulator, label: &str) {
    let t = emu.fault_tally();
    let handled: u64 = MEMBERS.iter().map(|m| emu.total(m)).sum();
    report(&format!(
        "[{label}] requests handled {handled}; faults injected {} {:?}, retries seen {}",
        t.total_injected(),
        t.injected,
        t.retries
    ));
}

/// Terraform's output from its first error on (the plan before it is long and says nothing).
fn errors_shown(text: &str) -> &str {
    text.find("Error: ").map_or(text, |i| &text[i..])
}

/// The first line of every error terraform showed.
fn error_summaries(text: &str) -> Vec<String> {
    text.split("Error: ")
        .skip(1)
        .filter_map(|d| d.lines().next())
        .map(str::to_string)
        .collect()
}

/// How many resources of each kind (`"<api>.<kind>"`, as the emulator's ledger names them).
fn kinds(pairs: &[(&'static str, usize)]) -> BTreeMap<&'static str, usize> {
    pairs.iter().copied().collect()
}

/// Statuses an instance-like object reads while it is still starting.
fn starting(status: &str) -> bool {
    matches!(
        status,
        "pending" | "starting" | "provisioning" | "Pending" | "Provisioning"
    )
}

/// The resources of state and whether each is tainted, from `terraform.tfstate`.
fn saved_and_tainted(tf: &Tf) -> (usize, usize) {
    let raw = tf.state_file();
    let state: serde_json::Value = serde_json::from_str(&raw).unwrap_or_default();
    let mut total = 0;
    let mut tainted = 0;
    for r in state["resources"].as_array().into_iter().flatten() {
        if r["mode"] != "managed" {
            continue;
        }
        for i in r["instances"].as_array().into_iter().flatten() {
            total += 1;
            if i["status"] == "tainted" {
                tainted += 1;
            }
        }
    }
    (total, tainted)
}

/// The diagnostic terraform printed for `address`, with the box drawing and line wrapping
/// taken out so messages can be matched as the API wrote them.
fn diagnostic_for(text: &str, address: &str) -> Option<String> {
    text.split("Error: ")
        .skip(1)
        .map(|d| {
            d.replace(['│', '╷', '╵'], " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .find(|d| {
            d.contains(&format!("with {address},")) || d.contains(&format!("with {address}["))
        })
}

/// Whether `word` stands alone in `text` (not inside a longer word).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let is_part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !is_part(before) && !is_part(after)
    })
}

fn apply_args(parallelism: usize) -> Vec<String> {
    vec![
        "apply".into(),
        "-auto-approve".into(),
        "-input=false".into(),
        "-no-color".into(),
        format!("-parallelism={parallelism}"),
    ]
}

fn destroy_args(parallelism: usize) -> Vec<String> {
    let mut args = apply_args(parallelism);
    args[0] = "destroy".into();
    args
}

/// How many IC GPU instances, AMD instances, Shadeform instances and GPU AI runtimes.
struct Fleet([usize; 4]);

impl Fleet {
    fn config(&self) -> String {
        instances_of_each(self.0, "")
    }

    fn expected(&self) -> BTreeMap<&'static str, usize> {
        let [icgpu, amd, shadeform, gpuai] = self.0;
        kinds(&[
            ("icgpu.instance", icgpu),
            ("amd.instance", amd),
            ("shadeform.instance", shadeform),
            ("gpuai.airuntime", gpuai),
        ])
    }

    fn size(&self) -> usize {
        self.0.iter().sum()
    }

    /// Starts `terraform apply` of the fleet with every create held starting, and returns
    /// once the API has accepted all of them.
    fn apply_held(&self, emu: &Emulator, tf: &Tf) -> crate::support::Running {
        tf.config(MEMBERS, &self.config());
        tf.validate();
        emu.hold();
        let args = apply_args(self.size());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let apply = tf.spawn(&args);
        wait_for(
            "the API to accept every create, held starting",
            Duration::from_secs(120),
            || emu.created_total() >= self.size(),
        );
        apply
    }
}

fn run(tf: &Tf, args: &[String]) -> (bool, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tf.run(&args);
    (out.status.success(), crate::support::describe(&out))
}

#[test]
fn fault_campaign_over_every_member_applies_and_destroys_at_the_first_try() {
    let emu = emulator();
    let tf = workdir(&emu);
    let body = [
        instances_of_each([14, 14, 14, 12], ""),
        icgpu_others(8, 4, 4, 4),
        DATA_SOURCES.to_string(),
    ]
    .concat();
    tf.config(MEMBERS, &body);
    let expected = kinds(&[
        ("icgpu.instance", 14),
        ("icgpu.vm", 8),
        ("icgpu.cluster", 4),
        ("icgpu.model_deployment", 4),
        ("icgpu.ssh_key", 4),
        ("icgpu.spending_alert", 4),
        ("icgpu.webhook", 4),
        ("icgpu.api_key", 2),
        ("amd.instance", 14),
        ("shadeform.instance", 14),
        ("gpuai.airuntime", 12),
    ]);
    let resources: usize = expected.values().sum();
    assert!(resources >= 80, "the campaign needs at least 80 resources");
    tf.validate();
    emu.add_faults(campaign_faults());

    let started = Instant::now();
    let (applied, apply_text) = run(&tf, &apply_args(16));
    let apply_took = started.elapsed();
    let after_apply = Figures::of(&emu, &tf, &expected);
    report(&format!(
        "[campaign] {resources} resources; first apply {} in {:.1}s",
        if applied { "succeeded" } else { "FAILED" },
        apply_took.as_secs_f64()
    ));
    print_faults(&emu, "after apply");
    after_apply.print("after apply");
    let apply_errors = error_summaries(&apply_text);
    report(&format!(
        "[campaign] errors shown by the first apply: {} {apply_errors:#?}",
        apply_errors.len()
    ));

    let started = Instant::now();
    let (destroyed, destroy_text) = run(&tf, &destroy_args(16));
    let destroy_took = started.elapsed();
    let live_after_destroy: Vec<_> = emu.live();
    report(&format!(
        "[campaign] first destroy {} in {:.1}s; live after destroy {}",
        if destroyed { "succeeded" } else { "FAILED" },
        destroy_took.as_secs_f64(),
        live_after_destroy.len()
    ));
    print_faults(&emu, "after destroy");
    report(&format!(
        "[campaign] errors shown by the first destroy: {:#?}; left running {live_after_destroy:?}",
        error_summaries(&destroy_text)
    ));
    let tally = emu.fault_tally();
    assert!(
        tally.total_injected() > 0 && tally.retries > 0,
        "the campaign injected nothing: {tally:?}"
    );

    assert!(
        applied && apply_errors.is_empty(),
        "the first apply failed:\n{}",
        errors_shown(&apply_text)
    );
    assert!(
        after_apply.missing.is_empty() && after_apply.duplicates == 0,
        "creates per kind differ from one per resource: {:?} (missing {:?})",
        after_apply.created,
        after_apply.missing
    );
    assert!(
        after_apply.orphans.is_empty() && after_apply.untracked_in_state.is_empty(),
        "live set != state: orphans {:?}, in state but not live {:?}",
        after_apply.orphans,
        after_apply.untracked_in_state
    );
    assert_eq!(after_apply.state, resources, "every resource is in state");
    assert!(
        destroyed,
        "the first destroy failed:\n{}",
        errors_shown(&destroy_text)
    );
    assert!(
        live_after_destroy.is_empty(),
        "left running after destroy: {live_after_destroy:?}"
    );
}

#[test]
fn ctrl_c_while_creates_wait_saves_them_and_the_next_apply_replaces_nothing() {
    let (emu, fleet) = (emulator(), Fleet([12, 12, 12, 4]));
    let tf = workdir(&emu);
    let (expected, resources) = (fleet.expected(), fleet.size());
    let apply = fleet.apply_held(&emu, &tf);
    let waiting = emu.live().iter().filter(|o| starting(&o.status)).count();
    report(&format!(
        "[ctrl-c] {waiting} creates accepted and waiting for their instances"
    ));
    assert!(waiting >= 30, "only {waiting} creates waiting");

    let interrupted = Instant::now();
    apply.signal("INT");
    let done = apply
        .wait(interrupted, Duration::from_secs(90))
        .expect("terraform exits after Ctrl-C");
    let (saved, saved_tainted) = saved_and_tainted(&tf);
    report(&format!(
        "[ctrl-c] terraform exited {:?} {:.1}s after SIGINT; {saved} resources saved, {saved_tainted} of them tainted",
        done.code,
        done.took.as_secs_f64()
    ));
    report(&format!("[ctrl-c] released {} held objects", emu.release()));
    wait_for(
        "the interrupted instances to come up",
        Duration::from_secs(60),
        || emu.live().iter().all(|o| !starting(&o.status)),
    );
    Figures::of(&emu, &tf, &expected).print("after Ctrl-C");

    let (applied, apply_text) = run(&tf, &apply_args(resources));
    let after = Figures::of(&emu, &tf, &expected);
    after.print("after the next apply");
    let terminated = emu.count("icgpu.deleteInstance")
        + emu.count("amd.terminateInstance")
        + emu.count("shadeform.Delete")
        + emu.count("gpuai.deleteAIRuntime");
    report(&format!(
        "[ctrl-c] next apply {applied}; deletes sent {terminated}"
    ));

    assert_eq!(saved, resources, "every accepted create is in state");
    assert_eq!(saved_tainted, 0, "interrupted creates are saved untainted");
    after.assert_converged(applied, &apply_text);
    assert_eq!(terminated, 0, "the next apply replaced what came up");
    assert_eq!(
        tf.plan_exit_code(),
        0,
        "plan after the next apply not empty"
    );
    tf.destroy();
    assert!(emu.live().is_empty(), "left running: {:?}", emu.live());
}

#[test]
fn a_killed_provider_leaves_no_duplicate_and_no_orphan() {
    let (emu, fleet) = (emulator(), Fleet([12, 12, 12, 0]));
    let tf = workdir(&emu);
    let (expected, resources) = (fleet.expected(), fleet.size());
    let mut apply = fleet.apply_held(&emu, &tf);
    let providers = apply.provider_pids();
    report(&format!(
        "[crash] the API accepted {} creates; killing provider processes {providers:?}",
        emu.created_total()
    ));
    assert!(
        !providers.is_empty(),
        "no provider process found below terraform"
    );
    assert!(!apply.exited(), "terraform finished before the kill");
    for pid in &providers {
        crate::support::send_signal(*pid, "KILL");
    }
    let killed = Instant::now();
    let done = apply
        .wait(killed, Duration::from_secs(60))
        .expect("terraform exits once its providers are gone");
    let (saved, _) = saved_and_tainted(&tf);
    report(&format!(
        "[crash] terraform exited {:?}; {saved} resources saved in state",
        done.code
    ));
    report(&format!("[crash] released {} held objects", emu.release()));
    Figures::of(&emu, &tf, &expected).print("after the kill");

    let (applied, apply_text) = run(&tf, &apply_args(resources));
    let after = Figures::of(&emu, &tf, &expected);
    after.print("after the next apply");
    if !applied {
        report(&format!(
            "[crash] the next apply failed: {:#?}",
            error_summaries(&apply_text)
        ));
    }
    let (destroyed, destroy_text) = run(&tf, &destroy_args(resources));
    let left = emu.live();
    report(&format!(
        "[crash] destroy {destroyed}; live after destroy {}",
        left.len()
    ));

    after.assert_converged(applied, &apply_text);
    assert_eq!(after.state, resources);
    assert!(
        destroyed,
        "destroy failed:\n{}",
        errors_shown(&destroy_text)
    );
    assert!(left.is_empty(), "left running after destroy: {left:?}");
}

/// One instance-like resource of each member, with `extra` inside each block.
fn one_of_each(extra: &str) -> String {
    instances_of_each([1, 1, 1, 1], extra)
}

/// A `timeouts` block allowing `operation` to take `duration`.
fn timeouts(operation: &str, duration: &str) -> String {
    format!("  timeouts {{\n    {operation} = \"{duration}\"\n  }}\n")
}

const ONE_OF_EACH: &[&str] = &[
    "icgpu_instance.fleet[0]",
    "amd_instance.fleet[0]",
    "shadeform_instance.fleet[0]",
    "gpuai_airuntime.fleet[0]",
];

#[test]
fn a_read_that_outlives_timeouts_read_fails_at_its_deadline() {
    let emu = emulator();
    let tf = workdir(&emu);
    tf.config(MEMBERS, &one_of_each(&timeouts("read", "3s")));
    tf.apply();
    emu.add_faults(serde_json::json!({
        "method": "GET", "path_regex": RESOURCE_READS, "action": {"latency_ms": 30000}
    }));

    let started = Instant::now();
    let out = tf.run(&["plan", "-input=false", "-no-color"]);
    let took = started.elapsed();
    let text = crate::support::describe(&out);
    report(&format!(
        "[read deadline] plan with 30 s reads and timeouts.read = 3s ended {:?} after {:.1}s",
        out.status.code(),
        took.as_secs_f64()
    ));
    assert!(!out.status.success(), "the refresh cannot succeed:\n{text}");
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(12),
        "the refresh ended after {took:?}, not at its 3 s deadline:\n{text}"
    );
    for address in ONE_OF_EACH {
        let d = diagnostic_for(&text, address)
            .unwrap_or_else(|| panic!("no error for {address}:\n{text}"));
        assert!(
            d.to_lowercase().contains("time") || d.to_lowercase().contains("deadline"),
            "{address}: the error does not say it ran out of time: {d}"
        );
    }
    emu.clear_faults();
    tf.destroy();
    assert!(emu.live().is_empty(), "{:?}", emu.live());
}

#[test]
fn ctrl_c_during_a_hanging_refresh_returns_within_two_seconds() {
    let emu = emulator();
    let tf = workdir(&emu);
    tf.config(MEMBERS, &one_of_each(""));
    tf.apply();
    emu.add_faults(serde_json::json!({
        "method": "GET", "path_regex": RESOURCE_READS, "action": {"latency_ms": 25000}
    }));

    let plan = tf.spawn(&["plan", "-input=false", "-no-color"]);
    wait_for(
        "the refresh to hang on the API",
        Duration::from_secs(60),
        || {
            emu.fault_tally()
                .injected
                .get("latency")
                .copied()
                .unwrap_or(0)
                >= 4
        },
    );
    // Let every read settle into its wait.
    std::thread::sleep(Duration::from_millis(500));
    let interrupted = Instant::now();
    plan.signal("INT");
    let done = plan.wait(interrupted, Duration::from_secs(60));
    match &done {
        Some(d) => report(&format!(
            "[ctrl-c refresh] terraform exited {:?} {:.1}s after SIGINT",
            d.code,
            d.took.as_secs_f64()
        )),
        None => report("[ctrl-c refresh] terraform still running 60 s after SIGINT"),
    }
    emu.clear_faults();
    let done = done.expect("terraform exits after Ctrl-C");
    assert!(
        done.took <= Duration::from_secs(2),
        "terraform took {:.1}s to stop after Ctrl-C:\n{}",
        done.took.as_secs_f64(),
        done.text()
    );
    assert!(!done.success(), "an interrupted plan is not a success");
    tf.destroy();
    assert!(emu.live().is_empty(), "{:?}", emu.live());
}

/// Forces each member's next create to end in a status, applies one resource of each with a
/// long create timeout, and checks each fails at once naming its status (and the message,
/// where the API's objects carry one). The resources end tainted, and destroy removes them.
fn create_ending_in(outcomes: &[(&str, &str, &str, Option<&str>)], label: &str) {
    let emu = emulator();
    let tf = workdir(&emu);
    tf.config(MEMBERS, &one_of_each(&timeouts("create", "30s")));
    tf.validate();
    for (api, _, status, message) in outcomes {
        emu.queue_outcome(api, status, *message);
    }
    let started = Instant::now();
    let out = tf.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let took = started.elapsed();
    let text = crate::support::describe(&out);
    report(&format!(
        "[{label}] apply ended {:?} after {:.1}s (create timeout 30s)",
        out.status.code(),
        took.as_secs_f64()
    ));
    let mut problems = Vec::new();
    for (_, address, status, message) in outcomes {
        match diagnostic_for(&text, address) {
            None => problems.push(format!("{address}: no error")),
            Some(d) => {
                let names_status = has_word(&d, status);
                let names_message = message.is_none_or(|m| d.contains(m));
                report(&format!(
                    "[{label}] {address} → {status:?}: names the status {names_status}, the message {names_message}: {d}"
                ));
                if !names_status {
                    problems.push(format!("{address}: the error does not name {status:?}"));
                }
                if !names_message {
                    problems.push(format!("{address}: the error lacks the API's message"));
                }
            }
        }
    }
    assert!(!out.status.success(), "the apply cannot succeed:\n{text}");
    assert!(
        took < Duration::from_secs(15),
        "the apply took {:.1}s: a create that ended badly waited for its timeout\n{}\n{text}",
        took.as_secs_f64(),
        problems.join("\n")
    );
    assert!(problems.is_empty(), "{}\n{text}", problems.join("\n"));
    tf.destroy();
    assert!(emu.live().is_empty(), "{:?}", emu.live());
}

#[test]
fn a_create_that_reaches_a_failed_status_fails_at_once_with_the_api_message() {
    create_ending_in(
        &[
            (
                "icgpu",
                "icgpu_instance.fleet[0]",
                "error",
                Some("GPU 3 fell off the bus (Xid 79)"),
            ),
            ("amd", "amd_instance.fleet[0]", "stopped", None),
            ("shadeform", "shadeform_instance.fleet[0]", "error", None),
            (
                "gpuai",
                "gpuai_airuntime.fleet[0]",
                "Failed",
                Some("image pull failed: manifest unknown"),
            ),
        ],
        "failed status",
    );
}

#[test]
fn a_create_that_reaches_an_unknown_status_fails_at_once_naming_it() {
    create_ending_in(
        &[
            (
                "icgpu",
                "icgpu_instance.fleet[0]",
                "degraded",
                Some("1 of 8 GPUs failed its health check"),
            ),
            ("amd", "amd_instance.fleet[0]", "maintenance", None),
            (
                "shadeform",
                "shadeform_instance.fleet[0]",
                "hibernating",
                None,
            ),
            (
                "gpuai",
                "gpuai_airuntime.fleet[0]",
                "Quarantined",
                Some("node drained for repair"),
            ),
        ],
        "unknown status",
    );
}

#[test]
fn the_helpers_find_diagnostics_and_whole_words() {
    let text = "\nError: Shadeform instance failed\n│ \n│   with shadeform_instance.fleet[0],\n│   on main.tf line 3:\n│ \n│ The instance reached status\n│ \"hibernating\" while starting.\n\nError: other\n│   with amd_instance.fleet[0],\n";
    let d = diagnostic_for(text, "shadeform_instance.fleet[0]").expect("found");
    assert!(d.contains("reached status \"hibernating\" while"), "{d}");
    assert!(has_word(&d, "hibernating"));
    assert!(!has_word("unhibernating", "hibernating"));
    assert!(diagnostic_for(text, "icgpu_instance.fleet[0]").is_none());
    let rules = campaign_faults();
    assert_eq!(rules.as_array().map(Vec::len), Some(9));
    let overall: f64 = FAULT_MIX.iter().map(|(_, r)| r).sum();
    assert!((overall - 0.30).abs() < 1e-9);
}
