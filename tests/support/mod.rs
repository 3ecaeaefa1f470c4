//! The acceptance harness: the real `terraform` against the freshly built provider binary and
//! an in-process emulator, the way a user would run it.
//!
//! ```ignore
//! let emu = Emulator::start();
//! let tf = Tf::new(&emu);
//! tf.write("main.tf", r#"resource "icgpu_instance" "a" { name = "a"  tier = "mig" }"#);
//! tf.apply();
//! assert_eq!(tf.plan_exit_code(), 0);
//! assert_eq!(emu.count("icgpu.createInstance"), 1);
//! tf.destroy();
//! assert!(emu.live().is_empty());
//! ```
#![allow(dead_code)]

pub mod icgpu;
pub mod sshd;

use gpucloud::emulator::{self, EmulatorConfig, EmulatorHandle, FaultTally, LiveObject};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The provider binary cargo built for this test run.
pub const PROVIDER_BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-gpucloud");

/// Credentials the emulator accepts (see src/emulator).
pub const TOKENS: &[(&str, &str)] = &[
    ("ICGPU_TOKEN", "icgpu-test-token"),
    ("ICGPU_LLM_API_KEY", "sk-ic-emulator-test-key"),
    ("AMD_API_KEY", "amd-test-key"),
    ("ROCM_TOKEN", "rocm-test-token"),
    ("SHADEFORM_API_KEY", "shadeform-test-key"),
    ("GPUAI_TOKEN", "gpuai-test-token"),
];

/// Where each member's `endpoint` points, relative to the emulator's base URL.
pub const MOUNTS: &[(&str, &str)] = &[
    ("ICGPU_ENDPOINT", "/icgpu"),
    ("AMD_ENDPOINT", "/amd/v1"),
    ("ROCM_ENDPOINT", "/rocm/v1"),
    ("SHADEFORM_ENDPOINT", "/shadeform/v1"),
    ("GPUAI_ENDPOINT", "/gpuai/gpu"),
    ("GPUAI_INVENTORY_ENDPOINT", "/gpuai/inventory"),
];

/// An emulator on 127.0.0.1 with an ephemeral port, on a runtime of its own so blocking
/// `terraform` runs in the test thread never starve it.
pub struct Emulator {
    rt: tokio::runtime::Runtime,
    handle: Option<EmulatorHandle>,
    pub base_url: String,
}

impl Emulator {
    pub fn start() -> Self {
        Self::start_with(EmulatorConfig {
            step: Duration::from_millis(150),
            ..EmulatorConfig::default()
        })
    }

    pub fn start_with(config: EmulatorConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let handle = rt
            .block_on(emulator::start(
                config,
                "127.0.0.1:0".parse().expect("addr"),
            ))
            .expect("emulator starts");
        let base_url = handle.base_url();
        Self {
            rt,
            handle: Some(handle),
            base_url,
        }
    }

    fn handle(&self) -> &EmulatorHandle {
        self.handle.as_ref().expect("emulator running")
    }

    /// Requests served per `<api>.<operationId>`.
    pub fn count(&self, operation: &str) -> u64 {
        let (api, op) = operation.split_once('.').expect("<api>.<operationId>");
        self.handle().shared().ledger.count(api, op)
    }

    /// Every request counted so far, summed over operations of `api` (e.g. "icgpu").
    pub fn total(&self, api: &str) -> u64 {
        self.handle()
            .shared()
            .ledger
            .counts()
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{api}.")))
            .map(|(_, v)| *v)
            .sum()
    }

    /// Requests of `api` served besides the listed operations (e.g. besides the refresh's
    /// reads: whether an apply sent anything).
    pub fn requests_besides(&self, api: &str, allowed: &[&str]) -> u64 {
        let allowed: u64 = allowed
            .iter()
            .map(|op| self.count(&format!("{api}.{op}")))
            .sum();
        self.total(api) - allowed
    }

    /// Every `<api>.<operationId>` served so far, with its count.
    pub fn requests(&self) -> std::collections::BTreeMap<String, u64> {
        self.handle().shared().ledger.counts()
    }

