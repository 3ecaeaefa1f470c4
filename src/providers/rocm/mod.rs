//! The `rocm` member: the ROCm management API of a GPU host (devices, health, performance,
//! versions), authenticated with `Authorization: Bearer`. The API is usually a private
//! endpoint, so `ca_cert_pem` (or, for tests, `insecure_skip_verify`) matters here.

pub mod api;
pub mod device;
pub mod devices;
pub mod version;

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
pub const DEFAULT_ENDPOINT: &str = "https://rocm-mgmt.amd.com/v1";
const CREDENTIAL_HINT: &str = "the provider's `token` argument or the ROCM_TOKEN environment variable";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub endpoint: Option<String>,
    pub token: Option<String>,
    #[serde(flatten)]
    pub connection: common::ConnectionConfig,
}

pub struct Rocm;

pub(crate) use super::amd::quoted;

#[async_trait]
impl Provider for Rocm {
    type Client = Client;
    type Config = Config;

    fn name(&self) -> &'static str {
        "rocm"
    }

    fn schema(&self) -> Schema {
        let mut s = Schema::new(
            "The ROCm management API of an AMD GPU host: devices, their health and performance \
             counters, and the installed ROCm versions. Read-only: it has data sources only.",
        )
        .attribute(
            Attribute::string("endpoint")
                .optional()
                .validator(validators::url(&["https", "http"]))
                .description(format!(
                    "Base URL of the management API (often a private host; see `ca_cert_pem`). \
                     Defaults to the ROCM_ENDPOINT environment variable, then \
                     `{DEFAULT_ENDPOINT}`."
                )),
        )
        .attribute(
            Attribute::string("token")
                .optional()
                .sensitive()
                .description(
                    "Bearer token for the management API. Defaults to the ROCM_TOKEN \
                     environment variable.",
                ),
        );
        for a in common::connection_attributes() {
            s = s.attribute(a);
        }
        s
    }

    async fn configure(&self, config: Config, _info: &ConfigureInfo) -> Result<Client, Diagnostics> {
        let token = common::setting(config.token, "ROCM_TOKEN").ok_or_else(|| {
            Diagnostics::single_attribute_error(
                AttributePath::attr("token"),
                "Missing ROCm management API token",
                format!("Set {CREDENTIAL_HINT}."),
            )
        })?;
        let endpoint = common::setting(config.endpoint, "ROCM_ENDPOINT")
            .unwrap_or_else(|| DEFAULT_ENDPOINT.into());
        let cfg = config.connection.client_config(
            "rocm",
            endpoint,
            Auth::Bearer(Secret::new(token)),
            CREDENTIAL_HINT,
        )?;
        Client::new(cfg).map_err(Diagnostics::from)
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        Vec::new()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(devices::RocmDevices),
            Arc::new(device::RocmDevice),
            Arc::new(version::RocmVersionData),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_schema_is_described_and_the_token_is_sensitive() {
        let s = Rocm.schema();
        assert!(s.attributes.iter().all(|a| !a.description.is_empty()));
        assert!(s.attribute_named("token").is_some_and(|a| a.sensitive));
        assert!(s.attribute_named("insecure_skip_verify").is_some());
        assert_eq!(Rocm.data_sources().len(), 3);
    }
}
