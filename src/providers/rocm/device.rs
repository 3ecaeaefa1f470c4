//! `rocm_device` data source: one GPU with its health and performance counters. Also holds
//! the device model and the fetch that `rocm_devices` shares.

use super::api;
use crate::client::{Api, Client, ClientError};
use crate::framework::schema::{Attribute, Nesting};
use crate::framework::{validators, AttributePath, Ctx, DataSource, Diagnostics, Schema};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// `DeviceHealth` (camelCase in the API). Integers in the spec are read as floats so a `65.0`
/// does not fail the read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthModel {
    pub status: Option<String>,
    pub temperature: Option<f64>,
    #[serde(alias = "fanSpeed")]
    pub fan_speed: Option<f64>,
    #[serde(alias = "powerDraw")]
    pub power_draw: Option<f64>,
    #[serde(alias = "eccErrors")]
    pub ecc_errors: Option<f64>,
}

/// `DevicePerformance` (camelCase in the API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PerformanceModel {
    #[serde(alias = "gpuUtilization")]
    pub gpu_utilization: Option<f64>,
    #[serde(alias = "memoryUtilization")]
    pub memory_utilization: Option<f64>,
    #[serde(alias = "memoryBandwidth")]
    pub memory_bandwidth: Option<f64>,
    #[serde(alias = "computeThroughput")]
    pub compute_throughput: Option<f64>,
}

/// One device (the `rocm_device` data source's state, and an element of `rocm_devices`): the
/// API's `Device` (camelCase; the list example omits `pcieBusId` and `computeUnits`, so every
/// field is optional) with its health and performance.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub vbios: Option<String>,
    #[serde(alias = "driverVersion")]
    pub driver_version: Option<String>,
    #[serde(alias = "memoryTotal")]
    pub memory_total: Option<i64>,
    #[serde(alias = "pcieBusId")]
    pub pcie_bus_id: Option<String>,
    #[serde(alias = "computeUnits")]
    pub compute_units: Option<i64>,
    pub health: Option<HealthModel>,
    pub performance: Option<PerformanceModel>,
}

impl DeviceModel {
    /// Why this device is not fit for work, if it is not: health other than `healthy`, or
    /// any ECC memory error.
    pub fn unhealthy_reason(&self) -> Option<String> {
        let h = self.health.as_ref()?;
        let status = h.status.as_deref().unwrap_or("unknown");
        let ecc = h.ecc_errors.unwrap_or(0.0);
        match (status, ecc > 0.0) {
            ("healthy", false) => None,
            ("healthy", true) => Some(format!("healthy but {ecc} ECC memory errors")),
            (s, true) => Some(format!("{s}, {ecc} ECC memory errors")),
            (s, false) => Some(s.to_string()),
        }
    }
}

/// The device attributes (hardware facts), computed.
pub(crate) fn device_attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("name").output("Device display name, e.g. `AMD Instinct MI300X`."),
        Attribute::string("model").output("GPU model name, e.g. `MI300X`."),
        Attribute::string("vbios").output("VBIOS version string."),
        Attribute::string("driver_version").output("ROCm driver version."),
        Attribute::int("memory_total").output("Total GPU memory in GB."),
        Attribute::string("pcie_bus_id").output("PCIe bus ID, e.g. `0000:03:00.0`."),
        Attribute::int("compute_units").output("Number of compute units."),
    ]
}

pub(crate) fn health_attribute(extra: &str) -> Attribute {
    Attribute::nested(
        "health",
        Nesting::Single,
        vec![
            Attribute::string("status").output(format!(
                "Overall health: one of {}.",
                validators::quoted_list(api::HEALTH_STATUSES)
            )),
            Attribute::number("temperature").output("Junction temperature in degrees Celsius."),
            Attribute::number("fan_speed").output("Fan speed in percent."),
            Attribute::number("power_draw").output("Power consumption in watts."),
            Attribute::number("ecc_errors").output("ECC memory error count."),
        ],
    )
    .output(format!("Health of the device{extra}."))
}

