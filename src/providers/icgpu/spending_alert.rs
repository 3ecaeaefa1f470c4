//! `icgpu_spending_alert`: a token balance threshold alert. A plain record: every argument
//! changes in place with one PATCH carrying only what changed.

use super::api::{CreateSpendingAlert, UpdateSpendingAlert, NOTIFY_VIA};
use super::records::{self, changed, Record, RecordType};
use super::IcGpuClient;
use crate::framework::{validators, Attribute, Ctx, Failure, Schema, Value};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct SpendingAlertResource;

/// `SpendingAlert`, which the API spells in camelCase.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SpendingAlertModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub threshold: Option<i64>,
    #[serde(alias = "notifyVia")]
    pub notify_via: Option<String>,
    pub triggered: Option<bool>,
    #[serde(alias = "lastTriggeredAt")]
    pub last_triggered_at: Option<String>,
    #[serde(alias = "createdAt")]
    pub created_at: Option<String>,
}

impl Record for SpendingAlertModel {
    fn what(&self) -> String {
        records::named("spending alert", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        Some(format!("/api/v1/spending-alerts/{}", self.id.as_deref()?))
    }
    fn observe(&mut self, alert: Self) {
        *self = Self {
            triggered: Some(alert.triggered.unwrap_or(false)),
            ..alert
        };
    }
}

#[async_trait]
impl RecordType for SpendingAlertResource {
    type Model = SpendingAlertModel;
    const NAME: &'static str = "spending_alert";
    const ID_PREFIX: &'static str = "alert-";

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

    fn create_request(
        &self,
        plan: &SpendingAlertModel,
    ) -> (String, impl Serialize + Send + Sync + use<>) {
        let req = CreateSpendingAlert {
            name: plan.name.clone().unwrap_or_default(),
            threshold: plan.threshold.unwrap_or_default(),
            notify_via: plan.notify_via.clone(),
        };
        ("/api/v1/spending-alerts".into(), req)
    }

    fn patch(
        &self,
        plan: &SpendingAlertModel,
        prior: &SpendingAlertModel,
    ) -> Option<impl Serialize + Send + Sync + use<>> {
        let p = UpdateSpendingAlert {
            name: changed(&plan.name, &prior.name),
            threshold: changed(&plan.threshold, &prior.threshold),
            notify_via: changed(&plan.notify_via, &prior.notify_via),
        };
        (p.name.is_some() || p.threshold.is_some() || p.notify_via.is_some()).then_some(p)
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut plan: SpendingAlertModel,
        prior: SpendingAlertModel,
    ) -> Result<SpendingAlertModel, Failure<SpendingAlertModel>> {
        let body = self.patch(&plan, &prior);
        // Without a PATCH these are not re-read: keep what is known.
        plan.triggered = prior.triggered;
        plan.last_triggered_at = prior.last_triggered_at.clone();
        Ok(records::update(ctx, plan, &prior, body).await?)
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
        fn patch(
            plan: &SpendingAlertModel,
            prior: &SpendingAlertModel,
        ) -> Option<serde_json::Value> {
            let body = SpendingAlertResource.patch(plan, prior)?;
            Some(serde_json::to_value(body).expect("serializes"))
        }
        assert!(patch(&prior, &prior).is_none());
        let p = patch(&model("low", 50, "webhook"), &prior).expect("a change");
        assert_eq!(p, serde_json::json!({"threshold": 50}));
        let p = patch(&model("lower", 100, "in_app"), &prior).expect("a change");
        assert_eq!(
            p,
            serde_json::json!({"name": "lower", "notifyVia": "in_app"})
        );
    }

    #[test]
    fn the_camel_case_answer_fills_the_model() {
        let mut alert = model("low", 100, "in_app");
        alert.observe(
            serde_json::from_value(serde_json::json!({
                "id": "alert-abc123", "name": "low", "threshold": 100, "notifyVia": "webhook",
                "lastTriggeredAt": null, "createdAt": "2025-11-20T09:14:03Z"
            }))
            .expect("spec example parses"),
        );
        assert_eq!(alert.notify_via.as_deref(), Some("webhook"));
        assert_eq!(alert.triggered, Some(false));
        assert_eq!(alert.created_at.as_deref(), Some("2025-11-20T09:14:03Z"));
    }
}
