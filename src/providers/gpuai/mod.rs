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
mod runtime_ssh;
pub mod shared;

use crate::client::Client;
use crate::framework::schema::{Attribute, Schema};
use crate::framework::{
    validators, AttributePath, ConfigureInfo, Diagnostics, DynDataSource, DynResource, Provider,
};
use crate::providers::common::{self, ConnectionConfig, GPUAI};
use async_trait::async_trait;
use serde::Deserialize;
use std::sync::Arc;

pub const DEFAULT_INVENTORY_ENDPOINT: &str = "https://api.ai.neevcloud.com/inventory";
pub const INVENTORY_ENDPOINT_ENV: &str = "GPUAI_INVENTORY_ENDPOINT";

/// The configured clients, one per service base.
pub struct GpuAiClient {
    /// AI runtimes and templates (`…/gpu`).
    pub gpu: Client,
    /// Inventory, GPU configs and notify-availability (`…/inventory`).
    pub inventory: Client,
}

#[derive(Debug, Default, Deserialize)]
pub struct Config {
    #[serde(flatten)]
    pub connection: ConnectionConfig,
    #[serde(default)]
    pub inventory_endpoint: Option<String>,
}

/// The inventory base: the argument, then the environment variable, then the default.
pub fn inventory_base(
    configured: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<String, Diagnostics> {
    let (base, source) = match configured.filter(|s| !s.trim().is_empty()) {
        Some(b) => (
            b.trim().to_string(),
            "the `inventory_endpoint` argument".to_string(),
        ),
        None => match env(INVENTORY_ENDPOINT_ENV).filter(|s| !s.trim().is_empty()) {
            Some(b) => (
                b.trim().to_string(),
                format!("the {INVENTORY_ENDPOINT_ENV} environment variable"),
            ),
            None => (
                DEFAULT_INVENTORY_ENDPOINT.to_string(),
                "the default".to_string(),
            ),
        },
    };
    match url::Url::parse(&base) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(base),
        _ => Err(Diagnostics::single_attribute_error(
            AttributePath::attr("inventory_endpoint"),
            "Invalid GPU AI inventory endpoint",
            format!("{base:?} (from {source}) is not an http:// or https:// URL with a host."),
        )),
    }
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
        GPUAI
            .schema(
                "The GPU AI Service (NeevCloud): AI runtimes (GPU instances), runtime \
                 templates, GPU inventory and availability notifications. `endpoint` is the \
                 AI runtime service (`…/gpu`); the token is sent as `Authorization: Bearer` \
                 (a Personal Access Token `pat-nc-…` or a login access token).",
            )
            .attribute(
                Attribute::string("inventory_endpoint")
                    .optional()
                    .validator(validators::url(&["https", "http"]))
                    .description(format!(
                        "Base URL of the inventory service (inventory, GPU configs, \
                         availability notifications). Defaults to the \
                         `{INVENTORY_ENDPOINT_ENV}` environment variable, then \
                         `{DEFAULT_INVENTORY_ENDPOINT}`."
                    )),
            )
    }

    async fn configure(
        &self,
        config: Config,
        _info: &ConfigureInfo,
    ) -> Result<GpuAiClient, Diagnostics> {
        let gpu_cfg = common::client_config(&GPUAI, &config.connection);
        let inventory = inventory_base(config.inventory_endpoint.as_deref(), |n| {
            std::env::var(n).ok()
        });
        let (gpu_cfg, inventory) = match (gpu_cfg, inventory) {
            (Ok(g), Ok(i)) => (g, i),
            (g, i) => {
                let mut diags = Diagnostics::new();
                diags.extend(g.err().unwrap_or_default());
                diags.extend(i.err().unwrap_or_default());
                return Err(diags);
            }
        };
        let mut inventory_cfg = gpu_cfg.clone();
        inventory_cfg.base_url = inventory;
        let make = |cfg| {
            Client::new(cfg).map_err(|e| {
                Diagnostics::single_error("Invalid GPU AI provider configuration", e.detail())
            })
        };
        Ok(GpuAiClient {
            gpu: make(gpu_cfg)?,
            inventory: make(inventory_cfg)?,
        })
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![
            Arc::new(airuntime::AiRuntimeResource),
            Arc::new(availability_notification::AvailabilityNotificationResource),
            Arc::new(crate::providers::validation::ImageValidationResource::<
                GpuAiClient,
            >::new()),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(inventory::InventoryDataSource),
            Arc::new(gpu_config::GpuConfigDataSource),
            Arc::new(airuntime_templates::AiRuntimeTemplatesDataSource),
            Arc::new(airuntime_template::AiRuntimeTemplateDataSource),
        ]
    }
}

#[cfg(test)]
mod emulated_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_registered_under_their_names() {
        let r: Vec<&str> = GpuAi.resources().iter().map(|r| r.type_name()).collect();
        assert_eq!(
            r,
            ["airuntime", "availability_notification", "image_validation"]
        );
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
