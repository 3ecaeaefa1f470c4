//! Serde models of the Shadeform API (`specs/shadeform.openapi.json`, plus what the live API
//! documents beyond it: volumes and the instance's `volume_ids`, `ssh_key_id` and `template_id`,
//! see `specs/shadeform-live.openapi.yml`). The API spells its fields in snake_case already, so
//! several of these double as Terraform models.

use crate::client::{path_segment, Api, ClientError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The spec's `Cloud` enum. The live API launches in more clouds than it lists (`scaleway`,
/// `hyperstack`, ...), so configurations outside it get a warning, not an error.
pub const CLOUDS: &[&str] = &[
    "aws",
    "azure",
    "lambdalabs",
    "tensordock",
    "runpod",
    "latitude",
    "jarvislabs",
    "oblivus",
    "paperspace",
    "datacrunch",
    "massedcompute",
    "vultr",
];
/// `Status`.
pub const STATUSES: &[&str] = &["pending", "active", "deleted"];
/// `LaunchConfiguration.type`.
pub const LAUNCH_TYPES: &[&str] = &["docker", "script"];

/// `Availability`: whether a type can be launched in one region now.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Availability {
    pub region: Option<String>,
    pub available: Option<bool>,
}

/// `InstanceType.configuration`: `Configuration` plus `os_options`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypeConfiguration {
    pub memory_in_gb: Option<i64>,
    pub storage_in_gb: Option<i64>,
    pub vcpus: Option<i64>,
    pub num_gpus: Option<i64>,
    pub gpu_type: Option<String>,
    pub interconnect: Option<String>,
    pub vram_per_gpu_in_gb: Option<i64>,
    pub os_options: Option<Vec<String>>,
}

/// `InstanceType`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceType {
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub shade_instance_type: Option<String>,
    pub cloud_instance_type: Option<String>,
    pub configuration: Option<TypeConfiguration>,
    /// Cents per hour.
    pub hourly_price: Option<i64>,
    pub availability: Option<Vec<Availability>>,
}

impl InstanceType {
    /// Whether the type can be launched now in `region` (any region when `None`).
    pub fn available_in(&self, region: Option<&str>) -> bool {
        self.availability.iter().flatten().any(|a| {
            a.available == Some(true) && region.is_none_or(|r| a.region.as_deref() == Some(r))
        })
    }
}

/// `InstanceTypesResponse`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct InstanceTypesResponse {
    pub instance_types: Vec<InstanceType>,
}

/// `Instance.configuration`: `Configuration` plus `os`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceConfiguration {
    pub memory_in_gb: Option<i64>,
    pub storage_in_gb: Option<i64>,
    pub vcpus: Option<i64>,
    pub num_gpus: Option<i64>,
    pub gpu_type: Option<String>,
    pub interconnect: Option<String>,
    pub vram_per_gpu_in_gb: Option<i64>,
    pub os: Option<String>,
}

/// `Env`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Env {
    pub name: String,
    pub value: String,
}

/// `PortMappings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PortMapping {
    pub host_port: Option<i64>,
    pub container_port: Option<i64>,
}

/// `VolumeMounts`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeMount {
    pub host_path: Option<String>,
    pub container_path: Option<String>,
}

/// `DockerConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DockerConfiguration {
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envs: Option<Vec<Env>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_mappings: Option<Vec<PortMapping>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_mounts: Option<Vec<VolumeMount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_memory_in_gb: Option<i64>,
}

/// `ScriptConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScriptConfiguration {
    pub base64_script: String,
}

/// `LaunchConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LaunchConfiguration {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_configuration: Option<DockerConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_configuration: Option<ScriptConfiguration>,
}

/// `Instance`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Instance {
    pub id: Option<String>,
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub shade_instance_type: Option<String>,
    pub cloud_instance_type: Option<String>,
    pub cloud_assigned_id: Option<String>,
    pub shade_cloud: Option<bool>,
    pub name: Option<String>,
    pub configuration: Option<InstanceConfiguration>,
    pub ip: Option<String>,
    pub ssh_user: Option<String>,
    pub ssh_port: Option<i64>,
    pub status: Option<String>,
    pub cost_estimate: Option<String>,
    pub hourly_price: Option<i64>,
    pub created_at: Option<String>,
    pub deleted_at: Option<String>,
    pub launch_configuration: Option<LaunchConfiguration>,
    pub volume_ids: Option<Vec<String>>,
    pub ssh_key_id: Option<String>,
    pub template_id: Option<String>,
}

