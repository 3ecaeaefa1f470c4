//! The `icgpu` member: the IC GPU platform's Dashboard API (`specs/icgpu-platform.openapi.yml`).
//! Resources `icgpu_instance`, `icgpu_model_deployment`, `icgpu_webhook`, `icgpu_vm`,
//! `icgpu_cluster`, `icgpu_api_key`, `icgpu_ssh_key`, `icgpu_spending_alert`; data sources
//! `icgpu_gpu_tiers`, `icgpu_vm_templates`, `icgpu_token_packages`, `icgpu_model_catalogue`
//! (public, work without a token).

pub mod api;
pub mod api_key;
pub mod cluster;
pub mod gpu_tiers;
pub mod instance;
pub mod model_catalogue;
pub mod model_deployment;
pub mod spending_alert;
pub mod ssh_key;
pub mod token_packages;
pub mod vm;
pub mod vm_templates;
pub mod webhook;

use crate::client::{Auth, Budget, Client, ClientConfig, Secret};
use crate::framework::validators::{self, Validator};
use crate::framework::{
    Attribute, AttributePath, ConfigureInfo, Ctx, Diagnostics, DynDataSource, DynResource,
    Provider, Schema,
};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

pub struct IcGpu;

/// The configured member: the HTTP client and whether a token was given (public endpoints work
/// without one; everything else asks for it by name).
pub struct IcGpuClient {
    pub http: Client,
    has_token: bool,
}

impl IcGpuClient {
    /// The client for operations that need a token, or the diagnostic that names `token` and
    /// `ICGPU_TOKEN`.
    pub fn authed(&self) -> Result<&Client, Diagnostics> {
        if self.has_token {
            Ok(&self.http)
        } else {
            Err(Diagnostics::single_error(
                "Missing IC GPU API token",
                "This operation needs an IC GPU token (an OIDC access token or an sk-ic- API \
                 key). Set the provider's `token` argument or the ICGPU_TOKEN environment \
                 variable. Only public data such as data.icgpu_gpu_tiers works without one.",
            ))
        }
    }
}

/// The budget of an operation: its deadline and the StopProvider cancellation.
pub(crate) fn budget(ctx: &Ctx<'_, IcGpuClient>) -> Budget {
    crate::providers::common::budget(ctx)
}

/// Checks that a string parses as an OpenSSH public key (`ssh-ed25519 AAAA... comment`).
pub(crate) fn ssh_public_key() -> Arc<dyn Validator> {
    validators::from_fn(
        "value must be an OpenSSH public key such as \"ssh-ed25519 AAAA... me@host\"",
        |v| {
            let Some(s) = v.as_str() else { return Ok(()) };
            ssh_key::PublicKey::from_openssh(s.trim())
                .map(|_| ())
                .map_err(|e| {
                    format!(
                        "{s:?} is not an OpenSSH public key ({e}); expected one line like \
                         \"ssh-ed25519 AAAA... me@host\" (the contents of ~/.ssh/id_ed25519.pub)."
                    )
                })
        },
    )
}

/// Checks an import ID of the form `<prefix><lower-case letters and digits>` (the API's ID
/// pattern) and names the expected form when it does not match.
pub(crate) fn prefixed_import_id(
    type_name: &str,
    prefix: &str,
    id: &str,
) -> Result<serde_json::Value, Diagnostics> {
    let ok = id.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if !ok {
        return Err(Diagnostics::single_error(
            format!("Invalid import ID for {type_name}"),
            format!(
                "{id:?} is not a valid ID. Expected the form {prefix}<lower-case letters and \
                 digits>, e.g. `terraform import {type_name}.example {prefix}abc123`."
            ),
        ));
    }
    Ok(serde_json::json!({ "id": id }))
}

/// The provider block (see `schema`); every value may also come from the environment.
#[derive(serde::Deserialize)]
pub struct IcGpuConfig {
    pub endpoint: Option<String>,
    pub token: Option<String>,
    pub max_retries: Option<i64>,
    pub request_timeout: Option<String>,
    pub requests_per_minute: Option<i64>,
    pub ca_cert_pem: Option<String>,
    pub insecure_skip_verify: Option<bool>,
}

/// A configured value, else the environment variable, with empty strings counting as unset.
fn or_env(v: Option<String>, var: &str) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
        .or_else(|| std::env::var(var).ok().filter(|s| !s.trim().is_empty()))
}

#[async_trait]
impl Provider for IcGpu {
    type Client = IcGpuClient;
    type Config = IcGpuConfig;

