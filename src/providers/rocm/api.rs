//! Serde models of the ROCm management API (`specs/rocm-management.openapi.yml`), with field
//! names spelled as the API spells them (camelCase).

use serde::Deserialize;

/// `DeviceHealth.status`.
pub const HEALTH_STATUSES: &[&str] = &["healthy", "warning", "critical", "unknown"];

/// `Device`. The list example omits `pcieBusId` and `computeUnits`, so every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Device {
    pub id: Option<String>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub vbios: Option<String>,
    pub driver_version: Option<String>,
    pub memory_total: Option<i64>,
    pub pcie_bus_id: Option<String>,
    pub compute_units: Option<i64>,
}

/// `DeviceList`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeviceList {
    pub devices: Vec<Device>,
}

/// `DeviceHealth`. Integers in the spec are read as floats so a `65.0` does not fail the read.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeviceHealth {
    pub device_id: Option<String>,
    pub status: Option<String>,
    pub temperature: Option<f64>,
    pub fan_speed: Option<f64>,
    pub power_draw: Option<f64>,
    pub ecc_errors: Option<f64>,
}

/// `DevicePerformance`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DevicePerformance {
    pub device_id: Option<String>,
    pub gpu_utilization: Option<f64>,
    pub memory_utilization: Option<f64>,
    pub memory_bandwidth: Option<f64>,
    pub compute_throughput: Option<f64>,
}

/// `RocmVersion`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RocmVersion {
    pub rocm_version: Option<String>,
    pub hip_version: Option<String>,
    pub driver_version: Option<String>,
    pub kernel_version: Option<String>,
}

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
    fn reads_the_spec_examples() {
        let d: Device = serde_json::from_str(
            r#"{"id":"gpu0","name":"AMD Instinct MI300X","model":"MI300X","vbios":"113-MSIV3C5.0N",
                "driverVersion":"6.1.0","memoryTotal":192,"pcieBusId":"0000:03:00.0","computeUnits":304}"#,
        )
        .expect("device");
        assert_eq!(d.memory_total, Some(192));
        assert_eq!(d.pcie_bus_id.as_deref(), Some("0000:03:00.0"));
        let h: DeviceHealth = serde_json::from_str(
            r#"{"deviceId":"gpu0","status":"healthy","temperature":65,"fanSpeed":45,"powerDraw":420,"eccErrors":0}"#,
        )
        .expect("health");
        assert_eq!(h.ecc_errors, Some(0.0));
        assert_eq!(device_path("gpu 1"), "/devices/gpu%201");
    }
}
