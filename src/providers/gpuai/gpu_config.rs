//! `gpuai_gpu_config`: one GPU config by `config_id`, with the regions it is offered in and
//! the plans a runtime may use with it.

use super::api::{self, GpuConfig as ApiGpuConfig};
use super::shared::inventory_item_attributes;
use super::GpuAiClient;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{validators, Ctx, DataSource, Diagnostics, Type};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanModel {
    pub plan_id: Option<String>,
    pub name: Option<String>,
    pub billing_type: Option<String>,
    pub billing_period: Option<String>,
    pub price_per_gpu_per_hour: Option<f64>,
    pub currency: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Model {
    pub config_id: Option<String>,
    pub gpu_model: Option<String>,
    pub gpu_vendor: Option<String>,
    pub vram_gib: Option<f64>,
    pub default_cpu_cores: Option<i64>,
    pub default_memory_gib: Option<f64>,
    pub price_per_gpu_per_hour: Option<f64>,
    pub region: Option<String>,
    pub min_gpu_count: Option<i64>,
    pub max_gpu_count: Option<i64>,
    pub available_gpu_count: Option<i64>,
    pub total_gpu_count: Option<i64>,
    pub availability: Option<String>,
    pub instance_type: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub regions: Option<Vec<String>>,
    pub plans: Option<Vec<PlanModel>>,
}

pub struct GpuConfig;

pub fn schema() -> Schema {
    let mut s = Schema::new(
        "One GPU config of the GPU AI Service: its hardware, price and live availability, every \
         region it is offered in, and the plans a runtime may use with it.",
    )
    .attribute(
        Attribute::string("config_id")
            .required()
            .validator(validators::length_between(1, 256))
            .description("GPU config id, as listed by `gpuai_inventory`."),
    )
    .attribute(Attribute::string("region").computed().description(
        "The first region (alphabetically) offering this config; the counts are for it.",
    ));
    for a in inventory_item_attributes() {
        s = s.attribute(a);
    }
    s.attribute(
        Attribute::list_of("regions", Type::String)
            .computed()
            .description("Every region where this config is offered."),
    )
    .attribute(
        Attribute::nested(
            "plans",
            Nesting::List,
            vec![
                Attribute::string("plan_id")
                    .computed()
                    .description("Plan id, for `gpuai_airuntime.plan_id`."),
                Attribute::string("name")
                    .computed()
                    .description("Plan name."),
                Attribute::string("billing_type")
                    .computed()
                    .description("`on_demand` or `reserved`."),
                Attribute::string("billing_period")
                    .computed()
                    .description("Billing granularity or term, e.g. `1h`."),
                Attribute::number("price_per_gpu_per_hour")
                    .computed()
                    .description("Price per GPU per hour in `currency`."),
                Attribute::string("currency")
                    .computed()
                    .description("Currency, e.g. `USD`."),
            ],
        )
        .computed()
        .description("Plans usable with this config."),
    )
}

fn model_from(c: ApiGpuConfig) -> Model {
    Model {
        config_id: Some(c.config_id),
        gpu_model: Some(c.gpu_model),
        gpu_vendor: Some(c.gpu_vendor),
        vram_gib: Some(c.vram_gib),
        default_cpu_cores: Some(c.default_cpu_cores),
        default_memory_gib: Some(c.default_memory_gib),
        price_per_gpu_per_hour: Some(c.price_per_gpu_per_hour),
        region: Some(c.region),
        min_gpu_count: Some(c.min_gpu_count),
        max_gpu_count: Some(c.max_gpu_count),
        available_gpu_count: Some(c.available_gpu_count),
        total_gpu_count: Some(c.total_gpu_count),
        availability: Some(c.availability),
        instance_type: Some(c.instance_type),
        type_: Some(c.type_),
        regions: Some(c.regions),
        plans: Some(
            c.plans
                .into_iter()
                .map(|p| PlanModel {
                    plan_id: Some(p.plan_id),
                    name: Some(p.name),
                    billing_type: Some(p.billing_type),
                    billing_period: Some(p.billing_period),
                    price_per_gpu_per_hour: Some(p.price_per_gpu_per_hour),
                    currency: Some(p.currency),
                })
                .collect(),
        ),
    }
}

#[async_trait]
impl DataSource for GpuConfig {
    type Client = GpuAiClient;
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "gpu_config"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(&self, ctx: &Ctx<'_, GpuAiClient>, config: Model) -> Result<Model, Diagnostics> {
        let id = config.config_id.clone().unwrap_or_default();
        let found: ApiGpuConfig = common::bind(&ctx.client.inventory, ctx)
            .get(api::GPU_CONFIG_PATH)
            .query("config_id", &id)
            .describe(format!("read GPU config {id:?}"))
            .send()
            .await?;
        Ok(model_from(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_attributes_match_the_schema() {
        let s = schema();
        let json = serde_json::to_value(Model::default()).expect("json");
        let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
        assert_eq!(keys.len(), s.attributes.len());
        for a in &s.attributes {
            assert!(json.get(&a.name).is_some(), "model lacks {}", a.name);
            assert!(!a.description.is_empty(), "{}", a.name);
        }
    }
}