    pub fn live(&self) -> Vec<LiveObject> {
        self.handle().live_objects()
    }

    pub fn reset_ledger(&self) {
        self.handle().shared().ledger.reset();
    }

    /// The ids of the objects creates made, keyed `"<api>.<kind>"`.
    pub fn created(&self) -> BTreeMap<String, Vec<String>> {
        self.handle().shared().ledger.created()
    }

    /// How many objects creates made, over every API and kind.
    pub fn created_total(&self) -> usize {
        self.created().values().map(Vec::len).sum()
    }

    /// Adds fault rules (one rule or an array, as `POST /_admin/faults` takes them).
    pub fn add_faults(&self, rules: serde_json::Value) {
        self.post("/_admin/faults", rules);
    }

    /// Removes every fault rule; the tally stays.
    pub fn clear_faults(&self) {
        self.handle().shared().faults.clear();
    }

    /// Faults injected so far and the retries that followed them.
    pub fn fault_tally(&self) -> FaultTally {
        self.handle().shared().faults.tally()
    }

    /// Objects created from now on stay in their first (starting) status until [`release`].
    ///
    /// [`release`]: Emulator::release
    pub fn hold(&self) {
        self.post("/_admin/hold", serde_json::json!({}));
    }

    /// Ends a hold; returns how many held objects now boot.
    pub fn release(&self) -> usize {
        self.handle().release_held()
    }

    /// The next create of `api` ends in `status` (with `message` where the API shows one).
    pub fn queue_outcome(&self, api: &str, status: &str, message: Option<&str>) {
        self.post(
            "/_admin/outcomes",
            serde_json::json!({ "api": api, "status": status, "message": message }),
        );
    }

    /// POSTs JSON to an admin or API path on the emulator (e.g. `/_admin/icgpu/...`).
    pub fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let url = format!("{}{}", self.base_url, path);
        self.rt.block_on(async move {
            let resp = reqwest::Client::new()
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("admin request");
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            assert!(status.is_success(), "POST {url} → {status}: {text}");
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
        })
    }

    /// The environment that points every member at this emulator.
    pub fn env(&self) -> Vec<(String, String)> {
        MOUNTS
            .iter()
            .map(|(k, m)| (k.to_string(), format!("{}{}", self.base_url, m)))
            .chain(TOKENS.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            // A request slowed by a latency fault would hold a graceful shutdown for its whole
            // delay; dropping the runtime afterwards ends it.
            self.rt.block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(5), h.shutdown()).await;
            });
        }
    }
}

