//! The `tfplugin6.Provider` gRPC service: for each RPC, decode the request against the
//! schema, call `framework::ProviderServer`, encode the answer. Problems go back as
//! diagnostics; a `tonic::Status` would be reported by Terraform as a crash-like transport
//! failure, so none is ever returned here. Values are never logged: they may hold secrets.

use super::codec;
use super::convert;
use super::proto::tfplugin6 as pb;
use super::proto::tfplugin6::provider_server::Provider;
use crate::framework::diag::Diagnostics;
use crate::framework::schema::Schema;
use crate::framework::server::{
    ApplyRequest, CloseEphemeralRequest, ConfigureRequest, ImportRequest, MoveRequest,
    OpenEphemeralRequest, PlanRequest, ProviderServer, ReadDataRequest, ReadRequest,
    RenewEphemeralRequest, UpgradeRequest, ValidateResourceRequest,
};
use crate::framework::value::{Type, Value};
use futures::Stream;
use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;
use std::sync::Arc;
use tonic::{Request, Response, Status};
use tracing::{debug, trace};

type Reply<T> = Result<Response<T>, Status>;
type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A schema with its value type computed once.
struct Typed {
    schema: Schema,
    ty: Type,
}

impl Typed {
    fn new(schema: Schema) -> Self {
        let ty = schema.value_type();
        Self { schema, ty }
    }
}

/// The gRPC face of one member provider.
pub struct ProviderService {
    server: Arc<ProviderServer>,
    provider: Typed,
    resources: BTreeMap<String, Typed>,
    data_sources: BTreeMap<String, Typed>,
    ephemeral_resources: BTreeMap<String, Typed>,
}

impl ProviderService {
    pub fn new(server: Arc<ProviderServer>) -> Self {
        let provider = Typed::new(server.provider_schema());
        let resources = server
            .resource_schemas()
            .into_iter()
            .map(|(k, s)| (k, Typed::new(s)))
            .collect();
        let data_sources = server
            .data_source_schemas()
            .into_iter()
            .map(|(k, s)| (k, Typed::new(s)))
            .collect();
        let ephemeral_resources = server
            .ephemeral_resource_schemas()
            .into_iter()
            .map(|(k, s)| (k, Typed::new(s)))
            .collect();
        Self {
            server,
            provider,
            resources,
            data_sources,
            ephemeral_resources,
        }
    }

    fn resource(&self, type_name: &str, diags: &mut Diagnostics) -> Option<&Typed> {
        let found = self.resources.get(type_name);
        if found.is_none() {
            diags.error(
                "Unknown resource type",
                format!(
                    "The provider {:?} has no resource type {type_name:?}.",
                    self.server.name()
                ),
            );
        }
        found
    }

    fn data_source(&self, type_name: &str, diags: &mut Diagnostics) -> Option<&Typed> {
        let found = self.data_sources.get(type_name);
        if found.is_none() {
            diags.error(
                "Unknown data source type",
                format!(
                    "The provider {:?} has no data source type {type_name:?}.",
                    self.server.name()
                ),
            );
        }
        found
    }

    fn ephemeral_resource(&self, type_name: &str, diags: &mut Diagnostics) -> Option<&Typed> {
        let found = self.ephemeral_resources.get(type_name);
        if found.is_none() {
            diags.error(
                "Unknown ephemeral resource type",
                format!(
                    "The provider {:?} has no ephemeral resource type {type_name:?}.",
                    self.server.name()
                ),
            );
        }
        found
    }

    fn server_capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            move_resource_state: true,
            generate_resource_config: false,
        }
    }
}

/// Decodes one value of a request; a mismatch becomes an error diagnostic at its path.
fn decode(
    dv: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    match codec::decode_dynamic_value(dv, ty) {
        Ok(v) => Some(v),
        Err(e) => {
            let detail = format!(
                "Terraform sent a {what} that does not match the provider's schema: {e}. \
                 This is a bug in the provider or in Terraform; please report it."
            );
            if e.path.is_root() {
                diags.error(format!("Invalid {what}"), detail);
            } else {
                diags.attribute_error(e.path, format!("Invalid {what}"), detail);
            }
            None
        }
    }
}

