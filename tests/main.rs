//! Protocol, client, emulator, docs and release tests: everything but the acceptance tests
//! (`acceptance/`), in one test target with a module per area.

mod conformance;
mod protocol_support;
mod support;

mod client_emulator;
mod client_hostile;
mod client_http;
mod client_tls;
mod docs_examples;
mod emulator_amd;
mod emulator_conformance;
mod emulator_gpuai;
mod emulator_icgpu;
mod emulator_rocm;
mod emulator_shadeform;
mod probe_cpu;
mod protocol_cli;
mod protocol_grpc;
mod release;
mod release_mirror;
