//! The members: one folder per GPU cloud, each a thin layer of schemas and CRUD over the shared
//! client. `member(name)` picks one by the name Terraform knows it by.

pub mod icgpu;
pub mod validation;

use crate::framework::DynProvider;
use std::sync::Arc;

/// Every member's name, in the order the CLI lists them.
pub const MEMBERS: &[&str] = &["icgpu", "amd", "rocm", "shadeform", "gpuai"];

/// The member provider called `name`, if there is one.
pub fn member(name: &str) -> Option<Arc<dyn DynProvider>> {
    match name {
        "icgpu" => Some(Arc::new(icgpu::IcGpu)),
        _ => None,
    }
}
