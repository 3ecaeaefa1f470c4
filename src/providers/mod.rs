//! The members: one folder per GPU cloud, each a thin layer of schemas and CRUD over the shared
//! client. `member(name)` picks one by the name Terraform knows it by.

pub mod amd;
pub mod common;
pub mod gpuai;
pub mod icgpu;
pub mod rocm;
pub mod shadeform;
pub mod validation;

#[cfg(test)]
mod schema_tests;

use crate::framework::DynProvider;
use std::sync::Arc;

/// Every member's name, in the order the CLI lists them.
pub const MEMBERS: &[&str] = &["icgpu", "amd", "rocm", "shadeform", "gpuai"];

/// The member provider called `name`, if there is one.
pub fn member(name: &str) -> Option<Arc<dyn DynProvider>> {
    match name {
        "icgpu" => Some(Arc::new(icgpu::IcGpu)),
        "amd" => Some(Arc::new(amd::Amd)),
        "rocm" => Some(Arc::new(rocm::Rocm)),
        "shadeform" => Some(Arc::new(shadeform::Shadeform)),
        "gpuai" => Some(Arc::new(gpuai::GpuAi)),
        _ => None,
    }
}
