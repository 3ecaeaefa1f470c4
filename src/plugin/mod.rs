//! The protocol layer: Terraform plugin protocol 6 over gRPC with go-plugin's handshake and
//! AutoMTLS. Converts the wire to framework types and back; knows nothing about clouds.
//!
//! `codec` turns `DynamicValue` bytes into framework values, `convert` maps schemas,
//! diagnostics and paths, `service` answers each RPC by calling `framework::ProviderServer`,
//! `serve` does the handshake and runs the gRPC server, `tls` holds AutoMTLS, and `logging`
//! writes hclog JSON lines Terraform understands.

pub mod codec;
pub mod convert;
pub mod logging;
pub mod serve;
pub mod service;
pub mod tls;

/// Code generated from the vendored protos in `proto/`.
pub mod proto {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}

pub use serve::{serve, start, Handshake, HandshakeError, Running, ServeError, ServeOptions};