/// `InstancesResponse`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct InstancesResponse {
    pub instances: Vec<Instance>,
}

/// `CreateRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateRequest {
    pub cloud: String,
    pub region: String,
    pub shade_instance_type: String,
    pub shade_cloud: bool,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_configuration: Option<LaunchConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
}

/// `Volume` (live API): persistent block storage in one cloud region. There is no status: a
/// volume exists from create until delete.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Volume {
    pub id: Option<String>,
    pub cloud: Option<String>,
    pub cloud_assigned_id: Option<String>,
    pub region: Option<String>,
    pub name: Option<String>,
    pub fixed_size: Option<bool>,
    pub size_in_gb: Option<i64>,
    pub cost_estimate: Option<String>,
    pub supports_multi_mount: Option<bool>,
    /// The instance that mounts the volume; null or empty when none does.
    pub mounted_by: Option<String>,
}

/// `CreateVolumeRequest`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateVolumeRequest {
    pub cloud: String,
    pub region: String,
    pub size_in_gb: i64,
    pub name: String,
}

/// `CreateVolumeResponse`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateVolumeResponse {
    pub id: Option<String>,
}

/// The path of an instance operation (`info`, `delete`); ids are escaped.
pub fn instance_path(id: &str, op: &str) -> String {
    format!("/instances/{}/{op}", path_segment(id))
}

/// The path of a volume operation (`info`, `delete`); ids are escaped.
pub fn volume_path(id: &str, op: &str) -> String {
    format!("/volumes/{}/{op}", path_segment(id))
}

/// One object of a kind the API lists at `/<kind>s` and shows at `/<kind>s/{id}/info`
/// (`instance`, `volume`), read for a refresh: one list per plan serves every object of the
/// kind (the client's `ReadCache`), and one the list lacks is read on its own. `None` when it
/// is gone.
pub async fn refresh<T: DeserializeOwned>(
    api: &Api,
    kind: &str,
    id: &str,
) -> Result<Option<T>, ClientError> {
    api.cache()
        .read(
            &format!("shadeform.{kind}"),
            id,
            || list_raw(api, kind),
            || info(api, kind, id),
        )
        .await
}

/// `GET /<kind>s/{id}/info`; `None` on 404.
pub async fn info<T: DeserializeOwned>(
    api: &Api,
    kind: &str,
    id: &str,
) -> Result<Option<T>, ClientError> {
    api.get(&format!("/{kind}s/{}/info", path_segment(id)))
        .describe(format!("read Shadeform {kind} {id:?}"))
        .send_optional()
        .await
}

/// `GET /<kind>s` as raw JSON objects (the refresh cache indexes them by `id`).
pub async fn list_raw(api: &Api, kind: &str) -> Result<Vec<serde_json::Value>, ClientError> {
    let mut body: serde_json::Value = api
        .get(&format!("/{kind}s"))
        .describe(format!("list Shadeform {kind}s"))
        .send()
        .await?;
    Ok(
        match body
            .get_mut(format!("{kind}s"))
            .map(serde_json::Value::take)
        {
            Some(serde_json::Value::Array(items)) => items,
            _ => Vec::new(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_configuration_uses_the_type_key_and_skips_unset_parts() {
        let lc = LaunchConfiguration {
            kind: "script".into(),
            docker_configuration: None,
            script_configuration: Some(ScriptConfiguration {
                base64_script: "ZWNobw==".into(),
            }),
        };
        assert_eq!(
            serde_json::to_value(&lc).expect("json"),
            serde_json::json!({"type": "script", "script_configuration": {"base64_script": "ZWNobw=="}})
        );
    }

    #[test]
    fn availability_checks_the_region() {
        let t: InstanceType = serde_json::from_str(
            r#"{"cloud":"tensordock","availability":[{"region":"a","available":true},{"region":"b","available":false}]}"#,
        )
        .expect("type");
        assert!(t.available_in(Some("a")));
        assert!(!t.available_in(Some("b")));
        assert!(!t.available_in(Some("c")));
        assert!(t.available_in(None));
        assert_eq!(instance_path("x y", "info"), "/instances/x%20y/info");
        assert_eq!(volume_path("a/b", "delete"), "/volumes/a%2Fb/delete");
    }
}
