//! Serde models of the GPU AI Service, spelled as the API spells them: camelCase for AI runtimes
//! and templates, snake_case for inventory, GPU configs and notify-availability
//! (`specs/gpu-ai-service.openapi.yml`, "Naming"). The create request says `templateID` and
//! `gpuConfigID` while responses say `templateId` and `gpuConfigId`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Paths below the `/gpu` base.
pub fn runtimes_path(org_id: &str, project_id: &str) -> String {
    format!("/api/v1beta1/orgs/{org_id}/projects/{project_id}/airuntimes")
}

pub fn runtime_path(org_id: &str, project_id: &str, id: &str) -> String {
    format!("{}/{id}", runtimes_path(org_id, project_id))
}

pub const TEMPLATES_PATH: &str = "/api/v1beta1/airuntime-templates";

/// Paths below the `/inventory` base.
pub const INVENTORY_PATH: &str = "/api/v1beta1/inventory";
pub const GPU_CONFIG_PATH: &str = "/api/v1beta1/inventory/gpuconfig";
pub const NOTIFY_PATH: &str = "/api/v1beta1/inventory/gpu/notify-availability";

/// The largest page the list operations accept.
pub const PAGE_LIMIT: u32 = 100;

/// Defaults the API fills into `storage` when a request leaves them out.
pub const DEFAULT_STORAGE_SIZE_GB: i64 = 100;
pub const DEFAULT_MOUNT_PATH: &str = "/workspace";
/// Default protocol of a template port.
pub const DEFAULT_PORT_PROTOCOL: &str = "http";

#[derive(Clone, Debug, Serialize)]
pub struct CreateNotifyRequest<'a> {
    pub region_id: &'a str,
    pub config_id: &'a str,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NotifyRequest {
    pub id: String,
    pub region_id: String,
    pub config_id: String,
    pub status: String,
    pub created_at: String,
    #[serde(default)]
    pub notified_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplatePort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub port: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateSpec {
    pub image: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<TemplatePort>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    pub template_spec: TemplateSpec,
    #[serde(default)]
    pub owner_org_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_gb: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRuntimeRequest {
    pub name: String,
    pub region: String,
    pub plan_id: String,
    #[serde(rename = "templateID", skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_spec: Option<TemplateSpec>,
    #[serde(rename = "gpuConfigID", skip_serializing_if = "Option::is_none")]
    pub gpu_config_id: Option<String>,
    pub gpu_count: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ssh_keys: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageSpec>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SshEndpoint {
    pub host: String,
    pub port: i64,
    pub user: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpEndpoint {
    pub name: String,
    pub port: i64,
    pub url: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default)]
    pub jupyter_url: Option<String>,
    #[serde(default)]
    pub ssh: Option<SshEndpoint>,
    #[serde(default)]
    pub http: Vec<HttpEndpoint>,
}

/// The full runtime (create 201, get 200, delete 202); list items carry a subset, so every
/// field beyond the summary defaults when absent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Runtime {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub project: String,
    pub status: String,
    #[serde(default)]
    pub gpu_config_id: Option<String>,
    #[serde(default)]
    pub gpu_count: Option<i64>,
    #[serde(default)]
    pub template_id: Option<String>,
    #[serde(default)]
    pub plan_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    /// Changes on every status transition: what tells a refresh the list's summary is current.
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub template_spec: Option<TemplateSpec>,
    #[serde(default)]
    pub storage: Option<StorageSpec>,
    #[serde(default)]
    pub ssh_keys: Vec<String>,
    #[serde(default)]
    pub endpoints: Option<Endpoints>,
    #[serde(default)]
    pub message: Option<String>,
}

/// Runtime statuses (`AIRuntimeStatus`).
pub const STATUS_RUNNING: &str = "Running";
pub const STATUS_FAILED: &str = "Failed";
pub const STATUS_DELETING: &str = "Deleting";

/// Notify-availability statuses after which the request no longer exists for Terraform.
pub const NOTIFY_GONE_STATUSES: &[&str] = &["expired", "cancelled"];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_request_uses_the_cli_spelling() {
        let body = serde_json::to_value(CreateRuntimeRequest {
            name: "a".into(),
            region: "as-south-1".into(),
            plan_id: "p".into(),
            template_id: Some("tpl-x".into()),
            gpu_config_id: Some("cfg".into()),
            gpu_count: 1,
            ..Default::default()
        })
        .expect("serializes");
        assert_eq!(body["templateID"], "tpl-x");
        assert_eq!(body["gpuConfigID"], "cfg");
        assert_eq!(body["planId"], "p");
        assert_eq!(body["gpuCount"], 1);
        assert!(body.get("templateSpec").is_none());
        assert!(body.get("sshKeys").is_none());
    }

    #[test]
    fn runtime_reads_the_documented_example() {
        let rt: Runtime = serde_json::from_value(json!({
            "id": "3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10", "name": "quickstart-jupyter",
            "region": "as-south-1", "project": "prj-abc123", "status": "Running",
            "gpuConfigId": "gpu-rtx5090-32g-16cpu-96g", "gpuCount": 1,
            "templateId": "tpl-jupyterlab-pytorch", "planId": "gpu-rtx5090-on-demand-1h",
            "createdAt": "2026-06-14T10:00:00Z", "updatedAt": "2026-06-14T10:03:12Z",
            "templateSpec": {"image": "neevai/jupyterlab-pytorch:latest",
                "ports": [{"name": "jupyter", "port": 8888, "protocol": "http"}], "env": {}, "command": []},
            "storage": {"sizeGb": 100, "mountPath": "/workspace"},
            "sshKeys": ["ssh-ed25519 AAAA you@host"],
            "endpoints": {"jupyterUrl": "https://x/", "ssh": {"host": "h", "port": 30022, "user": "root"},
                "http": [{"name": "jupyter", "port": 8888, "url": "https://x/"}]},
            "message": null
        }))
        .expect("parses");
        assert_eq!(
            rt.gpu_config_id.as_deref(),
            Some("gpu-rtx5090-32g-16cpu-96g")
        );
        assert_eq!(rt.storage.and_then(|s| s.size_gb), Some(100));
        let ep = rt.endpoints.expect("endpoints");
        assert_eq!(ep.ssh.map(|s| s.port), Some(30022));
        assert_eq!(ep.http.len(), 1);
    }
}
