//! The rest of the `icgpu` member through real Terraform against the in-process emulator: VMs
//! (start/stop/reboot in place), clusters and their kubeconfig, API keys, SSH keys, spending
//! alerts and the public catalogues. Each resource goes create → empty plan → in-place change
//! counted in the ledger (where the API has one) → replacement → import with generated config →
//! destroy with nothing left live; one-time secrets never reach plan output or TRACE logs.

use crate::support::icgpu::{id_of, import_with_generated_config, live_icgpu};
use crate::support::{applies_without_requests, Emulator, Tf};

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop";

/// Runs `terraform apply` with TF_LOG=TRACE and returns stdout+stderr.
fn apply_traced(tf: &mut Tf) -> String {
    tf.set_env("TF_LOG", "TRACE");
    let out = tf.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    tf.set_env("TF_LOG", "");
    let text = crate::support::describe(&out);
    assert!(out.status.success(), "apply failed:\n{text}");
    text
}

fn vm(cpu: i64, desired: &str, trigger: &str) -> String {
    format!(
        r#"
resource "icgpu_vm" "v" {{
  name           = "acc-vm"
  template_id    = "tpl-ubuntu-gpu"
  cpu            = {cpu}
  disk_gb        = 60
  ssh_key        = "{KEY}"
  desired_state  = "{desired}"
  reboot_trigger = "{trigger}"
}}
"#
    )
}

