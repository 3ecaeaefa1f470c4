//! `icgpu_model_deployment`: an LLM served via KubeAI, identified by its `name`. Replica bounds
//! change in place (PUT scaling), `enabled` with stop/start; everything else replaces it.

use super::api::{
    CreateModelDeployment, ModelDeployment, ModelScaling, ENGINES, RESOURCE_PROFILES,
};
use super::long_running::{self, Collection, IcGpuObject};
use super::records;
use super::IcGpuClient;
use crate::client::{Api, Client, ClientError, Poll};
use crate::framework::resource::Operation;
use crate::framework::{validators, Attribute, Ctx, Diagnostics, Failure, Resource, Schema, Value};
use crate::framework::{IdKind, ImportForm};
use crate::providers::common::lifecycle::{self, Fields, Statuses};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub struct ModelDeploymentResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ModelDeploymentModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub engine: Option<String>,
    pub resource_profile: Option<String>,
    pub min_replicas: Option<i64>,
    pub max_replicas: Option<i64>,
    pub enabled: Option<bool>,
    pub huggingface_token: Option<String>,
    pub huggingface_token_version: Option<String>,
    pub wait_for_endpoint: Option<bool>,
    pub status: Option<String>,
    pub ready_replicas: Option<i64>,
    pub endpoint: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
}

impl ModelDeploymentModel {
    fn observe(&mut self, m: &ModelDeployment) {
        self.id = Some(m.name.clone());
        self.name = Some(m.name.clone());
        self.model = Some(m.model.clone());
        self.engine = m.engine.clone().or(self.engine.take());
        self.resource_profile = m.resource_profile.clone().or(self.resource_profile.take());
        self.min_replicas = m.min_replicas.or(self.min_replicas);
        self.max_replicas = m.max_replicas.or(self.max_replicas);
        match m.status.as_str() {
            "stopped" => self.enabled = Some(false),
            "deploying" | "serving" | "scaling" => self.enabled = Some(true),
            // `failed` says nothing about intent; keep what we had (true after an import).
            _ => self.enabled = Some(self.enabled.unwrap_or(true)),
        }
        // Never stored: write-only.
        self.huggingface_token = None;
        self.wait_for_endpoint = Some(self.wait_for_endpoint.unwrap_or(false));
        self.status = Some(m.status.clone());
        self.ready_replicas = m.ready_replicas;
        self.endpoint = m.endpoint.clone();
        self.created_at = m.created_at.clone();
        self.error_message = m.error_message.clone();
    }
}

/// The lifecycle of model deployments, addressed by name: `deploying` → `serving`.
pub(crate) type Deployments = Collection<ModelDeployment>;

impl IcGpuObject for ModelDeployment {
    const TYPE: &'static str = "icgpu_model_deployment";
    const NOUN: &'static str = "model deployment";
    const COLLECTION: &'static str = "/api/v1/models";
    const LIST_FIELD: &'static str = "models";
    const ID_FIELD: &'static str = "name";
    const STATUSES: Statuses = Statuses {
        ready: &["serving"],
        starting: &["deploying", "scaling"],
        failed: &["failed"],
        gone: &["terminating"],
        deleted: &[],
    };

    fn fields(&self) -> Fields<'_> {
        long_running::fields(
            &self.name,
            &self.status,
            &self.name,
            &self.created_at,
            &self.error_message,
        )
    }
}

/// Waits until the deployment's status is `target`; `failed` fails with its error message.
async fn wait_for(
    api: &Api,
    name: &str,
    target: &'static str,
) -> (
    Result<ModelDeployment, ClientError>,
    Option<ModelDeployment>,
) {
    let through: &[&str] = &["deploying", "scaling", "serving", "stopped"];
    lifecycle::wait_for(api, &Deployments::new(), name, &[target], through).await
}

/// Sends `start` or `stop`; repeating one is harmless.
async fn action(api: &Api, name: &str, verb: &str) -> Result<ModelDeployment, ClientError> {
    api.post(&format!("{}/{verb}", Deployments::path(name)))
        .idempotent()
        .describe(format!("{verb} model deployment {name:?}"))
        .send()
        .await
}

