//! The `shadeform` member: the Shadeform GPU marketplace (instance types across clouds and
//! instances launched through it), authenticated with an `X-API-KEY` header.

pub mod api;
pub mod instance;
pub mod instance_types;

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
pub const DEFAULT_ENDPOINT: &str = "https://api.shadeform.ai/v1";
const CREDENTIAL_HINT: &str =
    "the provider's `api_key` argument or the SHADEFORM_API_KEY environment variable";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub endpoint: Option<String>,
    pub api_key: Option<String>,
    #[serde(flatten)]
    pub connection: common::ConnectionConfig,
}

pub struct Shadeform;

pub(crate) use super::amd::quoted;

#[async_trait]
impl Provider for Shadeform {
    type Client = Client;
    type Config = Config;

    fn name(&self) -> &'static str {
        "shadeform"
    }

    fn schema(&self) -> Schema {
        let mut s = Schema::new(
            "The Shadeform GPU marketplace: instance types with availability across clouds, and \
             instances launched through Shadeform.",
        )
        .attribute(
            Attribute::string("endpoint")
                .optional()
                .validator(validators::url(&["https", "http"]))
                .description(format!(
                    "Base URL of the API. Defaults to the SHADEFORM_ENDPOINT environment \
                     variable, then `{DEFAULT_ENDPOINT}`."
                )),
        )
        .attribute(
            Attribute::string("api_key")
                .optional()
                .sensitive()
                .description(
                    "API key, sent as the `X-API-KEY` header. Defaults to the \
                     SHADEFORM_API_KEY environment variable.",
                ),
        );
        for a in common::connection_attributes() {
            s = s.attribute(a);
        }
        s
    }

    async fn configure(&self, config: Config, _info: &ConfigureInfo) -> Result<Client, Diagnostics> {
        let key = common::setting(config.api_key, "SHADEFORM_API_KEY").ok_or_else(|| {
            Diagnostics::single_attribute_error(
                AttributePath::attr("api_key"),
                "Missing Shadeform API key",
                format!("Set {CREDENTIAL_HINT}."),
            )
        })?;
        let endpoint = common::setting(config.endpoint, "SHADEFORM_ENDPOINT")
            .unwrap_or_else(|| DEFAULT_ENDPOINT.into());
        let cfg = config.connection.client_config(
            "shadeform",
            endpoint,
            Auth::Header {
                name: "X-API-KEY",
                value: Secret::new(key),
            },
            CREDENTIAL_HINT,
        )?;
        Client::new(cfg).map_err(Diagnostics::from)
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![Arc::new(instance::ShadeformInstance)]
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
        assert_eq!(Shadeform.resources().len(), 1);
        assert_eq!(Shadeform.data_sources().len(), 1);
    }
}
