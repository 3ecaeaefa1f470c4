//! `gpuai_availability_notification`: an email alert for when a GPU config gets capacity in a
//! region. The API can register and list requests but not cancel them, so destroy only forgets
//! the request (with a warning saying so).

use super::api::{self, NotifyRequest};
use super::GpuAiClient;
use crate::client::{create_reconciled, ClientError};
use crate::framework::schema::{Attribute, Schema};
use crate::framework::{validators, Ctx, Diagnostics, Failure, Resource};
use crate::framework::{IdKind, ImportForm};
use crate::providers::common;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Model {
    pub id: Option<String>,
    pub region_id: Option<String>,
    pub config_id: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub notified_at: Option<String>,
}

pub struct AvailabilityNotificationResource;

pub fn schema() -> Schema {
    Schema::new(
        "A request to be emailed when a GPU config has capacity in a region. The GPU AI \
         Service cannot cancel a request through its API: destroying this resource only removes \
         it from Terraform state (it stays registered until notified or expired after 30 days).",
    )
    .attribute(
        Attribute::string("id")
            .output("The request's UUID.")
            .use_state_for_unknown(),
    )
    .attribute(
        Attribute::string("region_id")
            .required()
            .requires_replace()
            .validator(validators::length_between(1, 256))
            .description("Region to watch, e.g. `as-south-1`."),
    )
    .attribute(
        Attribute::string("config_id")
            .required()
            .requires_replace()
            .validator(validators::length_between(1, 256))
            .description("GPU config to watch (an inventory `config_id`)."),
    )
    .attribute(
        Attribute::string("status")
            .output("`pending` (waiting for capacity) or `notified` (the email was sent)."),
    )
    .attribute(
        Attribute::string("created_at")
            .output("When the request was registered (RFC 3339).")
            .use_state_for_unknown(),
    )
    .attribute(
        Attribute::string("notified_at")
            .output("When the notification was sent (RFC 3339); null until then."),
    )
}

fn observe(n: &NotifyRequest) -> Model {
    Model {
        id: Some(n.id.clone()),
        region_id: Some(n.region_id.clone()),
        config_id: Some(n.config_id.clone()),
        status: Some(n.status.clone()),
        created_at: Some(n.created_at.clone()),
        notified_at: n.notified_at.clone(),
    }
}

async fn list(ctx: &Ctx<'_, GpuAiClient>) -> Result<Vec<NotifyRequest>, ClientError> {
    common::bind(&ctx.client.inventory, ctx)
        .get(api::NOTIFY_PATH)
        .describe("list GPU availability notification requests")
        .send()
        .await
}

#[async_trait]
impl Resource for AvailabilityNotificationResource {
    type Client = GpuAiClient;
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "availability_notification"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, GpuAiClient>,
        plan: Model,
    ) -> Result<Model, Failure<Model>> {
        let region = plan.region_id.clone().unwrap_or_default();
        let config = plan.config_id.clone().unwrap_or_default();
        let api = common::bind(&ctx.client.inventory, ctx);
        let req = api
            .post(api::NOTIFY_PATH)
            .json(&api::CreateNotifyRequest {
                region_id: &region,
                config_id: &config,
            })
            .describe(format!(
                "register availability notification for {config:?} in {region:?}"
            ));
        // No idempotency key: after an ambiguous failure, a pending request for the same pair
        // registered since the attempt began is ours (the API allows only one).
        let created = create_reconciled(req, |since: DateTime<Utc>| {
            let (api, region, config) = (api.clone(), region.clone(), config.clone());
            async move {
                let all: Vec<NotifyRequest> = api.get(api::NOTIFY_PATH).send().await?;
                Ok(all.into_iter().find(|n| {
                    n.region_id == region
                        && n.config_id == config
                        && n.status == "pending"
                        && DateTime::parse_from_rfc3339(&n.created_at)
                            .is_ok_and(|c| c.with_timezone(&Utc) >= since)
                }))
            }
        })
        .await;
        match created {
            Ok(n) => Ok(observe(&n)),
            Err(e) if e.status() == Some(409) => Err(Diagnostics::single_error(
                "Availability notification already registered",
                format!(
                    "There is already a pending availability notification for GPU config \
                     {config:?} in region {region:?} (the API allows one per pair). Import it \
                     with `terraform import` using its id (see the API's list of \
                     notification requests), or remove the duplicate from the configuration. \
                     API said: {}",
                    e.detail()
                ),
            )
            .into()),
            Err(e) => Err(e.into()),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, GpuAiClient>,
        state: Model,
    ) -> Result<Option<Model>, Diagnostics> {
        let id = state.id.clone().unwrap_or_default();
        let found = list(ctx).await?.into_iter().find(|n| n.id == id);
        Ok(found
            .filter(|n| !api::NOTIFY_GONE_STATUSES.contains(&n.status.as_str()))
            .map(|n| observe(&n)))
    }

    async fn delete(&self, ctx: &Ctx<'_, GpuAiClient>, state: Model) -> Result<(), Diagnostics> {
        ctx.warn(
            "Availability notification not cancelled",
            format!(
                "The GPU AI Service has no API to cancel availability notification {}; it was \
                 removed from Terraform state only. It stays registered until it is notified or \
                 expires (30 days); cancel it in the NeevCloud console if you no longer want \
                 the email.",
                state.id.as_deref().unwrap_or("(unknown id)")
            ),
        );
        Ok(())
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::id(IdKind::Uuid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_says_a_request_cannot_be_cancelled() {
        assert!(schema().description.contains("cannot cancel"));
    }

    #[test]
    fn state_copies_the_request() {
        let n = NotifyRequest {
            id: "7c9e6679-7425-40de-944b-e07fc1f90ae7".into(),
            region_id: "as-south-1".into(),
            config_id: "cfg".into(),
            status: "pending".into(),
            created_at: "2026-06-14T10:00:00Z".into(),
            notified_at: None,
        };
        let m = observe(&n);
        assert_eq!(m.region_id.as_deref(), Some("as-south-1"));
        assert_eq!(m.status.as_deref(), Some("pending"));
        assert_eq!(m.notified_at, None);
    }
}
