//! The `icgpu` member: the IC GPU platform's Dashboard API (`specs/icgpu-platform.openapi.yml`).
//! Resources `icgpu_instance`, `icgpu_model_deployment`, `icgpu_webhook`, `icgpu_vm`,
//! `icgpu_cluster`, `icgpu_api_key`, `icgpu_ssh_key`, `icgpu_spending_alert`, `icgpu_vm_network`,
//! `icgpu_vm_subnet`, `icgpu_vm_firewall_rule`, `icgpu_vm_disk`, `icgpu_vm_disk_attachment`,
//! `icgpu_ssh_key_group`, `icgpu_team`, `icgpu_team_member`, `icgpu_slurm_environment`,
//! `icgpu_gpu_function`, `icgpu_fine_tuning_job` (the LLM API, `/v1`, with an `sk-ic-` key);
//! data sources `icgpu_gpu_tiers`, `icgpu_vm_templates`, `icgpu_token_packages`,
//! `icgpu_model_catalogue` (public, work without a token), `icgpu_token_balance` and
//! `icgpu_token_usage`; ephemeral resources `icgpu_cluster_kubeconfig` and `icgpu_api_key`
//! (secrets that never reach state).

pub mod api;
pub mod api_key;
pub mod cluster;
pub mod cluster_kubeconfig;
pub(crate) mod compute;
pub mod ephemeral_api_key;
pub mod fine_tuning_api;
pub mod fine_tuning_job;
pub mod gpu_function;
pub mod gpu_tiers;
pub mod instance;
pub mod jobs_api;
pub(crate) mod long_running;
pub mod model_catalogue;
pub mod model_deployment;
pub(crate) mod records;
pub mod slurm_environment;
pub mod spending_alert;
pub mod ssh_key;
pub mod ssh_key_group;
pub mod team;
pub mod team_member;
pub mod token_balance;
pub mod token_packages;
pub mod token_usage;
pub mod vm;
pub mod vm_disk;
pub mod vm_disk_attachment;
pub mod vm_firewall_rule;
pub mod vm_net_disk_api;
pub mod vm_network;
pub mod vm_subnet;
pub mod vm_templates;
pub mod webhook;

use crate::client::{Api, Auth, Client, ClientConfig, Secret};
use crate::framework::validators::{self, Validator};
use crate::framework::{
    AttributePath, ConfigureInfo, Ctx, Diagnostics, DynDataSource, DynEphemeralResource,
    DynResource, Provider, Schema,
};
use crate::providers::common::{self, ConnectionConfig};
use async_trait::async_trait;
use serde::Deserialize;
use std::sync::Arc;

pub struct IcGpu;

/// The provider block: the shared connection settings and the LLM API key.
#[derive(Debug, Default, Deserialize)]
pub struct IcGpuConfig {
    #[serde(flatten)]
    pub conn: ConnectionConfig,
    #[serde(default)]
    pub llm_api_key: Option<Secret>,
}

const LLM_KEY_ENV: &str = "ICGPU_LLM_API_KEY";
/// The LLM API's documented limit (the Dashboard API's is 120).
const LLM_REQUESTS_PER_MINUTE: u32 = 60;

