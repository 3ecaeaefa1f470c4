//! `amd_instance_metrics` data source: real-time utilisation, memory, temperature and power
//! of one instance.

use super::api;
use crate::client::Client;
use crate::framework::schema::{Attribute, Schema};
use crate::framework::{validators, AttributePath, Ctx, DataSource, Diagnostics};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// `InstanceMetrics` (camelCase in the API). Numbers are read as floats even where the spec
/// says integer (`temperature`), so a `72.0` from the API does not fail the read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsModel {
    #[serde(alias = "instanceId")]
    pub instance_id: Option<String>,
    #[serde(alias = "gpuUtilization")]
    pub gpu_utilization: Option<f64>,
    #[serde(alias = "memoryUsed")]
    pub memory_used: Option<f64>,
    #[serde(alias = "memoryTotal")]
    pub memory_total: Option<f64>,
    pub temperature: Option<f64>,
    #[serde(alias = "powerDraw")]
    pub power_draw: Option<f64>,
}

pub struct InstanceMetricsDataSource;

fn schema() -> Schema {
    Schema::new("Real-time GPU metrics of one AMD Developer Cloud instance.")
        .attribute(
            Attribute::string("instance_id")
                .required()
                .validator(validators::length_between(1, 256))
                .description("Instance identifier, e.g. `inst-001`."),
        )
        .attribute(Attribute::number("gpu_utilization").output("GPU utilisation in percent."))
        .attribute(Attribute::number("memory_used").output("GPU memory used, in GB."))
        .attribute(Attribute::number("memory_total").output("Total GPU memory, in GB."))
        .attribute(Attribute::number("temperature").output("GPU temperature in degrees Celsius."))
        .attribute(Attribute::number("power_draw").output("Current power draw in watts."))
}

#[async_trait]
impl DataSource for InstanceMetricsDataSource {
    type Client = Client;
    type Model = MetricsModel;

    fn type_name(&self) -> &'static str {
        "instance_metrics"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        config: MetricsModel,
    ) -> Result<MetricsModel, Diagnostics> {
        let id = config.instance_id.unwrap_or_default();
        let found: Option<MetricsModel> = common::api(ctx)
            .get(&format!("{}/metrics", api::instance_path(&id)))
            .describe(format!("read metrics of AMD instance {id:?}"))
            .send_optional()
            .await?;
        let Some(m) = found else {
            return Err(Diagnostics::single_attribute_error(
                AttributePath::attr("instance_id"),
                "AMD instance not found",
                format!("No instance with ID {id:?} exists, so it has no metrics."),
            ));
        };
        Ok(MetricsModel {
            instance_id: Some(id),
            ..m
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_instance_id_is_configurable() {
        for a in &schema().attributes {
            assert!(!a.description.is_empty(), "{}", a.name);
            assert_eq!(
                a.mode.is_configurable(),
                a.name == "instance_id",
                "{}",
                a.name
            );
        }
    }
}
