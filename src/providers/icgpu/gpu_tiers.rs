//! `data.icgpu_gpu_tiers`: the public list of GPU tiers, prices and current capacity. The same
//! list prices `icgpu_instance` plans for `max_hourly_price`.

use super::api::{GpuTier, TIERS};
use super::IcGpuClient;
use crate::client::{list_all_token, ClientError};
use crate::framework::{
    Attribute, AttributePath, Ctx, DataSource, Diagnostics, ListedPrice, Nesting, PriceCap, Schema,
};
use crate::providers::common::filter;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct GpuTiersDataSource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GpuTiersModel {
    pub tier: Option<String>,
    pub available_only: Option<bool>,
    pub gpu_model: Option<String>,
    pub tiers: Option<Vec<GpuTier>>,
}

/// How `icgpu_instance` is priced: by tier and workload type, from this public list.
pub(super) const INSTANCE_PRICE: PriceCap = PriceCap {
    unit: "tokens per hour",
    source: "the tier's `price_per_hour_tokens` in the public GPU tier list \
             (`data.icgpu_gpu_tiers`), or its `batch_price_per_hour_tokens` for `batch` \
             instances; with `placements`, each placement's tier and workload type",
    inputs: &["tier", "workload_type", "placements"],
};

/// Every tier (a public endpoint: no token needed).
pub(super) async fn list_tiers(ctx: &Ctx<'_, IcGpuClient>) -> Result<Vec<GpuTier>, ClientError> {
    let req = super::public_api(ctx)
        .get("/api/v1/gpu-tiers")
        .public()
        .describe("list GPU tiers");
    list_all_token(req, "gpuTiers").await
}

/// The listed price of an instance of `tier` and `workload_type`.
pub(super) async fn instance_price(
    ctx: &Ctx<'_, IcGpuClient>,
    tier: &str,
    workload_type: &str,
) -> Result<ListedPrice, Diagnostics> {
    price_in(&list_tiers(ctx).await?, tier, workload_type)
}

/// The price of `tier` and `workload_type` in the listed `tiers`.
pub(super) fn price_in(
    tiers: &[GpuTier],
    tier: &str,
    workload_type: &str,
) -> Result<ListedPrice, Diagnostics> {
    let listed = tiers.iter().find(|t| t.tier == tier).and_then(|t| {
        if workload_type == "batch" {
            t.batch_price_per_hour_tokens
        } else {
            t.price_per_hour_tokens
        }
    });
    let Some(tokens) = listed else {
        return Err(Diagnostics::single_attribute_error(
            AttributePath::attr("tier"),
            "No listed price for this tier",
            format!(
                "The GPU tier list has no {workload_type} price for tier {tier:?}, so \
                 max_hourly_price cannot be checked. Nothing was created."
            ),
        ));
    };
    Ok(ListedPrice {
        amount: tokens.into(),
        what: format!("Tier `{tier}` ({workload_type} workload)"),
    })
}

/// The tiers that pass the optional filters (`gpu_model` compares case-insensitively).
fn filter(tiers: Vec<GpuTier>, q: &GpuTiersModel) -> Vec<GpuTier> {
    tiers
        .into_iter()
        .filter(|t| q.tier.as_ref().is_none_or(|want| &t.tier == want))
        .filter(|t| !q.available_only.unwrap_or(false) || t.available.unwrap_or(false))
        .filter(|t| filter::is_text(&q.gpu_model, &t.gpu_model))
        .collect()
}

#[async_trait]
impl DataSource for GpuTiersDataSource {
    type Client = IcGpuClient;
    type Model = GpuTiersModel;

