//! The `gpuai` member: NeevCloud's GPU AI Service. Two bases on one gateway: AI runtimes and
//! templates under `/gpu`, inventory, GPU configs and notify-availability under `/inventory`;
//! both take `Authorization: Bearer <token>`.

pub mod airuntime;
pub mod airuntime_template;
pub mod airuntime_templates;
pub mod api;
pub mod availability_notification;
pub mod gpu_config;
pub mod inventory;
pub mod shared;

use crate::client::{Auth, Client, Secret};
use crate::framework::schema::{Attribute, Schema};
use crate::framework::{
    validators, ConfigureInfo, Diagnostics, DynDataSource, DynResource, Provider,
};
use crate::providers::common;
use async_trait::async_trait;
use serde::Deserialize;
use std::sync::Arc;

pub const DEFAULT_ENDPOINT: &str = "https://api.ai.neevcloud.com/gpu";
pub const DEFAULT_INVENTORY_ENDPOINT: &str = "https://api.ai.neevcloud.com/inventory";
const CREDENTIAL_HINT: &str = "the provider's `token` argument or the GPUAI_TOKEN environment variable (a Personal Access Token `pat-nc-…` or a login access token; inference keys `sk-nc-…` are rejected)";

/// The configured clients, one per service base.
pub struct GpuAiClient {
    /// AI runtimes and templates (`…/gpu`).
    pub gpu: Client,
    /// Inventory, GPU configs and notify-availability (`…/inventory`).
    pub inventory: Client,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub endpoint: Option<String>,
    pub inventory_endpoint: Option<String>,
    pub token: Option<String>,
    #[serde(flatten)]
    pub connection: common::ConnectionConfig,
}

pub struct GpuAi;

#[async_trait]
impl Provider for GpuAi {
    type Client = GpuAiClient;
    type Config = Config;

    fn name(&self) -> &'static str {
        "gpuai"
    }

    fn schema(&self) -> Schema {
        let mut s = Schema::new(
            "The GPU AI Service (NeevCloud): AI runtimes (GPU instances), runtime templates, GPU \
             inventory and availability notifications.",
        )
        .attribute(
            Attribute::string("endpoint")
                .optional()
                .validator(validators::url(&["https", "http"]))
                .description(format!(
                    "Base URL of the AI runtime service. Defaults to the GPUAI_ENDPOINT \
                     environment variable, then `{DEFAULT_ENDPOINT}`."
                )),
        )
        .attribute(
            Attribute::string("inventory_endpoint")
                .optional()
                .validator(validators::url(&["https", "http"]))
                .description(format!(
                    "Base URL of the inventory service. Defaults to the \
                     GPUAI_INVENTORY_ENDPOINT environment variable, then \
                     `{DEFAULT_INVENTORY_ENDPOINT}`."
                )),
        )
        .attribute(
            Attribute::string("token")
                .optional()
                .sensitive()
                .description(
                    "API token, sent as `Authorization: Bearer`: a Personal Access Token \
                     (`pat-nc-…`) or a login access token. Defaults to the GPUAI_TOKEN \
                     environment variable.",
                ),
        );
        for a in common::connection_attributes() {
            s = s.attribute(a);
        }
        s
    }

    async fn configure(
        &self,
        config: Config,
        _info: &ConfigureInfo,
    ) -> Result<GpuAiClient, Diagnostics> {
        let token = common::setting(config.token, "GPUAI_TOKEN").ok_or_else(|| {
            Diagnostics::single_attribute_error(
                crate::framework::AttributePath::attr("token"),
                "Missing GPU AI Service token",
                format!("Set {CREDENTIAL_HINT}."),
            )
        })?;
        let endpoint = common::setting(config.endpoint, "GPUAI_ENDPOINT")
            .unwrap_or_else(|| DEFAULT_ENDPOINT.into());
        let inventory = common::setting(config.inventory_endpoint, "GPUAI_INVENTORY_ENDPOINT")
            .unwrap_or_else(|| DEFAULT_INVENTORY_ENDPOINT.into());
        let make = |base: String| {
            let cfg = config.connection.client_config(
                "gpuai",
                base,
                Auth::Bearer(Secret::new(token.clone())),
                CREDENTIAL_HINT,
            )?;
            Client::new(cfg).map_err(Diagnostics::from)
        };
        Ok(GpuAiClient {
            gpu: make(endpoint)?,
            inventory: make(inventory)?,
        })
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![
            Arc::new(airuntime::AiRuntime),
            Arc::new(availability_notification::AvailabilityNotification),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(inventory::Inventory),
            Arc::new(gpu_config::GpuConfig),
            Arc::new(airuntime_templates::AiRuntimeTemplates),
            Arc::new(airuntime_template::AiRuntimeTemplate),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_schema_is_described_and_token_is_sensitive() {
        let s = Provider::schema(&GpuAi);
        assert!(s.attributes.iter().all(|a| !a.description.is_empty()));
        assert!(s.attribute_named("token").expect("token").sensitive);
        assert!(s.attribute_named("inventory_endpoint").is_some());
        assert!(
            s.attribute_named("max_retries").is_some(),
            "common connection attributes"
        );
    }

    #[test]
    fn types_are_registered_under_their_names() {
        let r: Vec<&str> = GpuAi.resources().iter().map(|r| r.type_name()).collect();
        assert_eq!(r, ["airuntime", "availability_notification"]);
        let d: Vec<&str> = GpuAi.data_sources().iter().map(|d| d.type_name()).collect();
        assert_eq!(
            d,
            [
                "inventory",
                "gpu_config",
                "airuntime_templates",
                "airuntime_template"
            ]
        );
    }
}
