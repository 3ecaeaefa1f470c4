//! `gpuai_inventory`: the deployable GPU offerings right now, filtered as the API filters them,
//! every page walked.

use super::api;
use super::shared::{inventory_item_attributes, InventoryItemModel};
use super::GpuAiClient;
use crate::client::list_all_pages;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{validators, AttributePath, Ctx, DataSource, Diagnostics, Value};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Model {
    pub region: Option<String>,
    pub gpu_model: Option<String>,
    pub gpu_vendor: Option<String>,
    pub vram_min: Option<i64>,
    pub vram_max: Option<i64>,
    pub items: Option<Vec<InventoryItemModel>>,
}

pub struct InventoryDataSource;

pub fn schema() -> Schema {
    let mut item = vec![
        Attribute::string("config_id")
            .output("GPU config id, for `gpuai_gpu_config` and `gpuai_airuntime.gpu_config_id`."),
        Attribute::string("region").output("Region of this offering."),
    ];
    item.extend(inventory_item_attributes());
    Schema::new(
        "GPU offerings of the GPU AI Service that are deployable now, with prices and \
         availability. Filters are combined (AND); every page of results is read.",
    )
    .attribute(
        Attribute::string("region")
            .optional()
            .description("Only offerings in this region, e.g. `as-south-1`."),
    )
    .attribute(
        Attribute::string("gpu_model")
            .optional()
            .description("Only GPU models containing this text (case-insensitive), e.g. `H100`."),
    )
    .attribute(
        Attribute::string("gpu_vendor")
            .optional()
            .description("Only this GPU vendor (case-insensitive), e.g. `NVIDIA`."),
    )
    .attribute(
        Attribute::int("vram_min")
            .optional()
            .validator(validators::at_least(0.0))
            .description("Minimum VRAM per GPU in GiB; 0 means no lower bound."),
    )
    .attribute(
        Attribute::int("vram_max")
            .optional()
            .validator(validators::at_least(0.0))
            .description(
                "Maximum VRAM per GPU in GiB; 0 means no upper bound. Must not be less than \
                 `vram_min`.",
            ),
    )
    .attribute(
        Attribute::nested("items", Nesting::List, item)
            .output("The matching offerings, one per GPU config and region."),
    )
}

/// `vram_min` ≤ `vram_max`, where 0 (or unset) means "no bound" as the API reads it, so the
/// stock `not_greater_than` does not fit.
pub fn check_vram_bounds(config: &Value, diags: &mut Diagnostics) {
    let bound = |name: &str| config.attr(name).and_then(Value::as_i64).filter(|n| *n > 0);
    if let (Some(lo), Some(hi)) = (bound("vram_min"), bound("vram_max")) {
        if lo > hi {
            diags.attribute_error(
                AttributePath::attr("vram_max"),
                "Invalid value for vram_max",
                format!(
                    "vram_max ({hi}) is less than vram_min ({lo}): `vram_min` must not be \
                     greater than `vram_max` (0 means no bound)."
                ),
            );
        }
    }
}

#[async_trait]
impl DataSource for InventoryDataSource {
    type Client = GpuAiClient;
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "inventory"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_vram_bounds(config, diags);
    }

    async fn read(&self, ctx: &Ctx<'_, GpuAiClient>, config: Model) -> Result<Model, Diagnostics> {
        let mut req = common::bind(&ctx.client.inventory, ctx)
            .get(api::INVENTORY_PATH)
            .describe("list GPU inventory");
        for (key, value) in [
            ("region", &config.region),
            ("gpu_model", &config.gpu_model),
            ("gpu_vendor", &config.gpu_vendor),
        ] {
            if let Some(v) = value {
                req = req.query(key, v);
            }
        }
        for (key, value) in [("vram_min", config.vram_min), ("vram_max", config.vram_max)] {
            if let Some(v) = value {
                req = req.query(key, v);
            }
        }
        let items: Vec<InventoryItemModel> = list_all_pages(req, "data", api::PAGE_LIMIT).await?;
        Ok(Model {
            items: Some(items),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(min: Value, max: Value) -> Value {
        Value::Object([("vram_min".into(), min), ("vram_max".into(), max)].into())
    }

    #[test]
    fn min_above_max_is_rejected_on_vram_max() {
        let mut d = Diagnostics::new();
        check_vram_bounds(&cfg(Value::number(80), Value::number(32)), &mut d);
        let diag = d.iter().next().expect("an error");
        assert_eq!(diag.path, Some(AttributePath::attr("vram_max")));
        assert!(diag.detail.contains("vram_min"));
    }

    #[test]
    fn zero_and_unknown_mean_no_bound() {
        for (lo, hi) in [
            (Value::number(80), Value::number(0)),
            (Value::number(32), Value::number(80)),
            (Value::number(80), Value::Unknown),
            (Value::Null, Value::number(8)),
        ] {
            let mut d = Diagnostics::new();
            check_vram_bounds(&cfg(lo, hi), &mut d);
            assert!(!d.has_errors());
        }
    }

    #[test]
    fn items_carry_every_inventory_field() {
        let s = schema();
        let items = s.attribute_named("items").expect("items");
        if let crate::framework::AttributeType::Nested { attributes, .. } = &items.ty {
            assert_eq!(attributes.len(), 15, "every inventory item field");
        } else {
            panic!("items is nested");
        }
    }
}
