//! `rocm_device` data source: one GPU with its health and performance counters. Also holds
//! the device model and the fetch that `rocm_devices` shares.

use super::api::{self, Device, DeviceHealth, DevicePerformance};
use crate::client::{Api, Client, ClientError};
use crate::framework::schema::{Attribute, Nesting};
use crate::framework::{validators, AttributePath, Ctx, DataSource, Diagnostics, Schema};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthModel {
    pub status: Option<String>,
    pub temperature: Option<f64>,
    pub fan_speed: Option<f64>,
    pub power_draw: Option<f64>,
    pub ecc_errors: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PerformanceModel {
    pub gpu_utilization: Option<f64>,
    pub memory_utilization: Option<f64>,
    pub memory_bandwidth: Option<f64>,
    pub compute_throughput: Option<f64>,
}

/// One device (the `rocm_device` data source's state, and an element of `rocm_devices`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub vbios: Option<String>,
    pub driver_version: Option<String>,
    pub memory_total: Option<i64>,
    pub pcie_bus_id: Option<String>,
    pub compute_units: Option<i64>,
    pub health: Option<HealthModel>,
    pub performance: Option<PerformanceModel>,
}

impl From<Device> for DeviceModel {
    fn from(d: Device) -> Self {
        Self {
            id: d.id,
            name: d.name,
            model: d.model,
            vbios: d.vbios,
            driver_version: d.driver_version,
            memory_total: d.memory_total,
            pcie_bus_id: d.pcie_bus_id,
            compute_units: d.compute_units,
            health: None,
            performance: None,
        }
    }
}

impl From<DeviceHealth> for HealthModel {
    fn from(h: DeviceHealth) -> Self {
        Self {
            status: h.status,
            temperature: h.temperature,
            fan_speed: h.fan_speed,
            power_draw: h.power_draw,
            ecc_errors: h.ecc_errors,
        }
    }
}

impl From<DevicePerformance> for PerformanceModel {
    fn from(p: DevicePerformance) -> Self {
        Self {
            gpu_utilization: p.gpu_utilization,
            memory_utilization: p.memory_utilization,
            memory_bandwidth: p.memory_bandwidth,
            compute_throughput: p.compute_throughput,
        }
    }
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

/// Health and performance of device `id`, fetched together.
pub(crate) async fn telemetry(
    api: &Api,
    id: &str,
) -> Result<(HealthModel, PerformanceModel), ClientError> {
    let path = api::device_path(id);
    let health = api
        .get(&format!("{path}/health"))
        .describe(format!("read health of ROCm device {id:?}"))
        .send::<DeviceHealth>();
    let perf = api
        .get(&format!("{path}/performance"))
        .describe(format!("read performance of ROCm device {id:?}"))
        .send::<DevicePerformance>();
    let (h, p) = futures::join!(health, perf);
    Ok((h?.into(), p?.into()))
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
        let found: Option<Device> = api
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
            ..device.into()
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
