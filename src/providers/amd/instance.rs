//! `amd_instance`: an AMD Instinct GPU instance. The API has no update, stop or start call, so
//! every argument forces replacement; create waits `pending` → `running`, delete waits until
//! the instance reads `terminated` or 404.
//!
//! `createInstance` takes no idempotency key: the shared lifecycle
//! (`providers::common::lifecycle`) finds a create whose answer was lost by its name, so one
//! is generated when omitted.

use super::api::{self, InstanceInput};
use crate::client::{list_all_offset, Api, Client, ClientError};
use crate::framework::schema::{Attribute, Schema};
use crate::framework::validators::quoted_list;
use crate::framework::{validators, Ctx, Diagnostics, Failure, Resource};
use crate::framework::{IdKind, ImportForm};
use crate::providers::common;
use crate::providers::common::lifecycle::{self, Fields, LongRunning, Statuses};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The state of an `amd_instance` (also the result of the `amd_instance` data source): the
/// API's `Instance`, camelCase there. Every field is optional: the list example omits `imageId`
/// and `createdAt`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceModel {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(alias = "gpuType")]
    pub gpu_type: Option<String>,
    #[serde(alias = "gpuCount")]
    pub gpu_count: Option<i64>,
    #[serde(alias = "imageId")]
    pub image_id: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    #[serde(alias = "createdAt")]
    pub created_at: Option<String>,
}

pub struct InstanceResource;

fn schema() -> Schema {
    Schema::new(
        "An AMD Instinct GPU instance on the AMD Developer Cloud. The API cannot change an \
         instance in place, so changing any argument replaces it. Create waits until the \
         instance is `running`; destroy waits until it is terminated. Import with the instance \
         ID.",
    )
    .attribute(
        Attribute::string("id")
            .computed()
            .use_state_for_unknown()
            .description("Instance identifier, e.g. `inst-001`."),
    )
    .attribute(
        Attribute::string("name")
            .optional_computed()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description(
                "Display name. When omitted the provider generates one (`tf-` and 12 hex \
                 digits) before creating: the API has no idempotency key, and the name is how \
                 a retried create finds an instance the first attempt already launched.",
            ),
    )
    .attribute(
        Attribute::string("gpu_type")
            .required()
            .requires_replace()
            .one_of(api::CREATE_GPU_TYPES)
            .description(format!(
                "GPU hardware type: one of {}.",
                quoted_list(api::CREATE_GPU_TYPES)
            )),
    )
    .attribute(
        Attribute::int("gpu_count")
            .required()
            .requires_replace()
            .validator(validators::between(
                api::MIN_GPUS as f64,
                api::MAX_GPUS as f64,
            ))
            .description(format!(
                "Number of GPUs to allocate, {} to {}.",
                api::MIN_GPUS,
                api::MAX_GPUS
            )),
    )
    .attribute(
        Attribute::string("image_id")
            .optional_computed()
            .requires_replace()
            .description(
                "ROCm environment image, e.g. `rocm-6.1-pytorch`. The cloud picks its default \
                 when omitted.",
            ),
    )
    .attribute(
        Attribute::string("region")
            .optional_computed()
            .requires_replace()
            .description("Deployment region, e.g. `us-west-2`. The cloud picks one when omitted."),
    )
    .attribute(Attribute::string("status").computed().description(format!(
        "Current status: one of {}. An instance the platform stopped reads `stopped` (with a \
         warning on refresh: the API has no start call; replace the instance to run again).",
        quoted_list(api::STATUSES)
    )))
    .attribute(
        Attribute::string("created_at")
            .computed()
            .use_state_for_unknown()
            .description("Creation timestamp (RFC 3339)."),
    )
    .timeouts(&["create", "read", "delete"])
}

/// Every instance matching the filters, walking all pages.
pub(crate) async fn list_instances(
    api: &Api,
    status: Option<&str>,
    gpu_type: Option<&str>,
) -> Result<Vec<InstanceModel>, ClientError> {
    let mut req = api.get("/instances").describe("list AMD instances");
    if let Some(s) = status {
        req = req.query("status", s);
    }
    if let Some(g) = gpu_type {
        req = req.query("gpuType", g);
    }
    list_all_offset(req, "instances", api::PAGE_SIZE).await
}

pub(crate) async fn get_instance(
    api: &Api,
    id: &str,
) -> Result<Option<InstanceModel>, ClientError> {
    Instances.get(api, id).await
}

/// The lifecycle of AMD instances: `pending` → `running`; `terminated` is gone.
pub(crate) struct Instances;

