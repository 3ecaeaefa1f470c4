//! `icgpu_slurm_environment`: a managed Slurm HPC environment. The API has no update, so every
//! argument replaces it. Create waits for `running` (optionally for the head node's SSH too)
//! through the shared lifecycle, with an `Idempotency-Key` so a retried create never makes a
//! second environment.

use super::jobs_api::{CreateSlurmEnvironment, SlurmEnvironment, SlurmEnvironments};
use super::records::dns_label;
use super::IcGpuClient;
use crate::framework::resource::Operation;
use crate::framework::validators::{between, Validator};
use crate::framework::ImportForm;
use crate::framework::{Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
use crate::providers::common::lifecycle;
use crate::providers::common::ssh_ready;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub struct SlurmEnvironmentResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SlurmEnvironmentModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub max_nodes: Option<i64>,
    pub gpu_per_node: Option<i64>,
    pub status: Option<String>,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<i64>,
    pub ssh_command: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
    pub wait_for_ssh: Option<bool>,
    pub ssh_host_key_fingerprint: Option<String>,
}

impl SlurmEnvironmentModel {
    fn observe(&mut self, e: &SlurmEnvironment) {
        self.id = Some(e.id.clone());
        self.name = Some(e.name.clone());
        self.max_nodes = Some(e.max_nodes);
        self.gpu_per_node = Some(e.gpu_per_node);
        self.status = Some(e.status.clone());
        // The endpoint is null outside `running`; keep the last known one meanwhile so a
        // consumer's configuration does not flap.
        self.ssh_host = e.ssh_host.clone().or(self.ssh_host.take());
        self.ssh_port = e.ssh_port.or(self.ssh_port);
        let user = e.ssh_user.as_deref().or(Some("gpuuser"));
        self.ssh_command = ssh_ready::login_command(self.ssh_host.as_deref(), self.ssh_port, user);
        self.created_at = e.created_at.clone();
        self.error_message = e.error_message.clone();
        // An import knows nothing of the wait: its default.
        self.wait_for_ssh = self.wait_for_ssh.or(Some(false));
    }
}

/// A required argument that replaces the environment when it changes.
fn argument(a: Attribute, check: Arc<dyn Validator>) -> Attribute {
    a.required().requires_replace().validator(check)
}

/// A computed value set once the environment runs and kept afterwards.
fn kept(a: Attribute, what: &str) -> Attribute {
    let note = "Set once the environment runs; kept while it is not.";
    a.computed()
        .use_state_for_unknown()
        .description(format!("{what} {note}"))
}

#[async_trait]
impl Resource for SlurmEnvironmentResource {
    type Client = IcGpuClient;
    type Model = SlurmEnvironmentModel;

    fn type_name(&self) -> &'static str {
        "slurm_environment"
    }

    fn schema(&self) -> Schema {
        let [wait_for_ssh, host_key_fingerprint] = ssh_ready::attributes();
        Schema::new(
            "A managed Slurm HPC environment for distributed GPU training: its own Slurm \
             control plane and a head node reached over SSH, where jobs are submitted with \
             `sbatch`, `srun` and `squeue`. The API cannot change an environment, so every \
             argument replaces it.",
        )
        .attribute(super::records::id(
            "Environment ID (`slurm-...`); also the import ID.",
        ))
        .attribute(
            argument(Attribute::string("name"), dns_label())
                .description("Environment name, unique among the account's environments."),
        )
        .attribute(
            argument(Attribute::int("max_nodes"), between(1.0, 32.0))
                .description("Most compute nodes the environment scales to, 1 to 32."),
        )
        .attribute(
            argument(Attribute::int("gpu_per_node"), between(1.0, 8.0))
                .description("GPUs per compute node, 1 to 8."),
        )
        .attribute(Attribute::string("status").output(
            "Lifecycle status reported by the API: provisioning, running, failed or deleting.",
        ))
        .attribute(kept(Attribute::string("ssh_host"), "Head node host."))
        .attribute(kept(Attribute::int("ssh_port"), "Head node SSH port."))
        .attribute(kept(
            Attribute::string("ssh_command"),
            "Login command for the head node: `ssh -p <ssh_port> gpuuser@<ssh_host>`.",
        ))
        .attribute(super::records::created_at())
        .attribute(
            Attribute::string("error_message")
                .output("Why the environment is in status `failed`; null otherwise."),
        )
        .attribute(wait_for_ssh)
        .attribute(host_key_fingerprint)
        .timeouts(&["create", "read", "delete"])
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        let create = matches!(op, Operation::Create);
        Duration::from_secs(60 * if create { 30 } else { 10 })
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: SlurmEnvironmentModel,
    ) -> Result<SlurmEnvironmentModel, Failure<SlurmEnvironmentModel>> {
        let api = &super::api(ctx)?;
        let request = |name: &str| {
            let body = CreateSlurmEnvironment {
                name: name.to_string(),
                max_nodes: plan.max_nodes.unwrap_or_default(),
                gpu_per_node: plan.gpu_per_node.unwrap_or_default(),
            };
            api.post("/api/v1/slurm-environments")
                .json(&body)
                .describe(format!("create Slurm environment {name:?}"))
        };
        let observe = |e: &SlurmEnvironment| {
            let mut state = plan.clone();
            state.observe(e);
            state
        };
        let name = plan.name.clone();
        let created = lifecycle::create(
            ctx,
            api,
            &SlurmEnvironments::new(),
            &plan,
            name,
            request,
            observe,
        )
        .await;
        ssh_ready::after_create(
            ctx,
            plan.wait_for_ssh == Some(true),
            created,
            |m| ssh_ready::address(m.ssh_host.as_deref(), m.ssh_port),
            |m, fingerprint| m.ssh_host_key_fingerprint = Some(fingerprint),
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut state: SlurmEnvironmentModel,
    ) -> Result<Option<SlurmEnvironmentModel>, Diagnostics> {
        let Some(id) = state.id.clone() else {
            return Ok(None);
        };
        let found = lifecycle::read(ctx, &super::api(ctx)?, &SlurmEnvironments::new(), &id).await?;
        Ok(found.map(|e| {
            state.observe(&e);
            state
        }))
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: SlurmEnvironmentModel,
    ) -> Result<(), Diagnostics> {
        match state.id.as_deref() {
            Some(id) => lifecycle::delete(&super::api(ctx)?, &SlurmEnvironments::new(), id).await,
            None => Ok(()),
        }
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("slurm-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observe_builds_the_login_command_and_keeps_it_while_not_running() {
        let running: SlurmEnvironment = serde_json::from_value(serde_json::json!({
            "id": "slurm-abc123", "name": "distributed-training", "max_nodes": 4,
            "gpu_per_node": 1, "status": "running", "ssh_host": "slurm.gpu.local",
            "ssh_port": 32001, "ssh_user": "gpuuser", "error_message": null
        }))
        .expect("spec example parses");
        let mut m = SlurmEnvironmentModel::default();
        m.observe(&running);
        let mut failed = running.clone();
        (failed.status, failed.ssh_host, failed.ssh_port) = ("failed".into(), None, None);
        m.observe(&failed);
        let command = m.ssh_command.as_deref();
        assert_eq!(command, Some("ssh -p 32001 gpuuser@slurm.gpu.local"));
        assert_eq!(
            (m.status, m.wait_for_ssh),
            (Some("failed".into()), Some(false))
        );
    }
}
