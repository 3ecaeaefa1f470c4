//! `shadeform_instance`: a GPU instance launched through the Shadeform marketplace. There is
//! no update call, so every argument forces replacement.
//!
//! Create first asks `/instances/types` whether the (cloud, region, type) can launch now and,
//! when it cannot, fails listing the places where that type is available, without calling
//! create. `/instances/create` takes no idempotency key, so create goes through
//! `create_reconciled` (an ambiguous failure lists instances and adopts the one with our name
//! created after the attempt began). It then waits `pending` → `active`. Delete is
//! `POST /instances/{id}/delete`, then waits until the instance reads `deleted` or 404.

use super::api::{self, CreateRequest, CreateResponse, Instance};
use super::quoted;
use crate::client::{create_reconciled, wait_until, Budget, Client, ClientError, Poll};
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{
    validators, AttributePath, Ctx, Diagnostics, Failure, Operation, Resource, Type, Value,
};
use crate::providers::common;
use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DockerModel {
    pub image: Option<String>,
    pub args: Option<String>,
    pub envs: Option<BTreeMap<String, String>>,
    pub port_mappings: Option<Vec<api::PortMapping>>,
    pub volume_mounts: Option<Vec<api::VolumeMount>>,
    pub shared_memory_in_gb: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScriptModel {
    pub base64_script: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LaunchModel {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub docker_configuration: Option<DockerModel>,
    pub script_configuration: Option<ScriptModel>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceModel {
    pub id: Option<String>,
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub shade_instance_type: Option<String>,
    pub shade_cloud: Option<bool>,
    pub name: Option<String>,
    pub os: Option<String>,
    pub launch_configuration: Option<LaunchModel>,
    pub cloud_assigned_id: Option<String>,
    pub cloud_instance_type: Option<String>,
    pub ip: Option<String>,
    pub ssh_user: Option<String>,
    pub ssh_port: Option<i64>,
    pub status: Option<String>,
    pub hourly_price: Option<i64>,
    pub cost_estimate: Option<String>,
    pub created_at: Option<String>,
    pub configuration: Option<api::InstanceConfiguration>,
}

pub struct ShadeformInstance;

fn base64_script() -> std::sync::Arc<dyn validators::Validator> {
    validators::from_fn("value must be base64-encoded", |v| {
        let s = v.as_str().unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map(|_| ())
            .map_err(|e| {
                format!("the script is not valid base64 ({e}); encode it with base64encode(...).")
            })
    })
}

fn port(name: &str, what: &str) -> Attribute {
    Attribute::int(name)
        .required()
        .validator(validators::between(1.0, 65535.0))
        .description(format!("Port {what}, 1 to 65535."))
}

fn launch_configuration_attribute() -> Attribute {
    let docker = Attribute::nested(
        "docker_configuration",
        Nesting::Single,
        vec![
            Attribute::string("image")
                .required()
                .validator(validators::length_between(1, 512))
                .description("Docker image pulled and run at startup, e.g. `vllm/vllm-openai:latest`."),
            Attribute::string("args")
                .optional()
                .description("Container arguments passed to the image at run time."),
            Attribute::map_of("envs", Type::String)
                .optional()
                .sensitive()
                .description("Environment variables for the container, name to value (sensitive: values may be tokens)."),
            Attribute::nested(
                "port_mappings",
                Nesting::List,
                vec![
                    port("host_port", "on the host"),
                    port("container_port", "in the container"),
                ],
            )
            .optional()
            .description("Host-to-container port mappings (docker run `-p`)."),
            Attribute::nested(
                "volume_mounts",
                Nesting::List,
                vec![
                    Attribute::string("host_path")
                        .required()
                        .description("Path on the host."),
                    Attribute::string("container_path")
                        .required()
                        .description("Path in the container."),
                ],
            )
            .optional()
            .description("Host-to-container volume mounts (docker run `-v`)."),
            Attribute::int("shared_memory_in_gb")
                .optional()
                .validator(validators::at_least(1.0))
                .description("Shared memory for the container in GB (`--shm-size`); when omitted the container uses the host IPC namespace."),
        ],
    )
    .optional()
    .description("Container to run at launch; set exactly when `type` is `docker`.");
    let script = Attribute::nested(
        "script_configuration",
        Nesting::Single,
        vec![Attribute::string("base64_script")
            .required()
            .validator(base64_script())
            .description("Startup script, base64-encoded (use `base64encode(file(...))`).")],
    )
    .optional()
    .description("Startup script to run at launch; set exactly when `type` is `script`.");
    Attribute::nested(
        "launch_configuration",
        Nesting::Single,
        vec![
            Attribute::string("type")
                .required()
                .one_of(api::LAUNCH_TYPES)
                .description(format!(
                    "What runs when the instance becomes active: {}.",
                    quoted(api::LAUNCH_TYPES)
                )),
            docker,
            script,
        ],
    )
    .optional()
    .requires_replace()
    .description(
        "Automatic actions once the instance is active: a docker container or a startup script.",
    )
}

fn configuration_attribute() -> Attribute {
    let int = |n: &str, d: &str| Attribute::int(n).computed().description(d.to_string());
    Attribute::nested(
        "configuration",
        Nesting::Single,
        vec![
            int("memory_in_gb", "Instance memory in GB (not VRAM)."),
            int("storage_in_gb", "Storage in GB."),
            int("vcpus", "Number of vCPUs."),
            int("num_gpus", "Number of GPUs."),
            Attribute::string("gpu_type")
                .computed()
                .description("GPU type, e.g. `A100`."),
            Attribute::string("interconnect")
                .computed()
                .description("GPU interconnect, e.g. `pcie`."),
            int("vram_per_gpu_in_gb", "Video memory per GPU in GB."),
            Attribute::string("os")
                .computed()
                .description("Operating system image."),
        ],
    )
    .computed()
    .description("Hardware of the launched instance.")
}

fn schema() -> Schema {
    let computed = |n: &str, d: &str| Attribute::string(n).computed().description(d.to_string());
    Schema::new(
        "A GPU instance launched through the Shadeform marketplace. Shadeform cannot change an \
         instance in place, so changing any argument replaces it. Create checks availability \
         first and fails listing alternatives when the (cloud, region, type) cannot launch; it \
         waits until the instance is `active`. Import with the instance ID.",
    )
    .attribute(
        Attribute::string("id")
            .computed()
            .use_state_for_unknown()
            .description("Shadeform instance ID (a UUID)."),
    )
    .attribute(
        Attribute::string("cloud")
            .required()
            .requires_replace()
            .one_of(api::CLOUDS)
            .description(format!("Underlying cloud provider: one of {}.", quoted(api::CLOUDS))),
    )
    .attribute(
        Attribute::string("region")
            .required()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("Region of the cloud, e.g. `na-us-bos-1` (see `shadeform_instance_types`)."),
    )
    .attribute(
        Attribute::string("shade_instance_type")
            .required()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("Shadeform's standardised instance type, e.g. `A100` or `8xH100`."),
    )
    .attribute(
        Attribute::bool("shade_cloud")
            .default(Value::Bool(true))
            .requires_replace()
            .description("Launch in Shadeform's managed account (true, the default) or in your own cloud account linked to Shadeform (false)."),
    )
    .attribute(
        Attribute::string("name")
            .required()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("Instance name. Also how a retried create finds an instance a lost first attempt already launched, so keep names unique."),
    )
    .attribute(
        Attribute::string("os")
            .optional_computed()
            .requires_replace()
            .description("Operating system image, e.g. `ubuntu22.04_cuda12.2_shade_os`; the type's default when omitted."),
    )
    .attribute(launch_configuration_attribute())
    .attribute(computed("cloud_assigned_id", "The instance's ID at the underlying cloud.").use_state_for_unknown())
    .attribute(computed("cloud_instance_type", "The underlying cloud's instance type.").use_state_for_unknown())
    .attribute(computed("ip", "Public IP address (or DNS name) of the instance."))
    .attribute(computed("ssh_user", "User for SSH access."))
    .attribute(Attribute::int("ssh_port").computed().description("SSH port (usually 22)."))
    .attribute(computed("status", &format!("Status: one of {}.", quoted(api::STATUSES))))
    .attribute(Attribute::int("hourly_price").computed().description("Base hourly price in US cents, without the Shadeform platform fee."))
    .attribute(computed("cost_estimate", "Cost incurred so far in US dollars, as Shadeform bills it (a decimal string)."))
    .attribute(computed("created_at", "Creation timestamp (RFC 3339).").use_state_for_unknown())
    .attribute(configuration_attribute())
    .timeouts(&["create", "delete"])
}

/// Plan-time check: exactly one of the docker and script configurations, the one `type` names.
fn check_launch_configuration(config: &Value, diags: &mut Diagnostics) {
    let Some(lc) = config.attr("launch_configuration") else {
        return;
    };
    if lc.is_null() || !lc.is_known() {
        return;
    }
    let base = AttributePath::attr("launch_configuration");
    let part = |name: &str| lc.attr(name).cloned().unwrap_or(Value::Null);
    let (docker, script) = (part("docker_configuration"), part("script_configuration"));
    if docker.is_unknown() || script.is_unknown() {
        return;
    }
    if !docker.is_null() && !script.is_null() {
        diags.attribute_error(
            base.at("script_configuration"),
            "Conflicting launch configurations",
            "`launch_configuration.docker_configuration` and \
             `launch_configuration.script_configuration` are both set: set exactly one, the \
             one `launch_configuration.type` names.",
        );
        return;
    }
    let (want, other) = match lc.attr("type").and_then(Value::as_str) {
        Some("docker") => (
            ("docker_configuration", &docker),
            ("script_configuration", &script),
        ),
        Some("script") => (
            ("script_configuration", &script),
            ("docker_configuration", &docker),
        ),
        _ => return,
    };
    let kind = &want.0[..want.0.len() - "_configuration".len()];
    if want.1.is_null() {
        diags.attribute_error(
            base.at(want.0),
            format!("Missing launch_configuration.{}", want.0),
            format!(
                "`launch_configuration.type` is {kind:?}, so `launch_configuration.{}` must be set.",
                want.0
            ),
        );
    }
    if !other.1.is_null() {
        diags.attribute_error(
            base.at(other.0),
            format!("Unexpected launch_configuration.{}", other.0),
            format!(
                "`launch_configuration.type` is {kind:?}, so `launch_configuration.{}` must not be set.",
                other.0
            ),
        );
    }
}

fn launch_to_api(m: &LaunchModel) -> api::LaunchConfiguration {
    api::LaunchConfiguration {
        kind: m.kind.clone().unwrap_or_default(),
        docker_configuration: m
            .docker_configuration
            .as_ref()
            .map(|d| api::DockerConfiguration {
                image: d.image.clone().unwrap_or_default(),
                args: d.args.clone(),
                envs: d.envs.as_ref().map(|e| {
                    e.iter()
                        .map(|(name, value)| api::Env {
                            name: name.clone(),
                            value: value.clone(),
                        })
                        .collect()
                }),
                port_mappings: d.port_mappings.clone(),
                volume_mounts: d.volume_mounts.clone(),
                shared_memory_in_gb: d.shared_memory_in_gb,
            }),
        script_configuration: m
            .script_configuration
            .as_ref()
            .map(|s| api::ScriptConfiguration {
                base64_script: s.base64_script.clone().unwrap_or_default(),
            }),
    }
}

/// An empty list from the API where the prior state had null (or the reverse) is no change.
fn keep_empty<T: Clone>(from_api: Option<Vec<T>>, prior: Option<&Vec<T>>) -> Option<Vec<T>> {
    match from_api {
        Some(v) if v.is_empty() => prior.filter(|p| p.is_empty()).cloned(),
        None => prior.filter(|p| p.is_empty()).cloned(),
        other => other,
    }
}

fn launch_from_api(a: api::LaunchConfiguration, prior: Option<&LaunchModel>) -> LaunchModel {
    let prior_docker = prior.and_then(|p| p.docker_configuration.as_ref());
    LaunchModel {
        kind: Some(a.kind),
        docker_configuration: a.docker_configuration.map(|d| {
            let envs = d.envs.map(|e| {
                e.into_iter()
                    .map(|env| (env.name, env.value))
                    .collect::<BTreeMap<_, _>>()
            });
            let prior_envs = prior_docker.and_then(|p| p.envs.as_ref());
            DockerModel {
                image: Some(d.image),
                args: d.args,
                envs: match envs {
                    Some(e) if e.is_empty() => prior_envs.filter(|p| p.is_empty()).cloned(),
                    None => prior_envs.filter(|p| p.is_empty()).cloned(),
                    other => other,
                },
                port_mappings: keep_empty(
                    d.port_mappings,
                    prior_docker.and_then(|p| p.port_mappings.as_ref()),
                ),
                volume_mounts: keep_empty(
                    d.volume_mounts,
                    prior_docker.and_then(|p| p.volume_mounts.as_ref()),
                ),
                shared_memory_in_gb: d.shared_memory_in_gb,
            }
        }),
        script_configuration: a.script_configuration.map(|s| ScriptModel {
            base64_script: Some(s.base64_script),
        }),
    }
}

/// State from the API's view of an instance; `prior` fills what the API does not echo.
fn model_from(i: Instance, prior: &InstanceModel) -> InstanceModel {
    let launch_configuration = match i.launch_configuration {
        Some(lc) => Some(launch_from_api(lc, prior.launch_configuration.as_ref())),
        // The API need not echo the launch configuration; keep what was configured.
        None => prior.launch_configuration.clone(),
    };
    InstanceModel {
        id: i.id.or_else(|| prior.id.clone()),
        cloud: i.cloud,
        region: i.region,
        shade_instance_type: i.shade_instance_type,
        shade_cloud: i.shade_cloud.or(prior.shade_cloud),
        name: i.name,
        os: i
            .configuration
            .as_ref()
            .and_then(|c| c.os.clone())
            .or_else(|| prior.os.clone()),
        launch_configuration,
        cloud_assigned_id: i.cloud_assigned_id,
        cloud_instance_type: i.cloud_instance_type,
        ip: i.ip,
        ssh_user: i.ssh_user,
        ssh_port: i.ssh_port,
        status: i.status,
        hourly_price: i.hourly_price,
        cost_estimate: i.cost_estimate,
        created_at: i.created_at,
        configuration: i.configuration,
    }
}

async fn info(client: &Client, budget: &Budget, id: &str) -> Result<Option<Instance>, ClientError> {
    client
        .get(&api::instance_path(id, "info"))
        .describe(format!("read Shadeform instance {id:?}"))
        .budget(budget)
        .send_optional()
        .await
}

/// Every pending or active instance as raw JSON (for the refresh cache, which indexes by
/// `id`).
async fn list_raw(client: &Client, budget: &Budget) -> Result<Vec<serde_json::Value>, ClientError> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        instances: Vec<serde_json::Value>,
    }
    let raw: Raw = client
        .get("/instances")
        .describe("list Shadeform instances")
        .budget(budget)
        .send()
        .await?;
    Ok(raw.instances)
}

/// Fails (before any create call) when the (cloud, region, type) cannot launch now, listing
/// where the type is available instead.
async fn check_availability(
    client: &Client,
    budget: &Budget,
    cloud: &str,
    region: &str,
    ty: &str,
) -> Result<(), Diagnostics> {
    let types = super::availability::instance_types(client, budget, cloud, region, ty).await?;
    let offered = types
        .instance_types
        .iter()
        .any(|t| t.cloud.as_deref() == Some(cloud));
    if types
        .instance_types
        .iter()
        .any(|t| t.cloud.as_deref() == Some(cloud) && t.available_in(Some(region)))
    {
        return Ok(());
    }
    let mut alternatives: Vec<(i64, String)> = types
        .instance_types
        .iter()
        .flat_map(|t| {
            let c = t.cloud.clone().unwrap_or_default();
            let price = t.hourly_price.unwrap_or(i64::MAX);
            t.availability
                .iter()
                .flatten()
                .filter(|a| a.available == Some(true))
                .map(move |a| {
                    let r = a.region.clone().unwrap_or_default();
                    let cents = if price == i64::MAX {
                        "price unknown".to_string()
                    } else {
                        format!("${}.{:02}/h", price / 100, price % 100)
                    };
                    (price, format!("cloud = {c:?}, region = {r:?} ({cents})"))
                })
        })
        .collect();
    alternatives.sort();
    let what = if offered {
        format!("{ty:?} is not available in {region:?} on {cloud:?} right now")
    } else {
        format!("{cloud:?} does not offer {ty:?}")
    };
    let detail = if alternatives.is_empty() {
        format!("{what}, and no other cloud or region has it available either. No instance was created.")
    } else {
        format!(
            "{what}. No instance was created. It is available at:\n  {}",
            alternatives
                .into_iter()
                .map(|(_, s)| s)
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    };
    Err(Diagnostics::single_attribute_error(
        AttributePath::attr("region"),
        format!("Shadeform instance type {ty} unavailable"),
        detail,
    ))
}

/// The instance called `name` created since `started_at`, if a lost create launched one.
async fn find_created(
    client: &Client,
    budget: &Budget,
    name: &str,
    started_at: DateTime<Utc>,
) -> Result<Option<CreateResponse>, ClientError> {
    let since = started_at.trunc_subsecs(0);
    let list: api::InstancesResponse = client
        .get("/instances")
        .describe("list Shadeform instances")
        .budget(budget)
        .send()
        .await?;
    Ok(list
        .instances
        .into_iter()
        .find(|i| {
            i.name.as_deref() == Some(name)
                && i.created_at
                    .as_deref()
                    .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
                    .is_some_and(|c| c >= since)
        })
        .map(|i| CreateResponse {
            id: i.id,
            cloud_assigned_id: i.cloud_assigned_id,
        }))
}

#[async_trait]
impl Resource for ShadeformInstance {
    type Client = Client;
    type Model = InstanceModel;

    fn type_name(&self) -> &'static str {
        "instance"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn default_timeout(&self, _op: Operation) -> Duration {
        Duration::from_secs(20 * 60)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_launch_configuration(config, diags);
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, Client>,
        plan: InstanceModel,
    ) -> Result<InstanceModel, Failure<InstanceModel>> {
        let budget = common::budget(ctx);
        let cloud = plan.cloud.clone().unwrap_or_default();
        let region = plan.region.clone().unwrap_or_default();
        let ty = plan.shade_instance_type.clone().unwrap_or_default();
        let name = plan.name.clone().unwrap_or_default();
        check_availability(ctx.client, &budget, &cloud, &region, &ty).await?;
        let body = CreateRequest {
            cloud,
            region,
            shade_instance_type: ty,
            shade_cloud: plan.shade_cloud.unwrap_or(true),
            name: name.clone(),
            os: plan.os.clone(),
            launch_configuration: plan.launch_configuration.as_ref().map(launch_to_api),
        };
        let req = ctx
            .client
            .post("/instances/create")
            .json(&body)
            .describe(format!("create Shadeform instance {name:?}"))
            .budget(&budget);
        let (client, budget_ref, name_ref) = (ctx.client, &budget, name.as_str());
        let created: CreateResponse = create_reconciled(req, move |started_at| {
            find_created(client, budget_ref, name_ref, started_at)
        })
        .await
        .inspect_err(|e| {
            super::availability::forget_on_capacity_error(client, &body.shade_instance_type, e)
        })?;
        let Some(id) = created.id.clone() else {
            return Err(Diagnostics::single_error(
                "Shadeform returned no instance ID",
                format!("Creating instance {name:?} answered without an `id`; check the Shadeform console for an instance of that name."),
            )
            .into());
        };
        let partial = InstanceModel {
            id: Some(id.clone()),
            cloud_assigned_id: created.cloud_assigned_id,
            ..plan.clone()
        };
        let what = format!("Shadeform instance {id:?} to be active");
        let ready = wait_until(&budget, &what, || async {
            Ok(match info(ctx.client, &budget, &id).await? {
                None => Poll::Failed("the instance disappeared while starting".into()),
                Some(i) => match i.status.as_deref() {
                    Some("active") => Poll::Ready(i),
                    Some("deleted") => {
                        Poll::Failed("the instance was deleted while starting".into())
                    }
                    _ => Poll::Pending(i.status.unwrap_or_else(|| "pending".into())),
                },
            })
        })
        .await;
        match ready {
            Ok(i) => Ok(model_from(i, &plan)),
            Err(e) => Err(Failure::with_partial(e.into(), partial)),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        state: InstanceModel,
    ) -> Result<Option<InstanceModel>, Diagnostics> {
        let Some(id) = state.id.as_deref() else {
            return Ok(None);
        };
        let budget = common::budget(ctx);
        // Refresh coalescing: one `GET /instances` serves every instance in this plan; one
        // the list does not show (e.g. `deleted`) is read on its own.
        let found: Option<Instance> = ctx
            .client
            .cache()
            .read(
                "shadeform.instance",
                id,
                || list_raw(ctx.client, &budget),
                || info(ctx.client, &budget, id),
            )
            .await?;
        match found {
            None => Ok(None),
            Some(i) if i.status.as_deref() == Some("deleted") => Ok(None),
            Some(i) => Ok(Some(model_from(i, &state))),
        }
    }

    async fn delete(&self, ctx: &Ctx<'_, Client>, state: InstanceModel) -> Result<(), Diagnostics> {
        let Some(id) = state.id.as_deref() else {
            return Ok(());
        };
        let budget = common::budget(ctx);
        let sent = ctx
            .client
            .post(&api::instance_path(id, "delete"))
            .describe(format!("delete Shadeform instance {id:?}"))
            .budget(&budget)
            .send_no_body()
            .await;
        match sent {
            Ok(()) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let what = format!("Shadeform instance {id:?} to be deleted");
        wait_until(&budget, &what, || async {
            Ok(match info(ctx.client, &budget, id).await? {
                None => Poll::Ready(()),
                Some(i) if i.status.as_deref() == Some("deleted") => Poll::Ready(()),
                Some(i) => Poll::Pending(i.status.unwrap_or_else(|| "unknown".into())),
            })
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn config(kind: &str, docker: bool, script: bool) -> Value {
        let d = if docker {
            obj(vec![("image", Value::string("img"))])
        } else {
            Value::Null
        };
        let s = if script {
            obj(vec![("base64_script", Value::string("ZWNobw=="))])
        } else {
            Value::Null
        };
        obj(vec![(
            "launch_configuration",
            obj(vec![
                ("type", Value::string(kind)),
                ("docker_configuration", d),
                ("script_configuration", s),
            ]),
        )])
    }

    fn errors(v: &Value) -> Vec<String> {
        let mut d = Diagnostics::new();
        check_launch_configuration(v, &mut d);
        d.iter()
            .map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn exactly_one_launch_configuration_matching_type() {
        assert!(errors(&config("docker", true, false)).is_empty());
        assert!(errors(&config("script", false, true)).is_empty());
        assert_eq!(
            errors(&config("docker", true, true)),
            vec!["launch_configuration.script_configuration"]
        );
        assert_eq!(
            errors(&config("docker", false, false)),
            vec!["launch_configuration.docker_configuration"]
        );
        assert_eq!(
            errors(&config("script", true, false)),
            vec![
                "launch_configuration.script_configuration",
                "launch_configuration.docker_configuration"
            ]
        );
        assert!(errors(&obj(vec![("launch_configuration", Value::Unknown)])).is_empty());
        assert!(errors(&obj(vec![("launch_configuration", Value::Null)])).is_empty());
    }

    #[test]
    fn envs_travel_as_name_value_pairs_and_come_back_as_a_map() {
        let m = LaunchModel {
            kind: Some("docker".into()),
            docker_configuration: Some(DockerModel {
                image: Some("vllm".into()),
                envs: Some([("HF_TOKEN".to_string(), "s".to_string())].into()),
                ..Default::default()
            }),
            script_configuration: None,
        };
        let a = launch_to_api(&m);
        let json = serde_json::to_value(&a).expect("json");
        assert_eq!(json["docker_configuration"]["envs"][0]["name"], "HF_TOKEN");
        assert_eq!(launch_from_api(a, Some(&m)), m);
    }

    #[test]
    fn every_attribute_is_described_and_arguments_force_replacement() {
        fn described(attrs: &[Attribute]) {
            for a in attrs {
                assert!(!a.description.is_empty(), "{}", a.name);
                if let crate::framework::AttributeType::Nested { attributes, .. } = &a.ty {
                    described(attributes);
                }
            }
        }
        let s = schema();
        described(&s.attributes);
        for a in s.attributes.iter().filter(|a| a.mode.is_configurable()) {
            assert!(
                !a.plan_modifiers.is_empty(),
                "{} must force replacement",
                a.name
            );
        }
        assert!(s
            .attribute_named("launch_configuration")
            .and_then(|a| match &a.ty {
                crate::framework::AttributeType::Nested { attributes, .. } => attributes
                    .iter()
                    .find(|x| x.name == "docker_configuration")
                    .cloned(),
                _ => None,
            })
            .is_some());
    }
}