/// One Terraform working directory with a dev_overrides CLI config pointing every member at
/// the freshly built binary.
pub struct Tf {
    pub dir: tempfile::TempDir,
    plugins: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Tf {
    pub fn new(emu: &Emulator) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let plugins = tempfile::tempdir().expect("tempdir");
        let mut overrides = String::new();
        for member in gpucloud::providers::MEMBERS {
            let link = plugins.path().join(format!("terraform-provider-{member}"));
            std::os::unix::fs::symlink(PROVIDER_BIN, &link).expect("symlink provider");
            overrides.push_str(&format!(
                "    \"registry.terraform.io/gpucloud/{member}\" = \"{}\"\n",
                plugins.path().display()
            ));
        }
        let cli_config = plugins.path().join("terraformrc");
        std::fs::write(
            &cli_config,
            format!("provider_installation {{\n  dev_overrides {{\n{overrides}  }}\n  direct {{}}\n}}\n"),
        )
        .expect("write terraformrc");
        let mut env = emu.env();
        env.extend([
            (
                "TF_CLI_CONFIG_FILE".to_string(),
                cli_config.display().to_string(),
            ),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            ("GPUCLOUD_POLL_INTERVAL_MS".into(), "100".into()),
        ]);
        Self { dir, plugins, env }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Adds or overrides an environment variable for every later terraform run.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// Writes a file into the working directory (replacing it).
    pub fn write(&self, name: &str, contents: &str) {
        std::fs::write(self.dir.path().join(name), contents).expect("write config");
    }

    /// Writes `main.tf` with the `required_providers` block for `members` prepended.
    pub fn config(&self, members: &[&str], body: &str) {
        let mut req = String::from("terraform {\n  required_providers {\n");
        for m in members {
            req.push_str(&format!("    {m} = {{ source = \"gpucloud/{m}\" }}\n"));
        }
        req.push_str("  }\n}\n\n");
        self.write("main.tf", &format!("{req}{body}"));
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// Runs `terraform <args>` and returns its output, whatever the exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("terraform");
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output().expect("terraform runs")
    }

    /// Runs terraform and panics with its output unless it succeeds.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = describe(&out);
        assert!(
            out.status.success(),
            "terraform {} failed:\n{text}",
            args.join(" ")
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs terraform, expects failure, and returns stdout+stderr for assertions.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = describe(&out);
        assert!(
            !out.status.success(),
            "terraform {} unexpectedly succeeded:\n{text}",
            args.join(" ")
        );
        text
    }

    pub fn validate(&self) -> String {
        self.ok(&["validate", "-no-color"])
    }

    pub fn apply(&self) -> String {
        self.ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    pub fn destroy(&self) -> String {
        self.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: 0 no changes, 2 changes (1 is an error and panics).
    pub fn plan_exit_code(&self) -> i32 {
        let out = self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        let code = out.status.code().unwrap_or(-1);
        assert!(code == 0 || code == 2, "plan failed:\n{}", describe(&out));
        code
    }

    /// The plan text (for asserting on what Terraform shows the user).
    pub fn plan_text(&self) -> String {
        self.ok(&["plan", "-input=false", "-no-color"])
    }

    /// Saves a plan and returns `terraform show -json` of it.
    pub fn plan_json(&self) -> serde_json::Value {
        self.ok(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
        let text = self.ok(&["show", "-json", "tfplan"]);
        serde_json::from_str(&text).expect("plan json")
    }

    pub fn import(&self, address: &str, id: &str) -> String {
        self.ok(&["import", "-input=false", "-no-color", address, id])
    }

    /// `terraform show -json` of the state.
    pub fn state_json(&self) -> serde_json::Value {
        let text = self.ok(&["show", "-json"]);
        serde_json::from_str(&text).expect("state json")
    }

    /// The attribute values of one resource in state, by address (`icgpu_instance.a`).
    pub fn resource(&self, address: &str) -> serde_json::Value {
        let state = self.state_json();
        find_resource(&state["values"]["root_module"], address)
            .unwrap_or_else(|| panic!("{address} not in state: {state}"))
    }

    pub fn output(&self, name: &str) -> serde_json::Value {
        let text = self.ok(&["output", "-json", name]);
        serde_json::from_str(&text).expect("output json")
    }

    /// The raw terraform.tfstate text (for greps that secrets are absent).
    pub fn state_file(&self) -> String {
        self.read("terraform.tfstate")
    }

    pub fn plugin_dir(&self) -> PathBuf {
        self.plugins.path().to_path_buf()
    }

    /// Starts `terraform <args>` without waiting, its output going to files, so a test can
    /// signal it mid-run the way a user presses Ctrl-C or the OOM killer strikes.
    pub fn spawn(&self, args: &[&str]) -> Running {
        let out = tempfile::tempdir().expect("tempdir");
        let stdout = std::fs::File::create(out.path().join("stdout")).expect("stdout file");
        let stderr = std::fs::File::create(out.path().join("stderr")).expect("stderr file");
        let mut cmd = Command::new("terraform");
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("terraform starts");
        Running {
            child,
            out,
            args: args.join(" "),
        }
    }

    /// The `id` of every managed resource in state, by address.
    pub fn state_ids(&self) -> BTreeMap<String, String> {
        let state = self.state_json();
        let mut ids = BTreeMap::new();
        for r in state["values"]["root_module"]["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["mode"] == "managed")
        {
            if let (Some(address), Some(id)) = (r["address"].as_str(), r["values"]["id"].as_str()) {
                ids.insert(address.to_string(), id.to_string());
            }
        }
        ids
    }
}

/// A `terraform` run started by [`Tf::spawn`]. Dropping it kills what is still running.
pub struct Running {
    child: Child,
    out: tempfile::TempDir,
    args: String,
}

/// How a spawned run ended.
#[derive(Debug)]
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// From the signal (or spawn) to exit.
    pub took: Duration,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout and stderr, for assertions and failure messages.
    pub fn text(&self) -> String {
        format!(
            "exit: {:?} after {:.1}s\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.took.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` ("INT", "KILL", ...) to terraform itself.
    pub fn signal(&self, signal: &str) {
        send_signal(self.pid(), signal);
    }

    /// The provider plugin processes terraform started (`terraform-provider-*` below it).
    pub fn provider_pids(&self) -> Vec<u32> {
        descendants(self.pid())
            .into_iter()
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .ok()
                    .and_then(|c| {
                        let argv0 = c.split(|b| *b == 0).next()?.to_vec();
                        let argv0 = String::from_utf8(argv0).ok()?;
                        let name = Path::new(&argv0).file_name()?.to_str()?.to_string();
                        Some(name.starts_with("terraform-provider-"))
                    })
                    .unwrap_or(false)
            })
            .collect()
    }

    /// Whether terraform has exited.
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits up to `limit` for terraform to exit, timing from `since`; kills it (and its
    /// providers) and returns `None` when it does not.
    pub fn wait(mut self, since: Instant, limit: Duration) -> Option<Finished> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(Finished {
                    code: status.code(),
                    stdout: self.read("stdout"),
                    stderr: self.read("stderr"),
                    took: since.elapsed(),
                });
            }
            if Instant::now() >= deadline {
                eprintln!(
                    "terraform {} still running after {limit:?}; killing it. Output so far:\n{}\n{}",
                    self.args,
                    self.read("stdout"),
                    self.read("stderr")
                );
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.out.path().join(name)).unwrap_or_default()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            for pid in descendants(self.pid()) {
                send_signal(pid, "KILL");
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A change the provider applies on its own: the plan shows one change naming `shown` and
/// nothing "known after apply", and the apply sends `api` nothing but the refresh's `reads`.
pub fn applies_without_requests(tf: &Tf, emu: &Emulator, shown: &str, api: &str, reads: &[&str]) {
    let plan = tf.plan_text();
    assert!(
        plan.contains("1 to change") && plan.contains(shown),
        "{plan}"
    );
    assert!(!plan.contains("known after apply"), "{plan}");
    emu.reset_ledger();
    tf.apply();
    assert_eq!(emu.requests_besides(api, reads), 0, "{:?}", emu.requests());
}

/// Prints a test's figures where CI shows them: straight to the process's stderr, which the
/// test harness does not capture (it captures `println!` and `eprintln!`).
pub fn report(text: &str) {
    use std::io::Write;
    let line = if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    };
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// `kill -<signal> <pid>`: the test stands in for the user's terminal or the OOM killer.
pub fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    // A process that already exited (a member's provider done with its work) is no failure.
    let gone = !Path::new(&format!("/proc/{pid}")).exists();
    assert!(status.success() || gone, "kill -{signal} {pid} failed");
}

/// Every process below `root`, from `/proc/<pid>/stat` parent links.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents: BTreeMap<u32, u32> = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let ppid = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.insert(pid, ppid);
        }
    }
    let mut found: BTreeSet<u32> = BTreeSet::from([root]);
    loop {
        let before = found.len();
        for (pid, ppid) in &parents {
            if found.contains(ppid) {
                found.insert(*pid);
            }
        }
        if found.len() == before {
            break;
        }
    }
    found.remove(&root);
    found.into_iter().collect()
}

/// Polls `done` every 100 ms until it holds; panics after `limit`, naming `what`.
pub fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn find_resource(module: &serde_json::Value, address: &str) -> Option<serde_json::Value> {
    module["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .map(|r| r["values"].clone())
}

pub fn describe(out: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
