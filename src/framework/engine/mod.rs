//! The engine's RPC bodies (terraform-plugin-framework's fwserver): validation, configure,
//! read, plan, apply, import, state upgrade, data sources and ephemeral resources, derived from
//! each type's declared schema. The rules that keep Terraform's consistency checks happy live
//! here, once: defaults and "known after apply" are decided by the plan walk (`plan.rs`), and
//! apply results are reconciled with the plan (`state.rs`) so no resource can produce an
//! inconsistent result.

mod ephemeral;
mod fields;
mod moved;
mod plan;
mod price;
mod state;
mod validate;

/// A configuration checked as ValidateResourceConfig checks it, for unit tests of a schema.
#[cfg(test)]
pub(crate) use validate::config as validate_config;

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::resource::{
    AnyClient, ConfigureInfo, DynCtx, DynResource, ModifyPlanRequest, Notes, Operation, REPLACE_KEY,
};
use super::server::*;
use super::timeouts::timeout_for;
use super::value::Value;
use std::sync::Arc;
use std::time::Instant;

impl ProviderServer {
    fn resource(&self, type_name: &str) -> Result<Arc<dyn DynResource>, Diagnostics> {
        self.resources.get(type_name).cloned().ok_or_else(|| {
            Diagnostics::single_error(
                "Unknown resource type",
                format!(
                    "The {} provider has no resource type {type_name:?}.",
                    self.name()
                ),
            )
        })
    }

