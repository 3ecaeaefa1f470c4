//! Serde models of the IC GPU Dashboard API (`specs/icgpu-platform.openapi.yml`), spelled as the
//! API spells them: instances and GPU tiers in snake_case, model deployments and webhooks in
//! camelCase.

use serde::{Deserialize, Serialize};

/// GPU tiers (`GpuTierName`).
pub const TIERS: &[&str] = &["dedicated", "mig", "timesliced"];
/// `WorkloadType`.
pub const WORKLOAD_TYPES: &[&str] = &["interactive", "batch"];
/// `ModelEngine`.
pub const ENGINES: &[&str] = &["vllm", "ollama", "infinity", "fasterwhisper"];
/// `ResourceProfile`.
pub const RESOURCE_PROFILES: &[&str] = &[
    "nvidia-gpu-dedicated",
    "nvidia-gpu-mig",
    "nvidia-gpu-timesliced",
];
/// `WebhookSubscriptionEvent`: the 21 documented events plus `*` (all events).
pub const WEBHOOK_EVENTS: &[&str] = &[
    "instance.created",
    "instance.started",
    "instance.stopped",
    "instance.terminated",
    "instance.error",
    "instance.preempted",
    "vm.created",
    "vm.started",
    "vm.stopped",
    "vm.terminated",
    "vm.error",
    "balance.low",
    "balance.depleted",
    "key.created",
    "key.deleted",
    "key.expired",
    "function.completed",
    "function.failed",
    "fine_tuning.started",
    "fine_tuning.completed",
    "fine_tuning.failed",
    "*",
];

/// `GpuTier`, also an item of `data.icgpu_gpu_tiers`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuTier {
    pub tier: String,
    pub description: Option<String>,
    pub gpu_model: Option<String>,
    pub gpu_memory_gb: Option<i64>,
    pub mig_profile: Option<String>,
    pub memory_isolation: Option<String>,
    pub price_per_hour_tokens: Option<i64>,
    pub batch_price_per_hour_tokens: Option<i64>,
    pub available: Option<bool>,
    pub available_count: Option<i64>,
}

/// `CreateInstanceRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateInstance {
    pub name: String,
    pub tier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_gb: Option<i64>,
}

/// `Instance`. Every property is always present; those that do not apply are null.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub name: String,
    pub tier: String,
    pub workload_type: Option<String>,
    pub storage_gb: Option<i64>,
    pub ssh_key: Option<String>,
    pub status: String,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<i64>,
    pub ssh_user: Option<String>,
    pub gpu_model: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
}

/// `CreateModelDeploymentRequest`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateModelDeployment {
    pub name: String,
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    pub min_replicas: i64,
    pub max_replicas: i64,
    pub resource_profile: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub huggingface_token: Option<String>,
}

/// `UpdateModelScalingRequest`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelScaling {
    pub min_replicas: i64,
    pub max_replicas: i64,
}

/// `ModelDeployment` (never carries `huggingfaceToken`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelDeployment {
    pub name: String,
    pub model: String,
    pub engine: Option<String>,
    pub min_replicas: Option<i64>,
    pub max_replicas: Option<i64>,
    pub resource_profile: Option<String>,
    pub status: String,
    pub ready_replicas: Option<i64>,
    pub endpoint: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
}

/// `CreateWebhookRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
}

/// `UpdateWebhookRequest`: only the given fields change.
#[derive(Clone, Debug, Default, Serialize)]
pub struct UpdateWebhook {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `ApiKeyScope`.
pub const API_KEY_SCOPES: &[&str] = &[
    "instances",
    "models",
    "vms",
    "clusters",
    "functions",
    "batch_jobs",
    "webhooks",
    "spending_alerts",
    "ssh_keys",
    "ssh_key_groups",
    "api_keys",
    "tokens",
    "teams",
    "slurm_environments",
    "vm_networks",
    "vm_disks",
];
/// `ApiKeyPermission`.
pub const API_KEY_PERMISSIONS: &[&str] = &["read", "write"];
/// `NotifyVia`.
pub const NOTIFY_VIA: &[&str] = &["webhook", "in_app"];
/// `ModelCatalogueEntry.task`.
pub const MODEL_TASKS: &[&str] = &["chat", "embedding"];

/// `CreateVmRequest` (camelCase, as the VM API spells it).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateVm {
    pub name: String,
    pub template_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_gb: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_gb: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key: Option<String>,
}

/// `Vm`. Every property is always present; those that do not apply are null.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vm {
    pub id: String,
    pub name: String,
    pub template_id: String,
    pub cpu: Option<i64>,
    pub memory_gb: Option<i64>,
    pub disk_gb: Option<i64>,
    pub ssh_key: Option<String>,
    pub status: String,
    pub gpu_model: Option<String>,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<i64>,
    pub ssh_user: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
}

/// `CreateClusterRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateCluster {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `Cluster`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    pub id: String,
    pub name: String,
    pub version: String,
    pub status: String,
    pub endpoint: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
}

/// `CreateApiKeyRequest` (snake_case).
#[derive(Clone, Debug, Serialize)]
pub struct CreateApiKey {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<i64>,
}

/// `CreateSshKeyRequest` (snake_case), and without `public_key` `GenerateSshKeyRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateSshKey {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// `CreateSpendingAlertRequest` (camelCase).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSpendingAlert {
    pub name: String,
    pub threshold: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_via: Option<String>,
}

/// `UpdateSpendingAlertRequest`: only the given fields change.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSpendingAlert {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_via: Option<String>,
}
