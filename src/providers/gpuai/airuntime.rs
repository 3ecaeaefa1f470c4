//! `gpuai_airuntime`: a GPU instance ("AI runtime") running a container from a platform template
//! or an inline spec. The API has no update, so every argument but `wait_for_ssh` forces
//! replacement; create waits until `Running` (and for SSH when asked), delete until the runtime
//! is gone (404).

use super::api::{self, Runtime};
use super::gpu_config;
use super::shared::{template_spec_attributes, TemplateSpecModel};
use super::GpuAiClient;
use crate::client::{list_all_pages, Api, ClientError};
use crate::framework::resource::ModifyPlanRequest;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{validators, Ctx, Diagnostics, Failure, Operation, Resource, Type, Value};
use crate::framework::{IdKind, IdPart, ImportForm};
use crate::providers::common;
use crate::providers::common::empty_as_prior;
use crate::providers::common::lifecycle::{self, Fields, LongRunning, Refreshed, Statuses};
use crate::providers::common::{placements, ssh_ready};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The API's name rule (a DNS label).
pub const NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageModel {
    pub size_gb: Option<i64>,
    pub mount_path: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SshModel {
    pub host: Option<String>,
    pub port: Option<i64>,
    pub user: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpModel {
    pub name: Option<String>,
    pub port: Option<i64>,
    pub url: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointsModel {
    pub jupyter_url: Option<String>,
    pub ssh: Option<SshModel>,
    pub http: Option<Vec<HttpModel>>,
}

/// One entry of `placements`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlacementModel {
    pub region: Option<String>,
    pub plan_id: Option<String>,
}

impl PlacementModel {
    /// The region and plan this placement chooses.
    pub(super) fn choice(&self) -> (&str, &str) {
        let region = self.region.as_deref().unwrap_or_default();
        (region, self.plan_id.as_deref().unwrap_or_default())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Model {
    pub id: Option<String>,
    pub org_id: Option<String>,
    pub project_id: Option<String>,
    pub name: Option<String>,
    pub region: Option<String>,
    pub plan_id: Option<String>,
    pub template_id: Option<String>,
    pub template_spec: Option<TemplateSpecModel>,
    pub gpu_config_id: Option<String>,
    pub gpu_count: Option<i64>,
    pub ssh_keys: Option<Vec<String>>,
    pub storage: Option<StorageModel>,
    pub status: Option<String>,
    pub endpoints: Option<EndpointsModel>,
    pub message: Option<String>,
    pub created_at: Option<String>,
    pub wait_for_ssh: Option<bool>,
    pub ssh_host_key_fingerprint: Option<String>,
    pub placements: Option<Vec<PlacementModel>>,
}

pub struct AiRuntimeResource;

fn ssh_key_validator() -> Arc<dyn validators::Validator> {
    validators::from_fn("value must be an OpenSSH public key", |v| {
        let Some(s) = v.as_str() else { return Ok(()) };
        ssh_key::PublicKey::from_openssh(s.trim())
            .map(|_| ())
            .map_err(|e| format!("{s:?} is not an OpenSSH public key ({e})."))
    })
}

pub fn schema() -> Schema {
    let forced = |a: Attribute| a.requires_replace();
    let [wait_for_ssh, host_key_fingerprint] = ssh_ready::attributes();
    Schema::new(
        "A GPU AI Service runtime (GPU instance): a container on dedicated GPUs, reachable over \
         Jupyter, HTTP and SSH once `Running`. Runtimes cannot be changed in place: every \
         argument but `wait_for_ssh` forces a new runtime.",
    )
    .attribute(
        Attribute::string("id")
            .computed()
            .use_state_for_unknown()
            .description("The runtime's UUID."),
    )
    .attribute(forced(
        Attribute::string("org_id")
            .required()
            .validator(validators::length_between(1, 256))
            .description("Organization identifier, e.g. `org-abc123`."),
    ))
    .attribute(forced(
        Attribute::string("project_id")
            .required()
            .validator(validators::length_between(1, 256))
            .description("Project identifier, e.g. `prj-abc123`."),
    ))
    .attribute(forced(
        Attribute::string("name")
            .required()
            .validator(validators::length_between(1, 63))
            .validator(validators::regex(
                NAME_PATTERN,
                "a DNS label: lowercase letters, digits and hyphens, starting and ending with a \
                 letter or digit",
            ))
            .description(
                "Runtime name, unique in the project: a DNS label of at most 63 lowercase \
                 letters, digits and hyphens, starting and ending with a letter or digit.",
            ),
    ))
    .attribute(forced(
        Attribute::string("region")
            .optional_computed()
            .use_state_for_unknown()
            .description(
                "Region, e.g. `as-south-1`. Required unless `placements` is set; then it records \
                 the placement chosen.",
            ),
    ))
    .attribute(forced(
        Attribute::string("plan_id")
            .optional_computed()
            .use_state_for_unknown()
            .description(
                "Billing plan, e.g. `gpu-h200-on-demand-1h` (see `gpuai_gpu_config`). Required \
                 unless `placements` is set; then it records the placement chosen.",
            ),
    ))
    .attribute(forced(
        Attribute::string("template_id")
            .optional()
            .validator(validators::regex(
                "^tpl-[a-zA-Z0-9-]+$",
                "a template id such as `tpl-jupyterlab-pytorch`",
            ))
            .description(
                "Platform template to run, e.g. `tpl-jupyterlab-pytorch`. Exactly one of \
                 `template_id` and `template_spec` must be set.",
            ),
    ))
    .attribute(forced(
        Attribute::nested("template_spec", Nesting::Single, template_spec_attributes(false))
            .optional()
            .description(
                "Inline container specification instead of a template. Exactly one of \
                 `template_id` and `template_spec` must be set.",
            ),
    ))
    .attribute(forced(
        Attribute::string("gpu_config_id")
            .optional_computed()
            // A runtime keeps the config it was created on (so a change of `placements` alone
            // keeps it too); a replacement picks afresh.
            .use_state_for_unknown()
            .description(
                "GPU config (inventory `config_id`). When unset the API picks the first config \
                 in `region` offering `plan_id`.",
            ),
    ))
    .attribute(forced(
        Attribute::int("gpu_count")
            .default(crate::framework::Value::number(1))
            .validator(validators::at_least(1.0))
            .description("Number of GPUs. Defaults to 1."),
    ))
    .attribute(forced(
        Attribute::list_of("ssh_keys", Type::String)
            .optional()
            .validator(validators::each(ssh_key_validator()))
            .description("OpenSSH public keys allowed to log in over SSH."),
    ))
    .attribute(forced(
        Attribute::nested(
            "storage",
            Nesting::Single,
            vec![
                Attribute::int("size_gb")
                    .optional()
                    .validator(validators::at_least(1.0))
                    .description("Size of the network volume in GB (the API's default: 100)."),
                Attribute::string("mount_path")
                    .optional()
                    .validator(validators::regex("^/", "an absolute path"))
                    .description(
                        "Absolute path where the volume is mounted (the API's default: \
                         `/workspace`).",
                    ),
            ],
        )
        .optional()
        .description("The runtime's network volume; leave out for the free 100 GB volume."),
    ))
    .attribute(
        Attribute::string("status")
            .output("Lifecycle status: `Pending`, `Provisioning`, `Running`, `Stopping`, `Stopped`, `Failed` or `Deleting`."),
    )
    .attribute(
        Attribute::nested(
            "endpoints",
            Nesting::Single,
            vec![
                Attribute::string("jupyter_url")
                    .output("JupyterLab URL (when the spec has a port named `jupyter`)."),
                Attribute::nested(
                    "ssh",
                    Nesting::Single,
                    vec![
                        Attribute::string("host").output("SSH host."),
                        Attribute::number("port").output("SSH port."),
                        Attribute::string("user").output("SSH user."),
                    ],
                )
                .output("SSH access (log in with a key from `ssh_keys`)."),
                Attribute::nested(
                    "http",
                    Nesting::List,
                    vec![
                        Attribute::string("name").output("The spec's port name."),
                        Attribute::number("port").output("Container port."),
                        Attribute::string("url").output("Public URL."),
                    ],
                )
                .output("One entry per `http` port of the spec."),
            ],
        )
        .output("Access endpoints; populated while the runtime is `Running`."),
    )
    .attribute(
        Attribute::string("message").output("Why the runtime failed, when `status` is `Failed`."),
    )
    .attribute(
        Attribute::string("created_at")
            .computed()
            .use_state_for_unknown()
            .description("When the runtime was created (RFC 3339)."),
    )
    .attribute(wait_for_ssh.description(
        "Wait, after the runtime is `Running` and within the create timeout, until its SSH \
         endpoint completes an SSH handshake (banner and key exchange; no login). Only a \
         container that exposes an SSH port (a port named `ssh`, or port 22) answers there: \
         plan refuses the wait for an inline `template_spec` or a template without one.",
    ))
    .attribute(host_key_fingerprint)
    .attribute(placements_attribute())
    .config_validator(validators::exactly_one_of(&["template_id", "template_spec"]))
    .price_cap(gpu_config::RUNTIME_PRICE)
    .timeouts(&["create", "read", "delete"])
}

fn placements_attribute() -> Attribute {
    let choices = vec![
        Attribute::string("region")
            .required()
            .description("Region, as in `region`."),
        Attribute::string("plan_id")
            .required()
            .description("Billing plan, as in `plan_id`."),
    ];
    placements::attribute(
        choices,
        "Capacity failover: (region, plan) choices in order of preference, instead of `region` \
         and `plan_id`. For each, the config is `gpu_config_id` or the one the API would pick. \
         Create skips those whose config the inventory shows with fewer than `gpu_count` GPUs \
         to give (`max_gpu_count`), that no config in the region offers, or that are priced \
         above `max_hourly_price`; it tries the others in order and moves on when the API \
         answers `insufficient_capacity`; `region` and `plan_id` then record the one chosen. \
         When none can take the runtime, one error lists each and why. Editing the list later \
         never replaces a running runtime: it applies to the next create.",
    )
}

/// The create body from the plan.
pub fn request_from(plan: &Model) -> api::CreateRuntimeRequest {
    api::CreateRuntimeRequest {
        name: plan.name.clone().unwrap_or_default(),
        region: plan.region.clone().unwrap_or_default(),
        plan_id: plan.plan_id.clone().unwrap_or_default(),
        template_id: plan.template_id.clone(),
        template_spec: plan.template_spec.as_ref().map(TemplateSpecModel::to_api),
        gpu_config_id: plan.gpu_config_id.clone(),
        gpu_count: plan.gpu_count.unwrap_or(1),
        ssh_keys: plan.ssh_keys.clone().unwrap_or_default(),
        storage: plan.storage.as_ref().map(|s| api::StorageSpec {
            size_gb: s.size_gb,
            mount_path: s.mount_path.clone(),
        }),
    }
}

/// A configured value that equals the API's default stays unset when `prior` left it unset.
fn unless_default<T: PartialEq + Clone>(api: Option<T>, default: T, prior_set: bool) -> Option<T> {
    match api {
        Some(v) if v == default && !prior_set => None,
        other => other,
    }
}

/// State from the API's runtime, written the way `prior` (plan, earlier state, or the bare
/// import identity) wrote the configurable parts where the two mean the same.
pub fn observe(prior: &Model, rt: &Runtime) -> Model {
    let template_spec = match (&rt.template_id, &rt.template_spec) {
        // Created from a template: the API reports the template's spec, which the
        // configuration did not write.
        (Some(_), _) => None,
        (None, Some(spec)) => Some(TemplateSpecModel::observe(
            spec,
            prior.template_spec.as_ref(),
        )),
        (None, None) => prior.template_spec.clone(),
    };
    let storage = rt.storage.as_ref().and_then(|s| {
        let p = prior.storage.as_ref();
        let size_gb = unless_default(
            s.size_gb,
            api::DEFAULT_STORAGE_SIZE_GB,
            p.is_some_and(|p| p.size_gb.is_some()),
        );
        let mount_path = unless_default(
            s.mount_path.clone(),
            api::DEFAULT_MOUNT_PATH.to_string(),
            p.is_some_and(|p| p.mount_path.is_some()),
        );
        if p.is_none() && size_gb.is_none() && mount_path.is_none() {
            None
        } else {
            Some(StorageModel {
                size_gb,
                mount_path,
            })
        }
    });
    let endpoints = rt.endpoints.as_ref().map(|e| EndpointsModel {
        jupyter_url: e.jupyter_url.clone(),
        ssh: e.ssh.as_ref().map(|s| SshModel {
            host: Some(s.host.clone()),
            port: Some(s.port),
            user: Some(s.user.clone()),
        }),
        http: Some(
            e.http
                .iter()
                .map(|h| HttpModel {
                    name: Some(h.name.clone()),
                    port: Some(h.port),
                    url: Some(h.url.clone()),
                })
                .collect(),
        ),
    });
    Model {
        id: Some(rt.id.clone()),
        org_id: prior.org_id.clone(),
        project_id: prior
            .project_id
            .clone()
            .or_else(|| Some(rt.project.clone())),
        name: Some(rt.name.clone()),
        region: Some(rt.region.clone())
            .filter(|r| !r.is_empty())
            .or(prior.region.clone()),
        plan_id: rt.plan_id.clone().or(prior.plan_id.clone()),
        template_id: rt.template_id.clone(),
        template_spec,
        gpu_config_id: rt.gpu_config_id.clone().or(prior.gpu_config_id.clone()),
        gpu_count: rt.gpu_count.or(prior.gpu_count),
        ssh_keys: empty_as_prior(rt.ssh_keys.clone(), prior.ssh_keys.is_some()),
        storage,
        status: Some(rt.status.clone()),
        endpoints,
        message: rt.message.clone(),
        created_at: rt.created_at.clone().or(prior.created_at.clone()),
        // Not the API's: the configuration's (an import: the default) and the create's.
        wait_for_ssh: prior.wait_for_ssh.or(Some(false)),
        ssh_host_key_fingerprint: prior.ssh_host_key_fingerprint.clone(),
        placements: prior.placements.clone(),
    }
}

/// The lifecycle of AI runtimes in one project: `Pending` → `Provisioning` → `Running`. The
/// API takes no idempotency key, so a lost create is found by name.
pub(crate) struct Runtimes {
    org: String,
    project: String,
}

impl Runtimes {
    fn of(m: &Model) -> Self {
        let (org, project) = (m.org_id.clone(), m.project_id.clone());
        Self {
            org: org.unwrap_or_default(),
            project: project.unwrap_or_default(),
        }
    }
}

#[async_trait]
impl LongRunning for Runtimes {
    type Object = Runtime;
    const TYPE: &'static str = "gpuai_airuntime";
    const NOUN: &'static str = "AI runtime";
    /// The list leaves out endpoints and specs.
    const LIST_IS_WHOLE: bool = false;
    const STATUSES: Statuses = Statuses {
        ready: &[api::STATUS_RUNNING],
        starting: &["Pending", "Provisioning"],
        failed: &[api::STATUS_FAILED],
        gone: &[api::STATUS_DELETING],
        deleted: &[],
    };

    fn fields(o: &Runtime) -> Fields<'_> {
        Fields {
            id: Some(&o.id),
            status: Some(&o.status),
            name: Some(&o.name),
            created_at: o.created_at.as_deref(),
            message: o.message.as_deref(),
        }
    }
    /// The list's summary has `status` and `updatedAt` (which changes on every transition),
    /// so a refresh reads whole only the runtimes that moved.
    fn listed_version(listed: &serde_json::Value) -> Option<String> {
        let (status, updated) = (listed.get("status")?.as_str()?, listed.get("updatedAt")?);
        Some(format!("{status} {}", updated.as_str()?))
    }
    fn path(&self, id: &str) -> String {
        api::runtime_path(&self.org, &self.project, id)
    }
    async fn list(&self, api: &Api) -> Result<Vec<serde_json::Value>, ClientError> {
        let path = api::runtimes_path(&self.org, &self.project);
        list_all_pages(api.get(&path), "data", api::PAGE_LIMIT).await
    }
    fn out_of_capacity(&self, e: &ClientError) -> Option<String> {
        (e.status() == Some(409) && e.code() == Some("insufficient_capacity"))
            .then(|| "the API answered insufficient_capacity".to_string())
    }
}

/// The region and plan of a runtime without `placements`.
fn placement_of(m: &Model) -> PlacementModel {
    PlacementModel {
        region: m.region.clone(),
        plan_id: m.plan_id.clone(),
    }
}

#[async_trait]
impl Resource for AiRuntimeResource {
    type Client = GpuAiClient;
    type Model = Model;

    fn type_name(&self) -> &'static str {
        "airuntime"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        super::runtime_ssh::check_config(config, diags);
        let chosen = ["region", "plan_id"];
        placements::check_config(config, diags, "the region and plan", &chosen, &[]);
    }

    async fn check_plan(
        &self,
        ctx: &Ctx<'_, GpuAiClient>,
        req: &ModifyPlanRequest<'_>,
        plan: &Value,
    ) -> Diagnostics {
        super::runtime_ssh::check_template(ctx, req, plan).await
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Create => Duration::from_secs(30 * 60),
            Operation::Delete => Duration::from_secs(15 * 60),
            _ => Duration::from_secs(5 * 60),
        }
    }

    async fn listed_hourly_price(
        &self,
        ctx: &Ctx<'_, GpuAiClient>,
        plan: Model,
    ) -> Result<crate::framework::ListedPrice, Diagnostics> {
        let (config, gpus) = (plan.gpu_config_id.as_deref(), plan.gpu_count.unwrap_or(1));
        let list = plan.placements.as_deref().filter(|p| !p.is_empty());
        gpu_config::runtime_listed_price(ctx, &placement_of(&plan), list, config, gpus).await
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, GpuAiClient>,
        plan: Model,
    ) -> Result<Model, Failure<Model>> {
        let api = common::bind(&ctx.client.gpu, ctx);
        let runtimes = Runtimes::of(&plan);
        let list_path = api::runtimes_path(&runtimes.org, &runtimes.project);
        let request = |p: &PlacementModel, name: &str| {
            let mut body = request_from(&plan);
            body.name = name.to_string();
            body.region = p.region.clone().unwrap_or_default();
            body.plan_id = p.plan_id.clone().unwrap_or_default();
            api.post(&list_path)
                .json(&body)
                .describe(format!("create AI runtime {name:?}"))
        };
        let name = Some(request_from(&plan).name);
        let (config, gpus) = (plan.gpu_config_id.as_deref(), plan.gpu_count.unwrap_or(1));
        let candidates = match plan.placements.as_deref().filter(|p| !p.is_empty()) {
            Some(list) => Some(gpu_config::runtime_candidates(ctx, list, config, gpus).await?),
            None => None,
        };
        let observe_in = |rt: &Runtime, p: &PlacementModel| {
            let mut prior = plan.clone();
            (prior.region, prior.plan_id) = (p.region.clone(), p.plan_id.clone());
            observe(&prior, rt)
        };
        let (one, lr) = (placement_of(&plan), &runtimes);
        let created = lifecycle::create_at(
            ctx, &api, lr, &plan, name, &one, candidates, request, observe_in,
        )
        .await;
        ssh_ready::after_create(
            ctx,
            plan.wait_for_ssh == Some(true),
            created,
            |m| {
                let ssh = m.endpoints.as_ref()?.ssh.as_ref()?;
                ssh_ready::address(ssh.host.as_deref(), ssh.port)
            },
            |m, fingerprint| m.ssh_host_key_fingerprint = Some(fingerprint),
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, GpuAiClient>,
        state: Model,
    ) -> Result<Option<Model>, Diagnostics> {
        let api = common::bind(&ctx.client.gpu, ctx);
        let id = state.id.clone().unwrap_or_default();
        Ok(
            match lifecycle::refresh(ctx, &api, &Runtimes::of(&state), &id).await? {
                Refreshed::Gone => None,
                Refreshed::Unchanged => Some(state),
                Refreshed::Read(rt) => Some(observe(&state, &rt)),
            },
        )
    }

    async fn delete(&self, ctx: &Ctx<'_, GpuAiClient>, state: Model) -> Result<(), Diagnostics> {
        let api = common::bind(&ctx.client.gpu, ctx);
        let id = state.id.clone().unwrap_or_default();
        lifecycle::delete(&api, &Runtimes::of(&state), &id).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::path(vec![
            IdPart::text("org_id", "org-abc123"),
            IdPart::text("project_id", "prj-abc123"),
            IdPart::new("airuntime_id", IdKind::Uuid).fills(&["id"]),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::{AttributePath, Value};

    fn runtime() -> Runtime {
        serde_json::from_value(serde_json::json!({
            "id": "3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10", "name": "a", "region": "as-south-1",
            "project": "prj-abc123", "status": "Running", "gpuConfigId": "cfg", "gpuCount": 1,
            "templateId": "tpl-jupyterlab-pytorch", "planId": "plan",
            "createdAt": "2026-06-14T10:00:00Z",
            "templateSpec": {"image": "img", "ports": [], "env": {}, "command": []},
            "storage": {"sizeGb": 100, "mountPath": "/workspace"}, "sshKeys": [],
            "endpoints": {"jupyterUrl": null, "ssh": null, "http": []}, "message": null
        }))
        .expect("runtime")
    }

    fn plan() -> Model {
        Model {
            org_id: Some("org-abc123".into()),
            project_id: Some("prj-abc123".into()),
            name: Some("a".into()),
            region: Some("as-south-1".into()),
            plan_id: Some("plan".into()),
            template_id: Some("tpl-jupyterlab-pytorch".into()),
            gpu_count: Some(1),
            ..Default::default()
        }
    }

    #[test]
    fn explicit_storage_defaults_stay_explicit() {
        let mut p = plan();
        p.storage = Some(StorageModel {
            size_gb: Some(100),
            mount_path: None,
        });
        let st = observe(&p, &runtime());
        assert_eq!(
            st.storage,
            Some(StorageModel {
                size_gb: Some(100),
                mount_path: None
            })
        );
    }

    #[test]
    fn placements_stand_in_for_region_and_plan_and_conflict_with_them() {
        let list = Value::List(vec![Value::Null]);
        let mut d = Diagnostics::new();
        let both =
            Value::object_of(&[("placements", list.clone()), ("region", Value::string("r"))]);
        AiRuntimeResource.validate(&both, &mut d);
        let paths: Vec<_> = d.iter().map(|x| x.path.clone()).collect();
        assert_eq!(paths, [Some(AttributePath::attr("region"))]);
        let mut d = Diagnostics::new();
        AiRuntimeResource.validate(&Value::object_of(&[("placements", list)]), &mut d);
        assert!(d.is_empty());
        let mut d = Diagnostics::new();
        AiRuntimeResource.validate(&Value::object_of(&[]), &mut d);
        assert_eq!(d.iter().count(), 2, "region and plan_id are missing");
    }

    /// The errors a configuration setting only `attr` to `value` gets on `attr`.
    fn check(attr: &str, value: Value) -> Vec<String> {
        let cfg = Value::object_of(&[(attr, value)]);
        let d = crate::framework::engine::validate_config(&schema(), &cfg, false);
        let on_attr = d
            .iter()
            .filter(|e| e.path == Some(AttributePath::attr(attr)));
        on_attr.map(|e| e.summary.clone()).collect()
    }

    #[test]
    fn names_must_be_dns_labels() {
        assert_eq!(
            check("name", Value::string("my-jupyter-1")),
            Vec::<String>::new()
        );
        for bad in ["My-Box", "-a", "a-", "a_b", &"a".repeat(64)] {
            assert!(!check("name", Value::string(bad)).is_empty(), "{bad}");
        }
    }
}