async fn stop(api: &Api, name: &str) -> Result<(), ClientError> {
    action(api, name, "stop").await.map(|_| ())
}

/// Polls `GET <endpoint>/models` until the OpenAI-compatible endpoint answers 200. The
/// endpoint may live on another host than the Dashboard API, so it gets a client of its own
/// with the same credentials and TLS settings.
async fn wait_for_endpoint(api: &Api, endpoint: &str) -> Result<(), ClientError> {
    let mut cfg = api.client().config().clone();
    cfg.base_url = endpoint.trim_end_matches('/').to_string();
    // A 502 while replicas load is the expected "not yet": the waiter polls, the client should
    // not retry it on its own.
    cfg.max_retries = 0;
    let probe = Client::new(cfg)?.bind(api.deadline().clone());
    let url = format!("{endpoint}/models");
    api.wait(&format!("{url} to answer"), || async {
        match probe
            .get("/models")
            .describe(format!("probe {url}"))
            .send::<serde_json::Value>()
            .await
        {
            Ok(_) => Ok(Poll::Ready(())),
            Err(e) if matches!(e.status(), Some(404 | 502..=504)) => {
                Ok(Poll::Pending(format!("HTTP {}", e.status().unwrap_or(0))))
            }
            Err(e) => Err(e),
        }
    })
    .await
}

#[async_trait]
impl Resource for ModelDeploymentResource {
    type Client = IcGpuClient;
    type Model = ModelDeploymentModel;

