//! Taking over objects from the official provider (`shadeform/shadeform` on the Terraform or
//! OpenTofu registry, v0.1.x, schema version 0) with a `moved {}` block. Its attributes are ours by name, except
//! that it stores `hourly_price` as a string (ours is a number of cents) and its instance
//! `timeouts` block has only `create`. What it never stored (the launch configuration, the
//! hardware, a volume's `cloud_assigned_id`) stays null until the refresh after the move.

use crate::framework::{Diagnostics, MoveSource};
use serde_json::{Map, Value};

/// The official provider's source address (on either public registry).
pub const SOURCE: &str = "shadeform/shadeform";
/// The schema version v0.1.0 to v0.1.3 write.
const SCHEMA_VERSION: i64 = 0;

const INSTANCE_ATTRIBUTES: &[&str] = &[
    "id",
    "cloud",
    "region",
    "shade_instance_type",
    "shade_cloud",
    "name",
    "os",
    "ssh_key_id",
    "template_id",
    "volume_ids",
    "cloud_instance_type",
    "cloud_assigned_id",
    "ip",
    "ssh_user",
    "ssh_port",
    "status",
    "cost_estimate",
    "created_at",
];

const VOLUME_ATTRIBUTES: &[&str] = &[
    "id",
    "cloud",
    "region",
    "name",
    "size_in_gb",
    "fixed_size",
    "supports_multi_mount",
    "cost_estimate",
    "mounted_by",
];

/// `shadeform_instance` state from the official provider's `shadeform_instance`.
pub fn instance(from: &MoveSource<'_>) -> Option<Result<Value, Diagnostics>> {
    if !from.is(SOURCE, "shadeform_instance") {
        return None;
    }
    Some(source_object(from).map(|src| {
        let mut out = carry(src, INSTANCE_ATTRIBUTES);
        out.insert("hourly_price".into(), cents(src.get("hourly_price")));
        // Only `create` carries over: the official block has no `delete`.
        if let Some(create) = src
            .get("timeouts")
            .and_then(|t| t.get("create"))
            .filter(|c| !c.is_null())
        {
            out.insert(
                "timeouts".into(),
                serde_json::json!({ "create": create, "delete": null }),
            );
        }
        Value::Object(out)
    }))
}

/// `shadeform_volume` state from the official provider's `shadeform_volume`.
pub fn volume(from: &MoveSource<'_>) -> Option<Result<Value, Diagnostics>> {
    if !from.is(SOURCE, "shadeform_volume") {
        return None;
    }
    Some(source_object(from).map(|src| Value::Object(carry(src, VOLUME_ATTRIBUTES))))
}

/// The source state, checked: a known schema version and an object with an id.
fn source_object<'a>(from: &MoveSource<'a>) -> Result<&'a Map<String, Value>, Diagnostics> {
    if from.schema_version != SCHEMA_VERSION {
        return Err(Diagnostics::single_error(
            "Unknown state version of the official Shadeform provider",
            format!(
                "{} was stored under schema version {} of {SOURCE}; this provider takes over \
                 version {SCHEMA_VERSION} (v0.1.x). Import the object by its ID instead.",
                from.type_name, from.schema_version
            ),
        ));
    }
    match from.state.as_object() {
        Some(obj)
            if obj
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| !id.is_empty()) =>
        {
            Ok(obj)
        }
        _ => Err(Diagnostics::single_error(
            "Nothing to move",
            format!(
                "The {} state from {SOURCE} has no `id`, so there is no object to take over.",
                from.type_name
            ),
        )),
    }
}

fn carry(src: &Map<String, Value>, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| src.get(*n).map(|v| (n.to_string(), v.clone())))
        .collect()
}

/// The official provider's string price as whole cents; null when it is not one (the refresh
/// after the move reads the real price).
fn cents(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Number(n)) if n.is_i64() => Value::Number(n.clone()),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::ProviderAddress;
    use serde_json::json;

    fn source<'a>(
        provider: &'a str,
        ty: &'a str,
        version: i64,
        state: &'a Value,
    ) -> MoveSource<'a> {
        MoveSource {
            provider: ProviderAddress::parse(provider),
            provider_text: provider,
            type_name: ty,
            schema_version: version,
            state,
        }
    }

    const OFFICIAL: &str = "provider[\"registry.terraform.io/shadeform/shadeform\"]";

    #[test]
    fn an_instance_keeps_its_attributes_and_its_price_becomes_cents() {
        let state = json!({
            "id": "d290f1ee", "cloud": "scaleway", "region": "paris-france-1",
            "shade_instance_type": "H100", "shade_cloud": true, "name": "gpu", "os": null,
            "ssh_key_id": "key-1", "template_id": null, "volume_ids": ["vol-1"],
            "hourly_price": "249", "ssh_port": null, "status": "active",
            "timeouts": {"create": "90m"}
        });
        let out = instance(&source(OFFICIAL, "shadeform_instance", 0, &state))
            .expect("accepted")
            .expect("mapped");
        assert_eq!(out["hourly_price"], 249);
        assert_eq!(out["volume_ids"], json!(["vol-1"]));
        assert_eq!(out["ssh_key_id"], "key-1");
        assert_eq!(out["timeouts"], json!({"create": "90m", "delete": null}));
        assert!(out.get("launch_configuration").is_none());
    }

    #[test]
    fn only_the_official_types_at_version_0_with_an_id_are_taken() {
        let state = json!({"id": "v-1", "size_in_gb": 100, "hourly_price": "n/a"});
        assert!(volume(&source(OFFICIAL, "shadeform_volume", 0, &state)).is_some());
        assert!(volume(&source(OFFICIAL, "shadeform_instance", 0, &state)).is_none());
        assert!(volume(&source("gpucloud/shadeform", "shadeform_volume", 0, &state)).is_none());
        let newer = volume(&source(OFFICIAL, "shadeform_volume", 1, &state)).expect("ours");
        assert!(newer.is_err_and(|d| d.iter().any(|x| x.detail.contains("version 1"))));
        let empty = json!({"id": ""});
        assert!(volume(&source(OFFICIAL, "shadeform_volume", 0, &empty))
            .expect("ours")
            .is_err());
        let out = instance(&source(OFFICIAL, "shadeform_instance", 0, &state))
            .expect("ours")
            .expect("mapped");
        assert_eq!(out["hourly_price"], Value::Null, "not a number of cents");
        assert!(out.get("timeouts").is_none());
    }
}
