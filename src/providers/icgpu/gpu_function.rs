//! `icgpu_gpu_function`: a serverless GPU function (container image + entrypoint), run on
//! demand through the API and billed per execution. A plain record with no update call, so
//! every argument replaces it. `env_vars` is sensitive: a function's environment often holds
//! credentials.

use super::api::TIERS;
use super::jobs_api::{CreateGpuFunction, GpuFunction};
use super::records::{self, dns_label, env_var_names, image_reference, Record};
use super::IcGpuClient;
use crate::framework::{
    validators, Attribute, Ctx, Diagnostics, Failure, ImportForm, Resource, Schema, Type, Value,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub struct GpuFunctionResource;

#[derive(Clone, Default, Serialize, Deserialize)]
pub struct GpuFunctionModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub image: Option<String>,
    pub entrypoint: Option<String>,
    pub gpu_tier: Option<String>,
    pub timeout_seconds: Option<i64>,
    pub env_vars: Option<BTreeMap<String, String>>,
    pub status: Option<String>,
    pub created_at: Option<String>,
}

impl Record for GpuFunctionModel {
    type Api = GpuFunction;
    fn what(&self) -> String {
        let id = self.id.as_deref().or(self.name.as_deref());
        format!("GPU function {}", id.unwrap_or_default())
    }
    fn path(&self) -> Option<String> {
        self.id
            .as_deref()
            .map(|id| format!("/api/v1/functions/{id}"))
    }
    fn observe(&mut self, f: GpuFunction) {
        self.id = Some(f.id);
        self.name = Some(f.name);
        self.image = Some(f.image);
        self.entrypoint = Some(f.entrypoint);
        self.gpu_tier = Some(f.gpu_tier);
        self.timeout_seconds = Some(f.timeout_seconds);
        // No variables and none configured stays null, so an unset `env_vars` shows no diff.
        let configured = self.env_vars.is_some();
        self.env_vars = (configured || !f.env_vars.is_empty()).then_some(f.env_vars);
        self.status = f.status;
        self.created_at = f.created_at;
    }
}

#[async_trait]
impl Resource for GpuFunctionResource {
    type Client = IcGpuClient;
    type Model = GpuFunctionModel;

    fn type_name(&self) -> &'static str {
        "gpu_function"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A serverless GPU function: a container image and entrypoint that the platform runs \
             on demand (`POST /api/v1/functions/{id}/run`), billed per execution; runs report \
             through the `function.completed` and `function.failed` webhook events. The API \
             cannot change a function, so every argument replaces it.",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("Function ID (`fn-...`); also the import ID."),
        )
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(dns_label())
                .description("Function name, unique among the account's functions."),
        )
        .attribute(
            Attribute::string("image")
                .required()
                .requires_replace()
                .validator(validators::length_between(1, 512))
                .validator(image_reference())
                .description(
                    "Container image reference, e.g. `registry.gpu.local/myteam/classifier:v1` \
                     (at most 512 characters).",
                ),
        )
        .attribute(
            Attribute::string("entrypoint")
                .required()
                .requires_replace()
                .validator(validators::length_between(1, 1024))
                .description(
                    "Command each run executes in the container, e.g. `python classify.py`.",
                ),
        )
        .attribute(
            Attribute::string("gpu_tier")
                .required()
                .requires_replace()
                .one_of(TIERS)
                .description(format!(
                    "GPU tier each run gets: one of {}.",
                    validators::quoted_list(TIERS)
                )),
        )
        .attribute(
            Attribute::int("timeout_seconds")
                .default(Value::number(300))
                .requires_replace()
                .validator(validators::between(1.0, 3600.0))
                .description("Longest one run may take, in seconds: 1 to 3600."),
        )
        .attribute(
            Attribute::map_of("env_vars", Type::String)
                .optional()
                .sensitive()
                .requires_replace()
                .validator(env_var_names(64))
                .description(
                    "Environment variables of every run (at most 64; names of letters, digits \
                     and `_`). Sensitive: never shown in plans or logs, but stored in state. \
                     `-generate-config-out` writes it as `null # sensitive`: fill it in before \
                     applying, or the plan replaces the imported function.",
                ),
        )
        .attribute(Attribute::string("status").computed().description(
            "Status reported by the API: `ready` (runs start at once), `deploying` (the image \
             is being pulled) or `failed`.",
        ))
        .attribute(records::created_at())
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: GpuFunctionModel,
    ) -> Result<GpuFunctionModel, Failure<GpuFunctionModel>> {
        let req = CreateGpuFunction {
            name: plan.name.clone().unwrap_or_default(),
            image: plan.image.clone().unwrap_or_default(),
            entrypoint: plan.entrypoint.clone().unwrap_or_default(),
            gpu_tier: plan.gpu_tier.clone().unwrap_or_default(),
            timeout_seconds: plan.timeout_seconds.unwrap_or(300),
            env_vars: plan.env_vars.clone().unwrap_or_default(),
        };
        Ok(records::create(ctx, "/api/v1/functions", &req, plan).await?)
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: GpuFunctionModel,
    ) -> Result<Option<GpuFunctionModel>, Diagnostics> {
        records::read(ctx, state).await
    }

    /// Every argument replaces the function; nothing remote to change.
    async fn update(
        &self,
        _ctx: &Ctx<'_, IcGpuClient>,
        plan: GpuFunctionModel,
        _prior: GpuFunctionModel,
    ) -> Result<GpuFunctionModel, Failure<GpuFunctionModel>> {
        Ok(plan)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: GpuFunctionModel,
    ) -> Result<(), Diagnostics> {
        records::delete(ctx, &state).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("fn-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::icgpu::testutil::{check, errors_text};

    #[test]
    fn env_var_names_are_checked_and_values_never_quoted() {
        let schema = GpuFunctionResource.schema();
        let vars = |k: &str| Value::Map([(k.to_string(), Value::string("hf_secret"))].into());
        assert!(!check(&schema, "env_vars", vars("HF_TOKEN"), &[]).has_errors());
        let d = check(&schema, "env_vars", vars("1BAD-NAME"), &[]);
        let text = errors_text(&d);
        assert!(
            text.contains("1BAD-NAME") && text.contains("env_vars"),
            "{text}"
        );
        assert!(!text.contains("hf_secret"), "{text}");
        assert!(schema
            .attribute_named("env_vars")
            .is_some_and(|a| a.sensitive));
    }

    #[test]
    fn unset_env_vars_stay_null_and_configured_ones_follow_the_api() {
        let answer = |vars: &[(&str, &str)]| GpuFunction {
            id: "fn-abc12345".into(),
            name: "image-classifier".into(),
            image: "registry.gpu.local/myteam/classifier:v1".into(),
            entrypoint: "python classify.py".into(),
            gpu_tier: "timesliced".into(),
            timeout_seconds: 300,
            env_vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            status: Some("ready".into()),
            created_at: None,
        };
        let mut unset = GpuFunctionModel::default();
        unset.observe(answer(&[]));
        assert!(unset.env_vars.is_none());
        let mut imported = GpuFunctionModel::default();
        imported.observe(answer(&[("MODEL_PATH", "/models/resnet50.pt")]));
        assert_eq!(imported.env_vars.map(|m| m.len()), Some(1));
    }
}
