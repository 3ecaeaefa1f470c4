//! The protocol layer: Terraform plugin protocol 6 over gRPC with go-plugin's handshake and
//! AutoMTLS. Converts the wire to framework types and back; knows nothing about clouds.

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
