//! The icgpu ephemeral resources through real Terraform: a cluster's kubeconfig read by a second
//! configuration into a provider block, and a per-run API key that configures a second provider
//! block and is revoked afterwards. Neither secret may appear in that configuration's plan JSON
//! or state.

use crate::support::{Emulator, Tf};

/// The bearer token line of a kubeconfig (`token: <secret>`).
fn kube_token(kubeconfig: &str) -> String {
    kubeconfig
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .expect("kubeconfig has a user token")
        .to_string()
}

/// Everything Terraform keeps of a configuration: its state file and a saved plan as JSON.
fn stored_text(tf: &Tf) -> String {
    let plan = tf.plan_json().to_string();
    format!("{}\n{plan}", tf.state_file())
}

#[test]
fn a_second_configuration_configures_a_provider_from_the_kubeconfig_without_storing_it() {
    let emu = Emulator::start();
    // The first configuration manages the cluster (its resource keeps the kubeconfig in state).
    let owner = Tf::new(&emu);
    owner.config(
        &["icgpu"],
        "resource \"icgpu_cluster\" \"training\" {\n  name = \"training\"\n}\n",
    );
    owner.apply();
    let cluster = owner.resource("icgpu_cluster.training");
    let id = cluster["id"].as_str().expect("cluster id").to_string();
    let token = kube_token(cluster["kubeconfig"].as_str().expect("kubeconfig"));

    // The second one only reads it, into another provider's block. The kubernetes provider
    // cannot be installed here, so an aliased icgpu provider stands in for it.
    let mut user = Tf::new(&emu);
    user.set_env("TF_VAR_cluster_id", &id);
    user.config(
        &["icgpu"],
        r#"
variable "cluster_id" {
  type = string
}

ephemeral "icgpu_cluster_kubeconfig" "training" {
  cluster_id = var.cluster_id
}

locals {
  kube = yamldecode(ephemeral.icgpu_cluster_kubeconfig.training.kubeconfig)
}

provider "icgpu" {}

provider "icgpu" {
  alias = "cluster_credentials"
  token = local.kube.users[0].user.token
}

data "icgpu_gpu_tiers" "seen_with_cluster_credentials" {
  provider = icgpu.cluster_credentials
}

output "tier_count" {
  value = length(data.icgpu_gpu_tiers.seen_with_cluster_credentials.tiers)
}
"#,
    );
    emu.reset_ledger();
    user.apply();
    // Opened once by the plan phase and once by the apply phase of `terraform apply`.
    assert_eq!(emu.count("icgpu.getClusterKubeconfig"), 2);
    assert!(emu.count("icgpu.listGpuTiers") >= 1);
    assert_eq!(user.output("tier_count"), serde_json::json!(3));
    assert_eq!(user.plan_exit_code(), 0);

    let stored = stored_text(&user);
    assert!(!stored.contains(&token), "kubeconfig token stored");
    assert!(
        !stored.contains("certificate-authority-data"),
        "kubeconfig stored"
    );
    assert!(
        !stored.contains("icgpu_cluster_kubeconfig"),
        "ephemeral resource in state or plan"
    );
    // The check itself can fail: the first configuration does keep the token in its state.
    assert!(owner.state_file().contains(&token));

    user.destroy();
    owner.destroy();
    assert!(emu.live().is_empty(), "{:?}", emu.live());
}

#[test]
fn kubeconfig_arguments_and_missing_clusters_fail_clearly() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        "ephemeral \"icgpu_cluster_kubeconfig\" \"k\" {\n  cluster_id = \"vm-abc123\"\n}\n",
    );
    let out = tf.fails(&["plan", "-no-color", "-input=false"]);
    assert!(
        out.contains("cluster_id") && out.contains("cls-abc123"),
        "{out}"
    );
    assert_eq!(
        emu.total("icgpu"),
        0,
        "validation must come before any request"
    );

    tf.config(
        &["icgpu"],
        "ephemeral \"icgpu_cluster_kubeconfig\" \"k\" {\n  cluster_id = \"cls-gone\"\n}\n",
    );
    let out = tf.fails(&["plan", "-no-color", "-input=false"]);
    assert!(out.contains("cls-gone"), "{out}");
    assert_eq!(emu.count("icgpu.getClusterKubeconfig"), 1);
}

#[test]
fn a_per_run_api_key_configures_a_second_provider_and_is_revoked() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        r#"
provider "icgpu" {}

ephemeral "icgpu_api_key" "deploy" {
  name        = "terraform-run"
  scopes      = ["ssh_keys"]
  permissions = ["read", "write"]
}

provider "icgpu" {
  alias = "ssh_keys_only"
  token = ephemeral.icgpu_api_key.deploy.key
}

resource "icgpu_ssh_key" "deploy" {
  provider   = icgpu.ssh_keys_only
  name       = "deploy"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 deploy@ci"
}
"#,
    );
    tf.apply();
    // One key per phase, each revoked when its phase was done.
    assert_eq!(emu.count("icgpu.createApiKey"), 2);
    assert_eq!(emu.count("icgpu.revokeApiKey"), 2);
    let live = emu.live();
    assert!(live.iter().all(|o| o.kind != "api_key"), "{live:?}");
    assert!(live.iter().any(|o| o.kind == "ssh_key"), "{live:?}");
    assert_eq!(tf.plan_exit_code(), 0);

    let stored = stored_text(&tf);
    assert!(!stored.contains("sk-ic-"), "an API key secret was stored");

    // The key really is limited to its scopes: the same provider block cannot make an alert.
    tf.write(
        "alert.tf",
        "resource \"icgpu_spending_alert\" \"low\" {\n  provider  = icgpu.ssh_keys_only\n  name      = \"low\"\n  threshold = 1000\n}\n",
    );
    let out = tf.fails(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    assert!(out.contains("spending_alerts"), "{out}");
    std::fs::remove_file(tf.path().join("alert.tf")).expect("remove");
    // Terraform 1.11 does not close ephemeral resources after a failed apply: that phase's key
    // outlives the run, and only its one-day default lifetime bounds it.
    let left = api_keys(&emu);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(lifetime(&left[0]), chrono::Duration::days(1));

    tf.destroy();
    let live: Vec<_> = emu.live().into_iter().map(|o| o.id).collect();
    assert_eq!(live, vec![left[0]["id"].as_str().expect("id").to_string()]);
}

/// The account's API keys as the emulator lists them.
fn api_keys(emu: &Emulator) -> Vec<serde_json::Value> {
    let url = format!("{}/icgpu/api/v1/api-keys", emu.base_url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let body: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .get(&url)
            .bearer_auth("icgpu-test-token")
            .send()
            .await
            .expect("list API keys")
            .json()
            .await
            .expect("JSON")
    });
    body["apiKeys"].as_array().cloned().unwrap_or_default()
}

fn lifetime(key: &serde_json::Value) -> chrono::Duration {
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(key[k].as_str().expect("timestamp")).expect("RFC 3339")
    };
    at("expires_at") - at("created_at")
}
