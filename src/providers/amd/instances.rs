//! `amd_instances` data source: every instance in the account, optionally filtered by status
//! and GPU type; walks every page of `GET /instances`.

use super::api;
use super::instance::{list_instances, InstanceModel};
use super::instance_data::instance_attributes;
use crate::client::Client;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::validators::quoted_list;
use crate::framework::{Ctx, DataSource, Diagnostics};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InstancesModel {
    pub status: Option<String>,
    pub gpu_type: Option<String>,
    pub instances: Option<Vec<InstanceModel>>,
}

pub struct InstancesDataSource;

fn schema() -> Schema {
    let mut item = vec![Attribute::string("id").output("Instance identifier.")];
    item.extend(instance_attributes());
    Schema::new(
        "AMD Developer Cloud GPU instances in the account. Without a `status` filter the API \
         lists active instances only (terminated ones appear only when asked for).",
    )
    .attribute(
        Attribute::string("status")
            .optional()
            .one_of(api::STATUSES)
            .description(format!(
                "Only instances with this status: one of {}.",
                quoted_list(api::STATUSES)
            )),
    )
    .attribute(
        Attribute::string("gpu_type")
            .optional()
            .one_of(api::GPU_TYPES)
            .description(format!(
                "Only instances with this GPU type: one of {}.",
                quoted_list(api::GPU_TYPES)
            )),
    )
    .attribute(
        Attribute::nested("instances", Nesting::List, item)
            .output("The matching instances, in the API's order."),
    )
}

#[async_trait]
impl DataSource for InstancesDataSource {
    type Client = Client;
    type Model = InstancesModel;

    fn type_name(&self) -> &'static str {
        "instances"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        config: InstancesModel,
    ) -> Result<InstancesModel, Diagnostics> {
        let found = list_instances(
            &common::api(ctx),
            config.status.as_deref(),
            config.gpu_type.as_deref(),
        )
        .await?;
        Ok(InstancesModel {
            instances: Some(found),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_optional_and_result_is_computed() {
        let s = schema();
        for a in &s.attributes {
            assert!(!a.description.is_empty(), "{}", a.name);
        }
        assert!(s
            .attribute_named("status")
            .is_some_and(|a| !a.validators.is_empty()));
        assert!(s
            .attribute_named("instances")
            .is_some_and(|a| !a.mode.is_configurable()));
    }
}
