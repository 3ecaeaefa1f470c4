//! `icgpu_webhook`: an HMAC-signed event callback. A plain record: every argument changes in
//! place with PATCH; the signing secret exists only in the create response.

use super::api::{CreateWebhook, UpdateWebhook, WEBHOOK_EVENTS};
use super::records::{self, changed, Record, RecordType};
use super::IcGpuClient;
use crate::framework::validators::{self, ValidateRequest, Validator};
use crate::framework::{Attribute, Ctx, Diagnostics, Failure, Schema, Type, Value};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub struct WebhookResource;

/// `Webhook` (camelCase), plus `secret` in the create response (`WebhookWithSecret`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WebhookModel {
    pub id: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub secret: Option<String>,
    #[serde(alias = "createdAt")]
    pub created_at: Option<String>,
}

impl Record for WebhookModel {
    fn what(&self) -> String {
        records::named("webhook", &self.id, &self.url)
    }
    fn path(&self) -> Option<String> {
        Some(format!("/api/v1/webhooks/{}", self.id.as_deref()?))
    }
    fn observe(&mut self, webhook: Self) {
        *self = Self {
            enabled: Some(webhook.enabled.unwrap_or(true)),
            // Only the create response carries the secret; reads keep the one in state.
            secret: webhook.secret.or(self.secret.take()),
            ..webhook
        };
    }
}

/// `https://` URLs; `http://` only to a loopback host (for local testing), with a warning.
struct WebhookUrl;

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl Validator for WebhookUrl {
    fn description(&self) -> String {
        "value must be an https:// URL (http:// is accepted only for a loopback host, for testing)"
            .into()
    }
    fn validate(&self, req: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(s) = req.value.as_str() else { return };
        let summary = format!("Invalid value for {}", req.path);
        match url::Url::parse(s) {
            Ok(u) if u.scheme() == "https" && u.has_host() => {}
            Ok(u) if u.scheme() == "http" && u.host().as_ref().is_some_and(is_loopback) => {
                diags.attribute_warning(
                    req.path.clone(),
                    "Webhook URL uses plain HTTP",
                    format!(
                        "{s:?} is accepted because it points at this machine (testing only); the \
                         IC GPU platform delivers only to https:// URLs."
                    ),
                );
            }
            Ok(u) => diags.attribute_error(
                req.path.clone(),
                summary,
                format!("{s:?} has scheme {:?}: {}.", u.scheme(), self.description()),
            ),
            Err(e) => diags.attribute_error(
                req.path.clone(),
                summary,
                format!("{s:?} is not a valid URL ({e}): {}.", self.description()),
            ),
        }
    }
}

#[async_trait]
impl RecordType for WebhookResource {
    type Model = WebhookModel;
    const NAME: &'static str = "webhook";
    const ID_PREFIX: &'static str = "wh-";

    fn schema(&self) -> Schema {
        Schema::new(
            "A webhook endpoint that receives IC GPU platform events, signed with HMAC-SHA256 in \
             the `X-Webhook-Signature` header. All arguments change in place.",
        )
        .attribute(records::id("Webhook ID (`wh-...`); also the import ID."))
        .attribute(
            Attribute::string("url")
                .required()
                .validator(Arc::new(WebhookUrl))
                .validator(validators::length_between(1, 2048))
                .description(
                    "HTTPS endpoint that receives deliveries, at most 2048 characters. `http://` \
                     is accepted only for a loopback host (localhost, 127.0.0.1, ::1), with a \
                     warning, for testing.",
                ),
        )
        .attribute(
            Attribute::set_of("events", Type::String)
                .required()
                .validator(validators::each(validators::one_of(WEBHOOK_EVENTS)))
                .validator(validators::size_at_least(1))
                .description(
                    "Events to deliver (at least one): any of `instance.created`, `instance.started`, \
                     `instance.stopped`, `instance.terminated`, `instance.error`, \
                     `instance.preempted`, `vm.created`, `vm.started`, `vm.stopped`, \
                     `vm.terminated`, `vm.error`, `balance.low`, `balance.depleted`, \
                     `key.created`, `key.deleted`, `key.expired`, `function.completed`, \
                     `function.failed`, `fine_tuning.started`, `fine_tuning.completed`, \
                     `fine_tuning.failed`, or `*` for all events.",
                ),
        )
        .attribute(
            Attribute::bool("enabled")
                .default(Value::Bool(true))
                .description(
                "Whether events are delivered (default true). Test deliveries are sent either way.",
            ),
        )
        .attribute(
            Attribute::string("secret")
                .computed()
                .sensitive()
                .use_state_for_unknown()
                .description(
                    "Signing secret (`whsec_...`) for verifying `X-Webhook-Signature`. The API \
                     returns it only once, when the webhook is created, so it is null after \
                     `terraform import`; to get a new one, replace the webhook.",
                ),
        )
        .attribute(records::created_at())
    }

