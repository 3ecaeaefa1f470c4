//! Serde models of the AMD Developer Cloud API (`specs/amd-developer-cloud.openapi.yml`), with
//! field names spelled as the API spells them (camelCase).

use serde::{Deserialize, Serialize};

/// `InstanceInput.gpuType`: the create enum. `Instance.gpuType` also lists `rx7900xtx`, which
/// can be read but not created.
pub const CREATE_GPU_TYPES: &[&str] = &["mi300x", "mi250", "mi210"];
/// `Instance.gpuType`, for filters over existing instances.
pub const GPU_TYPES: &[&str] = &["mi300x", "mi250", "mi210", "rx7900xtx"];
/// `Instance.status`.
pub const STATUSES: &[&str] = &["running", "stopped", "pending", "terminated"];
/// The fewest and most GPUs one instance can have.
pub const MIN_GPUS: i64 = 1;
pub const MAX_GPUS: i64 = 8;
/// Page size used when walking `GET /instances`: the largest page the emulator serves. The
/// spec gives a default of 20 and no maximum; the walk follows `total`, so a server that caps
/// pages lower is still walked to the end.
pub const PAGE_SIZE: u32 = 100;

/// `Instance`. Every field is optional: the list example omits `imageId` and `createdAt`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Instance {
    pub id: Option<String>,
    pub name: Option<String>,
    pub gpu_type: Option<String>,
    pub gpu_count: Option<i64>,
    pub status: Option<String>,
    pub region: Option<String>,
    pub image_id: Option<String>,
    pub created_at: Option<String>,
}

/// `InstanceInput`: the body of `createInstance`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub gpu_type: String,
    pub gpu_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `InstanceMetrics`. Numbers are read as floats even where the spec says integer
/// (`temperature`), so a `72.0` from the API does not fail the read.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InstanceMetrics {
    pub instance_id: Option<String>,
    pub gpu_utilization: Option<f64>,
    pub memory_used: Option<f64>,
    pub memory_total: Option<f64>,
    pub temperature: Option<f64>,
    pub power_draw: Option<f64>,
}

/// `Model`: a deployed AI model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Model {
    pub id: Option<String>,
    pub name: Option<String>,
    pub framework: Option<String>,
    pub status: Option<String>,
    pub endpoint: Option<String>,
}

/// `ModelList`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ModelList {
    pub models: Vec<Model>,
}

/// `Credits`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Credits {
    pub balance: Option<f64>,
    pub used: Option<f64>,
    pub total: Option<f64>,
    pub currency: Option<String>,
    pub expires_at: Option<String>,
}

/// The path of one instance; ids are escaped so an odd import ID cannot leave the path.
pub fn instance_path(id: &str) -> String {
    format!("/instances/{}", escape(id))
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for path segments.
pub fn escape(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_reads_the_spec_example_and_tolerates_missing_fields() {
        let i: Instance = serde_json::from_str(
            r#"{"id":"inst-001","name":"my-training-run","gpuType":"mi300x","gpuCount":8,
                "status":"running","region":"us-west-2"}"#,
        )
        .expect("spec example");
        assert_eq!(i.gpu_type.as_deref(), Some("mi300x"));
        assert_eq!(i.gpu_count, Some(8));
        assert_eq!(i.image_id, None);
    }

    #[test]
    fn create_body_uses_camel_case_and_skips_unset_fields() {
        let body = serde_json::to_value(InstanceInput {
            name: Some("a".into()),
            gpu_type: "mi250".into(),
            gpu_count: 2,
            image_id: None,
            region: None,
        })
        .expect("serializes");
        assert_eq!(
            body,
            serde_json::json!({"name": "a", "gpuType": "mi250", "gpuCount": 2})
        );
    }

    #[test]
    fn paths_escape_ids() {
        assert_eq!(instance_path("inst-1"), "/instances/inst-1");
        assert_eq!(instance_path("a/b c"), "/instances/a%2Fb%20c");
    }
}
