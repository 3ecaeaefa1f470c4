//! `shadeform_instance_types` data source: the marketplace catalogue with per-region
//! availability, filtered server-side, plus the cheapest type that can launch now. The same
//! catalogue prices `shadeform_instance` plans for `max_hourly_price`.

use super::api::{self, InstanceType, InstanceTypesResponse};
use crate::client::Client;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::validators::quoted_list;
use crate::framework::{
    validators, AttributePath, Ctx, DataSource, Diagnostics, ListedPrice, PriceCap, Type,
};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypesModel {
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub num_gpus: Option<i64>,
    pub gpu_type: Option<String>,
    pub shade_instance_type: Option<String>,
    pub available: Option<bool>,
    pub sort: Option<String>,
    pub instance_types: Option<Vec<InstanceType>>,
    pub cheapest_available: Option<InstanceType>,
}

pub struct InstanceTypesDataSource;

/// How `shadeform_instance` is priced: by cloud and instance type, from this catalogue.
pub(super) const INSTANCE_PRICE: PriceCap = PriceCap {
    unit: "US cents per hour",
    source: "the `hourly_price` Shadeform lists for the `shade_instance_type` on that `cloud` \
             (`data.shadeform_instance_types`), without the Shadeform platform fee",
    inputs: &["cloud", "shade_instance_type", "placements"],
};

/// The listed price of `shade_instance_type` on `cloud`.
pub(super) async fn instance_price(
    ctx: &Ctx<'_, Client>,
    cloud: &str,
    shade_instance_type: &str,
) -> Result<ListedPrice, Diagnostics> {
    let types: InstanceTypesResponse = common::api(ctx)
        .get("/instances/types")
        .query("cloud", cloud)
        .query("shade_instance_type", shade_instance_type)
        .describe(format!(
            "list the price of Shadeform type {shade_instance_type:?}"
        ))
        .send()
        .await?;
    let cents = types
        .instance_types
        .iter()
        .find(|t| {
            t.cloud.as_deref() == Some(cloud)
                && t.shade_instance_type.as_deref() == Some(shade_instance_type)
        })
        .and_then(|t| t.hourly_price);
    match cents {
        Some(c) => Ok(ListedPrice {
            amount: c.into(),
            what: format!("{shade_instance_type:?} on {cloud:?}"),
        }),
        None => Err(Diagnostics::single_attribute_error(
            AttributePath::attr("shade_instance_type"),
            "No listed price for this instance type",
            format!(
                "Shadeform lists no price for {shade_instance_type:?} on {cloud:?}, so \
                 max_hourly_price cannot be checked. Nothing was created."
            ),
        )),
    }
}

fn type_attributes() -> Vec<Attribute> {
    let s = |n: &str, d: &str| Attribute::string(n).output(d.to_string());
    let i = |n: &str, d: &str| Attribute::int(n).output(d.to_string());
    vec![
        s("cloud", "Underlying cloud provider."),
        s(
            "region",
            "A region of the type (the first available one, if any).",
        ),
        s(
            "shade_instance_type",
            "Shadeform's standardised instance type.",
        ),
        s("cloud_instance_type", "The cloud's own instance type."),
        i("hourly_price", "Base hourly price in US cents."),
        Attribute::nested(
            "configuration",
            Nesting::Single,
            vec![
                i("memory_in_gb", "Instance memory in GB (not VRAM)."),
                i("storage_in_gb", "Storage in GB."),
                i("vcpus", "Number of vCPUs."),
                i("num_gpus", "Number of GPUs."),
                s("gpu_type", "GPU type, e.g. `A100`."),
                s("interconnect", "GPU interconnect, e.g. `pcie`."),
                i("vram_per_gpu_in_gb", "Video memory per GPU in GB."),
                Attribute::list_of("os_options", Type::String)
                    .output("Operating systems the type can run."),
            ],
        )
        .output("Hardware of the type."),
        Attribute::nested(
            "availability",
            Nesting::List,
            vec![
                s("region", "Region."),
                Attribute::bool("available")
                    .output("Whether the type can launch in the region now."),
            ],
        )
        .output("Availability per region."),
    ]
}

