//! `amd_instance`: an AMD Instinct GPU instance. The API has no update, stop or start call, so
//! every argument forces replacement; create waits `pending` → `running`, delete waits until
//! the instance reads `terminated` or 404.
//!
//! `createInstance` takes no idempotency key. Create therefore goes through
//! `create_reconciled`: after an ambiguous failure (timeout, dropped connection, 5xx) it lists
//! instances and adopts the one with our name created after the attempt began, instead of
//! launching a second paid instance. That needs a name, so one is generated when omitted.

use super::api::{self, Instance, InstanceInput};
use super::quoted;
use crate::client::{
    create_reconciled, list_all_offset, wait_until, Budget, Client, ClientError, Poll,
};
use crate::framework::schema::{Attribute, Schema};
use crate::framework::{validators, Ctx, Diagnostics, Failure, Operation, Resource};
use crate::framework::{IdKind, ImportForm};
use crate::providers::common;
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The state of an `amd_instance` (also the result of the `amd_instance` data source).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub gpu_type: Option<String>,
    pub gpu_count: Option<i64>,
    pub image_id: Option<String>,
    pub region: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<String>,
}

impl From<Instance> for InstanceModel {
    fn from(i: Instance) -> Self {
        Self {
            id: i.id,
            name: i.name,
            gpu_type: i.gpu_type,
            gpu_count: i.gpu_count,
            image_id: i.image_id,
            region: i.region,
            status: i.status,
            created_at: i.created_at,
        }
    }
}

pub struct AmdInstance;

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
                quoted(api::CREATE_GPU_TYPES)
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
        quoted(api::STATUSES)
    )))
    .attribute(
        Attribute::string("created_at")
            .computed()
            .use_state_for_unknown()
            .description("Creation timestamp (RFC 3339)."),
    )
    .timeouts(&["create", "delete"])
}

/// A name for an instance whose configuration has none (see the module docs for why).
fn generated_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("tf-{}", &id[..12])
}

/// Every instance matching the filters, walking all pages.
pub(crate) async fn list_instances(
    client: &Client,
    budget: &Budget,
    status: Option<&str>,
    gpu_type: Option<&str>,
) -> Result<Vec<Instance>, ClientError> {
    let mut req = client
        .get("/instances")
        .describe("list AMD instances")
        .budget(budget);
    if let Some(s) = status {
        req = req.query("status", s);
    }
    if let Some(g) = gpu_type {
        req = req.query("gpuType", g);
    }
    list_all_offset(req, "instances", api::PAGE_SIZE).await
}

/// Every active instance as raw JSON (for the refresh cache, which indexes by `id`).
async fn list_raw(client: &Client, budget: &Budget) -> Result<Vec<serde_json::Value>, ClientError> {
    let req = client
        .get("/instances")
        .describe("list AMD instances")
        .budget(budget);
    list_all_offset(req, "instances", api::PAGE_SIZE).await
}

/// The instance called `name` created since `started_at`, if a lost create launched one.
async fn find_created(
    client: &Client,
    budget: &Budget,
    name: &str,
    started_at: DateTime<Utc>,
) -> Result<Option<Instance>, ClientError> {
    // `createdAt` may carry whole seconds only, so compare against the start of that second.
    let since = started_at.trunc_subsecs(0);
    let found = list_instances(client, budget, None, None).await?;
    Ok(found.into_iter().find(|i| {
        i.name.as_deref() == Some(name)
            && i.created_at
                .as_deref()
                .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
                .is_some_and(|c| c >= since)
    }))
}

pub(crate) async fn get_instance(
    client: &Client,
    budget: &Budget,
    id: &str,
) -> Result<Option<Instance>, ClientError> {
    client
        .get(&api::instance_path(id))
        .describe(format!("read AMD instance {id:?}"))
        .budget(budget)
        .send_optional()
        .await
}

#[async_trait]
impl Resource for AmdInstance {
    type Client = Client;
    type Model = InstanceModel;

