//! Serde models of the API's Slurm environments (snake_case, as the page spells them) and GPU
//! functions (camelCase, as the page spells them), and the Slurm environment's lifecycle as the
//! contract reads it; `specs/icgpu-platform.openapi.yml`.

use super::long_running::{self, Collection, IcGpuObject};
use crate::providers::common::lifecycle::{Fields, Statuses};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `CreateSlurmEnvironmentRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateSlurmEnvironment {
    pub name: String,
    pub max_nodes: i64,
    pub gpu_per_node: i64,
}

/// `SlurmEnvironment`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SlurmEnvironment {
    pub id: String,
    pub name: String,
    pub max_nodes: i64,
    pub gpu_per_node: i64,
    pub status: String,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<i64>,
    pub ssh_user: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
}

/// The lifecycle of Slurm environments: `provisioning` → `running`.
pub(super) type SlurmEnvironments = Collection<SlurmEnvironment>;

impl IcGpuObject for SlurmEnvironment {
    const TYPE: &'static str = "icgpu_slurm_environment";
    const NOUN: &'static str = "Slurm environment";
    const COLLECTION: &'static str = "/api/v1/slurm-environments";
    const LIST_FIELD: &'static str = "slurmEnvironments";
    // `pending` and `error` are not in the contract; a client that meets them should wait and
    // fail rather than give up on an unknown status.
    const STATUSES: Statuses = Statuses {
        ready: &["running"],
        starting: &["pending", "provisioning"],
        failed: &["failed", "error"],
        gone: &["deleting", "deleted"],
        deleted: &["deleted"],
    };

    fn fields(&self) -> Fields<'_> {
        long_running::fields(
            &self.id,
            &self.status,
            &self.name,
            &self.created_at,
            &self.error_message,
        )
    }
}

/// `CreateGpuFunctionRequest`. No `Debug`: `env_vars` may hold credentials.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGpuFunction {
    pub name: String,
    pub image: String,
    pub entrypoint: String,
    pub gpu_tier: String,
    pub timeout_seconds: i64,
    pub env_vars: BTreeMap<String, String>,
}
