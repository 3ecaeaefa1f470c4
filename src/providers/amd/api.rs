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