    fn type_name(&self) -> &'static str {
        "instance"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn default_timeout(&self, _op: Operation) -> Duration {
        Duration::from_secs(20 * 60)
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, Client>,
        plan: InstanceModel,
    ) -> Result<InstanceModel, Failure<InstanceModel>> {
        let budget = common::budget(ctx);
        let name = plan.name.clone().unwrap_or_else(generated_name);
        let input = InstanceInput {
            name: Some(name.clone()),
            gpu_type: plan.gpu_type.clone().unwrap_or_default(),
            gpu_count: plan.gpu_count.unwrap_or(api::MIN_GPUS),
            image_id: plan.image_id.clone(),
            region: plan.region.clone(),
        };
        let req = ctx
            .client
            .post("/instances")
            .json(&input)
            .describe(format!("create AMD instance {name:?}"))
            .budget(&budget);
        let (client, budget_ref, name_ref) = (ctx.client, &budget, name.as_str());
        let created: Instance = create_reconciled(req, move |started_at| {
            find_created(client, budget_ref, name_ref, started_at)
        })
        .await?;
        let Some(id) = created.id.clone() else {
            return Err(Diagnostics::single_error(
                "AMD Developer Cloud returned no instance ID",
                format!("Creating instance {name:?} answered without an `id`; check the AMD console for an instance of that name."),
            )
            .into());
        };
        let partial = InstanceModel::from(created);
        let what = format!("AMD instance {id:?} to be running");
        let ready = wait_until(&budget, &what, || async {
            Ok(match get_instance(ctx.client, &budget, &id).await? {
                None => Poll::Failed("the instance disappeared while starting".into()),
                Some(i) => match i.status.as_deref() {
                    Some("running") => Poll::Ready(i),
                    Some("pending") | None => {
                        Poll::Pending(i.status.unwrap_or_else(|| "pending".into()))
                    }
                    Some(other) => {
                        Poll::Failed(format!("the instance became {other} while starting"))
                    }
                },
            })
        })
        .await;
        match ready {
            Ok(i) => Ok(i.into()),
            Err(e) => Err(Failure::with_partial(e.into(), partial)),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        state: InstanceModel,
    ) -> Result<Option<InstanceModel>, Diagnostics> {
        let Some(id) = state.id.as_deref() else {
            return Ok(None);
        };
        let budget = common::budget(ctx);
        // Refresh coalescing: one walk of the list serves every instance in this plan; an
        // instance the list does not show (e.g. `terminated`) is read on its own.
        let found: Option<Instance> = ctx
            .client
            .cache()
            .read(
                "amd.instance",
                id,
                || list_raw(ctx.client, &budget),
                || get_instance(ctx.client, &budget, id),
            )
            .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        match found.status.as_deref() {
            Some("terminated") => return Ok(None),
            Some("stopped") => ctx.warn(
                format!("AMD instance {id:?} is stopped"),
                "The platform stopped this instance (for example when credits ran out). The \
                 AMD Developer Cloud API has no start call: replace the instance \
                 (`terraform apply -replace=...`) to run it again.",
            ),
            _ => {}
        }
        Ok(Some(found.into()))
    }

    async fn delete(&self, ctx: &Ctx<'_, Client>, state: InstanceModel) -> Result<(), Diagnostics> {
        let Some(id) = state.id.as_deref() else {
            return Ok(());
        };
        let budget = common::budget(ctx);
        let sent = ctx
            .client
            .delete(&api::instance_path(id))
            .describe(format!("terminate AMD instance {id:?}"))
            .budget(&budget)
            .send_no_body()
            .await;
        match sent {
            Ok(()) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let what = format!("AMD instance {id:?} to terminate");
        wait_until(&budget, &what, || async {
            Ok(match get_instance(ctx.client, &budget, id).await? {
                None => Poll::Ready(()),
                Some(i) if i.status.as_deref() == Some("terminated") => Poll::Ready(()),
                Some(i) => Poll::Pending(i.status.unwrap_or_else(|| "unknown".into())),
            })
        })
        .await?;
        Ok(())
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

    #[test]
    fn every_attribute_is_described_and_arguments_force_replacement() {
        let s = schema();
        for a in &s.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
            if a.mode.is_configurable() {
                assert!(
                    !a.plan_modifiers.is_empty(),
                    "{} must force replacement",
                    a.name
                );
            }
        }
        assert!(s.blocks.iter().any(|b| b.name == "timeouts"));
    }

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
    fn generated_names_are_unique_and_valid() {
        let (a, b) = (generated_name(), generated_name());
        assert_ne!(a, b);
        assert!(a.starts_with("tf-") && a.len() == 15);
    }

    #[test]
    fn model_keeps_api_fields() {
        let m = InstanceModel::from(Instance {
            id: Some("inst-1".into()),
            gpu_count: Some(4),
            status: Some("running".into()),
            ..Default::default()
        });
        assert_eq!(m.id.as_deref(), Some("inst-1"));
        assert_eq!(m.gpu_count, Some(4));
        assert_eq!(m.status.as_deref(), Some("running"));
    }
}
