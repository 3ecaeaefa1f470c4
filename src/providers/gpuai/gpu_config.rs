//! `gpuai_gpu_config`: one GPU config by `config_id`, with the regions it is offered in and
//! the plans a runtime may use with it. The same plans price `gpuai_airuntime` plans for
//! `max_hourly_price`.

use super::airuntime::PlacementModel;
use super::api::{self, GpuConfig as ApiGpuConfig, GpuPlan, InventoryItem};
use super::shared::inventory_item_attributes;
use super::GpuAiClient;
use crate::client::{list_all_pages, ClientError};
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{
    validators, AttributePath, Ctx, DataSource, Diagnostics, ListedPrice, PriceCap, Type,
};
use crate::providers::common;
use crate::providers::common::lifecycle::Candidate;
use crate::providers::common::placements;
use async_trait::async_trait;
use bigdecimal::BigDecimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;

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

pub struct GpuConfigDataSource;

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
    .attribute(
        Attribute::string("region").output(
            "The first region (alphabetically) offering this config; the counts are for it.",
        ),
    );
    for a in inventory_item_attributes() {
        s = s.attribute(a);
    }
    s.attribute(
        Attribute::list_of("regions", Type::String)
            .output("Every region where this config is offered."),
    )
    .attribute(
        Attribute::nested(
            "plans",
            Nesting::List,
            vec![
                Attribute::string("plan_id").output("Plan id, for `gpuai_airuntime.plan_id`."),
                Attribute::string("name").output("Plan name."),
                Attribute::string("billing_type").output("`on_demand` or `reserved`."),
                Attribute::string("billing_period")
                    .output("Billing granularity or term, e.g. `1h`."),
                Attribute::number("price_per_gpu_per_hour")
                    .output("Price per GPU per hour in `currency`."),
                Attribute::string("currency").output("Currency, e.g. `USD`."),
            ],
        )
        .output("Plans usable with this config."),
    )
}

