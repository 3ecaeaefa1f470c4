//! The engine (terraform-plugin-framework's fwserver): framework-native requests in,
//! framework-native responses out. The protocol layer converts to and from the wire and calls
//! these methods; nothing here knows about gRPC or msgpack.

use super::diag::Diagnostics;
use super::ephemeral::DynEphemeralResource;
use super::path::AttributePath;
use super::resource::{AnyClient, DynDataSource, DynProvider, DynResource};
use super::schema::Schema;
use super::value::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;
use tokio_util::sync::CancellationToken;

pub struct ConfigureRequest {
    pub config: Value,
    pub terraform_version: String,
}

pub struct ValidateResourceRequest<'a> {
    pub type_name: &'a str,
    pub config: &'a Value,
    /// Whether the client can handle write-only attributes (Terraform ≥ 1.11).
    pub write_only_allowed: bool,
}

pub struct ReadRequest {
    pub type_name: String,
    pub current_state: Value,
    pub private: Vec<u8>,
}

pub struct ReadResponse {
    /// `Value::Null` when the object is gone upstream (Terraform drops it from state).
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

pub struct PlanRequest {
    pub type_name: String,
    /// Null when creating.
    pub prior_state: Value,
    /// Null when destroying.
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub planned_private: Vec<u8>,
    pub diags: Diagnostics,
}

pub struct ApplyRequest {
    pub type_name: String,
    /// Null when creating.
    pub prior_state: Value,
    /// Null when destroying.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

pub struct ApplyResponse {
    /// Null after a destroy. After a failed create that the API accepted: what is known, and
    /// the diagnostics carry the error (Terraform then marks the object tainted).
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

pub struct ImportRequest {
    pub type_name: String,
    pub id: String,
}

pub struct ImportedResource {
    pub type_name: String,
    pub state: Value,
    pub private: Vec<u8>,
}

pub struct ImportResponse {
    pub imported: Vec<ImportedResource>,
    pub diags: Diagnostics,
}

pub struct UpgradeRequest {
    pub type_name: String,
    pub version: i64,
    /// The stored state as JSON (Terraform sends JSON for UpgradeResourceState).
    pub raw_state: serde_json::Value,
}

pub struct UpgradeResponse {
    pub upgraded_state: Value,
    pub diags: Diagnostics,
}

pub struct MoveRequest {
    /// The source provider as Terraform names it (e.g. `provider["registry.terraform.io/a/b"]`).
    pub source_provider_address: String,
    pub source_type_name: String,
    pub source_schema_version: i64,
    /// The source state as JSON (null when Terraform sent none).
    pub source_state: serde_json::Value,
    pub target_type_name: String,
}

pub struct MoveResponse {
    pub target_state: Value,
    pub diags: Diagnostics,
}

pub struct ReadDataRequest {
    pub type_name: String,
    pub config: Value,
}

pub struct ReadDataResponse {
    pub state: Value,
    pub diags: Diagnostics,
}

pub struct OpenEphemeralRequest {
    pub type_name: String,
    pub config: Value,
}

pub struct OpenEphemeralResponse {
    /// The result Terraform hands to the configuration; never stored.
    pub result: Value,
    pub renew_at: Option<SystemTime>,
    /// What renew and close need; Terraform keeps it in memory only.
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

pub struct RenewEphemeralRequest {
    pub type_name: String,
    pub private: Vec<u8>,
}

pub struct RenewEphemeralResponse {
    pub renew_at: Option<SystemTime>,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

pub struct CloseEphemeralRequest {
    pub type_name: String,
    pub private: Vec<u8>,
}

/// One member provider, served.
pub struct ProviderServer {
    pub(crate) provider: Arc<dyn DynProvider>,
    pub(crate) resources: BTreeMap<String, Arc<dyn DynResource>>,
    pub(crate) data_sources: BTreeMap<String, Arc<dyn DynDataSource>>,
    pub(crate) ephemeral_resources: BTreeMap<String, Arc<dyn DynEphemeralResource>>,
    pub(crate) client: RwLock<Option<AnyClient>>,
    /// Replaced by a fresh token after each StopProvider, so later operations can run.
    pub(crate) stop: Mutex<CancellationToken>,
}

impl ProviderServer {
    pub fn new(provider: Arc<dyn DynProvider>) -> Self {
        let prefix = provider.name();
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| (format!("{prefix}_{}", r.type_name()), r))
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| (format!("{prefix}_{}", d.type_name()), d))
            .collect();
        let ephemeral_resources = provider
            .ephemeral_resources()
            .into_iter()
            .map(|e| (format!("{prefix}_{}", e.type_name()), e))
            .collect();
        Self {
            provider,
            resources,
            data_sources,
            ephemeral_resources,
            client: RwLock::new(None),
            stop: Mutex::new(CancellationToken::new()),
        }
    }

    pub fn name(&self) -> &'static str {
        self.provider.name()
    }
    pub fn provider_schema(&self) -> Schema {
        self.provider.schema()
    }
    /// Full type name (`icgpu_instance`) → schema, in name order.
    pub fn resource_schemas(&self) -> BTreeMap<String, Schema> {
        self.resources
            .iter()
            .map(|(k, r)| (k.clone(), r.schema()))
            .collect()
    }
    pub fn data_source_schemas(&self) -> BTreeMap<String, Schema> {
        self.data_sources
            .iter()
            .map(|(k, d)| (k.clone(), d.schema()))
            .collect()
    }
    pub fn ephemeral_resource_schemas(&self) -> BTreeMap<String, Schema> {
        self.ephemeral_resources
            .iter()
            .map(|(k, e)| (k.clone(), e.schema()))
            .collect()
    }

    /// The token in-flight operations watch; `stop` cancels it.
    pub fn cancel_token(&self) -> CancellationToken {
        self.stop.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// StopProvider: interrupts every in-flight operation (waiters return 'interrupted'
    /// diagnostics) and keeps serving.
    pub fn stop(&self) {
        if let Ok(mut t) = self.stop.lock() {
            t.cancel();
            *t = CancellationToken::new();
        }
    }
}
