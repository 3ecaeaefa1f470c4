//! The `amd` member: the AMD Developer Cloud (instances, metrics, deployed models, credits),
//! authenticated with an `X-API-Key` header.

pub mod api;
pub mod credits;
pub mod instance;
pub mod instance_data;
pub mod instance_metrics;
pub mod instances;
pub mod models;

use crate::client::Client;
use crate::framework::{DynDataSource, DynResource};
use crate::providers::common::member::ConnectionMember;
use crate::providers::common::{self, Connection};
use std::sync::Arc;

pub struct Amd;

impl ConnectionMember for Amd {
    const NAME: &'static str = "amd";
    const DESCRIPTION: &'static str =
        "The AMD Developer Cloud: AMD Instinct GPU instances, their metrics, deployed AI \
         models and the account's credits.";
    const CONNECTION: Connection = common::AMD;

    fn resource_types(&self) -> Vec<Arc<dyn DynResource>> {
        vec![
            Arc::new(instance::InstanceResource),
            Arc::new(crate::providers::validation::ImageValidationResource::<
                Client,
            >::new()),
        ]
    }

    fn data_source_types(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(instance_data::InstanceDataSource),
            Arc::new(instances::InstancesDataSource),
            Arc::new(instance_metrics::InstanceMetricsDataSource),
            Arc::new(credits::CREDITS),
            Arc::new(models::ModelsDataSource),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Provider;

    #[test]
    fn lists_two_resources_and_five_data_sources() {
        let r: Vec<_> = Amd.resources().iter().map(|r| r.type_name()).collect();
        assert_eq!(r, ["instance", "image_validation"]);
        let mut names: Vec<_> = Amd.data_sources().iter().map(|d| d.type_name()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "credits",
                "instance",
                "instance_metrics",
                "instances",
                "models"
            ]
        );
    }
}
