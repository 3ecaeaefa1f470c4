//! The `rocm` member: the ROCm management API of a GPU host (devices, health, performance,
//! versions), authenticated with `Authorization: Bearer`. The API is usually a private
//! endpoint, so `ca_cert_pem` (or, for tests, `insecure_skip_verify`) matters here.

pub mod api;
pub mod device;
pub mod devices;
pub mod version;

use crate::client::Client;
use crate::framework::schema::Schema;
use crate::framework::{ConfigureInfo, Diagnostics, DynDataSource, DynResource, Provider};
use crate::providers::common::{self, ConnectionConfig};
use async_trait::async_trait;
use std::sync::Arc;

pub struct Rocm;

#[async_trait]
impl Provider for Rocm {
    type Client = Client;
    type Config = ConnectionConfig;

    fn name(&self) -> &'static str {
        "rocm"
    }

    fn schema(&self) -> Schema {
        common::ROCM.schema(
            "The ROCm management API of an AMD GPU host: devices, their health and performance \
             counters, and the installed ROCm versions. Read-only: it has data sources only.",
        )
    }

    async fn configure(
        &self,
        config: ConnectionConfig,
        _info: &ConfigureInfo,
    ) -> Result<Client, Diagnostics> {
        common::ROCM.client(&config)
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        Vec::new()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(devices::DevicesDataSource),
            Arc::new(device::DeviceDataSource),
            Arc::new(version::VersionDataSource),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_three_data_sources_and_no_resources() {
        let d: Vec<_> = Rocm.data_sources().iter().map(|d| d.type_name()).collect();
        assert_eq!(d, ["devices", "device", "version"]);
        assert!(Rocm.resources().is_empty());
    }
}
