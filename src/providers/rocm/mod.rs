//! The `rocm` member: the ROCm management API of a GPU host (devices, health, performance,
//! versions), authenticated with `Authorization: Bearer`. The API is usually a private
//! endpoint, so `ca_cert_pem` (or, for tests, `insecure_skip_verify`) matters here.

pub mod api;
pub mod device;
pub mod devices;
pub mod version;

use crate::framework::{DynDataSource, DynResource};
use crate::providers::common::member::ConnectionMember;
use crate::providers::common::{self, Connection};
use std::sync::Arc;

pub struct Rocm;

impl ConnectionMember for Rocm {
    const NAME: &'static str = "rocm";
    const DESCRIPTION: &'static str =
        "The ROCm management API of an AMD GPU host: devices, their health and performance \
         counters, and the installed ROCm versions. Read-only: it has data sources only.";
    const CONNECTION: Connection = common::ROCM;

    fn resource_types(&self) -> Vec<Arc<dyn DynResource>> {
        Vec::new()
    }

    fn data_source_types(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(devices::DevicesDataSource),
            Arc::new(device::DeviceDataSource),
            Arc::new(version::VERSION),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Provider;

    #[test]
    fn lists_three_data_sources_and_no_resources() {
        let d: Vec<_> = Rocm.data_sources().iter().map(|d| d.type_name()).collect();
        assert_eq!(d, ["devices", "device", "version"]);
        assert!(Rocm.resources().is_empty());
    }
}