#[async_trait]
impl LongRunning for Instances {
    type Object = InstanceModel;
    const TYPE: &'static str = "amd_instance";
    const NOUN: &'static str = "AMD instance";
    const STATUSES: Statuses = Statuses {
        ready: &["running"],
        starting: &["pending"],
        failed: &[],
        gone: &["terminated"],
        deleted: &["terminated"],
    };

    fn fields(o: &InstanceModel) -> Fields<'_> {
        Fields {
            id: o.id.as_deref(),
            status: o.status.as_deref(),
            name: o.name.as_deref(),
            created_at: o.created_at.as_deref(),
            message: None,
        }
    }
    fn path(&self, id: &str) -> String {
        api::instance_path(id)
    }
    async fn list(&self, api: &Api) -> Result<Vec<serde_json::Value>, ClientError> {
        let req = api.get("/instances").describe("list AMD instances");
        list_all_offset(req, "instances", api::PAGE_SIZE).await
    }
}

#[async_trait]
impl Resource for InstanceResource {
    type Client = Client;
    type Model = InstanceModel;

    fn type_name(&self) -> &'static str {
        "instance"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, Client>,
        plan: InstanceModel,
    ) -> Result<InstanceModel, Failure<InstanceModel>> {
        let api = common::api(ctx);
        let request = |name: &str| {
            let input = InstanceInput {
                name: Some(name.to_string()),
                gpu_type: plan.gpu_type.clone().unwrap_or_default(),
                gpu_count: plan.gpu_count.unwrap_or(api::MIN_GPUS),
                image_id: plan.image_id.clone(),
                region: plan.region.clone(),
            };
            api.post("/instances")
                .json(&input)
                .describe(format!("create AMD instance {name:?}"))
        };
        let name = plan.name.clone();
        lifecycle::create(ctx, &api, &Instances, &plan, name, request, Clone::clone).await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        state: InstanceModel,
    ) -> Result<Option<InstanceModel>, Diagnostics> {
        let found = lifecycle::read_by_state_id(ctx, &Instances, state.id.as_deref()).await?;
        if found.as_ref().and_then(|i| i.status.as_deref()) == Some("stopped") {
            let id = state.id.as_deref().unwrap_or_default();
            ctx.warn(
                format!("AMD instance {id:?} is stopped"),
                "The platform stopped this instance (for example when credits ran out). The \
                 AMD Developer Cloud API has no start call: replace the instance \
                 (`terraform apply -replace=...`) to run it again.",
            );
        }
        Ok(found)
    }

    async fn delete(&self, ctx: &Ctx<'_, Client>, state: InstanceModel) -> Result<(), Diagnostics> {
        lifecycle::delete_by_state_id(ctx, &Instances, state.id.as_deref()).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::id(IdKind::Text {
            example: "inst-001",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(gpu_type: &str, gpu_count: i64) -> Vec<String> {
        use crate::framework::server::{ProviderServer, ValidateResourceRequest};
        use crate::framework::Value;
        let server = ProviderServer::new(std::sync::Arc::new(super::super::Amd));
        let mut config = match Value::null_object(&schema().value_type()) {
            Value::Object(m) => m,
            _ => Default::default(),
        };
        config.insert("gpu_type".into(), Value::string(gpu_type));
        config.insert("gpu_count".into(), Value::number(gpu_count));
        server
            .validate_resource_config(&ValidateResourceRequest {
                type_name: "amd_instance",
                config: &Value::Object(config),
                write_only_allowed: true,
            })
            .iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn bad_gpu_count_and_type_fail_validation_on_their_attribute() {
        assert!(validate("mi300x", 1).is_empty());
        assert!(validate("mi210", 8).is_empty());
        assert_eq!(validate("mi300x", 0), ["gpu_count"]);
        assert_eq!(validate("mi300x", 9), ["gpu_count"]);
        assert_eq!(validate("mi100", 2), ["gpu_type"]);
        assert_eq!(
            validate("rx7900xtx", 2),
            ["gpu_type"],
            "readable but not creatable"
        );
    }

    #[test]
    fn instance_reads_the_spec_example_and_tolerates_missing_fields() {
        let i: InstanceModel = serde_json::from_str(
            r#"{"id":"inst-001","name":"my-training-run","gpuType":"mi300x","gpuCount":8,
                "status":"running","region":"us-west-2"}"#,
        )
        .expect("spec example");
        assert_eq!(i.gpu_type.as_deref(), Some("mi300x"));
        assert_eq!(i.gpu_count, Some(8));
        assert_eq!(i.image_id, None);
    }
}
