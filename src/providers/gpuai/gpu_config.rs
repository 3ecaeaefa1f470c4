//! `gpuai_gpu_config`: one GPU config by `config_id`, with the regions it is offered in and
//! the plans a runtime may use with it. The same plans price `gpuai_airuntime` plans for
//! `max_hourly_price`.

use super::airuntime::PlacementModel;
use super::api;
use super::shared::{inventory_item_attributes, InventoryItemModel};
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

/// The API's `GpuPlan`.
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

/// The API's `GpuConfig`: an [`InventoryItemModel`]'s fields (repeated rather than
/// `#[serde(flatten)]`, which buffers numbers and so breaks under serde_json's
/// `arbitrary_precision`) with `regions` and `plans`.
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

async fn fetch(ctx: &Ctx<'_, GpuAiClient>, id: &str) -> Result<Model, ClientError> {
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
) -> Result<Vec<InventoryItemModel>, ClientError> {
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
    inventory: Option<&[InventoryItemModel]>,
    plan_id: &str,
    gpu_config_id: Option<&str>,
) -> Result<Option<(String, PlanModel)>, ClientError> {
    let candidates = match (gpu_config_id, inventory) {
        (Some(id), _) => vec![id.to_string()],
        (None, Some(items)) => config_ids(items),
        (None, None) => config_ids(&inventory_in(ctx, region).await?),
    };
    for id in candidates {
        let config = fetch(ctx, &id).await?;
        let mut plans = config.plans.into_iter().flatten();
        if let Some(plan) = plans.find(|p| p.plan_id.as_deref() == Some(plan_id)) {
            return Ok(Some((id, plan)));
        }
    }
    Ok(None)
}

fn config_ids(items: &[InventoryItemModel]) -> Vec<String> {
    let mut ids: Vec<String> = items.iter().filter_map(|i| i.config_id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The listed price of `gpu_count` GPUs of `config_id` on `plan`.
pub(super) fn plan_price(
    config_id: &str,
    plan: &PlanModel,
    gpu_count: i64,
) -> Result<ListedPrice, Diagnostics> {
    let plan_id = plan.plan_id.as_deref().unwrap_or_default();
    let currency = plan.currency.as_deref().unwrap_or("no currency");
    if currency != "USD" {
        return Err(Diagnostics::single_attribute_error(
            AttributePath::attr("plan_id"),
            "Plan is not priced in US dollars",
            format!(
                "Plan {plan_id:?} is priced in {currency}, so a max_hourly_price in US dollars \
                 cannot be checked against it. Nothing was created.",
            ),
        ));
    }
    // Through its shortest decimal text, so 0.98 stays 0.98 and not its binary neighbour.
    let listed = plan
        .price_per_gpu_per_hour
        .map_or_else(|| "no price".to_string(), |p| p.to_string());
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
    let mut inventories: HashMap<String, Vec<InventoryItemModel>> = HashMap::new();
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
            Some((id, offered)) => match items
                .iter()
                .find(|i| i.config_id.as_deref() == Some(id.as_str()))
            {
                None => Some(format!("GPU config {id} is not offered in this region")),
                Some(row) if row.max_gpu_count.unwrap_or(0) < gpus => Some(format!(
                    "the inventory shows {} GPU(s) of config {id} free here \
                     (max_gpu_count = {}, availability {}), fewer than gpu_count = {gpus}",
                    row.available_gpu_count.unwrap_or(0),
                    row.max_gpu_count.unwrap_or(0),
                    row.availability.as_deref().unwrap_or("unknown")
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
        Ok(fetch(ctx, &id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn the_api_answer_is_the_state() {
        let c: Model = serde_json::from_value(json!({
            "config_id": "c", "gpu_model": "NVIDIA H100", "gpu_vendor": "NVIDIA", "vram_gib": 80,
            "default_cpu_cores": 20, "default_memory_gib": 125, "price_per_gpu_per_hour": 1.99,
            "region": "as-south-1", "min_gpu_count": 1, "max_gpu_count": 0, "available_gpu_count": 0,
            "total_gpu_count": 0, "availability": "None", "instance_type": "airuntime", "type": "GPU",
            "regions": ["as-south-1"],
            "plans": [{"plan_id": "p", "name": "n", "billing_type": "on_demand", "billing_period": "1h",
                "price_per_gpu_per_hour": 1.99, "currency": "USD"}]
        }))
        .expect("parses");
        assert_eq!(c.type_.as_deref(), Some("GPU"));
        assert_eq!(c.vram_gib, Some(80.0));
        let plans = c.plans.expect("plans");
        assert_eq!(plans[0].plan_id.as_deref(), Some("p"));
        assert_eq!(plans[0].currency.as_deref(), Some("USD"));
    }
}
