//! The `amd` member: the AMD Developer Cloud (instances, metrics, deployed models, credits),
//! authenticated with an `X-API-Key` header.

pub mod api;
pub mod credits;
pub mod instance;
pub mod instance_data;
pub mod instance_metrics;
pub mod instances;
pub mod models;

use crate::client::{Auth, Client, Secret};
use crate::framework::schema::{Attribute, Schema};
use crate::framework::{
    validators, AttributePath, ConfigureInfo, Diagnostics, DynDataSource, DynResource, Provider,
};
use crate::providers::common;
use async_trait::async_trait;
use serde::Deserialize;
use std::sync::Arc;

/// The spec's server URL.
pub const DEFAULT_ENDPOINT: &str = "https://api.developer.amd.com/v1";
const CREDENTIAL_HINT: &str = "the provider's `api_key` argument or the AMD_API_KEY environment variable";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub endpoint: Option<String>,
    pub api_key: Option<String>,
    #[serde(flatten)]
    pub connection: common::ConnectionConfig,
}

pub struct Amd;

/// `a`, `b`, `c` in backticks, as the docs print allowed values.
pub(crate) fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait]
impl Provider for Amd {
    type Client = Client;
    type Config = Config;

    fn name(&self) -> &'static str {
        "amd"
    }

    fn schema(&self) -> Schema {
        let mut s = Schema::new(
            "The AMD Developer Cloud: AMD Instinct GPU instances, their metrics, deployed AI \
             models and the account's credits.",
        )
        .attribute(
            Attribute::string("endpoint")
                .optional()
                .validator(validators::url(&["https", "http"]))
                .description(format!(
                    "Base URL of the API. Defaults to the AMD_ENDPOINT environment variable, \
                     then `{DEFAULT_ENDPOINT}`."
                )),
        )
        .attribute(
            Attribute::string("api_key")
                .optional()
                .sensitive()
                .description(
                    "API key, sent as the `X-API-Key` header. Defaults to the AMD_API_KEY \
                     environment variable.",
                ),
        );
        for a in common::connection_attributes() {
            s = s.attribute(a);
        }
        s
    }

    async fn configure(&self, config: Config, _info: &ConfigureInfo) -> Result<Client, Diagnostics> {
        let key = common::setting(config.api_key, "AMD_API_KEY").ok_or_else(|| {
            Diagnostics::single_attribute_error(
                AttributePath::attr("api_key"),
                "Missing AMD Developer Cloud API key",
                format!("Set {CREDENTIAL_HINT}."),
            )
        })?;
        let endpoint = common::setting(config.endpoint, "AMD_ENDPOINT")
            .unwrap_or_else(|| DEFAULT_ENDPOINT.into());
        let cfg = config.connection.client_config(
            "amd",
            endpoint,
            Auth::Header {
                name: "X-API-Key",
                value: Secret::new(key),
            },
            CREDENTIAL_HINT,
        )?;
        Client::new(cfg).map_err(Diagnostics::from)
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![Arc::new(instance::AmdInstance)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(instance_data::AmdInstanceData),
            Arc::new(instances::AmdInstances),
            Arc::new(instance_metrics::AmdInstanceMetrics),
            Arc::new(credits::AmdCredits),
            Arc::new(models::AmdModels),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_schema_is_described_and_the_key_is_sensitive() {
        let s = Amd.schema();
        assert!(s.attributes.iter().all(|a| !a.description.is_empty()));
        assert!(s.attribute_named("api_key").is_some_and(|a| a.sensitive));
        assert!(s.attribute_named("ca_cert_pem").is_some());
    }

    #[test]
    fn lists_one_resource_and_five_data_sources() {
        assert_eq!(Amd.resources().len(), 1);
        let mut names: Vec<_> = Amd.data_sources().iter().map(|d| d.type_name()).collect();
        names.sort();
        assert_eq!(
            names,
            ["credits", "instance", "instance_metrics", "instances", "models"]
        );
    }
}
