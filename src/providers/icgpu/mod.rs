//! The `icgpu` member: the IC GPU platform's Dashboard API (`specs/icgpu-platform.openapi.yml`).
//! Resources `icgpu_instance`, `icgpu_model_deployment`, `icgpu_webhook`, `icgpu_vm`,
//! `icgpu_cluster`, `icgpu_api_key`, `icgpu_ssh_key`, `icgpu_spending_alert`, `icgpu_vm_network`,
//! `icgpu_vm_subnet`, `icgpu_vm_firewall_rule`, `icgpu_vm_disk`, `icgpu_vm_disk_attachment`,
//! `icgpu_ssh_key_group`, `icgpu_team`, `icgpu_team_member`;
//! data sources `icgpu_gpu_tiers`, `icgpu_vm_templates`, `icgpu_token_packages`,
//! `icgpu_model_catalogue` (public, work without a token), `icgpu_token_balance` and
//! `icgpu_token_usage`; ephemeral resources `icgpu_cluster_kubeconfig` and `icgpu_api_key`
//! (secrets that never reach state).

pub mod api;
pub mod api_key;
pub mod cluster;
pub mod cluster_kubeconfig;
pub mod ephemeral_api_key;
pub mod gpu_tiers;
pub mod instance;
pub mod model_catalogue;
pub mod model_deployment;
pub(crate) mod records;
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

use crate::client::{Api, Auth, Client, Secret};
use crate::framework::validators::{self, Validator};
use crate::framework::{
    AttributePath, ConfigureInfo, Ctx, Diagnostics, DynDataSource, DynEphemeralResource,
    DynResource, Provider, Schema,
};
use crate::providers::common::{self, ConnectionConfig};
use async_trait::async_trait;
use std::sync::Arc;

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

/// The client bound to the operation, for calls that need a token (the diagnostic names
/// `token` and `ICGPU_TOKEN` when there is none).
pub(crate) fn api(ctx: &Ctx<'_, IcGpuClient>) -> Result<Api, Diagnostics> {
    ctx.client.authed().map(|c| common::bind(c, ctx))
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
    type Config = ConnectionConfig;

    fn name(&self) -> &'static str {
        "icgpu"
    }

    fn schema(&self) -> Schema {
        common::ICGPU.attributes().into_iter().fold(
            Schema::new(
                "The IC GPU platform: GPU instances, LLM model deployments and webhooks through \
                 its Dashboard API. `endpoint` is required (the API has no fixed public host).",
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
        )
    }

    async fn configure(
        &self,
        mut config: ConnectionConfig,
        _info: &ConfigureInfo,
    ) -> Result<IcGpuClient, Diagnostics> {
        let nonempty = |s: &str| !s.trim().is_empty();
        let has_token = config
            .credential
            .as_ref()
            .is_some_and(|s| nonempty(s.expose()))
            || std::env::var(common::ICGPU.credential_env).is_ok_and(|s| nonempty(&s));
        if has_token {
            return Ok(IcGpuClient {
                http: common::ICGPU.client(&config)?,
                has_token,
            });
        }
        // No token: configure anyway (public endpoints need none) with a placeholder that
        // satisfies the shared checks and is then replaced by no authentication at all.
        config.credential = Some(Secret::new("unused"));
        let mut cc = common::client_config(&common::ICGPU, &config)?;
        cc.auth = Auth::None;
        let http = Client::new(cc).map_err(|e| {
            Diagnostics::single_attribute_error(
                AttributePath::attr("endpoint"),
                "Invalid IC GPU provider configuration",
                e.detail(),
            )
        })?;
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
            Arc::new(vm_network::VmNetworkResource),
            Arc::new(vm_subnet::VmSubnetResource),
            Arc::new(vm_firewall_rule::VmFirewallRuleResource),
            Arc::new(vm_disk::VmDiskResource),
            Arc::new(vm_disk_attachment::VmDiskAttachmentResource),
            Arc::new(ssh_key_group::SshKeyGroupResource),
            Arc::new(team::TeamResource),
            Arc::new(team_member::TeamMemberResource),
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
                ca_cert_pem: None,
                insecure_skip_verify: false,
            })
            .expect("client"),
            has_token: false,
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
