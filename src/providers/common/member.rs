//! A member whose provider block is only the connection (AMD, ROCm, Shadeform) states its
//! name, description, connection and types; its schema and configure come from here.

use super::{Connection, ConnectionConfig};
use crate::client::Client;
use crate::framework::{ConfigureInfo, Diagnostics, DynDataSource, DynResource, Provider, Schema};
use async_trait::async_trait;
use std::sync::Arc;

pub trait ConnectionMember: Send + Sync + 'static {
    /// The member's name and type prefix: `"amd"`.
    const NAME: &'static str;
    /// The provider block's description.
    const DESCRIPTION: &'static str;
    const CONNECTION: Connection;
    fn resource_types(&self) -> Vec<Arc<dyn DynResource>>;
    fn data_source_types(&self) -> Vec<Arc<dyn DynDataSource>>;
}

#[async_trait]
impl<M: ConnectionMember> Provider for M {
    type Client = Client;
    type Config = ConnectionConfig;

    fn name(&self) -> &'static str {
        M::NAME
    }

    fn schema(&self) -> Schema {
        M::CONNECTION.schema(M::DESCRIPTION)
    }

    async fn configure(
        &self,
        config: ConnectionConfig,
        _info: &ConfigureInfo,
    ) -> Result<Client, Diagnostics> {
        M::CONNECTION.client(&config)
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        self.resource_types()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        self.data_source_types()
    }
}
