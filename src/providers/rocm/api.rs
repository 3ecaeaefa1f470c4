//! What the ROCm management API (`specs/rocm-management.openapi.yml`) fixes beyond the models,
//! which are the data sources' own (with the API's camelCase names as serde aliases).

/// `DeviceHealth.status`.
pub const HEALTH_STATUSES: &[&str] = &["healthy", "warning", "critical", "unknown"];

/// The path of one device; ids are escaped so an odd ID cannot leave the path.
pub fn device_path(id: &str) -> String {
    format!(
        "/devices/{}",
        url::form_urlencoded::byte_serialize(id.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_stay_inside_the_path() {
        assert_eq!(device_path("gpu 1"), "/devices/gpu%201");
        assert_eq!(device_path("../x"), "/devices/..%2Fx");
    }
}