    fn type_name(&self) -> &'static str {
        "model_deployment"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "An LLM model deployment served via KubeAI with automatic scaling, reachable through \
             an OpenAI-compatible endpoint. Replica bounds and `enabled` change in place; the \
             other arguments replace the deployment.",
        )
        .attribute(records::id(
            "Same as `name` (the API identifies deployments by name); the import ID.",
        ))
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(records::dns_label())
                .description(
                    "Deployment name: its identifier in the API and the `model` value clients \
                     send to the endpoint.",
                ),
        )
        .attribute(
            Attribute::string("model")
                .required()
                .requires_replace()
                .validator(validators::length_between(1, 256))
                .description("Hugging Face repository ID of the model, e.g. `meta-llama/Llama-3.1-8B-Instruct`."),
        )
        .attribute(
            Attribute::string("engine")
                .required()
                .one_of(ENGINES)
                .requires_replace()
                .description("Serving engine: `vllm`, `ollama`, `infinity` or `fasterwhisper`."),
        )
        .attribute(
            Attribute::string("resource_profile")
                .required()
                .one_of(RESOURCE_PROFILES)
                .requires_replace()
                .description(
                    "GPU profile each replica runs on: `nvidia-gpu-dedicated`, `nvidia-gpu-mig` \
                     or `nvidia-gpu-timesliced`.",
                ),
        )
        .attribute(
            Attribute::int("min_replicas")
                .default(Value::number(0))
                .validator(validators::at_least(0.0))
                .description(
                    "Lowest replica count (default 0, which allows scale to zero); must not be \
                     greater than `max_replicas`. Changed in place.",
                ),
        )
        .attribute(
            Attribute::int("max_replicas")
                .required()
                .validator(validators::at_least(1.0))
                .description("Highest replica count the autoscaler may reach (at least 1). Changed in place."),
        )
        .attribute(
            Attribute::bool("enabled")
                .default(Value::Bool(true))
                .description(
                    "Whether the deployment serves (default true). Setting it to false stops the \
                     deployment (scale to zero, no scale-up on requests) in place; true starts it \
                     again.",
                ),
        )
        .attribute(
            Attribute::string("huggingface_token")
                .optional()
                .write_only()
                .description(
                    "Hugging Face access token for gated or private models. Write-only: sent on \
                     create and never stored in plan or state. The API cannot change it; to \
                     rotate it, set the new token and change `huggingface_token_version`, which \
                     replaces the deployment.",
                ),
        )
        .attribute(
            Attribute::string("huggingface_token_version")
                .optional()
                .requires_replace()
                .description(
                    "Any value you change when `huggingface_token` changes (e.g. `\"2\"`). Since \
                     the token is write-only Terraform cannot see it change; changing this \
                     replaces the deployment with the new token.",
                ),
        )
        .attribute(
            Attribute::bool("wait_for_endpoint")
                .default(Value::Bool(false))
                .local_setting()
                .description(
                    "When true and `min_replicas` > 0, create also waits (within the create \
                     timeout) until `GET <endpoint>/models` answers 200. Default false.",
                ),
        )
        .attribute(Attribute::string("status").output(
            "Lifecycle status: deploying, serving, scaling, stopped, failed or terminating.",
        ))
        .attribute(
            Attribute::int("ready_replicas")
                .output("Replicas ready to serve requests when last read."),
        )
        .attribute(
            Attribute::string("endpoint")
                .output(
                    "OpenAI-compatible base URL: call `<endpoint>/chat/completions` with \
                     `\"model\": \"<name>\"`.",
                ).use_state_for_unknown(),
        )
        .attribute(records::created_at())
        .attribute(
            Attribute::string("error_message")
                .output("Why the deployment is `failed`; null otherwise."),
        )
        .config_validator(validators::not_greater_than("min_replicas", "max_replicas"))
        .timeouts(&["create", "read", "update", "delete"])
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Create => Duration::from_secs(20 * 60),
            _ => Duration::from_secs(10 * 60),
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: ModelDeploymentModel,
    ) -> Result<ModelDeploymentModel, Failure<ModelDeploymentModel>> {
        let api = &super::api(ctx)?;
        let request = |name: &str| {
            let body = CreateModelDeployment {
                name: name.to_string(),
                model: plan.model.clone().unwrap_or_default(),
                engine: plan.engine.clone(),
                min_replicas: plan.min_replicas.unwrap_or(0),
                max_replicas: plan.max_replicas.unwrap_or(1),
                resource_profile: plan.resource_profile.clone().unwrap_or_default(),
                huggingface_token: plan.huggingface_token.clone(),
            };
            api.post("/api/v1/models")
                .json(&body)
                .describe(format!("create model deployment {name:?}"))
        };
        let submitted =
            lifecycle::submit(api, &Deployments::new(), &plan, plan.name.clone(), request).await?;
        let enabled = plan.enabled.unwrap_or(true);
        let wait_endpoint = plan.wait_for_endpoint.unwrap_or(false) && plan.min_replicas > Some(0);
        let name = submitted.id.clone();
        let (mut outcome, last) = if enabled {
            wait_for(api, &name, "serving").await
        } else {
            match stop(api, &name).await {
                Ok(()) => wait_for(api, &name, "stopped").await,
                Err(e) => (Err(e), None),
            }
        };
        if let (true, Ok(m)) = (enabled && wait_endpoint, &outcome) {
            if let Some(endpoint) = m.endpoint.clone() {
                if let Err(e) = wait_for_endpoint(api, &endpoint).await {
                    outcome = Err(e);
                }
            }
        }
        lifecycle::settle(ctx, &submitted, (outcome, last), |m| {
            let mut state = plan.clone();
            state.observe(m);
            state.enabled = Some(enabled);
            state
        })
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut state: ModelDeploymentModel,
    ) -> Result<Option<ModelDeploymentModel>, Diagnostics> {
        let Some(name) = state.id.clone().or(state.name.clone()) else {
            return Ok(None);
        };
        let found = lifecycle::read(ctx, &super::api(ctx)?, &Deployments::new(), &name).await?;
        Ok(found.map(|m| {
            state.observe(&m);
            state
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: ModelDeploymentModel,
        prior: ModelDeploymentModel,
    ) -> Result<ModelDeploymentModel, Failure<ModelDeploymentModel>> {
        let api = &super::api(ctx)?;
        let name = prior.id.clone().or(prior.name.clone()).unwrap_or_default();
        let enabled = plan.enabled.unwrap_or(true);
        let bounds = ModelScaling {
            min_replicas: plan.min_replicas.unwrap_or(0),
            max_replicas: plan.max_replicas.unwrap_or(1),
        };
        let mut last: Option<ModelDeployment> = None;
        if plan.min_replicas != prior.min_replicas || plan.max_replicas != prior.max_replicas {
            last = Some(
                api.put(&format!("{}/scaling", Deployments::path(&name)))
                    .json(&bounds)
                    .describe(format!("scale model deployment {name:?}"))
                    .send()
                    .await
                    .map_err(Diagnostics::from)?,
            );
        }
        if prior.enabled.unwrap_or(true) != enabled {
            let verb = if enabled { "start" } else { "stop" };
            last = Some(action(api, &name, verb).await.map_err(Diagnostics::from)?);
        }
        let target = if enabled { "serving" } else { "stopped" };
        let m = match last {
            Some(m) if m.status == target => m,
            _ => wait_for(api, &name, target)
                .await
                .0
                .map_err(Diagnostics::from)?,
        };
        let mut state = plan;
        state.observe(&m);
        state.enabled = Some(enabled);
        Ok(state)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: ModelDeploymentModel,
    ) -> Result<(), Diagnostics> {
        match state.id.or(state.name) {
            Some(name) => lifecycle::delete(&super::api(ctx)?, &Deployments::new(), &name).await,
            None => Ok(()),
        }
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::id(IdKind::DnsLabel).also_fills("name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::icgpu::testutil::{check, errors_text};

    #[test]
    fn max_below_min_is_rejected_at_max_replicas() {
        let s = ModelDeploymentResource.schema();
        let d = check(
            &s,
            "max_replicas",
            Value::number(2),
            &[("min_replicas", Value::number(3))],
        );
        assert!(d.has_errors());
        assert!(d
            .iter()
            .any(|x| x.path == Some(crate::framework::AttributePath::attr("max_replicas"))));
        let ok = check(
            &s,
            "max_replicas",
            Value::number(3),
            &[("min_replicas", Value::number(3))],
        );
        assert!(!ok.has_errors(), "{}", errors_text(&ok));
        // Unknown at validate time: nothing to say yet.
        let unknown = check(
            &s,
            "max_replicas",
            Value::Unknown,
            &[("min_replicas", Value::number(3))],
        );
        assert!(!unknown.has_errors());
    }

    #[test]
    fn enums_are_checked() {
        let s = ModelDeploymentResource.schema();
        let d = check(&s, "engine", Value::string("tgi"), &[]);
        assert!(errors_text(&d).contains("`vllm`"));
        let d = check(&s, "resource_profile", Value::string("amd-gpu"), &[]);
        assert!(errors_text(&d).contains("`nvidia-gpu-mig`"));
    }

    #[test]
    fn token_is_write_only_and_its_version_replaces() {
        let s = ModelDeploymentResource.schema();
        let t = s.attribute_named("huggingface_token").expect("token");
        assert!(t.write_only && t.sensitive);
        let v = s
            .attribute_named("huggingface_token_version")
            .expect("version");
        assert!(!v.write_only && !v.plan_modifiers.is_empty());
        assert!(s
            .attribute_named("max_replicas")
            .expect("max")
            .plan_modifiers
            .is_empty());
        assert!(s
            .attribute_named("enabled")
            .expect("enabled")
            .plan_modifiers
            .is_empty());
    }

    #[test]
    fn refresh_never_keeps_the_token_and_maps_enabled() {
        let mut m = ModelDeploymentModel {
            huggingface_token: Some("hf_secret".into()),
            ..Default::default()
        };
        let api = ModelDeployment {
            name: "my-llama".into(),
            model: "m/m".into(),
            engine: Some("vllm".into()),
            min_replicas: Some(0),
            max_replicas: Some(2),
            resource_profile: Some("nvidia-gpu-mig".into()),
            status: "stopped".into(),
            ready_replicas: Some(0),
            endpoint: Some("https://api.gpu.local/v1".into()),
            created_at: None,
            error_message: None,
        };
        m.observe(&api);
        assert_eq!(m.huggingface_token, None);
        assert_eq!(m.enabled, Some(false));
        assert_eq!(m.id.as_deref(), Some("my-llama"));
        assert_eq!(m.wait_for_endpoint, Some(false));
    }
}
