//! `icgpu_spending_alert`: a token balance threshold alert. A plain record: every argument
//! changes in place with one PATCH carrying only what changed.

use super::api::{CreateSpendingAlert, SpendingAlert, UpdateSpendingAlert, NOTIFY_VIA};
use super::records::{self, changed, Record};
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

impl Record for SpendingAlertModel {
    type Api = SpendingAlert;
    fn what(&self) -> String {
        records::named("spending alert", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        Some(format!("/api/v1/spending-alerts/{}", self.id.as_deref()?))
    }
    fn observe(&mut self, a: SpendingAlert) {
        self.id = Some(a.id);
        self.name = Some(a.name);
        self.threshold = Some(a.threshold);
        self.notify_via = Some(a.notify_via);
        self.triggered = Some(a.triggered.unwrap_or(false));
        self.last_triggered_at = a.last_triggered_at;
        self.created_at = a.created_at;
    }
}

/// The PATCH body for what differs between `plan` and `prior`; `None` when nothing does.
fn patch(plan: &SpendingAlertModel, prior: &SpendingAlertModel) -> Option<UpdateSpendingAlert> {
    let p = UpdateSpendingAlert {
        name: changed(&plan.name, &prior.name),
        threshold: changed(&plan.threshold, &prior.threshold),
        notify_via: changed(&plan.notify_via, &prior.notify_via),
    };
    (p.name.is_some() || p.threshold.is_some() || p.notify_via.is_some()).then_some(p)
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
        .attribute(records::id("Alert ID (`alert-...`); also the import ID."))
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
        .attribute(
            Attribute::bool("triggered").output(
                "True after the alert fired, until the balance is back above the threshold.",
            ),
        )
        .attribute(
            Attribute::string("last_triggered_at")
                .output("When the alert last fired (RFC 3339); null if never."),
        )
        .attribute(records::created_at())
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: SpendingAlertModel,
    ) -> Result<SpendingAlertModel, Failure<SpendingAlertModel>> {
        let req = CreateSpendingAlert {
            name: plan.name.clone().unwrap_or_default(),
            threshold: plan.threshold.unwrap_or_default(),
            notify_via: plan.notify_via.clone(),
        };
        Ok(records::create(ctx, "/api/v1/spending-alerts", &req, plan).await?)
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: SpendingAlertModel,
    ) -> Result<Option<SpendingAlertModel>, Diagnostics> {
        records::read(ctx, state).await
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut plan: SpendingAlertModel,
        prior: SpendingAlertModel,
    ) -> Result<SpendingAlertModel, Failure<SpendingAlertModel>> {
        let body = patch(&plan, &prior);
        // Without a PATCH these are not re-read: keep what is known.
        plan.triggered = prior.triggered;
        plan.last_triggered_at = prior.last_triggered_at.clone();
        Ok(records::update(ctx, plan, &prior, body).await?)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: SpendingAlertModel,
    ) -> Result<(), Diagnostics> {
        records::delete(ctx, &state).await
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