    fn configured_client(&self) -> Result<AnyClient, Diagnostics> {
        self.client
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| {
                Diagnostics::single_error(
                    "Provider not configured",
                    format!(
                        "Terraform did not configure the {} provider before using it.",
                        self.name()
                    ),
                )
            })
    }

    pub fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        validate::config(&self.provider_schema(), config, true)
    }

    pub async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        let info = ConfigureInfo {
            terraform_version: req.terraform_version,
        };
        // Unknown values (a provider argument fed by a resource not yet created) reach the
        // member as null: it then falls back to the environment or reports what is missing.
        match self.provider.configure(req.config.to_json(), &info).await {
            Ok(client) => {
                if let Ok(mut c) = self.client.write() {
                    *c = Some(client);
                }
                Diagnostics::new()
            }
            Err(d) => d,
        }
    }

    pub fn validate_resource_config(&self, req: &ValidateResourceRequest<'_>) -> Diagnostics {
        let r = match self.resource(req.type_name) {
            Ok(r) => r,
            Err(d) => return d,
        };
        let mut diags = validate::config(&r.schema(), req.config, req.write_only_allowed);
        r.validate(req.config, &mut diags);
        diags
    }

    pub fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        let Some(d) = self.data_sources.get(type_name) else {
            return Diagnostics::single_error(
                "Unknown data source",
                format!(
                    "The {} provider has no data source {type_name:?}.",
                    self.name()
                ),
            );
        };
        let mut diags = validate::config(&d.schema(), config, true);
        d.validate(config, &mut diags);
        diags
    }

    pub async fn read_resource(&self, req: ReadRequest) -> ReadResponse {
        let mut resp = ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            diags: Diagnostics::new(),
        };
        if req.current_state.is_null() {
            return resp;
        }
        let (r, client) = match self
            .resource(&req.type_name)
            .and_then(|r| Ok((r, self.configured_client()?)))
        {
            Ok(x) => x,
            Err(d) => {
                resp.diags = d;
                return resp;
            }
        };
        let schema = r.schema();
        let notes = state::notes_from_private(&req.private);
        if let Ok(mut p) = notes.private.lock() {
            p.remove(REPLACE_KEY);
        }
        let timeout = timeout_for(
            req.current_state.attr("timeouts"),
            "read",
            r.default_timeout(Operation::Read),
        );
        let ctx = self.ctx(&*client, timeout, &notes);
        let result = r
            .read(&ctx, state::model_json(&schema, &req.current_state))
            .await;
        match result {
            Ok(Some(json)) => match state::from_model(&schema, json, &req.current_state) {
                Ok(v) => resp.new_state = v,
                Err(d) => resp.diags.extend(d),
            },
            Ok(None) => {
                resp.new_state = Value::Null;
                resp.diags.warning(
                    format!("{} no longer exists", describe(&req.type_name, &req.current_state)),
                    "It was deleted outside Terraform (or is being torn down), so it has been removed from the state. The next plan will create it again if it is still in the configuration.",
                );
            }
            Err(d) => resp.diags.extend(d),
        }
        resp.diags.extend(state::take_warnings(&notes));
        resp.private = state::private_bytes(&notes);
        resp
    }

    pub async fn plan_resource_change(&self, req: PlanRequest) -> PlanResponse {
        let mut resp = PlanResponse {
            planned_state: req.proposed_new_state.clone(),
            requires_replace: Vec::new(),
            planned_private: req.prior_private.clone(),
            diags: Diagnostics::new(),
        };
        if req.proposed_new_state.is_null() {
            return resp;
        }
        let r = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(d) => {
                resp.diags = d;
                return resp;
            }
        };
        let planned = plan::plan(&*r, &req.prior_state, &req.proposed_new_state, &req.config);
        resp.diags = planned.diags;
        // Checks against the API's public data run only on a plan that is otherwise sound, and
        // only once the provider is configured (it always is when Terraform plans).
        if let (false, Ok(client)) = (resp.diags.has_errors(), self.configured_client()) {
            let notes = Notes::default();
            let timeout = timeout_for(
                planned.state.attr("timeouts"),
                "read",
                r.default_timeout(Operation::Read),
            );
            let ctx = self.ctx(&*client, timeout, &notes);
            let req = ModifyPlanRequest {
                config: &req.config,
                prior_state: &req.prior_state,
            };
            resp.diags
                .extend(r.check_plan(&ctx, &req, &planned.state).await);
            resp.diags.extend(state::take_warnings(&notes));
        }
        resp.planned_state = planned.state;
        resp.requires_replace = planned.requires_replace;
        if let Some(reason) = replacement_reason(&req.prior_private) {
            // The last refresh found the object failed upstream: an unknown `id` forces
            // Terraform to replace it (it re-plans the new object from a null prior).
            if let Value::Object(m) = &mut resp.planned_state {
                m.insert("id".into(), Value::Unknown);
            }
            resp.requires_replace.push(AttributePath::attr("id"));
            resp.diags.warning(
                format!(
                    "{} failed and will be replaced",
                    describe(&req.type_name, &req.prior_state)
                ),
                reason,
            );
        }
        if !resp.diags.has_errors() && resp.planned_state != req.prior_state {
            let d = self
                .check_price_cap(
                    &*r,
                    &resp.planned_state,
                    &req.config,
                    req.prior_state.is_null(),
                )
                .await;
            resp.diags.extend(d);
        }
        resp
    }

    pub async fn apply_resource_change(&self, req: ApplyRequest) -> ApplyResponse {
        let mut resp = ApplyResponse {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            diags: Diagnostics::new(),
        };
        let (r, client) = match self
            .resource(&req.type_name)
            .and_then(|r| Ok((r, self.configured_client()?)))
        {
            Ok(x) => x,
            Err(d) => {
                resp.diags = d;
                return resp;
            }
        };
        let schema = r.schema();
        let mut notes = state::notes_from_private(&req.planned_private);
        notes.price_limit = crate::framework::price::configured_limit(&req.config).cloned();
        if req.planned_state.is_null() {
            let timeout = timeout_for(
                req.prior_state.attr("timeouts"),
                "delete",
                r.default_timeout(Operation::Delete),
            );
            let ctx = self.ctx(&*client, timeout, &notes);
            match r
                .delete(&ctx, state::model_json(&schema, &req.prior_state))
                .await
            {
                Ok(()) => resp.new_state = Value::Null,
                Err(d) => resp.diags.extend(d),
            }
        } else {
            let creating = req.prior_state.is_null();
            let op = if creating {
                Operation::Create
            } else {
                Operation::Update
            };
            let timeout = timeout_for(
                req.planned_state.attr("timeouts"),
                op.as_str(),
                r.default_timeout(op),
            );
            let ctx = self.ctx(&*client, timeout, &notes);
            let plan_json = state::plan_json(&schema, &req.planned_state, &req.config);
            let prior_json = state::model_json(&schema, &req.prior_state);
            let settings_only =
                state::only_settings_change(&schema, &req.planned_state, &req.prior_state);
            let result = if settings_only {
                // The API knows nothing of these settings: the prior object, as planned.
                Ok(plan_json)
            } else if creating {
                r.create(&ctx, plan_json).await
            } else {
                r.update(&ctx, plan_json, prior_json).await
            };
            match result {
                Ok(json) => match state::reconcile(&schema, json, &req.planned_state) {
                    Ok(v) => resp.new_state = v,
                    Err(d) => resp.diags.extend(d),
                },
                Err((diags, partial)) => {
                    let failed = diags.has_errors();
                    resp.diags.extend(fields::name_attributes(&schema, diags));
                    if creating && failed && partial.is_some() {
                        resp.diags.warning(
                            format!("The new {} was created but did not finish", req.type_name),
                            format!(
                                "The API accepted the create, so the object is saved in state as \
                                 tainted ({}{}): the next apply replaces it, and `terraform \
                                 destroy` deletes it. Nothing is left running untracked.",
                                req.type_name,
                                partial
                                    .as_ref()
                                    .and_then(|p| p.get("id"))
                                    .and_then(|v| v.as_str())
                                    .map(|id| format!(" {id}"))
                                    .unwrap_or_default()
                            ),
                        );
                    }
                    // What the API accepted stays tracked (Terraform taints it); without an
                    // object to keep, a failed create leaves nothing and a failed update keeps
                    // the prior state.
                    match partial.map(|p| state::reconcile(&schema, p, &req.planned_state)) {
                        Some(Ok(v)) => resp.new_state = v,
                        Some(Err(d)) => resp.diags.extend(d),
                        None if creating => resp.new_state = Value::Null,
                        None => {}
                    }
                }
            }
        }
        resp.diags.extend(state::take_warnings(&notes));
        resp.private = state::private_bytes(&notes);
        resp
    }

    pub async fn import_resource_state(&self, req: ImportRequest) -> ImportResponse {
        let mut resp = ImportResponse {
            imported: Vec::new(),
            diags: Diagnostics::new(),
        };
        let r = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(d) => {
                resp.diags = d;
                return resp;
            }
        };
        match r
            .import_form()
            .parse(&req.type_name, &req.id)
            .and_then(|json| state::imported(&r.schema(), json))
        {
            // Terraform reads the object right after import; that read fills in the rest, or
            // reports "Cannot import non-existent remote object".
            Ok(state) => resp.imported.push(ImportedResource {
                type_name: req.type_name,
                state,
                private: Vec::new(),
            }),
            Err(d) => resp.diags = d,
        }
        resp
    }

    pub fn upgrade_resource_state(&self, req: UpgradeRequest) -> UpgradeResponse {
        let mut resp = UpgradeResponse {
            upgraded_state: Value::Null,
            diags: Diagnostics::new(),
        };
        let r = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(d) => {
                resp.diags = d;
                return resp;
            }
        };
        let schema = r.schema();
        let mut json = req.raw_state;
        let mut version = req.version;
        while version < schema.version {
            match r.upgrade_state(version, json) {
                Ok(next) => json = next,
                Err(d) => {
                    resp.diags = d;
                    return resp;
                }
            }
            version += 1;
        }
        match state::upgraded(&schema, json) {
            Ok(v) => resp.upgraded_state = v,
            Err(d) => resp.diags = d,
        }
        resp
    }

    pub async fn read_data_source(&self, req: ReadDataRequest) -> ReadDataResponse {
        let mut resp = ReadDataResponse {
            state: Value::Null,
            diags: Diagnostics::new(),
        };
        let Some(d) = self.data_sources.get(&req.type_name).cloned() else {
            resp.diags.error(
                "Unknown data source",
                format!("No data source {:?}.", req.type_name),
            );
            return resp;
        };
        let client = match self.configured_client() {
            Ok(c) => c,
            Err(diags) => {
                resp.diags = diags;
                return resp;
            }
        };
        let schema = d.schema();
        let notes = Notes::default();
        let timeout = timeout_for(req.config.attr("timeouts"), "read", d.default_timeout());
        let ctx = self.ctx(&*client, timeout, &notes);
        match d.read(&ctx, state::model_json(&schema, &req.config)).await {
            Ok(json) => match state::reconcile_data(&schema, json, &req.config) {
                Ok(v) => resp.state = v,
                Err(diags) => resp.diags.extend(diags),
            },
            Err(diags) => resp.diags.extend(diags),
        }
        resp.diags.extend(state::take_warnings(&notes));
        resp
    }

    fn ctx<'a>(
        &self,
        client: &'a (dyn std::any::Any + Send + Sync),
        timeout: std::time::Duration,
        notes: &'a Notes,
    ) -> DynCtx<'a> {
        DynCtx {
            client,
            timeout,
            deadline: Instant::now() + timeout,
            cancel: self.cancel_token(),
            notes,
        }
    }
}

/// Why the last refresh asked for a replacement, if it did.
fn replacement_reason(private: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(private).ok()?;
    v.get(REPLACE_KEY)?.as_str().map(str::to_string)
}

/// "icgpu_instance inst-123" for messages.
fn describe(type_name: &str, state: &Value) -> String {
    match state.attr("id").and_then(Value::as_str) {
        Some(id) => format!("{type_name} {id}"),
        None => type_name.to_string(),
    }
}

#[cfg(test)]
mod tests;