    fn type_name(&self) -> &'static str {
        "gpu_tiers"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The GPU tiers of the IC GPU platform with hardware, hourly prices and current \
             availability. A public endpoint: works without a token.",
        )
        .attribute(
            Attribute::string("tier")
                .optional()
                .one_of(TIERS)
                .description("Only this tier: `dedicated`, `mig` or `timesliced`."),
        )
        .attribute(
            Attribute::bool("available_only")
                .optional()
                .description("When true, only tiers that can start an interactive instance now."),
        )
        .attribute(
            Attribute::string("gpu_model").optional().description(
                "Only tiers with this GPU model (case-insensitive), e.g. `NVIDIA L4`.",
            ),
        )
        .attribute(
            Attribute::nested(
                "tiers",
                Nesting::List,
                vec![
                    Attribute::string("tier").output("Tier name."),
                    Attribute::string("description").output("What the tier offers."),
                    Attribute::string("gpu_model").output("GPU model an instance gets."),
                    Attribute::int("gpu_memory_gb")
                        .output("GPU memory in GB (the slice for `mig`; shared for `timesliced`)."),
                    Attribute::string("mig_profile")
                        .output("MIG profile of the slice (`mig` only), else null."),
                    Attribute::string("memory_isolation")
                        .output("`full` (dedicated), `hardware` (MIG) or `none` (time-sliced)."),
                    Attribute::int("price_per_hour_tokens")
                        .output("Price of an interactive instance in tokens per hour."),
                    Attribute::int("batch_price_per_hour_tokens")
                        .output("Price of a batch instance in tokens per hour (50% off)."),
                    Attribute::bool("available")
                        .output("Whether an interactive instance can start now."),
                    Attribute::int("available_count")
                        .output("Instances of this tier that can be scheduled now."),
                ],
            )
            .output("The matching tiers, in the platform's catalogue order."),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        config: GpuTiersModel,
    ) -> Result<GpuTiersModel, Diagnostics> {
        let tiers = filter(list_tiers(ctx).await?, &config);
        Ok(GpuTiersModel {
            tiers: Some(tiers),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(name: &str, model: &str, available: bool) -> GpuTier {
        GpuTier {
            tier: name.into(),
            description: None,
            gpu_model: Some(model.into()),
            gpu_memory_gb: Some(80),
            mig_profile: None,
            memory_isolation: Some("full".into()),
            price_per_hour_tokens: Some(2),
            batch_price_per_hour_tokens: Some(1),
            available: Some(available),
            available_count: Some(i64::from(available)),
        }
    }

    fn all() -> Vec<GpuTier> {
        vec![
            tier("dedicated", "NVIDIA A100 80GB PCIe", true),
            tier("mig", "NVIDIA A100 80GB PCIe", true),
            tier("timesliced", "NVIDIA L4", false),
        ]
    }

    fn names(v: &[GpuTier]) -> Vec<&str> {
        v.iter().map(|t| t.tier.as_str()).collect()
    }

    #[test]
    fn filters_combine() {
        let none = GpuTiersModel::default();
        assert_eq!(
            names(&filter(all(), &none)),
            ["dedicated", "mig", "timesliced"]
        );
        let avail = GpuTiersModel {
            available_only: Some(true),
            ..Default::default()
        };
        assert_eq!(names(&filter(all(), &avail)), ["dedicated", "mig"]);
        let l4 = GpuTiersModel {
            gpu_model: Some("nvidia l4".into()),
            ..Default::default()
        };
        assert_eq!(names(&filter(all(), &l4)), ["timesliced"]);
        let both = GpuTiersModel {
            gpu_model: Some("NVIDIA L4".into()),
            available_only: Some(true),
            ..Default::default()
        };
        assert!(filter(all(), &both).is_empty());
        let mig = GpuTiersModel {
            tier: Some("mig".into()),
            ..Default::default()
        };
        assert_eq!(names(&filter(all(), &mig)), ["mig"]);
    }

    #[test]
    fn nested_result_has_every_api_field() {
        let s = GpuTiersDataSource.schema();
        let Some(crate::framework::AttributeType::Nested { attributes, .. }) =
            s.attribute_named("tiers").map(|a| a.ty.clone())
        else {
            panic!("tiers is a nested attribute")
        };
        let got: Vec<String> = attributes.iter().map(|a| a.name.clone()).collect();
        let want = serde_json::to_value(GpuTier::default()).expect("json");
        let want: Vec<String> = want.as_object().expect("object").keys().cloned().collect();
        assert_eq!(got, want);
        assert!(attributes
            .iter()
            .all(|a| a.mode == crate::framework::Mode::Computed));
    }
}