fn schema() -> Schema {
    Schema::new(
        "Shadeform's catalogue of instance types across clouds, with availability per region.",
    )
    .attribute(
        Attribute::string("cloud")
            .optional()
            .validator(validators::usually_one_of(api::CLOUDS))
            .description(format!(
                "Only this cloud, e.g. {}; another name is accepted with a warning.",
                quoted_list(api::CLOUDS)
            )),
    )
    .attribute(
        Attribute::string("region")
            .optional()
            .description("Only this region (availability then covers this region alone)."),
    )
    .attribute(
        Attribute::int("num_gpus")
            .optional()
            .validator(validators::at_least(1.0))
            .description("Only types with this many GPUs."),
    )
    .attribute(
        Attribute::string("gpu_type")
            .optional()
            .description("Only types with this GPU, e.g. `A100_80G`."),
    )
    .attribute(
        Attribute::string("shade_instance_type")
            .optional()
            .description("Only this Shadeform instance type, e.g. `A100`."),
    )
    .attribute(
        Attribute::bool("available")
            .optional()
            .description("Only regions where the type is (true) or is not (false) available now."),
    )
    .attribute(
        Attribute::string("sort")
            .optional()
            .one_of(&["price"])
            .description("`price` sorts by hourly price, cheapest first."),
    )
    .attribute(
        Attribute::nested("instance_types", Nesting::List, type_attributes())
            .output("The matching instance types."),
    )
    .attribute(
        Attribute::nested("cheapest_available", Nesting::Single, type_attributes()).output(
            "The matching type with the lowest hourly price that is available in at least \
                 one listed region; null when none is.",
        ),
    )
}

/// The lowest-priced type available somewhere (the first one on a tie).
fn cheapest(types: &[InstanceType]) -> Option<InstanceType> {
    types
        .iter()
        .filter(|t| t.available_in(None))
        .min_by_key(|t| t.hourly_price.unwrap_or(i64::MAX))
        .cloned()
}

#[async_trait]
impl DataSource for InstanceTypesDataSource {
    type Client = Client;
    type Model = TypesModel;

    fn type_name(&self) -> &'static str {
        "instance_types"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        config: TypesModel,
    ) -> Result<TypesModel, Diagnostics> {
        let api = common::api(ctx);
        let mut req = api
            .get("/instances/types")
            .describe("list Shadeform instance types");
        let filters = [
            ("cloud", config.cloud.clone()),
            ("region", config.region.clone()),
            ("num_gpus", config.num_gpus.map(|n| n.to_string())),
            ("gpu_type", config.gpu_type.clone()),
            ("shade_instance_type", config.shade_instance_type.clone()),
            ("available", config.available.map(|a| a.to_string())),
            ("sort", config.sort.clone()),
        ];
        for (k, v) in filters {
            if let Some(v) = v {
                req = req.query(k, v);
            }
        }
        let found: InstanceTypesResponse = req.send().await?;
        Ok(TypesModel {
            cheapest_available: cheapest(&found.instance_types),
            instance_types: Some(found.instance_types),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(price: i64, available: bool) -> InstanceType {
        InstanceType {
            hourly_price: Some(price),
            availability: Some(vec![api::Availability {
                region: Some("r".into()),
                available: Some(available),
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn cheapest_skips_unavailable_types() {
        let types = vec![ty(50, false), ty(120, true), ty(90, true)];
        assert_eq!(cheapest(&types).and_then(|t| t.hourly_price), Some(90));
        assert_eq!(cheapest(&[ty(10, false)]), None);
    }

    #[test]
    fn filters_are_optional_results_computed() {
        for a in &schema().attributes {
            assert!(!a.description.is_empty(), "{}", a.name);
            let result = a.name == "instance_types" || a.name == "cheapest_available";
            assert_eq!(a.mode.is_configurable(), !result, "{}", a.name);
        }
    }
}