fn observe(c: ApiGpuConfig) -> Model {
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

/// How `gpuai_airuntime` is priced: its plan's price per GPU times its GPUs.
pub(super) const RUNTIME_PRICE: PriceCap = PriceCap {
    unit: "US dollars per hour",
    source: "the plan's `price_per_gpu_per_hour` (`data.gpuai_gpu_config`) times `gpu_count`, \
             for all GPUs together; without `gpu_config_id`, as offered by the config the API \
             would pick (the first in `region`, by `config_id`, that has the plan); with \
             `placements`, each placement's. Plans priced in another currency fail the check",
    inputs: &[
        "region",
        "plan_id",
        "gpu_config_id",
        "gpu_count",
        "placements",
    ],
};

async fn fetch(ctx: &Ctx<'_, GpuAiClient>, id: &str) -> Result<ApiGpuConfig, ClientError> {
    common::bind(&ctx.client.inventory, ctx)
        .get(api::GPU_CONFIG_PATH)
        .query("config_id", id)
        .describe(format!("read GPU config {id:?}"))
        .send()
        .await
}

/// The GPU inventory of `region` (one item per config offered there).
pub(super) async fn inventory_in(
    ctx: &Ctx<'_, GpuAiClient>,
    region: &str,
) -> Result<Vec<InventoryItem>, ClientError> {
    let req = common::bind(&ctx.client.inventory, ctx)
        .get(api::INVENTORY_PATH)
        .query("region", region)
        .describe(format!("list GPU inventory in {region:?}"));
    list_all_pages(req, "data", api::PAGE_LIMIT).await
}

/// The config a create of `plan_id` uses, with that plan: `gpu_config_id`, or as the API does
/// without one, the first config (by `config_id`) in `region`'s inventory that offers the plan.
/// `inventory` is `region`'s, when the caller has it already.
pub(super) async fn config_for(
    ctx: &Ctx<'_, GpuAiClient>,
    region: &str,
    inventory: Option<&[InventoryItem]>,
    plan_id: &str,
    gpu_config_id: Option<&str>,
) -> Result<Option<(String, GpuPlan)>, ClientError> {
    let candidates = match (gpu_config_id, inventory) {
        (Some(id), _) => vec![id.to_string()],
        (None, Some(items)) => config_ids(items),
        (None, None) => config_ids(&inventory_in(ctx, region).await?),
    };
    for id in candidates {
        let config = fetch(ctx, &id).await?;
        if let Some(plan) = config.plans.into_iter().find(|p| p.plan_id == plan_id) {
            return Ok(Some((id, plan)));
        }
    }
    Ok(None)
}

fn config_ids(items: &[InventoryItem]) -> Vec<String> {
    let mut ids: Vec<String> = items.iter().map(|i| i.config_id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The listed price of `gpu_count` GPUs of `config_id` on `plan`.
pub(super) fn plan_price(
    config_id: &str,
    plan: &GpuPlan,
    gpu_count: i64,
) -> Result<ListedPrice, Diagnostics> {
    let plan_id = &plan.plan_id;
    if plan.currency != "USD" {
        return Err(Diagnostics::single_attribute_error(
            AttributePath::attr("plan_id"),
            "Plan is not priced in US dollars",
            format!(
                "Plan {plan_id:?} is priced in {}, so a max_hourly_price in US dollars \
                 cannot be checked against it. Nothing was created.",
                plan.currency
            ),
        ));
    }
    // Through its shortest decimal text, so 0.98 stays 0.98 and not its binary neighbour.
    let listed = plan.price_per_gpu_per_hour.to_string();
    let per_gpu = BigDecimal::from_str(&listed).map_err(|_| {
        Diagnostics::single_attribute_error(
            AttributePath::attr("plan_id"),
            "No usable price for this plan",
            format!("Plan {plan_id:?} is listed at {listed:?}, which is not a price."),
        )
    })?;
    Ok(ListedPrice {
        amount: per_gpu.clone() * BigDecimal::from(gpu_count),
        what: format!(
            "{gpu_count} GPU(s) of config `{config_id}` on plan `{plan_id}` ({} per GPU)",
            per_gpu.normalized()
        ),
    })
}

/// The listed price of `gpu_count` GPUs on `plan_id`, from `gpu_config_id` or, as the API
/// does without one, the first config in `region` that offers the plan.
pub(super) async fn runtime_price(
    ctx: &Ctx<'_, GpuAiClient>,
    region: &str,
    plan_id: &str,
    gpu_config_id: Option<&str>,
    gpu_count: i64,
) -> Result<ListedPrice, Diagnostics> {
    if let Some((id, plan)) = config_for(ctx, region, None, plan_id, gpu_config_id).await? {
        return plan_price(&id, &plan, gpu_count);
    }
    Err(Diagnostics::single_attribute_error(
        AttributePath::attr("plan_id"),
        "No listed price for this plan",
        match gpu_config_id {
            Some(id) => format!("GPU config {id:?} does not offer plan {plan_id:?}."),
            None => format!("No GPU config in {region:?} offers plan {plan_id:?}."),
        } + " max_hourly_price cannot be checked; nothing was created.",
    ))
}

/// A runtime's `placements` as its create tries them: per region one read of the inventory (and
/// of the configs it lists until one offers the plan) says which cannot take `gpu_count` GPUs
/// of `gpu_config_id` (or of the config the API would pick) now.
pub(super) async fn runtime_candidates(
    ctx: &Ctx<'_, GpuAiClient>,
    list: &[PlacementModel],
    gpu_config_id: Option<&str>,
    gpus: i64,
) -> Result<Vec<Candidate<PlacementModel>>, Diagnostics> {
    let mut inventories: HashMap<String, Vec<InventoryItem>> = HashMap::new();
    let mut out = Vec::new();
    for p in list {
        let (region, plan_id) = p.choice();
        if !inventories.contains_key(region) {
            inventories.insert(region.to_string(), inventory_in(ctx, region).await?);
        }
        let items = inventories
            .get(region)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let chosen = config_for(ctx, region, Some(items), plan_id, gpu_config_id);
        let skip = match chosen.await? {
            None => Some(match gpu_config_id {
                Some(id) => format!("GPU config {id} does not offer this plan"),
                None => "no GPU config in this region offers this plan".to_string(),
            }),
            Some((id, offered)) => match items.iter().find(|i| i.config_id == id) {
                None => Some(format!("GPU config {id} is not offered in this region")),
                Some(row) if row.max_gpu_count < gpus => Some(format!(
                    "the inventory shows {} GPU(s) of config {id} free here \
                     (max_gpu_count = {}, availability {}), fewer than gpu_count = {gpus}",
                    row.available_gpu_count, row.max_gpu_count, row.availability
                )),
                // Priced only under a cap: a plan in another currency is no reason to skip.
                Some(_) => match ctx.price_limit() {
                    None => None,
                    Some(limit) => {
                        let price = plan_price(&id, &offered, gpus)?;
                        placements::over_cap(&price.amount, Some(limit), RUNTIME_PRICE.unit)
                    }
                },
            },
        };
        out.push(Candidate {
            placement: p.clone(),
            label: format!("plan {plan_id} in {region}"),
            skip,
        });
    }
    Ok(out)
}

/// The price `max_hourly_price` holds a runtime to: that of its `placement`, or with
/// `placements` the cheapest of theirs.
pub(super) async fn runtime_listed_price(
    ctx: &Ctx<'_, GpuAiClient>,
    placement: &PlacementModel,
    list: Option<&[PlacementModel]>,
    gpu_config_id: Option<&str>,
    gpus: i64,
) -> Result<ListedPrice, Diagnostics> {
    let Some(list) = list else {
        let (region, plan_id) = placement.choice();
        return runtime_price(ctx, region, plan_id, gpu_config_id, gpus).await;
    };
    let mut prices = Vec::new();
    for (region, plan_id) in list.iter().map(PlacementModel::choice) {
        prices.push(runtime_price(ctx, region, plan_id, gpu_config_id, gpus).await?);
    }
    placements::cheapest(prices)
}

#[async_trait]
impl DataSource for GpuConfigDataSource {
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
        Ok(observe(fetch(ctx, &id).await?))
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