/// Encodes one value of a response; a mismatch is a provider bug, reported as a diagnostic.
fn encode(
    value: &Value,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match codec::encode_dynamic_value(value, ty) {
        Ok(dv) => Some(dv),
        Err(e) => {
            diags.error(
                format!("Provider produced an invalid {what}"),
                format!(
                    "The {what} does not match the schema: {e}. This is a bug in the provider."
                ),
            );
            None
        }
    }
}

fn write_only_allowed(caps: Option<&pb::ClientCapabilities>) -> bool {
    caps.is_some_and(|c| c.write_only_attributes_allowed)
}

fn done(rpc: &'static str, type_name: &str, diags: &Diagnostics) {
    debug!(
        rpc,
        type_name,
        diagnostics = diags.iter().count(),
        errors = diags.has_errors(),
        "served"
    );
}

fn unsupported(what: &str) -> Diagnostics {
    Diagnostics::single_error(
        format!("{what} not supported"),
        format!("This provider does not support {what}."),
    )
}

#[tonic::async_trait]
impl Provider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Reply<pb::get_metadata::Response> {
        trace!(rpc = "GetMetadata", "received");
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(Self::server_capabilities()),
            resources: self
                .resources
                .keys()
                .map(|k| pb::get_metadata::ResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|k| pb::get_metadata::DataSourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            ephemeral_resources: self
                .ephemeral_resources
                .keys()
                .map(|k| pb::get_metadata::EphemeralMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Reply<pb::get_provider_schema::Response> {
        trace!(rpc = "GetProviderSchema", "received");
        let map = |m: &BTreeMap<String, Typed>| -> HashMap<String, pb::Schema> {
            m.iter()
                .map(|(k, t)| (k.clone(), convert::schema(&t.schema)))
                .collect()
        };
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(convert::schema(&self.provider.schema)),
            resource_schemas: map(&self.resources),
            data_source_schemas: map(&self.data_sources),
            ephemeral_resource_schemas: map(&self.ephemeral_resources),
            server_capabilities: Some(Self::server_capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Reply<pb::validate_provider_config::Response> {
        let req = request.into_inner();
        trace!(rpc = "ValidateProviderConfig", "received");
        let mut diags = Diagnostics::new();
        if let Some(config) = decode(
            req.config.as_ref(),
            &self.provider.ty,
            "provider configuration",
            &mut diags,
        ) {
            diags.extend(self.server.validate_provider_config(&config));
        }
        done("ValidateProviderConfig", "", &diags);
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Reply<pb::validate_resource_config::Response> {
        let req = request.into_inner();
        trace!(rpc = "ValidateResourceConfig", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        if let Some(t) = self.resource(&req.type_name, &mut diags) {
            if let Some(config) = decode(req.config.as_ref(), &t.ty, "configuration", &mut diags) {
                diags.extend(
                    self.server
                        .validate_resource_config(&ValidateResourceRequest {
                            type_name: &req.type_name,
                            config: &config,
                            write_only_allowed: write_only_allowed(
                                req.client_capabilities.as_ref(),
                            ),
                        }),
                );
            }
        }
        done("ValidateResourceConfig", &req.type_name, &diags);
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Reply<pb::validate_data_resource_config::Response> {
        let req = request.into_inner();
        trace!(rpc = "ValidateDataResourceConfig", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        if let Some(t) = self.data_source(&req.type_name, &mut diags) {
            if let Some(config) = decode(req.config.as_ref(), &t.ty, "configuration", &mut diags) {
                diags.extend(
                    self.server
                        .validate_data_source_config(&req.type_name, &config),
                );
            }
        }
        done("ValidateDataResourceConfig", &req.type_name, &diags);
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Reply<pb::upgrade_resource_state::Response> {
        let req = request.into_inner();
        trace!(rpc = "UpgradeResourceState", type_name = %req.type_name, version = req.version, "received");
        let mut diags = Diagnostics::new();
        let mut upgraded_state = None;
        if let Some(t) = self.resource(&req.type_name, &mut diags) {
            let raw = req.raw_state.unwrap_or_default();
            let json = if raw.json.is_empty() && !raw.flatmap.is_empty() {
                diags.error(
                    "Unsupported state format",
                    "The stored state uses the legacy flatmap format from Terraform 0.11 or \
                     older, which this provider cannot read. Upgrade the state with an \
                     intermediate Terraform version first.",
                );
                None
            } else if raw.json.is_empty() {
                Some(serde_json::Value::Null)
            } else {
                match serde_json::from_slice::<serde_json::Value>(&raw.json) {
                    Ok(j) => Some(j),
                    Err(e) => {
                        diags.error(
                            "Invalid stored state",
                            format!("The stored state is not valid JSON: {e}."),
                        );
                        None
                    }
                }
            };
            if let Some(raw_state) = json {
                let resp = self.server.upgrade_resource_state(UpgradeRequest {
                    type_name: req.type_name.clone(),
                    version: req.version,
                    raw_state,
                });
                diags.extend(resp.diags);
                upgraded_state = encode(&resp.upgraded_state, &t.ty, "upgraded state", &mut diags);
            }
        }
        done("UpgradeResourceState", &req.type_name, &diags);
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Reply<pb::get_resource_identity_schemas::Response> {
        trace!(rpc = "GetResourceIdentitySchemas", "received");
        Ok(Response::new(
            pb::get_resource_identity_schemas::Response::default(),
        ))
    }

    async fn upgrade_resource_identity(
        &self,
        _request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Reply<pb::upgrade_resource_identity::Response> {
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: None,
            diagnostics: convert::diagnostics(&unsupported("Resource identity")),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Reply<pb::configure_provider::Response> {
        let req = request.into_inner();
        debug!(rpc = "ConfigureProvider", terraform_version = %req.terraform_version, "received");
        let mut diags = Diagnostics::new();
        if let Some(config) = decode(
            req.config.as_ref(),
            &self.provider.ty,
            "provider configuration",
            &mut diags,
        ) {
            diags.extend(
                self.server
                    .configure(ConfigureRequest {
                        config,
                        terraform_version: req.terraform_version,
                    })
                    .await,
            );
        }
        done("ConfigureProvider", "", &diags);
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Reply<pb::read_resource::Response> {
        let req = request.into_inner();
        debug!(rpc = "ReadResource", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        // On any failure the prior state goes back unchanged so nothing is lost.
        let mut new_state = req.current_state.clone();
        let mut private = req.private.clone();
        if let Some(t) = self.resource(&req.type_name, &mut diags) {
            if let Some(current_state) =
                decode(req.current_state.as_ref(), &t.ty, "state", &mut diags)
            {
                let resp = self
                    .server
                    .read_resource(ReadRequest {
                        type_name: req.type_name.clone(),
                        current_state,
                        private: req.private,
                    })
                    .await;
                diags.extend(resp.diags);
                if let Some(dv) = encode(&resp.new_state, &t.ty, "refreshed state", &mut diags) {
                    new_state = Some(dv);
                    private = resp.private;
                }
            }
        }
        done("ReadResource", &req.type_name, &diags);
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            private,
            diagnostics: convert::diagnostics(&diags),
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Reply<pb::plan_resource_change::Response> {
        let req = request.into_inner();
        debug!(rpc = "PlanResourceChange", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        let mut out = pb::plan_resource_change::Response::default();
        if let Some(t) = self.resource(&req.type_name, &mut diags) {
            let prior = decode(req.prior_state.as_ref(), &t.ty, "prior state", &mut diags);
            let proposed = decode(
                req.proposed_new_state.as_ref(),
                &t.ty,
                "proposed new state",
                &mut diags,
            );
            let config = decode(req.config.as_ref(), &t.ty, "configuration", &mut diags);
            if let (Some(prior_state), Some(proposed_new_state), Some(config)) =
                (prior, proposed, config)
            {
                let resp = self
                    .server
                    .plan_resource_change(PlanRequest {
                        type_name: req.type_name.clone(),
                        prior_state,
                        proposed_new_state,
                        config,
                        prior_private: req.prior_private,
                    })
                    .await;
                diags.extend(resp.diags);
                out.planned_state = encode(&resp.planned_state, &t.ty, "planned state", &mut diags);
                out.requires_replace = resp
                    .requires_replace
                    .iter()
                    .map(convert::path_to_proto)
                    .collect();
                out.planned_private = resp.planned_private;
            }
        }
        done("PlanResourceChange", &req.type_name, &diags);
        out.diagnostics = convert::diagnostics(&diags);
        Ok(Response::new(out))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Reply<pb::apply_resource_change::Response> {
        let req = request.into_inner();
        debug!(rpc = "ApplyResourceChange", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        let mut out = pb::apply_resource_change::Response::default();
        if let Some(t) = self.resource(&req.type_name, &mut diags) {
            let prior = decode(req.prior_state.as_ref(), &t.ty, "prior state", &mut diags);
            let planned = decode(
                req.planned_state.as_ref(),
                &t.ty,
                "planned state",
                &mut diags,
            );
            let config = decode(req.config.as_ref(), &t.ty, "configuration", &mut diags);
            if let (Some(prior_state), Some(planned_state), Some(config)) = (prior, planned, config)
            {
                let resp = self
                    .server
                    .apply_resource_change(ApplyRequest {
                        type_name: req.type_name.clone(),
                        prior_state,
                        planned_state,
                        config,
                        planned_private: req.planned_private,
                    })
                    .await;
                diags.extend(resp.diags);
                out.new_state = encode(&resp.new_state, &t.ty, "new state", &mut diags);
                out.private = resp.private;
            }
        }
        done("ApplyResourceChange", &req.type_name, &diags);
        out.diagnostics = convert::diagnostics(&diags);
        Ok(Response::new(out))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Reply<pb::import_resource_state::Response> {
        let req = request.into_inner();
        debug!(rpc = "ImportResourceState", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        let mut imported_resources = Vec::new();
        if self.resource(&req.type_name, &mut diags).is_some() {
            let resp = self
                .server
                .import_resource_state(ImportRequest {
                    type_name: req.type_name.clone(),
                    id: req.id,
                })
                .await;
            diags.extend(resp.diags);
            for r in resp.imported {
                let Some(t) = self.resource(&r.type_name, &mut diags) else {
                    continue;
                };
                if let Some(state) = encode(&r.state, &t.ty, "imported state", &mut diags) {
                    imported_resources.push(pb::import_resource_state::ImportedResource {
                        type_name: r.type_name,
                        state: Some(state),
                        private: r.private,
                        identity: None,
                    });
                }
            }
        }
        done("ImportResourceState", &req.type_name, &diags);
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: convert::diagnostics(&diags),
            deferred: None,
        }))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Reply<pb::move_resource_state::Response> {
        let req = request.into_inner();
        debug!(rpc = "MoveResourceState", source = %req.source_type_name, target = %req.target_type_name, "received");
        let mut diags = Diagnostics::new();
        let mut target_state = None;
        if let Some(t) = self.resource(&req.target_type_name, &mut diags) {
            // Terraform sends moved state as JSON only.
            let raw = req.source_state.map(|s| s.json).unwrap_or_default();
            let source_state = if raw.is_empty() {
                Ok(serde_json::Value::Null)
            } else {
                serde_json::from_slice::<serde_json::Value>(&raw)
            };
            match source_state {
                Err(e) => diags.error(
                    "Invalid source state",
                    format!("The state to move is not valid JSON: {e}."),
                ),
                Ok(source_state) => {
                    let resp = self.server.move_resource_state(MoveRequest {
                        source_provider_address: req.source_provider_address,
                        source_type_name: req.source_type_name,
                        source_schema_version: req.source_schema_version,
                        source_state,
                        target_type_name: req.target_type_name.clone(),
                    });
                    diags.extend(resp.diags);
                    if !diags.has_errors() {
                        target_state = encode(&resp.target_state, &t.ty, "moved state", &mut diags);
                    }
                }
            }
        }
        done("MoveResourceState", &req.target_type_name, &diags);
        Ok(Response::new(pb::move_resource_state::Response {
            target_state,
            diagnostics: convert::diagnostics(&diags),
            target_private: Vec::new(),
            target_identity: None,
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Reply<pb::read_data_source::Response> {
        let req = request.into_inner();
        debug!(rpc = "ReadDataSource", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        let mut state = None;
        if let Some(t) = self.data_source(&req.type_name, &mut diags) {
            if let Some(config) = decode(req.config.as_ref(), &t.ty, "configuration", &mut diags) {
                let resp = self
                    .server
                    .read_data_source(ReadDataRequest {
                        type_name: req.type_name.clone(),
                        config,
                    })
                    .await;
                diags.extend(resp.diags);
                state = encode(&resp.state, &t.ty, "data source result", &mut diags);
            }
        }
        done("ReadDataSource", &req.type_name, &diags);
        Ok(Response::new(pb::read_data_source::Response {
            state,
            diagnostics: convert::diagnostics(&diags),
            deferred: None,
        }))
    }

    async fn generate_resource_config(
        &self,
        _request: Request<pb::generate_resource_config::Request>,
    ) -> Reply<pb::generate_resource_config::Response> {
        Ok(Response::new(pb::generate_resource_config::Response {
            config: None,
            diagnostics: convert::diagnostics(&unsupported("Configuration generation")),
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Reply<pb::validate_ephemeral_resource_config::Response> {
        let req = request.into_inner();
        trace!(rpc = "ValidateEphemeralResourceConfig", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        if let Some(t) = self.ephemeral_resource(&req.type_name, &mut diags) {
            if let Some(config) = decode(req.config.as_ref(), &t.ty, "configuration", &mut diags) {
                diags.extend(
                    self.server
                        .validate_ephemeral_resource_config(&req.type_name, &config),
                );
            }
        }
        done("ValidateEphemeralResourceConfig", &req.type_name, &diags);
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: convert::diagnostics(&diags),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Reply<pb::open_ephemeral_resource::Response> {
        let req = request.into_inner();
        debug!(rpc = "OpenEphemeralResource", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        let mut out = pb::open_ephemeral_resource::Response::default();
        if let Some(t) = self.ephemeral_resource(&req.type_name, &mut diags) {
            if let Some(config) = decode(req.config.as_ref(), &t.ty, "configuration", &mut diags) {
                let resp = self
                    .server
                    .open_ephemeral_resource(OpenEphemeralRequest {
                        type_name: req.type_name.clone(),
                        config,
                    })
                    .await;
                diags.extend(resp.diags);
                out.result = encode(&resp.result, &t.ty, "ephemeral result", &mut diags);
                out.renew_at = resp.renew_at.map(prost_types::Timestamp::from);
                out.private = Some(resp.private).filter(|p| !p.is_empty());
            }
        }
        done("OpenEphemeralResource", &req.type_name, &diags);
        out.diagnostics = convert::diagnostics(&diags);
        Ok(Response::new(out))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Reply<pb::renew_ephemeral_resource::Response> {
        let req = request.into_inner();
        debug!(rpc = "RenewEphemeralResource", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        let mut out = pb::renew_ephemeral_resource::Response::default();
        if self
            .ephemeral_resource(&req.type_name, &mut diags)
            .is_some()
        {
            let resp = self
                .server
                .renew_ephemeral_resource(RenewEphemeralRequest {
                    type_name: req.type_name.clone(),
                    private: req.private.unwrap_or_default(),
                })
                .await;
            diags.extend(resp.diags);
            out.renew_at = resp.renew_at.map(prost_types::Timestamp::from);
            out.private = Some(resp.private).filter(|p| !p.is_empty());
        }
        done("RenewEphemeralResource", &req.type_name, &diags);
        out.diagnostics = convert::diagnostics(&diags);
        Ok(Response::new(out))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Reply<pb::close_ephemeral_resource::Response> {
        let req = request.into_inner();
        debug!(rpc = "CloseEphemeralResource", type_name = %req.type_name, "received");
        let mut diags = Diagnostics::new();
        if self
            .ephemeral_resource(&req.type_name, &mut diags)
            .is_some()
        {
            diags.extend(
                self.server
                    .close_ephemeral_resource(CloseEphemeralRequest {
                        type_name: req.type_name.clone(),
                        private: req.private.unwrap_or_default(),
                    })
                    .await,
            );
        }
        done("CloseEphemeralResource", &req.type_name, &diags);
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    type ListResourceStream = BoxStream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        _request: Request<pb::list_resource::Request>,
    ) -> Reply<Self::ListResourceStream> {
        let event = pb::list_resource::Event {
            diagnostic: convert::diagnostics(&unsupported("Listing resources")),
            ..Default::default()
        };
        Ok(Response::new(Box::pin(futures::stream::iter([Ok(event)]))))
    }

    async fn validate_list_resource_config(
        &self,
        _request: Request<pb::validate_list_resource_config::Request>,
    ) -> Reply<pb::validate_list_resource_config::Response> {
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: convert::diagnostics(&unsupported("Listing resources")),
        }))
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Reply<pb::get_functions::Response> {
        trace!(rpc = "GetFunctions", "received");
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Reply<pb::call_function::Response> {
        let name = request.into_inner().name;
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!(
                    "The provider {:?} has no function {name:?}.",
                    self.server.name()
                ),
                function_argument: None,
            }),
        }))
    }

    async fn validate_state_store_config(
        &self,
        _request: Request<pb::validate_state_store::Request>,
    ) -> Reply<pb::validate_state_store::Response> {
        Ok(Response::new(pb::validate_state_store::Response {
            diagnostics: convert::diagnostics(&unsupported("State storage")),
        }))
    }

    async fn configure_state_store(
        &self,
        _request: Request<pb::configure_state_store::Request>,
    ) -> Reply<pb::configure_state_store::Response> {
        Ok(Response::new(pb::configure_state_store::Response {
            diagnostics: convert::diagnostics(&unsupported("State storage")),
            capabilities: None,
        }))
    }

    type ReadStateBytesStream = BoxStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _request: Request<pb::read_state_bytes::Request>,
    ) -> Reply<Self::ReadStateBytesStream> {
        let chunk = pb::read_state_bytes::Response {
            diagnostics: convert::diagnostics(&unsupported("State storage")),
            ..Default::default()
        };
        Ok(Response::new(Box::pin(futures::stream::iter([Ok(chunk)]))))
    }

    async fn write_state_bytes(
        &self,
        _request: Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Reply<pb::write_state_bytes::Response> {
        Ok(Response::new(pb::write_state_bytes::Response {
            diagnostics: convert::diagnostics(&unsupported("State storage")),
        }))
    }

    async fn lock_state(
        &self,
        _request: Request<pb::lock_state::Request>,
    ) -> Reply<pb::lock_state::Response> {
        Ok(Response::new(pb::lock_state::Response {
            lock_id: String::new(),
            diagnostics: convert::diagnostics(&unsupported("State storage")),
        }))
    }

    async fn unlock_state(
        &self,
        _request: Request<pb::unlock_state::Request>,
    ) -> Reply<pb::unlock_state::Response> {
        Ok(Response::new(pb::unlock_state::Response {
            diagnostics: convert::diagnostics(&unsupported("State storage")),
        }))
    }

    async fn get_states(
        &self,
        _request: Request<pb::get_states::Request>,
    ) -> Reply<pb::get_states::Response> {
        Ok(Response::new(pb::get_states::Response {
            state_id: Vec::new(),
            diagnostics: convert::diagnostics(&unsupported("State storage")),
        }))
    }

    async fn delete_state(
        &self,
        _request: Request<pb::delete_state::Request>,
    ) -> Reply<pb::delete_state::Response> {
        Ok(Response::new(pb::delete_state::Response {
            diagnostics: convert::diagnostics(&unsupported("State storage")),
        }))
    }

    async fn plan_action(
        &self,
        _request: Request<pb::plan_action::Request>,
    ) -> Reply<pb::plan_action::Response> {
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: convert::diagnostics(&unsupported("Actions")),
            deferred: None,
        }))
    }

    type InvokeActionStream = BoxStream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        _request: Request<pb::invoke_action::Request>,
    ) -> Reply<Self::InvokeActionStream> {
        let event = pb::invoke_action::Event {
            r#type: Some(pb::invoke_action::event::Type::Completed(
                pb::invoke_action::event::Completed {
                    diagnostics: convert::diagnostics(&unsupported("Actions")),
                },
            )),
        };
        Ok(Response::new(Box::pin(futures::stream::iter([Ok(event)]))))
    }

    async fn validate_action_config(
        &self,
        _request: Request<pb::validate_action_config::Request>,
    ) -> Reply<pb::validate_action_config::Response> {
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: convert::diagnostics(&unsupported("Actions")),
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Reply<pb::stop_provider::Response> {
        debug!(rpc = "StopProvider", "interrupting in-flight operations");
        self.server.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
