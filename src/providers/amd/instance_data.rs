//! `amd_instance` data source: one existing instance, looked up by ID.

use super::api;
use super::instance::{get_instance, InstanceModel};
use crate::client::Client;
use crate::framework::schema::{Attribute, Schema};
use crate::framework::validators::quoted_list;
use crate::framework::{validators, AttributePath, Ctx, DataSource, Diagnostics};
use crate::providers::common;
use async_trait::async_trait;

pub struct InstanceDataSource;

/// The computed attributes of an instance, shared with `amd_instances`.
pub(crate) fn instance_attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("name").output("Display name."),
        Attribute::string("gpu_type").output(format!(
            "GPU hardware type: one of {}.",
            quoted_list(api::GPU_TYPES)
        )),
        Attribute::int("gpu_count").output("Number of GPUs in the instance."),
        Attribute::string("image_id").output("ROCm image the instance runs."),
        Attribute::string("region").output("Deployment region."),
        Attribute::string("status").output(format!(
            "Current status: one of {}.",
            quoted_list(api::STATUSES)
        )),
        Attribute::string("created_at").output("Creation timestamp (RFC 3339)."),
    ]
}

fn schema() -> Schema {
    let mut s = Schema::new("One AMD Developer Cloud GPU instance, looked up by ID.").attribute(
        Attribute::string("id")
            .required()
            .validator(validators::length_between(1, 256))
            .description("Instance identifier, e.g. `inst-001`."),
    );
    for a in instance_attributes() {
        s = s.attribute(a);
    }
    s
}

#[async_trait]
impl DataSource for InstanceDataSource {
    type Client = Client;
    type Model = InstanceModel;

    fn type_name(&self) -> &'static str {
        "instance"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        config: InstanceModel,
    ) -> Result<InstanceModel, Diagnostics> {
        let id = config.id.unwrap_or_default();
        match get_instance(&common::api(ctx), &id).await? {
            Some(i) => Ok(i),
            None => Err(Diagnostics::single_attribute_error(
                AttributePath::attr("id"),
                "AMD instance not found",
                format!("No instance with ID {id:?} exists in this AMD Developer Cloud account."),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_the_only_argument() {
        let s = schema();
        for a in &s.attributes {
            assert_eq!(a.mode.is_configurable(), a.name == "id", "{}", a.name);
        }
    }
}