#[test]
fn vm_stops_starts_and_reboots_in_place_replaces_imports_and_destroys() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &vm(8, "running", "r1"));
    tf.apply();
    let r = tf.resource("icgpu_vm.v");
    let id = id_of(&tf, "icgpu_vm.v");
    assert!(id.starts_with("vm-"), "{r}");
    assert_eq!(r["status"], "running");
    assert_eq!(r["template_id"], "tpl-ubuntu-gpu");
    assert_eq!(r["memory_gb"], 32, "template default: {r}");
    assert_eq!(r["gpu_model"], "NVIDIA A100 80GB PCIe");
    assert_eq!(r["ssh_user"], "gpuuser");
    assert!(r["ssh_command"]
        .as_str()
        .is_some_and(|c| c.starts_with("ssh -p ")));
    assert_eq!(emu.count("icgpu.createVm"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // A new reboot_trigger reboots in place: exactly one reboot call.
    emu.reset_ledger();
    tf.config(&["icgpu"], &vm(8, "running", "r2"));
    let plan = tf.plan_text();
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");
    tf.apply();
    assert_eq!(emu.count("icgpu.rebootVm"), 1);
    assert_eq!(emu.count("icgpu.createVm"), 0);
    assert_eq!(emu.count("icgpu.deleteVm"), 0);
    assert_eq!(tf.resource("icgpu_vm.v")["status"], "running");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Stop in place: exactly one stop call.
    emu.reset_ledger();
    tf.config(&["icgpu"], &vm(8, "stopped", "r2"));
    tf.apply();
    assert_eq!(emu.count("icgpu.stopVm"), 1);
    assert_eq!(emu.count("icgpu.rebootVm"), 0);
    let r = tf.resource("icgpu_vm.v");
    assert_eq!(r["status"], "stopped");
    assert!(r["ssh_host"].is_null(), "{r}");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Rebooting a VM that stays stopped is refused at plan time, before any API call.
    emu.reset_ledger();
    tf.config(&["icgpu"], &vm(8, "stopped", "r3"));
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(out.contains("Cannot reboot a stopped VM"), "{out}");
    assert_eq!(emu.count("icgpu.rebootVm") + emu.count("icgpu.startVm"), 0);

    // Start and reboot in one change: start first, then reboot.
    emu.reset_ledger();
    tf.config(&["icgpu"], &vm(8, "running", "r3"));
    tf.apply();
    assert_eq!(emu.count("icgpu.startVm"), 1);
    assert_eq!(emu.count("icgpu.rebootVm"), 1);
    assert_eq!(tf.resource("icgpu_vm.v")["status"], "running");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // A sizing change replaces the VM.
    emu.reset_ledger();
    tf.config(&["icgpu"], &vm(4, "running", "r3"));
    let plan = tf.plan_text();
    assert!(plan.contains("must be replaced"), "{plan}");
    tf.apply();
    assert_eq!(emu.count("icgpu.createVm"), 1);
    assert_eq!(emu.count("icgpu.deleteVm"), 1);
    let new_id = id_of(&tf, "icgpu_vm.v");
    assert_ne!(new_id, id);
    assert_eq!(tf.resource("icgpu_vm.v")["cpu"], 4);

    let generated = import_with_generated_config(&emu, "icgpu_vm.g", &new_id);
    assert!(generated.contains("tpl-ubuntu-gpu"), "{generated}");

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

fn cluster(name: &str) -> String {
    cluster_with(name, "")
}

/// The cluster with `extra` (a block) in its resource.
fn cluster_with(name: &str, extra: &str) -> String {
    format!(
        r#"
resource "icgpu_cluster" "c" {{
  name    = "{name}"
  version = "1.30"
  {extra}
}}

output "kubeconfig" {{
  value     = icgpu_cluster.c.kubeconfig
  sensitive = true
}}
"#
    )
}

/// The admin token inside a kubeconfig (`users[0].user.token`) and its server URL.
fn kubeconfig_parts(yaml: &str) -> (String, String) {
    let doc: serde_yaml::Value = serde_yaml::from_str(yaml).expect("kubeconfig is YAML");
    let server = doc["clusters"][0]["cluster"]["server"]
        .as_str()
        .expect("clusters[0].cluster.server")
        .to_string();
    let token = doc["users"][0]["user"]["token"]
        .as_str()
        .expect("users[0].user.token")
        .to_string();
    (server, token)
}

#[test]
fn cluster_waits_for_running_exposes_a_sensitive_kubeconfig_replaces_and_imports() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.config(&["icgpu"], &cluster("acc-cls"));
    let log = apply_traced(&mut tf);
    let r = tf.resource("icgpu_cluster.c");
    assert_eq!(r["status"], "running");
    assert_eq!(r["version"], "1.30");
    let endpoint = r["endpoint"].as_str().expect("endpoint").to_string();
    assert!(endpoint.starts_with("https://"), "{r}");
    assert_eq!(emu.count("icgpu.getClusterKubeconfig"), 1);

    // A consumer such as provider "kubernetes" reads it through a sensitive output.
    let yaml = tf.output("kubeconfig");
    let (server, token) = kubeconfig_parts(yaml.as_str().expect("kubeconfig string"));
    assert_eq!(server, endpoint);
    assert!(
        !log.contains(&token),
        "kubeconfig token leaked into TRACE logs"
    );
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // New timeouts alone change nothing the API knows: the plan shows only them (nothing is
    // known after apply) and the apply sends no request.
    tf.config(
        &["icgpu"],
        &cluster_with("acc-cls", r#"timeouts { create = "45m" }"#),
    );
    let refresh = ["getCluster", "listClusters"];
    applies_without_requests(&tf, &emu, "45m", "icgpu", &refresh);
    assert_eq!(tf.resource("icgpu_cluster.c")["timeouts"]["create"], "45m");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // A new name replaces the cluster; the plan never shows the kubeconfig.
    emu.reset_ledger();
    tf.config(&["icgpu"], &cluster("acc-cls2"));
    let plan = tf.plan_text();
    assert!(plan.contains("must be replaced"), "{plan}");
    assert!(!plan.contains(&token), "kubeconfig token in plan output");
    let log = apply_traced(&mut tf);
    assert!(!log.contains(&token), "old kubeconfig token in TRACE logs");
    assert_eq!(emu.count("icgpu.createCluster"), 1);
    assert_eq!(emu.count("icgpu.deleteCluster"), 1);
    let yaml = tf.output("kubeconfig");
    let (_, new_token) = kubeconfig_parts(yaml.as_str().expect("kubeconfig string"));
    assert!(
        !log.contains(&new_token),
        "kubeconfig token leaked into TRACE logs"
    );
    let id = id_of(&tf, "icgpu_cluster.c");

    // An import fetches the kubeconfig again (it is not a one-time secret).
    emu.reset_ledger();
    let generated = import_with_generated_config(&emu, "icgpu_cluster.g", &id);
    assert!(generated.contains("acc-cls2"), "{generated}");
    assert!(emu.count("icgpu.getClusterKubeconfig") >= 1);

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

fn api_key(name: &str) -> String {
    format!(
        r#"
resource "icgpu_api_key" "k" {{
  name            = "{name}"
  scopes          = ["vms", "clusters"]
  permissions     = ["read", "write"]
  expires_in_days = 30
}}

output "key" {{
  value     = icgpu_api_key.k.key
  sensitive = true
}}
"#
    )
}

#[test]
fn api_key_secret_is_returned_once_kept_sensitive_and_import_plans_no_replacement() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.config(&["icgpu"], &api_key("acc-key"));
    let log = apply_traced(&mut tf);
    let r = tf.resource("icgpu_api_key.k");
    let key = tf.output("key").as_str().expect("key").to_string();
    assert!(key.starts_with("sk-ic-"), "{key}");
    assert!(
        key.starts_with(r["prefix"].as_str().expect("prefix")),
        "{r}"
    );
    assert!(!log.contains(&key), "API key leaked into TRACE logs");
    assert_eq!(r["status"], "active");
    assert!(r["expires_at"].is_string(), "{r}");
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Keys are immutable: a new name creates a new key and revokes the old one.
    emu.reset_ledger();
    tf.config(&["icgpu"], &api_key("acc-key2"));
    let plan = tf.plan_text();
    assert!(plan.contains("must be replaced"), "{plan}");
    assert!(!plan.contains(&key), "API key in plan output");
    let log = apply_traced(&mut tf);
    assert!(!log.contains(&key), "old API key in TRACE logs");
    assert_eq!(emu.count("icgpu.createApiKey"), 1);
    assert_eq!(emu.count("icgpu.revokeApiKey"), 1);
    let new_key = tf.output("key").as_str().expect("key").to_string();
    assert_ne!(new_key, key);
    assert!(!log.contains(&new_key), "API key leaked into TRACE logs");
    let id = id_of(&tf, "icgpu_api_key.k");

    // Import derives expires_in_days, so the generated config plans no replacement; the
    // secret cannot be recovered.
    let generated = import_with_generated_config(&emu, "icgpu_api_key.g", &id);
    assert!(generated.contains("expires_in_days = 30"), "{generated}");

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
    assert_eq!(emu.count("icgpu.revokeApiKey"), 2);
}

fn ssh_keys(upload_name: &str) -> String {
    format!(
        r#"
resource "icgpu_ssh_key" "up" {{
  name       = "{upload_name}"
  public_key = "{KEY}\n"
}}

resource "icgpu_ssh_key" "gen" {{
  name     = "acc-generated"
  generate = true
}}

output "private_key" {{
  value     = icgpu_ssh_key.gen.private_key
  sensitive = true
}}
"#
    )
}

#[test]
fn ssh_keys_upload_or_generate_keep_the_private_key_secret_replace_and_import() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.config(&["icgpu"], &ssh_keys("acc-upload"));
    let log = apply_traced(&mut tf);
    let up = tf.resource("icgpu_ssh_key.up");
    assert!(up["fingerprint"]
        .as_str()
        .is_some_and(|f| f.starts_with("SHA256:")));
    assert!(up["private_key"].is_null(), "{up}");
    let gen = tf.resource("icgpu_ssh_key.gen");
    assert!(gen["public_key"]
        .as_str()
        .is_some_and(|k| k.starts_with("ssh-ed25519 ")));
    let private = tf
        .output("private_key")
        .as_str()
        .expect("private key")
        .to_string();
    assert!(private.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    let body_line = private.lines().nth(1).expect("key body").to_string();
    assert!(
        !log.contains(&body_line),
        "private key leaked into TRACE logs"
    );
    assert_eq!(emu.count("icgpu.createSshKey"), 1);
    assert_eq!(emu.count("icgpu.generateSshKey"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // No PATCH exists: a new name replaces the key.
    emu.reset_ledger();
    tf.config(&["icgpu"], &ssh_keys("acc-upload2"));
    let plan = tf.plan_text();
    assert!(
        plan.contains("1 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    assert!(!plan.contains(&body_line), "private key in plan output");
    tf.apply();
    assert_eq!(emu.count("icgpu.createSshKey"), 1);
    assert_eq!(emu.count("icgpu.deleteSshKey"), 1);
    assert_eq!(emu.count("icgpu.generateSshKey"), 0);

    // Both kinds import with a config that plans nothing.
    let up_id = id_of(&tf, "icgpu_ssh_key.up");
    let gen_id = id_of(&tf, "icgpu_ssh_key.gen");
    let generated = import_with_generated_config(&emu, "icgpu_ssh_key.u", &up_id);
    assert!(generated.contains("acc-upload2"), "{generated}");
    let generated = import_with_generated_config(&emu, "icgpu_ssh_key.g", &gen_id);
    assert!(generated.contains("acc-generated"), "{generated}");

    // Exactly one source.
    tf.write(
        "bad.tf",
        r#"
resource "icgpu_ssh_key" "bad" {
  name = "bad"
}
"#,
    );
    let out = tf.fails(&["validate", "-no-color"]);
    assert!(out.contains("Missing SSH public key"), "{out}");
    tf.write("bad.tf", "");

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

fn alert(name: &str, threshold: i64, via: &str) -> String {
    format!(
        r#"
resource "icgpu_spending_alert" "a" {{
  name       = "{name}"
  threshold  = {threshold}
  notify_via = "{via}"
}}
"#
    )
}

#[test]
fn spending_alert_changes_in_place_with_one_patch_and_imports() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &alert("Low balance", 100000, "webhook"));
    tf.apply();
    let r = tf.resource("icgpu_spending_alert.a");
    let id = id_of(&tf, "icgpu_spending_alert.a");
    assert!(id.starts_with("alert-"), "{r}");
    assert_eq!(r["triggered"], false);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    emu.reset_ledger();
    tf.config(&["icgpu"], &alert("Low balance", 50000, "webhook"));
    tf.apply();
    assert_eq!(emu.count("icgpu.updateSpendingAlert"), 1);
    assert_eq!(emu.count("icgpu.createSpendingAlert"), 0);
    assert_eq!(tf.resource("icgpu_spending_alert.a")["threshold"], 50000);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    emu.reset_ledger();
    tf.config(&["icgpu"], &alert("Very low balance", 50000, "in_app"));
    tf.apply();
    assert_eq!(emu.count("icgpu.updateSpendingAlert"), 1);
    assert_eq!(emu.count("icgpu.deleteSpendingAlert"), 0);
    assert_eq!(id_of(&tf, "icgpu_spending_alert.a"), id);
    assert_eq!(
        tf.resource("icgpu_spending_alert.a")["notify_via"],
        "in_app"
    );

    // A non-positive threshold is refused before any API call.
    emu.reset_ledger();
    tf.config(&["icgpu"], &alert("Very low balance", 0, "in_app"));
    let out = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(out.contains("threshold"), "{out}");
    assert_eq!(emu.total("icgpu"), 0);
    tf.config(&["icgpu"], &alert("Very low balance", 50000, "in_app"));

    let generated = import_with_generated_config(&emu, "icgpu_spending_alert.g", &id);
    assert!(generated.contains("50000"), "{generated}");

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

#[test]
fn catalogue_data_sources_work_without_a_token_and_filter() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.set_env("ICGPU_TOKEN", "");
    tf.config(
        &["icgpu"],
        r#"
data "icgpu_vm_templates" "gpu" {
  gpu = true
}

data "icgpu_token_packages" "all" {}

data "icgpu_model_catalogue" "embedding" {
  engine = "infinity"
}

output "templates" {
  value = data.icgpu_vm_templates.gpu.vm_templates
}

output "packages" {
  value = data.icgpu_token_packages.all.token_packages
}

output "models" {
  value = data.icgpu_model_catalogue.embedding.model_catalogue
}
"#,
    );
    tf.apply();
    let templates = tf.output("templates");
    let templates = templates.as_array().expect("list");
    assert_eq!(templates.len(), 1, "{templates:?}");
    assert_eq!(templates[0]["id"], "tpl-ubuntu-gpu");
    assert_eq!(templates[0]["min_disk_gb"], 40);
    assert_eq!(templates[0]["gpu_count"], 1);

    let packages = tf.output("packages");
    let packages = packages.as_array().expect("list");
    assert_eq!(packages.len(), 3, "{packages:?}");
    assert_eq!(packages[0]["id"], "pkg-starter");
    assert_eq!(packages[0]["price_usd_cents"], 1000);

    let models = tf.output("models");
    let models = models.as_array().expect("list");
    assert_eq!(models.len(), 1, "{models:?}");
    assert_eq!(models[0]["model"], "BAAI/bge-large-en-v1.5");
    assert_eq!(models[0]["resource_profile"], "nvidia-gpu-timesliced");
    assert_eq!(models[0]["context_length"], 512);

    assert!(emu.count("icgpu.listVmTemplates") >= 1);
    assert!(emu.count("icgpu.listTokenPackages") >= 1);
    assert!(emu.count("icgpu.listModelCatalogue") >= 1);
    assert_eq!(tf.plan_exit_code(), 0);
}
