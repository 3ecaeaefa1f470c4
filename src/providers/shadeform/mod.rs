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
use crate::framework::{DynDataSource, DynResource};
use crate::providers::common::member::ConnectionMember;
use crate::providers::common::{self, Connection};
use std::sync::Arc;

pub struct Shadeform;

impl ConnectionMember for Shadeform {
    const NAME: &'static str = "shadeform";
    const DESCRIPTION: &'static str =
        "The Shadeform GPU marketplace: instance types with availability across clouds, \
         instances launched through Shadeform, and storage volumes they mount.";
    const CONNECTION: Connection = common::SHADEFORM;

    fn resource_types(&self) -> Vec<Arc<dyn DynResource>> {
        vec![
            Arc::new(instance::InstanceResource),
            Arc::new(volume::VolumeResource),
            Arc::new(crate::providers::validation::ImageValidationResource::<
                Client,
            >::new()),
        ]
    }

    fn data_source_types(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![Arc::new(instance_types::InstanceTypesDataSource)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Provider;

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
