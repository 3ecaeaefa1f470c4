//! Pieces several gpuai types share: the `template_spec` object (a runtime's inline spec and a
//! template's spec) and the inventory item's fields (the inventory list and a GPU config).

use super::api;
use crate::framework::schema::{Attribute, Nesting};
use crate::framework::validators;
use crate::framework::Type;
use crate::providers::common::empty_as_prior;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Protocols a template port may use.
pub const PORT_PROTOCOLS: &[&str] = &["http", "tcp"];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PortModel {
    pub name: Option<String>,
    pub port: Option<i64>,
    pub protocol: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateSpecModel {
    pub image: Option<String>,
    pub ports: Option<Vec<PortModel>>,
    pub env: Option<BTreeMap<String, String>>,
    pub command: Option<Vec<String>>,
}

/// Sets `attr`'s mode: user-set (with `required` for the ones the API requires) or read-only.
fn mode(attr: Attribute, computed: bool, required: bool) -> Attribute {
    match (computed, required) {
        (true, _) => attr.computed(),
        (false, true) => attr.required(),
        (false, false) => attr.optional(),
    }
}

/// The attributes of a `template_spec` object; `computed` for data sources.
pub fn template_spec_attributes(computed: bool) -> Vec<Attribute> {
    let mut port = Attribute::int("port").description("Container port (1–65535).");
    let mut protocol = Attribute::string("protocol").description(format!(
        "Protocol of the port: one of {}. The API treats an unset protocol as `http`; an `http` \
         port gets an entry in `endpoints.http`.",
        PORT_PROTOCOLS
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut image = Attribute::string("image").description("Container image reference.");
    if !computed {
        port = port.validator(validators::between(1.0, 65535.0));
        protocol = protocol.one_of(PORT_PROTOCOLS);
        image = image.validator(validators::length_between(1, 1024));
    }
    vec![
        mode(image, computed, true),
        mode(
            Attribute::nested(
                "ports",
                Nesting::List,
                vec![
                    mode(
                        Attribute::string("name").description(
                            "Port name; a port named `jupyter` yields `endpoints.jupyter_url`.",
                        ),
                        computed,
                        false,
                    ),
                    mode(port, computed, true),
                    mode(protocol, computed, false),
                ],
            )
            .description("Ports exposed by the container."),
            computed,
            false,
        ),
        mode(
            Attribute::map_of("env", Type::String).description("Environment variables."),
            computed,
            false,
        ),
        mode(
            Attribute::list_of("command", Type::String)
                .description("Command and arguments overriding the image default."),
            computed,
            false,
        ),
    ]
}

impl TemplateSpecModel {
    /// The spec as the API returns it, written the way `prior` wrote it where the two mean the
    /// same: an empty list or map stays null, and a port's unset protocol stays null although
    /// the API reports `http`. `prior` is what the configuration (or earlier state) said.
    pub fn observe(spec: &api::TemplateSpec, prior: Option<&TemplateSpecModel>) -> Self {
        let prior_ports = prior.and_then(|p| p.ports.as_ref());
        let ports: Vec<PortModel> = spec
            .ports
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let prior_port = prior_ports.and_then(|ps| ps.get(i));
                let protocol = match (&p.protocol, prior_port) {
                    (Some(proto), Some(pp))
                        if pp.protocol.is_none() && proto == api::DEFAULT_PORT_PROTOCOL =>
                    {
                        None
                    }
                    (proto, _) => proto.clone(),
                };
                PortModel {
                    name: p.name.clone(),
                    port: Some(p.port),
                    protocol,
                }
            })
            .collect();
        Self {
            image: Some(spec.image.clone()),
            ports: empty_as_prior(ports, prior.is_some_and(|p| p.ports.is_some())),
            env: empty_as_prior(spec.env.clone(), prior.is_some_and(|p| p.env.is_some())),
            command: empty_as_prior(
                spec.command.clone(),
                prior.is_some_and(|p| p.command.is_some()),
            ),
        }
    }

    /// The spec as a data source shows it: every list and map present, as the API sends them.
    pub fn observe_full(spec: &api::TemplateSpec) -> Self {
        Self {
            image: Some(spec.image.clone()),
            ports: Some(
                spec.ports
                    .iter()
                    .map(|p| PortModel {
                        name: p.name.clone(),
                        port: Some(p.port),
                        protocol: p.protocol.clone(),
                    })
                    .collect(),
            ),
            env: Some(spec.env.clone()),
            command: Some(spec.command.clone()),
        }
    }

    /// The request body form.
    pub fn to_api(&self) -> api::TemplateSpec {
        api::TemplateSpec {
            image: self.image.clone().unwrap_or_default(),
            ports: self
                .ports
                .iter()
                .flatten()
                .map(|p| api::TemplatePort {
                    name: p.name.clone(),
                    port: p.port.unwrap_or_default(),
                    protocol: p.protocol.clone(),
                })
                .collect(),
            env: self.env.clone().unwrap_or_default(),
            command: self.command.clone().unwrap_or_default(),
        }
    }
}

/// The API's `InventoryItem`, as it answers and as state holds it (read-only).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InventoryItemModel {
    pub config_id: Option<String>,
    pub gpu_model: Option<String>,
    pub gpu_vendor: Option<String>,
    pub vram_gib: Option<f64>,
    pub default_cpu_cores: Option<i64>,
    pub default_memory_gib: Option<f64>,
    pub price_per_gpu_per_hour: Option<f64>,
    pub region: Option<String>,
    pub min_gpu_count: Option<i64>,
    pub max_gpu_count: Option<i64>,
    pub available_gpu_count: Option<i64>,
    pub total_gpu_count: Option<i64>,
    pub availability: Option<String>,
    pub instance_type: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

/// The inventory item's attributes (read-only), except `config_id` and `region`, whose mode
/// differs between the inventory list and a GPU config.
pub fn inventory_item_attributes() -> Vec<Attribute> {
    let c = |a: Attribute| a.computed();
    vec![
        c(Attribute::string("gpu_model").description("GPU model, e.g. `NVIDIA H100`.")),
        c(Attribute::string("gpu_vendor").description("GPU vendor, e.g. `NVIDIA`.")),
        c(Attribute::number("vram_gib").description("VRAM per GPU in GiB.")),
        c(Attribute::number("default_cpu_cores")
            .description("CPU cores that come with the config.")),
        c(Attribute::number("default_memory_gib")
            .description("Memory (GiB) that comes with the config.")),
        c(
            Attribute::number("price_per_gpu_per_hour")
                .description("Price per GPU per hour (USD)."),
        ),
        c(Attribute::number("min_gpu_count")
            .description("Smallest `gpu_count` a runtime may request.")),
        c(Attribute::number("max_gpu_count").description(
            "Largest `gpu_count` a new runtime can request right now (0 when sold out).",
        )),
        c(Attribute::number("available_gpu_count")
            .description("GPUs of this config free in this region now.")),
        c(Attribute::number("total_gpu_count")
            .description("GPUs of this config installed in this region.")),
        c(Attribute::string("availability")
            .description("Availability class: `None`, `Low`, `Medium` or `High`.")),
        c(Attribute::string("instance_type").description("Instance type, e.g. `airuntime`.")),
        c(Attribute::string("type").description("Item type (`GPU`).")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> api::TemplateSpec {
        api::TemplateSpec {
            image: "img".into(),
            ports: vec![api::TemplatePort {
                name: Some("jupyter".into()),
                port: 8888,
                protocol: Some("http".into()),
            }],
            env: BTreeMap::new(),
            command: vec![],
        }
    }

    /// `spec()` as configured: the port's protocol left to the API's default.
    fn configured() -> TemplateSpecModel {
        TemplateSpecModel {
            image: Some("img".into()),
            ports: Some(vec![PortModel {
                name: Some("jupyter".into()),
                port: Some(8888),
                protocol: None,
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn api_defaults_keep_the_configured_spelling() {
        let prior = TemplateSpecModel {
            command: Some(vec![]),
            ..configured()
        };
        let got = TemplateSpecModel::observe(&spec(), Some(&prior));
        assert_eq!(got, prior);
    }

    #[test]
    fn import_without_prior_shows_what_the_api_says() {
        let got = TemplateSpecModel::observe(&spec(), None);
        assert_eq!(got.env, None);
        assert_eq!(got.command, None);
        let ports = got.ports.expect("ports");
        assert_eq!(ports[0].protocol.as_deref(), Some("http"));
    }

    #[test]
    fn a_changed_protocol_is_not_hidden() {
        let mut s = spec();
        s.ports[0].protocol = Some("tcp".into());
        let prior = configured();
        let got = TemplateSpecModel::observe(&s, Some(&prior));
        let ports = got.ports.expect("ports");
        assert_eq!(ports[0].protocol.as_deref(), Some("tcp"));
    }

    #[test]
    fn schema_modes_follow_the_use() {
        let input = template_spec_attributes(false);
        assert_eq!(input[0].mode, crate::framework::Mode::Required);
        let output = template_spec_attributes(true);
        assert!(output
            .iter()
            .all(|a| a.mode == crate::framework::Mode::Computed));
        assert!(input.iter().all(|a| !a.description.is_empty()));
    }
}
