//! `rocm_version` data source: the installed ROCm, HIP, driver and kernel versions.

use crate::client::Client;
use crate::framework::schema::{Attribute, Schema};
use crate::framework::{Ctx, DataSource, Diagnostics};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// `RocmVersion` (camelCase in the API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VersionModel {
    #[serde(alias = "rocmVersion")]
    pub rocm_version: Option<String>,
    #[serde(alias = "hipVersion")]
    pub hip_version: Option<String>,
    #[serde(alias = "driverVersion")]
    pub driver_version: Option<String>,
    #[serde(alias = "kernelVersion")]
    pub kernel_version: Option<String>,
}

pub struct VersionDataSource;

fn schema() -> Schema {
    Schema::new("Versions of the ROCm software stack on the managed host.")
        .attribute(Attribute::string("rocm_version").output("ROCm platform version, e.g. `6.1.0`."))
        .attribute(Attribute::string("hip_version").output("HIP runtime version."))
        .attribute(Attribute::string("driver_version").output("AMD GPU driver version."))
        .attribute(Attribute::string("kernel_version").output("Linux kernel version."))
}

#[async_trait]
impl DataSource for VersionDataSource {
    type Client = Client;
    type Model = VersionModel;

    fn type_name(&self) -> &'static str {
        "version"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        _config: VersionModel,
    ) -> Result<VersionModel, Diagnostics> {
        Ok(common::get(ctx, "/system/rocm-version", "read ROCm version").await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_computed() {
        for a in &schema().attributes {
            assert!(!a.mode.is_configurable(), "{}", a.name);
        }
    }
}
