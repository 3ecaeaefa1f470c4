//! `shadeform_instance`'s `launch_configuration`: what runs once the instance is active (a
//! docker container or a startup script), its schema, its check and its API mapping.

use super::api;
use crate::framework::schema::{Attribute, Nesting};
use crate::framework::validators::{self, quoted_list};
use crate::framework::Type;
use crate::providers::common::empty_as_prior;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

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

/// The `launch_configuration` block.
pub(super) fn attribute() -> Attribute {
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
                    quoted_list(api::LAUNCH_TYPES)
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

/// Exactly one of the docker and script configurations, the one `type` names.
pub(super) fn one_of_docker_or_script() -> Arc<dyn validators::ConfigValidator> {
    validators::one_named_by(
        "launch configurations",
        "launch_configuration.type",
        &[
            ("docker", "launch_configuration.docker_configuration"),
            ("script", "launch_configuration.script_configuration"),
        ],
    )
}

pub(super) fn to_api(m: &LaunchModel) -> api::LaunchConfiguration {
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

pub(super) fn observe(a: api::LaunchConfiguration, prior: Option<&LaunchModel>) -> LaunchModel {
    let prior_docker = prior.and_then(|p| p.docker_configuration.as_ref());
    LaunchModel {
        kind: Some(a.kind),
        docker_configuration: a.docker_configuration.map(|d| {
            let envs: BTreeMap<_, _> = d
                .envs
                .unwrap_or_default()
                .into_iter()
                .map(|env| (env.name, env.value))
                .collect();
            DockerModel {
                image: Some(d.image),
                args: d.args,
                envs: empty_as_prior(
                    envs,
                    prior_docker.is_some_and(|p| p.envs.as_ref().is_some_and(BTreeMap::is_empty)),
                ),
                port_mappings: empty_as_prior(
                    d.port_mappings.unwrap_or_default(),
                    prior_docker
                        .is_some_and(|p| p.port_mappings.as_ref().is_some_and(Vec::is_empty)),
                ),
                volume_mounts: empty_as_prior(
                    d.volume_mounts.unwrap_or_default(),
                    prior_docker
                        .is_some_and(|p| p.volume_mounts.as_ref().is_some_and(Vec::is_empty)),
                ),
                shared_memory_in_gb: d.shared_memory_in_gb,
            }
        }),
        script_configuration: a.script_configuration.map(|s| ScriptModel {
            base64_script: Some(s.base64_script),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let a = to_api(&m);
        let json = serde_json::to_value(&a).expect("json");
        assert_eq!(json["docker_configuration"]["envs"][0]["name"], "HF_TOKEN");
        assert_eq!(observe(a, Some(&m)), m);
    }
}
