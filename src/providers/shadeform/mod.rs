//! The `shadeform` member: the Shadeform GPU marketplace (instance types across clouds and
//! instances launched through it), authenticated with an `X-API-KEY` header.

pub mod api;
pub mod availability;
pub mod instance;
pub mod instance_types;

use crate::client::Client;
use crate::framework::schema::Schema;
use crate::framework::{ConfigureInfo, Diagnostics, DynDataSource, DynResource, Provider};
use crate::providers::common::{self, ConnectionConfig};
use async_trait::async_trait;
use std::sync::Arc;

pub struct Shadeform;

pub(crate) use super::amd::quoted;

#[async_trait]
impl Provider for Shadeform {
    type Client = Client;
    type Config = ConnectionConfig;

    fn name(&self) -> &'static str {
        "shadeform"
    }

    fn schema(&self) -> Schema {
        let s = Schema::new(
            "The Shadeform GPU marketplace: instance types with availability across clouds, and \
             instances launched through Shadeform.",
        );
        common::SHADEFORM
            .attributes()
            .into_iter()
            .fold(s, Schema::attribute)
    }

    async fn configure(
        &self,
        config: ConnectionConfig,
        _info: &ConfigureInfo,
    ) -> Result<Client, Diagnostics> {
        common::SHADEFORM.client(&config)
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![
            Arc::new(instance::ShadeformInstance),
            Arc::new(crate::providers::validation::ImageValidation::<Client>::new()),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![Arc::new(instance_types::ShadeformInstanceTypes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_schema_is_described_and_the_key_is_sensitive() {
        let s = Shadeform.schema();
        assert!(s.attributes.iter().all(|a| !a.description.is_empty()));
        assert!(s.attribute_named("api_key").is_some_and(|a| a.sensitive));
        let r: Vec<_> = Shadeform
            .resources()
            .iter()
            .map(|r| r.type_name())
            .collect();
        assert_eq!(r, ["instance", "image_validation"]);
        assert_eq!(Shadeform.data_sources().len(), 1);
    }
}
