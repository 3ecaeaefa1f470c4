//! `icgpu_spending_alert`: a token balance threshold alert. A plain record: every argument
//! changes in place with one PATCH carrying only what changed.

use super::api::{CreateSpendingAlert, SpendingAlert, UpdateSpendingAlert, NOTIFY_VIA};
use super::IcGpuClient;
use crate::framework::ImportForm;
use crate::framework::{validators, Attribute, Ctx, Diagnostics, Failure, Resource, Schema, Value};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct SpendingAlertResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SpendingAlertModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub threshold: Option<i64>,
    pub notify_via: Option<String>,
    pub triggered: Option<bool>,
    pub last_triggered_at: Option<String>,
    pub created_at: Option<String>,
}

impl SpendingAlertModel {
    fn observe(&mut self, a: &SpendingAlert) {
        self.id = Some(a.id.clone());
        self.name = Some(a.name.clone());
        self.threshold = Some(a.threshold);
        self.notify_via = Some(a.notify_via.clone());
        self.triggered = Some(a.triggered.unwrap_or(false));
        self.last_triggered_at = a.last_triggered_at.clone();
        self.created_at = a.created_at.clone();
    }
}

/// The PATCH body for what differs between `plan` and `prior`; `None` when nothing does.
fn patch(plan: &SpendingAlertModel, prior: &SpendingAlertModel) -> Option<UpdateSpendingAlert> {
    let p = UpdateSpendingAlert {
        name: plan.name.clone().filter(|n| Some(n) != prior.name.as_ref()),
        threshold: plan.threshold.filter(|t| Some(*t) != prior.threshold),
        notify_via: plan
            .notify_via
            .clone()
            .filter(|n| Some(n) != prior.notify_via.as_ref()),
    };
    (p.name.is_some() || p.threshold.is_some() || p.notify_via.is_some()).then_some(p)
}

fn path(id: &str) -> String {
    format!("/api/v1/spending-alerts/{id}")
}

#[async_trait]
impl Resource for SpendingAlertResource {
    type Client = IcGpuClient;
    type Model = SpendingAlertModel;

    fn type_name(&self) -> &'static str {
        "spending_alert"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "An alert that fires once when the account's token balance drops below a \
             threshold, via webhook (`balance.low`) or in-app notification. All arguments change \
             in place.",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("Alert ID (`alert-...`); also the import ID."),
        )
        .attribute(
            Attribute::string("name")
                .required()
                .validator(validators::length_between(1, 128))
                .description("Display name, 1 to 128 characters."),
        )
        .attribute(
            Attribute::int("threshold")
                .required()
                .validator(validators::greater_than(0.0))
                .description(
                    "Token balance below which the alert fires (tokens, greater than 0). \
                     Changing it re-arms the alert.",
                ),
        )
        .attribute(
            Attribute::string("notify_via")
                .default(Value::string("in_app"))
                .one_of(NOTIFY_VIA)
                .description(
                    "`webhook` (a `balance.low` event to the account's webhooks) or `in_app` \
                     (dashboard notification, the default).",
                ),
        )
        .attribute(Attribute::bool("triggered").computed().description(
            "True after the alert fired, until the balance is back above the threshold.",
        ))
        .attribute(
            Attribute::string("last_triggered_at")
                .computed()
                .description("When the alert last fired (RFC 3339); null if never."),
        )
        .attribute(
            Attribute::string("created_at")
                .computed()
                .use_state_for_unknown()
                .description("Creation time (RFC 3339)."),
        )
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: SpendingAlertModel,
    ) -> Result<SpendingAlertModel, Failure<SpendingAlertModel>> {
        let api = &super::api(ctx)?;
        let req = CreateSpendingAlert {
            name: plan.name.clone().unwrap_or_default(),
            threshold: plan.threshold.unwrap_or_default(),
            notify_via: plan.notify_via.clone(),
        };
        let created: SpendingAlert = api
            .post("/api/v1/spending-alerts")
            .json(&req)
            .idempotency_key(uuid::Uuid::new_v4().to_string())
            .describe(format!("create spending alert {:?}", req.name))
            .send()
            .await
            .map_err(Diagnostics::from)?;
        let mut state = plan;
        state.observe(&created);
        Ok(state)
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut state: SpendingAlertModel,
    ) -> Result<Option<SpendingAlertModel>, Diagnostics> {
        let api = &super::api(ctx)?;
        let Some(id) = state.id.clone() else {
            return Ok(None);
        };
        let found = api
            .get(&path(&id))
            .describe(format!("read spending alert {id}"))
            .send_optional::<SpendingAlert>()
            .await?;
        Ok(found.map(|a| {
            state.observe(&a);
            state
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: SpendingAlertModel,
        prior: SpendingAlertModel,
    ) -> Result<SpendingAlertModel, Failure<SpendingAlertModel>> {
        let api = &super::api(ctx)?;
        let id = prior.id.clone().unwrap_or_default();
        let Some(body) = patch(&plan, &prior) else {
            // Nothing the API holds changed: keep what is known.
            let mut state = plan;
            state.triggered = prior.triggered;
            state.last_triggered_at = prior.last_triggered_at;
            return Ok(state);
        };
        let updated: SpendingAlert = api
            .patch(&path(&id))
            .json(&body)
            .describe(format!("update spending alert {id}"))
            .send()
            .await
            .map_err(Diagnostics::from)?;
        let mut state = plan;
        state.observe(&updated);
        Ok(state)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: SpendingAlertModel,
    ) -> Result<(), Diagnostics> {
        let api = &super::api(ctx)?;
        let Some(id) = state.id else { return Ok(()) };
        match api
            .delete(&path(&id))
            .describe(format!("delete spending alert {id}"))
            .send_no_body()
            .await
        {
            Err(e) if !e.is_not_found() => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("alert-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str, threshold: i64, via: &str) -> SpendingAlertModel {
        SpendingAlertModel {
            name: Some(name.into()),
            threshold: Some(threshold),
            notify_via: Some(via.into()),
            ..Default::default()
        }
    }

    #[test]
    fn patch_carries_only_what_changed() {
        let prior = model("low", 100, "webhook");
        assert!(patch(&prior, &prior).is_none());
        let p = patch(&model("low", 50, "webhook"), &prior).expect("a change");
        assert_eq!(
            serde_json::to_value(&p).expect("serializes"),
            serde_json::json!({"threshold": 50})
        );
        let p = patch(&model("lower", 100, "in_app"), &prior).expect("a change");
        assert_eq!(
            serde_json::to_value(&p).expect("serializes"),
            serde_json::json!({"name": "lower", "notifyVia": "in_app"})
        );
    }
}
