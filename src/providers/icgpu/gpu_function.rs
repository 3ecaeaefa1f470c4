//! `icgpu_gpu_function`: a serverless GPU function (container image + entrypoint), run on
//! demand through the API and billed per execution. A plain record with no update call, so
//! every argument replaces it. `env_vars` is sensitive: a function's environment often holds
//! credentials.

use super::api::TIERS;
use super::jobs_api::CreateGpuFunction;
use super::records::{self, dns_label, env_var_names, image_reference, Record, RecordType};
use crate::framework::{validators, Attribute, Schema, Type, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub struct GpuFunctionResource;

/// `GpuFunction`, which the API spells in camelCase. No `Debug`: `env_vars` may hold
/// credentials.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct GpuFunctionModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub image: Option<String>,
    pub entrypoint: Option<String>,
    #[serde(alias = "gpuTier")]
    pub gpu_tier: Option<String>,
    #[serde(alias = "timeoutSeconds")]
    pub timeout_seconds: Option<i64>,
    #[serde(alias = "envVars")]
    pub env_vars: Option<BTreeMap<String, String>>,
    pub status: Option<String>,
    #[serde(alias = "createdAt")]
    pub created_at: Option<String>,
}

impl Record for GpuFunctionModel {
    fn what(&self) -> String {
        let id = self.id.as_deref().or(self.name.as_deref());
        format!("GPU function {}", id.unwrap_or_default())
    }
    fn path(&self) -> Option<String> {
        self.id
            .as_deref()
            .map(|id| format!("/api/v1/functions/{id}"))
    }
    fn observe(&mut self, function: Self) {
        // No variables and none configured stays null, so an unset `env_vars` shows no diff.
        let listed = function.env_vars.unwrap_or_default();
        let env_vars = (self.env_vars.is_some() || !listed.is_empty()).then_some(listed);
        *self = Self {
            env_vars,
            ..function
        };
    }
}

impl RecordType for GpuFunctionResource {
    type Model = GpuFunctionModel;
    const NAME: &'static str = "gpu_function";
    const ID_PREFIX: &'static str = "fn-";

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

    fn create_request(
        &self,
        plan: &GpuFunctionModel,
    ) -> (String, impl Serialize + Send + Sync + use<>) {
        let req = CreateGpuFunction {
            name: plan.name.clone().unwrap_or_default(),
            image: plan.image.clone().unwrap_or_default(),
            entrypoint: plan.entrypoint.clone().unwrap_or_default(),
            gpu_tier: plan.gpu_tier.clone().unwrap_or_default(),
            timeout_seconds: plan.timeout_seconds.unwrap_or(300),
            env_vars: plan.env_vars.clone().unwrap_or_default(),
        };
        ("/api/v1/functions".into(), req)
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
        let answer = |vars: serde_json::Value| -> GpuFunctionModel {
            serde_json::from_value(serde_json::json!({
                "id": "fn-abc12345", "name": "image-classifier",
                "image": "registry.gpu.local/myteam/classifier:v1",
                "entrypoint": "python classify.py", "gpuTier": "timesliced",
                "timeoutSeconds": 300, "envVars": vars, "status": "ready"
            }))
            .expect("a read answer parses")
        };
        let mut unset = GpuFunctionModel::default();
        unset.observe(answer(serde_json::json!({})));
        assert!(unset.env_vars.is_none());
        let mut imported = GpuFunctionModel::default();
        imported.observe(answer(
            serde_json::json!({"MODEL_PATH": "/models/resnet50.pt"}),
        ));
        assert_eq!(imported.env_vars.map(|m| m.len()), Some(1));
        assert_eq!(imported.gpu_tier.as_deref(), Some("timesliced"));
    }
}
