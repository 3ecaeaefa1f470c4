//! The `shadeform` member: the Shadeform GPU marketplace (instance types across clouds,
//! instances launched through it and storage volumes they mount), authenticated with an
//! `X-API-KEY` header. Its instances and volumes can be taken over from the official
//! provider with `moved {}` blocks (`official.rs`).

pub mod api;
pub mod availability;
pub mod instance;
pub mod instance_types;
pub mod launch;
pub mod official;
pub mod volume;

use crate::client::Client;
use crate::framework::schema::Schema;
use crate::framework::{ConfigureInfo, Diagnostics, DynDataSource, DynResource, Provider};
use crate::providers::common::{self, ConnectionConfig};
use async_trait::async_trait;
use std::sync::Arc;

pub struct Shadeform;

#[async_trait]
impl Provider for Shadeform {
    type Client = Client;
    type Config = ConnectionConfig;

    fn name(&self) -> &'static str {
        "shadeform"
    }

    fn schema(&self) -> Schema {
        common::SHADEFORM.schema(
            "The Shadeform GPU marketplace: instance types with availability across clouds, \
             instances launched through Shadeform, and storage volumes they mount.",
        )
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
            Arc::new(instance::InstanceResource),
            Arc::new(volume::VolumeResource),
            Arc::new(crate::providers::validation::ImageValidationResource::<
                Client,
            >::new()),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![Arc::new(instance_types::InstanceTypesDataSource)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_three_resources_and_one_data_source() {
        let r: Vec<_> = Shadeform
            .resources()
            .iter()
            .map(|r| r.type_name())
            .collect();
        assert_eq!(r, ["instance", "volume", "image_validation"]);
        assert_eq!(Shadeform.data_sources().len(), 1);
    }
}