/// The configured member: the HTTP client, whether a token was given (public endpoints work
/// without one; everything else asks for it by name), and the LLM API's client when there is
/// an `sk-ic-` key for it.
pub struct IcGpuClient {
    pub http: Client,
    has_token: bool,
    llm: Option<Client>,
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

/// The client bound to the operation, for calls that need a token (the diagnostic names
/// `token` and `ICGPU_TOKEN` when there is none).
pub(crate) fn api(ctx: &Ctx<'_, IcGpuClient>) -> Result<Api, Diagnostics> {
    ctx.client.authed().map(|c| common::bind(c, ctx))
}

/// The client bound to the operation for the LLM API (`/v1`), which takes only `sk-ic-` API
/// keys: `llm_api_key`, else `token` when it is one; otherwise the diagnostic names both.
pub(crate) fn llm_api(ctx: &Ctx<'_, IcGpuClient>) -> Result<Api, Diagnostics> {
    match &ctx.client.llm {
        Some(c) => Ok(common::bind(c, ctx)),
        None => Err(Diagnostics::single_error(
            "Missing IC GPU LLM API key",
            format!(
                "The LLM API (/v1: fine-tuning jobs) takes an sk-ic- API key, not an OIDC token. \
                 Set the provider's `llm_api_key` argument or the {LLM_KEY_ENV} environment \
                 variable, or use an sk-ic- key as `token` (ICGPU_TOKEN)."
            ),
        )),
    }
}

/// The LLM API's client: `key` as the bearer credential, the LLM API's rate limit unless
/// `requests_per_minute` says otherwise.
fn llm_client(
    config: &ConnectionConfig,
    base: &ClientConfig,
    key: String,
) -> Result<Client, Diagnostics> {
    let cc = ClientConfig {
        auth: Auth::Bearer(Secret::new(key)),
        credential_hint: format!(
            "the provider's `llm_api_key` argument or the {LLM_KEY_ENV} environment variable"
        ),
        requests_per_minute: match config.requests_per_minute {
            Some(0) => None,
            Some(n) => Some(n),
            None => Some(LLM_REQUESTS_PER_MINUTE),
        },
        ..base.clone()
    };
    Client::new(cc).map_err(|e| {
        Diagnostics::single_attribute_error(
            AttributePath::attr("endpoint"),
            "Invalid IC GPU provider configuration",
            e.detail(),
        )
    })
}

/// The client bound to the operation, for the public catalogue endpoints (no token needed).
pub(crate) fn public_api(ctx: &Ctx<'_, IcGpuClient>) -> Api {
    common::bind(&ctx.client.http, ctx)
}

/// Checks that a string parses as an OpenSSH public key (`ssh-ed25519 AAAA... comment`).
pub(crate) fn ssh_public_key() -> Arc<dyn Validator> {
    validators::from_fn(
        "value must be an OpenSSH public key such as \"ssh-ed25519 AAAA... me@host\"",
        |v| {
            let Some(s) = v.as_str() else { return Ok(()) };
            ::ssh_key::PublicKey::from_openssh(s.trim())
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

#[async_trait]
impl Provider for IcGpu {
    type Client = IcGpuClient;
    type Config = IcGpuConfig;

    fn name(&self) -> &'static str {
        "icgpu"
    }

    fn schema(&self) -> Schema {
        let llm_api_key = crate::framework::Attribute::string("llm_api_key")
            .optional()
            .sensitive()
            .description(
                "`sk-ic-` API key for the LLM API (`/v1`), which `icgpu_fine_tuning_job` uses; \
                 the LLM API refuses OIDC tokens. Defaults to the ICGPU_LLM_API_KEY environment \
                 variable, then to `token` when that is an `sk-ic-` key.",
            );
        let schema = common::ICGPU.attributes().into_iter().fold(
            Schema::new(
                "The IC GPU platform: GPU instances, LLM model deployments and webhooks through \
                 its Dashboard API, fine-tuning jobs through its LLM API. `endpoint` is required \
                 (the API has no fixed public host).",
            ),
            |schema, a| {
                if a.name == "token" {
                    // Unlike the other members, the token is optional here: public data works
                    // without it.
                    schema.attribute(a.description(
                        "OIDC access token or `sk-ic-` API key. Defaults to the ICGPU_TOKEN \
                         environment variable. Needed by every resource; public data sources \
                         such as `icgpu_gpu_tiers` work without it.",
                    ))
                } else {
                    schema.attribute(a)
                }
            },
        );
        schema.attribute(llm_api_key)
    }

    async fn configure(
        &self,
        config: IcGpuConfig,
        _info: &ConfigureInfo,
    ) -> Result<IcGpuClient, Diagnostics> {
        let nonempty = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let IcGpuConfig {
            conn: mut config,
            llm_api_key,
        } = config;
        let token = config
            .credential
            .as_ref()
            .and_then(|s| nonempty(s.expose().to_string()))
            .or_else(|| {
                std::env::var(common::ICGPU.credential_env)
                    .ok()
                    .and_then(nonempty)
            });
        let llm_key = llm_api_key
            .and_then(|s| nonempty(s.expose().to_string()))
            .or_else(|| std::env::var(LLM_KEY_ENV).ok().and_then(nonempty))
            .or_else(|| token.clone().filter(|t| t.trim().starts_with("sk-ic-")));
        let has_token = token.is_some();
        if has_token {
            let base = common::client_config(&common::ICGPU, &config)?;
            let llm = match llm_key {
                Some(k) => Some(llm_client(&config, &base, k)?),
                None => None,
            };
            return Ok(IcGpuClient {
                http: common::ICGPU.client(&config)?,
                has_token,
                llm,
            });
        }
        // No token: configure anyway (public endpoints need none) with a placeholder that
        // satisfies the shared checks and is then replaced by no authentication at all.
        config.credential = Some(Secret::new("unused"));
        let mut cc = common::client_config(&common::ICGPU, &config)?;
        let llm = match llm_key {
            Some(k) => Some(llm_client(&config, &cc, k)?),
            None => None,
        };
        cc.auth = Auth::None;
        let http = Client::new(cc).map_err(|e| {
            Diagnostics::single_attribute_error(
                AttributePath::attr("endpoint"),
                "Invalid IC GPU provider configuration",
                e.detail(),
            )
        })?;
        Ok(IcGpuClient {
            http,
            has_token,
            llm,
        })
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
            Arc::new(vm_network::VmNetworkResource),
            Arc::new(vm_subnet::VmSubnetResource),
            Arc::new(vm_firewall_rule::VmFirewallRuleResource),
            Arc::new(vm_disk::VmDiskResource),
            Arc::new(vm_disk_attachment::VmDiskAttachmentResource),
            Arc::new(ssh_key_group::SshKeyGroupResource),
            Arc::new(team::TeamResource),
            Arc::new(team_member::TeamMemberResource),
            Arc::new(slurm_environment::SlurmEnvironmentResource),
            Arc::new(gpu_function::GpuFunctionResource),
            Arc::new(fine_tuning_job::FineTuningJobResource),
            Arc::new(crate::providers::validation::ImageValidationResource::<
                IcGpuClient,
            >::new()),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(gpu_tiers::GpuTiersDataSource),
            Arc::new(vm_templates::VmTemplatesDataSource),
            Arc::new(token_packages::TokenPackagesDataSource),
            Arc::new(model_catalogue::ModelCatalogueDataSource),
            Arc::new(token_balance::TokenBalanceDataSource),
            Arc::new(token_usage::TokenUsageDataSource),
        ]
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource>> {
        vec![
            Arc::new(cluster_kubeconfig::ClusterKubeconfigEphemeral),
            Arc::new(ephemeral_api_key::ApiKeyEphemeral),
        ]
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::framework::validators::ValidateRequest;
    use crate::framework::{AttributePath, Diagnostics, Schema, Value};

    /// Runs the declared validators of top-level attribute `name` on `value`, then the
    /// schema's config validators on a config holding `others` plus that value.
    pub fn check(
        schema: &Schema,
        name: &str,
        value: Value,
        others: &[(&str, Value)],
    ) -> Diagnostics {
        let mut config: std::collections::BTreeMap<String, Value> = others
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        config.insert(name.to_string(), value.clone());
        let config = Value::Object(config);
        let mut diags = Diagnostics::new();
        let attr = schema.attribute_named(name).expect("attribute exists");
        let path = AttributePath::attr(name);
        for v in &attr.validators {
            v.validate(
                &ValidateRequest {
                    path: &path,
                    value: &value,
                    config: &config,
                },
                &mut diags,
            );
        }
        for v in &schema.config_validators {
            v.validate(&config, &mut diags);
        }
        diags
    }

    /// A configuration object holding `pairs`.
    pub fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    pub fn errors_text(d: &Diagnostics) -> String {
        d.iter()
            .filter(|d| d.severity == crate::framework::Severity::Error)
            .map(|d| format!("{} {} {:?}", d.summary, d.detail, d.path))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Value;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop";

    #[test]
    fn ssh_key_validator_accepts_openssh_keys_only() {
        let schema = instance::InstanceResource.schema();
        let ok = testutil::check(&schema, "ssh_key", Value::string(KEY), &[]);
        assert!(!ok.has_errors(), "{}", testutil::errors_text(&ok));
        for bad in ["ssh-ed25519 not-a-key", "hello", "ssh-rsa AAAA"] {
            let d = testutil::check(&schema, "ssh_key", Value::string(bad), &[]);
            let text = testutil::errors_text(&d);
            assert!(d.has_errors(), "{bad} accepted");
            assert!(
                text.contains("ssh_key") && text.contains("OpenSSH"),
                "{text}"
            );
        }
    }

    #[test]
    fn the_token_and_the_llm_api_key_are_sensitive() {
        let schema = Provider::schema(&IcGpu);
        assert!(schema.attribute_named("token").is_some_and(|a| a.sensitive));
        assert!(schema
            .attribute_named("llm_api_key")
            .is_some_and(|a| a.sensitive));
    }

    #[test]
    fn missing_token_error_names_the_argument_and_variable() {
        let client = IcGpuClient {
            http: Client::new(crate::client::ClientConfig {
                api: "icgpu",
                base_url: "http://127.0.0.1:9".into(),
                auth: Auth::None,
                credential_hint: String::new(),
                max_retries: 0,
                request_timeout: std::time::Duration::from_secs(1),
                requests_per_minute: None,
                rate_limit_dir: None,
                ca_cert_pem: None,
                insecure_skip_verify: false,
            })
            .expect("client"),
            has_token: false,
            llm: None,
        };
        let Err(d) = client.authed() else {
            panic!("no token must fail")
        };
        let text = testutil::errors_text(&d);
        assert!(
            text.contains("`token`") && text.contains("ICGPU_TOKEN"),
            "{text}"
        );
    }
}