pub(crate) fn performance_attribute(extra: &str) -> Attribute {
    Attribute::nested(
        "performance",
        Nesting::Single,
        vec![
            Attribute::number("gpu_utilization").output("GPU compute utilisation in percent."),
            Attribute::number("memory_utilization").output("GPU memory utilisation in percent."),
            Attribute::number("memory_bandwidth").output("Memory bandwidth in GB/s."),
            Attribute::number("compute_throughput").output("Compute throughput in PFLOPS."),
        ],
    )
    .output(format!("Performance counters of the device{extra}."))
}

/// `DeviceList`.
#[derive(Deserialize)]
pub(crate) struct DeviceList {
    #[serde(default)]
    pub devices: Vec<DeviceModel>,
}

/// Health and performance of device `id`, fetched together.
pub(crate) async fn telemetry(
    api: &Api,
    id: &str,
) -> Result<(HealthModel, PerformanceModel), ClientError> {
    let path = api::device_path(id);
    let health = api
        .get(&format!("{path}/health"))
        .describe(format!("read health of ROCm device {id:?}"))
        .send::<HealthModel>();
    let perf = api
        .get(&format!("{path}/performance"))
        .describe(format!("read performance of ROCm device {id:?}"))
        .send::<PerformanceModel>();
    let (h, p) = futures::join!(health, perf);
    Ok((h?, p?))
}

pub struct DeviceDataSource;

fn schema() -> Schema {
    let mut s = Schema::new(
        "One AMD GPU visible to the ROCm runtime, with its health and performance counters.",
    )
    .attribute(
        Attribute::string("id")
            .required()
            .validator(validators::length_between(1, 256))
            .description("Device identifier, e.g. `gpu0`."),
    );
    for a in device_attributes() {
        s = s.attribute(a);
    }
    s.attribute(health_attribute(""))
        .attribute(performance_attribute(""))
}

#[async_trait]
impl DataSource for DeviceDataSource {
    type Client = Client;
    type Model = DeviceModel;

    fn type_name(&self) -> &'static str {
        "device"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        config: DeviceModel,
    ) -> Result<DeviceModel, Diagnostics> {
        let id = config.id.unwrap_or_default();
        let api = common::api(ctx);
        let found: Option<DeviceModel> = api
            .get(&api::device_path(&id))
            .describe(format!("read ROCm device {id:?}"))
            .send_optional()
            .await?;
        let Some(device) = found else {
            return Err(Diagnostics::single_attribute_error(
                AttributePath::attr("id"),
                "ROCm device not found",
                format!("No GPU device with ID {id:?} is visible to the ROCm runtime."),
            ));
        };
        let (health, performance) = telemetry(&api, &id).await?;
        Ok(DeviceModel {
            id: Some(id),
            health: Some(health),
            performance: Some(performance),
            ..device
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_health(status: &str, ecc: f64) -> DeviceModel {
        DeviceModel {
            health: Some(HealthModel {
                status: Some(status.into()),
                ecc_errors: Some(ecc),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn reads_the_spec_examples() {
        let d: DeviceModel = serde_json::from_str(
            r#"{"id":"gpu0","name":"AMD Instinct MI300X","model":"MI300X","vbios":"113-MSIV3C5.0N",
                "driverVersion":"6.1.0","memoryTotal":192,"pcieBusId":"0000:03:00.0","computeUnits":304}"#,
        )
        .expect("device");
        assert_eq!(d.memory_total, Some(192));
        assert_eq!(d.pcie_bus_id.as_deref(), Some("0000:03:00.0"));
        assert_eq!(d.health, None);
        let h: HealthModel = serde_json::from_str(
            r#"{"deviceId":"gpu0","status":"healthy","temperature":65,"fanSpeed":45,"powerDraw":420,"eccErrors":0}"#,
        )
        .expect("health");
        assert_eq!(h.ecc_errors, Some(0.0));
        assert_eq!(h.fan_speed, Some(45.0));
    }

    #[test]
    fn unhealthy_means_not_healthy_or_ecc_errors() {
        assert_eq!(with_health("healthy", 0.0).unhealthy_reason(), None);
        assert!(with_health("healthy", 2.0)
            .unhealthy_reason()
            .is_some_and(|r| r.contains("ECC")));
        assert_eq!(
            with_health("critical", 0.0).unhealthy_reason().as_deref(),
            Some("critical")
        );
        assert_eq!(DeviceModel::default().unhealthy_reason(), None);
    }
}
