//! `rocm_devices` data source: every GPU visible to the ROCm runtime, optionally with health
//! and performance (fetched for all devices concurrently), and optionally refusing to succeed
//! while any device is unhealthy, so a plan stops before workloads land on a sick GPU.

use super::device::{
    device_attributes, health_attribute, performance_attribute, telemetry, DeviceList, DeviceModel,
};
use crate::client::Client;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{AttributePath, Ctx, DataSource, Diagnostics};
use crate::providers::common;
use crate::providers::common::filter;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevicesModel {
    pub model: Option<String>,
    pub include_health: Option<bool>,
    pub require_healthy: Option<bool>,
    pub devices: Option<Vec<DeviceModel>>,
}

pub struct DevicesDataSource;

fn schema() -> Schema {
    let when = " (set when `include_health` or `require_healthy` is true, otherwise null)";
    let mut item = vec![Attribute::string("id").output("Device identifier, e.g. `gpu0`.")];
    item.extend(device_attributes());
    item.push(health_attribute(when));
    item.push(performance_attribute(when));
    Schema::new("Every AMD GPU visible to the ROCm runtime on the managed host.")
        .attribute(Attribute::string("model").optional().description(
            "Only devices of this GPU model, e.g. `MI300X` (compared without regard \
                     to case; the API has no server-side filter).",
        ))
        .attribute(Attribute::bool("include_health").optional().description(
            "Also read each device's health and performance counters (one pair of calls per \
             device, made concurrently). Defaults to false.",
        ))
        .attribute(Attribute::bool("require_healthy").optional().description(
            "Fail, naming the devices, when any listed device's health is not `healthy` or it \
             reports ECC memory errors; reads health as `include_health` does. Defaults to \
             false.",
        ))
        .attribute(
            Attribute::nested("devices", Nesting::List, item)
                .output("The matching devices, in the API's order."),
        )
}

#[async_trait]
impl DataSource for DevicesDataSource {
    type Client = Client;
    type Model = DevicesModel;

    fn type_name(&self) -> &'static str {
        "devices"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        config: DevicesModel,
    ) -> Result<DevicesModel, Diagnostics> {
        let list: DeviceList = common::get(ctx, "/devices", "list ROCm devices").await?;
        let mut devices: Vec<DeviceModel> = list
            .devices
            .into_iter()
            .filter(|d| filter::is_text(&config.model, &d.model))
            .collect();
        let require = config.require_healthy.unwrap_or(false);
        if config.include_health.unwrap_or(false) || require {
            let api = common::api(ctx);
            let fetches = devices.iter().map(|d| {
                let id = d.id.clone().unwrap_or_default();
                let api = &api;
                async move { telemetry(api, &id).await }
            });
            let results = futures::future::join_all(fetches).await;
            for (d, r) in devices.iter_mut().zip(results) {
                let (h, p) = r?;
                d.health = Some(h);
                d.performance = Some(p);
            }
        }
        if require {
            let sick: Vec<String> = devices
                .iter()
                .filter_map(|d| {
                    d.unhealthy_reason()
                        .map(|why| format!("{} ({why})", d.id.as_deref().unwrap_or("?")))
                })
                .collect();
            if !sick.is_empty() {
                return Err(Diagnostics::single_attribute_error(
                    AttributePath::attr("require_healthy"),
                    format!("Unhealthy ROCm GPU devices: {}", sick.join(", ")),
                    format!(
                        "`require_healthy` is true and these devices are not fit for work: {}. \
                         Drain or repair them (or filter them out with `model`) before \
                         scheduling workloads on this host.",
                        sick.join("; ")
                    ),
                ));
            }
        }
        Ok(DevicesModel {
            devices: Some(devices),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_optional() {
        let s = schema();
        for name in ["model", "include_health", "require_healthy"] {
            let a = s.attribute_named(name).expect("attribute");
            assert!(a.mode.is_configurable() && a.mode != crate::framework::Mode::Required);
        }
    }
}