    fn name(&self) -> &'static str {
        "icgpu"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The IC GPU platform: GPU instances, LLM model deployments and webhooks through its \
             Dashboard API.",
        )
        .attribute(
            Attribute::string("endpoint")
                .optional()
                .validator(validators::url(&["https", "http"]))
                .description(
                    "Base URL of the Dashboard API (the paths `/api/v1/...` go below it), e.g. \
                     `https://api.gpu.local`. Falls back to the ICGPU_ENDPOINT environment \
                     variable; one of the two is required.",
                ),
        )
        .attribute(Attribute::string("token").optional().sensitive().description(
            "OIDC access token or `sk-ic-` API key. Falls back to the ICGPU_TOKEN environment \
             variable. Only needed for non-public operations (data.icgpu_gpu_tiers works \
             without it).",
        ))
        .attribute(
            Attribute::int("max_retries")
                .optional()
                .validator(validators::between(0.0, 20.0))
                .description(
                    "How often a failed request is retried (429, 502, network errors; POSTs \
                     only with an idempotency key). Default 5.",
                ),
        )
        .attribute(
            Attribute::string("request_timeout")
                .optional()
                .validator(validators::duration())
                .description("Time limit of one HTTP request, e.g. \"30s\". Default 60s."),
        )
        .attribute(
            Attribute::int("requests_per_minute")
                .optional()
                .validator(validators::between(1.0, 100000.0))
                .description(
                    "Client-side rate limit in requests per minute (default 120, the API's \
                     documented limit).",
                ),
        )
        .attribute(
            Attribute::string("ca_cert_pem")
                .optional()
                .description("PEM bundle of extra CA certificates to trust for the endpoint."),
        )
        .attribute(Attribute::bool("insecure_skip_verify").optional().description(
            "Skip TLS certificate verification (testing only; never in production).",
        ))
    }

    async fn configure(
        &self,
        config: IcGpuConfig,
        _info: &ConfigureInfo,
    ) -> Result<IcGpuClient, Diagnostics> {
        let Some(endpoint) = or_env(config.endpoint, "ICGPU_ENDPOINT") else {
            return Err(Diagnostics::single_attribute_error(
                AttributePath::attr("endpoint"),
                "Missing IC GPU endpoint",
                "Set the provider's `endpoint` argument or the ICGPU_ENDPOINT environment \
                 variable to the Dashboard API's base URL (e.g. https://api.gpu.local). The \
                 API has no fixed public host.",
            ));
        };
        let token = or_env(config.token, "ICGPU_TOKEN");
        let has_token = token.is_some();
        let request_timeout = match config.request_timeout.as_deref() {
            Some(s) => crate::framework::timeouts::parse_duration(s).map_err(|e| {
                Diagnostics::single_attribute_error(
                    AttributePath::attr("request_timeout"),
                    "Invalid request_timeout",
                    e,
                )
            })?,
            None => Duration::from_secs(60),
        };
        let http = Client::new(ClientConfig {
            api: "icgpu",
            base_url: endpoint.trim_end_matches('/').to_string(),
            auth: token.map_or(Auth::None, |t| Auth::Bearer(Secret::new(t))),
            credential_hint:
                "the provider's `token` argument or the ICGPU_TOKEN environment variable".into(),
            max_retries: config.max_retries.unwrap_or(5).clamp(0, 20) as u32,
            request_timeout,
            requests_per_minute: Some(config.requests_per_minute.unwrap_or(120).max(1) as u32),
            ca_cert_pem: config.ca_cert_pem.filter(|s| !s.trim().is_empty()),
            insecure_skip_verify: config.insecure_skip_verify.unwrap_or(false),
        })
        .map_err(Diagnostics::from)?;
        Ok(IcGpuClient { http, has_token })
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![
            Arc::new(instance::InstanceResource),
            Arc::new(model_deployment::ModelDeploymentResource),
            Arc::new(webhook::WebhookResource),
            Arc::new(vm::VmResource),
            Arc::new(cluster::ClusterResource),
            Arc::new(api_key::ApiKeyResource),
            Arc::new(ssh_key::SshKeyResource),
            Arc::new(spending_alert::SpendingAlertResource),
            Arc::new(crate::providers::validation::ImageValidation::<IcGpuClient>::new()),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(gpu_tiers::GpuTiersDataSource),
            Arc::new(vm_templates::VmTemplatesDataSource),
            Arc::new(token_packages::TokenPackagesDataSource),
            Arc::new(model_catalogue::ModelCatalogueDataSource),
        ]
    }
}
