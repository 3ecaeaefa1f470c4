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

use gpucloud::emulator::{self, EmulatorConfig, EmulatorHandle, LiveObject};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The provider binary cargo built for this test run.
pub const PROVIDER_BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-gpucloud");

/// Credentials the emulator accepts (see src/emulator).
pub const TOKENS: &[(&str, &str)] = &[
    ("ICGPU_TOKEN", "icgpu-test-token"),
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

    pub fn live(&self) -> Vec<LiveObject> {
        self.handle().live_objects()
    }

    pub fn reset_ledger(&self) {
        self.handle().shared().ledger.reset();
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
            self.rt.block_on(h.shutdown());
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
