//! gpucloud-terraform: one binary that is a family of Terraform providers for GPU clouds.
//!
//! Layers, in the order data flows: `plugin` (protocol 6 over gRPC) → `framework` (schemas,
//! plan engine) → `providers` (one folder per member cloud) → `client` (shared HTTP client).
//! `emulator` implements all five APIs for the demo and the tests.

pub mod cli;
pub mod client;
pub mod docs;
pub mod emulator;
pub mod framework;
pub mod plugin;
pub mod providers;