    fn create_request(
        &self,
        plan: &WebhookModel,
    ) -> (String, impl Serialize + Send + Sync + use<>) {
        let req = CreateWebhook {
            url: plan.url.clone().unwrap_or_default(),
            events: plan.events.clone().unwrap_or_default(),
            enabled: plan.enabled.unwrap_or(true),
        };
        ("/api/v1/webhooks".into(), req)
    }

    /// What differs between `plan` and `prior`, events in any order.
    fn patch(
        &self,
        plan: &WebhookModel,
        prior: &WebhookModel,
    ) -> Option<impl Serialize + Send + Sync + use<>> {
        let sorted = |e: &Option<Vec<String>>| {
            let mut e = e.clone().unwrap_or_default();
            e.sort();
            e
        };
        let p = UpdateWebhook {
            url: changed(&plan.url, &prior.url),
            events: plan
                .events
                .clone()
                .filter(|_| sorted(&plan.events) != sorted(&prior.events)),
            enabled: changed(&plan.enabled, &prior.enabled),
        };
        (p.url.is_some() || p.events.is_some() || p.enabled.is_some()).then_some(p)
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut plan: WebhookModel,
        prior: WebhookModel,
    ) -> Result<WebhookModel, Failure<WebhookModel>> {
        let body = self.patch(&plan, &prior);
        plan.secret = prior.secret.clone();
        Ok(records::update(ctx, plan, &prior, body).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Severity;
    use crate::providers::icgpu::testutil::{check, errors_text};

    #[test]
    fn urls_must_be_https_except_loopback_http_with_a_warning() {
        let s = WebhookResource.schema();
        let ok = check(&s, "url", Value::string("https://hooks.example.com/x"), &[]);
        assert!(ok.is_empty());
        let bad = check(&s, "url", Value::string("http://hooks.example.com/x"), &[]);
        assert!(
            errors_text(&bad).contains("https://"),
            "{}",
            errors_text(&bad)
        );
        for local in [
            "http://127.0.0.1:8080/h",
            "http://localhost/h",
            "http://[::1]/h",
        ] {
            let d = check(&s, "url", Value::string(local), &[]);
            assert!(!d.has_errors(), "{local}");
            assert!(d.iter().any(|x| x.severity == Severity::Warning), "{local}");
        }
        assert!(check(&s, "url", Value::string("not a url"), &[]).has_errors());
    }

    #[test]
    fn unknown_events_list_the_valid_ones() {
        let s = WebhookResource.schema();
        let d = check(
            &s,
            "events",
            Value::Set(vec![Value::string("*"), Value::string("instance.exploded")]),
            &[],
        );
        let text = errors_text(&d);
        assert!(
            text.contains("instance.exploded") && text.contains("`instance.preempted`"),
            "{text}"
        );
        let ok = check(
            &s,
            "events",
            Value::Set(vec![Value::string("balance.low"), Value::string("*")]),
            &[],
        );
        assert!(!ok.has_errors());
    }

    #[test]
    fn secret_is_sensitive_and_survives_refresh() {
        let s = WebhookResource.schema();
        assert!(s.attribute_named("secret").is_some_and(|a| a.sensitive));
        let mut m = WebhookModel {
            secret: Some("whsec_x".into()),
            ..Default::default()
        };
        m.observe(
            serde_json::from_value(serde_json::json!({
                "id": "wh-abc", "url": "https://x", "events": ["*"],
                "createdAt": "2025-11-20T09:14:03Z"
            }))
            .expect("a read answer parses"),
        );
        assert_eq!(m.secret.as_deref(), Some("whsec_x"));
        assert_eq!(m.enabled, Some(true));
        assert_eq!(m.created_at.as_deref(), Some("2025-11-20T09:14:03Z"));
    }
}
