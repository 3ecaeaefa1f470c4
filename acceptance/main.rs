//! Acceptance tests: the real `terraform` (1.11.4 from /usr/local/bin, `dev_overrides`) against
//! the freshly built provider and the in-process emulator, one module per member or concern.
//! One test target links once; `cargo test --test acceptance <filter>` runs a part.

#[path = "../tests/support/mod.rs"]
mod support;

mod amd;
mod bad_input;
mod failover;
mod gpuai;
mod hostile;
mod icgpu;
mod icgpu_accounts;
mod icgpu_ephemeral;
mod icgpu_examples;
mod icgpu_fine_tuning;
mod icgpu_jobs;
mod icgpu_more;
mod icgpu_networks_disks;
mod image_validation;
mod lifecycle;
mod plugin;
mod price_caps;
mod rocm;
mod shadeform;
mod ssh_ready;
