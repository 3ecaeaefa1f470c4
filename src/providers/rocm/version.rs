//! `rocm_version` data source: the installed ROCm, HIP, driver and kernel versions.

use crate::framework::schema::{Attribute, Schema};
use crate::providers::common::Reading;
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

/// `GET /system/rocm-version`.
pub const VERSION: Reading<VersionModel> = Reading::new(
    "version",
    "/system/rocm-version",
    "read ROCm version",
    schema,
);

fn schema() -> Schema {
    Schema::new("Versions of the ROCm software stack on the managed host.")
        .attribute(Attribute::string("rocm_version").output("ROCm platform version, e.g. `6.1.0`."))
        .attribute(Attribute::string("hip_version").output("HIP runtime version."))
        .attribute(Attribute::string("driver_version").output("AMD GPU driver version."))
        .attribute(Attribute::string("kernel_version").output("Linux kernel version."))
}
