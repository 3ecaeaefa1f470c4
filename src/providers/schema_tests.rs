//! One schema check for every member and every type of every member: each attribute is described, the model
//! serializes exactly the schema's attribute names, and where there is no update call (or it
//! changes only some arguments) every other argument forces replacement.

use super::{member, MEMBERS};
use crate::framework::planmod::{PlanModifyRequest, PlanModifyResponse};
use crate::framework::price::MAX_HOURLY_PRICE;
use crate::framework::schema::{Attribute, AttributeType, Schema};
use crate::framework::{AttributePath, Diagnostics, Value};
use std::collections::BTreeSet;

/// Resources without an update call: a change to any argument must replace them.
const WITHOUT_UPDATE: &[&str] = &[
    "amd_instance",
    "shadeform_instance",
    "shadeform_volume",
    "gpuai_airuntime",
    "gpuai_availability_notification",
    "icgpu_api_key",
    "icgpu_team",
    "icgpu_vm_subnet",
    "icgpu_vm_firewall_rule",
    "icgpu_vm_disk_attachment",
    "icgpu_slurm_environment",
    "icgpu_gpu_function",
    "icgpu_fine_tuning_job",
];

/// Resources whose update call changes only these arguments: any other must replace them.
const CHANGED_IN_PLACE: &[(&str, &[&str])] = &[
    ("icgpu_instance", &["desired_state"]),
    ("icgpu_vm", &["desired_state", "reboot_trigger"]),
];

/// Every type of every member as (full type name, schema, model field names).
fn every_type() -> Vec<(String, Schema, Vec<String>)> {
    let mut all = Vec::new();
    for name in MEMBERS {
        let p = member(name).expect("every listed member exists");
        let full = |t: &str| format!("{name}_{t}");
        for r in p.resources() {
            all.push((full(r.type_name()), r.schema(), r.model_fields()));
        }
        for d in p.data_sources() {
            all.push((full(d.type_name()), d.schema(), d.model_fields()));
        }
        for e in p.ephemeral_resources() {
            all.push((full(e.type_name()), e.schema(), e.model_fields()));
        }
    }
    all
}

fn undescribed(attrs: &[Attribute], at: &str, out: &mut Vec<String>) {
    for a in attrs {
        if a.description.trim().is_empty() {
            out.push(format!("{at}{}", a.name));
        }
        if let AttributeType::Nested { attributes, .. } = &a.ty {
            undescribed(attributes, &format!("{at}{}.", a.name), out);
        }
    }
}

#[test]
fn every_type_and_attribute_is_described() {
    let mut missing = Vec::new();
    for name in MEMBERS {
        let schema = member(name).expect("every listed member exists").schema();
        undescribed(
            &schema.attributes,
            &format!("provider {name}."),
            &mut missing,
        );
    }
    for (ty, schema, _) in every_type() {
        if schema.description.trim().is_empty() {
            missing.push(ty.clone());
        }
        undescribed(&schema.attributes, &format!("{ty}."), &mut missing);
    }
    assert!(missing.is_empty(), "no description: {missing:?}");
}

#[test]
fn every_model_serializes_exactly_the_schema_names() {
    let types = every_type();
    assert!(types.len() > 40, "only {} types found", types.len());
    for (ty, schema, fields) in types {
        let attributes: BTreeSet<&str> = schema
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            // The engine owns the price cap; models never see it.
            .filter(|n| schema.price_cap.is_none() || *n != MAX_HOURLY_PRICE)
            .collect();
        let fields: BTreeSet<&str> = fields.iter().map(String::as_str).collect();
        assert_eq!(
            fields, attributes,
            "{ty}: model fields vs schema attributes"
        );
    }
}

/// Whether a change from "a" to "b" in `a` asks for a replacement.
fn replaces_on_change(a: &Attribute) -> bool {
    let path = AttributePath::attr(&a.name);
    let (before, after) = (Value::string("a"), Value::string("b"));
    let state = Value::Object([(a.name.clone(), before.clone())].into());
    let plan = Value::Object([(a.name.clone(), after.clone())].into());
    a.plan_modifiers.iter().any(|m| {
        let req = PlanModifyRequest {
            path: &path,
            config_value: &after,
            state_value: &before,
            plan_value: &after,
            config: &plan,
            state: &state,
            plan: &plan,
        };
        let mut resp = PlanModifyResponse {
            plan_value: after.clone(),
            requires_replace: false,
            diags: Diagnostics::new(),
        };
        m.modify(&req, &mut resp);
        resp.requires_replace
    })
}

/// Arguments that only matter to the provider, so changing them never replaces an object:
/// the price cap (the engine's, checked at plan) and local settings such as `placements` and
/// `wait_for_ssh`, which steer the next create.
fn provider_only(a: &Attribute) -> bool {
    a.local_setting || a.name == MAX_HOURLY_PRICE
}

#[test]
fn local_settings_are_arguments_that_never_replace() {
    let mut seen = BTreeSet::new();
    for (ty, schema, _) in every_type() {
        for a in schema.attributes.iter().filter(|a| a.local_setting) {
            assert!(a.mode.is_configurable(), "{ty}.{}", a.name);
            assert!(!replaces_on_change(a), "{ty}.{}", a.name);
            seen.insert(a.name.clone());
        }
    }
    let want = ["placements", "wait_for_endpoint", "wait_for_ssh"];
    assert_eq!(seen, want.iter().map(|s| s.to_string()).collect());
}

#[test]
fn arguments_of_types_without_update_force_replacement() {
    let types = every_type();
    let without_update = WITHOUT_UPDATE.iter().map(|ty| (*ty, &[][..]));
    for (want, in_place) in without_update.chain(CHANGED_IN_PLACE.iter().copied()) {
        let (_, schema, _) = types
            .iter()
            .find(|(ty, _, _)| ty == want)
            .unwrap_or_else(|| panic!("{want} is not a type any more"));
        let not_replacing: Vec<&str> = schema
            .attributes
            .iter()
            .filter(|a| a.mode.is_configurable() && !provider_only(a))
            .filter(|a| !replaces_on_change(a))
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(
            not_replacing, in_place,
            "{want}: only {in_place:?} may change in place"
        );
    }
}

/// Types whose import IDs are names or UUIDs, so another type's ID can look like theirs.
const FREE_FORM_IDS: &[&str] = &[
    "icgpu_model_deployment",
    "shadeform_instance",
    "shadeform_volume",
];

/// The ID in an example's `terraform import <address> <id>` line.
fn documented_import_id(member: &str, ty: &str) -> Option<String> {
    let path = format!(
        "{}/examples/{member}/resources/{ty}/import.sh",
        env!("CARGO_MANIFEST_DIR")
    );
    let script = std::fs::read_to_string(path).ok()?;
    let line = script
        .lines()
        .find(|l| l.starts_with("terraform import "))?;
    line.split_whitespace().nth(3).map(str::to_string)
}

#[test]
fn documented_import_ids_fill_schema_attributes_and_no_other_types_form() {
    for name in MEMBERS {
        let p = member(name).expect("every listed member exists");
        let resources = p.resources();
        let full = |t: &str| format!("{name}_{t}");
        let documented: Vec<(String, String)> = resources
            .iter()
            .filter_map(|r| {
                let ty = full(r.type_name());
                documented_import_id(name, &ty).map(|id| (ty, id))
            })
            .collect();
        for r in &resources {
            let ty = full(r.type_name());
            let form = r.import_form();
            let schema = r.schema();
            if let Some((_, id)) = documented.iter().find(|(t, _)| *t == ty) {
                let ids = form
                    .parse(&ty, id)
                    .unwrap_or_else(|_| panic!("{ty}: the documented import ID {id} is refused"));
                for key in ids.as_object().expect("an object").keys() {
                    assert!(schema.attribute_named(key).is_some(), "{ty}: fills {key}");
                }
            }
            if FREE_FORM_IDS.contains(&ty.as_str()) {
                continue;
            }
            for (other, id) in documented.iter().filter(|(t, _)| *t != ty) {
                assert!(
                    form.parse(&ty, id).is_err(),
                    "{ty} takes {other}'s import ID {id}"
                );
            }
        }
    }
}

#[test]
fn every_members_credential_is_sensitive_beside_the_connection_attributes() {
    for name in MEMBERS {
        let schema = member(name).expect("every listed member exists").schema();
        let credential = ["token", "api_key"]
            .iter()
            .find_map(|c| schema.attribute_named(c))
            .unwrap_or_else(|| panic!("{name}: no token or api_key"));
        assert!(
            credential.sensitive,
            "{name}: {} is not sensitive",
            credential.name
        );
        for common in [
            "endpoint",
            "max_retries",
            "ca_cert_pem",
            "insecure_skip_verify",
        ] {
            assert!(
                schema.attribute_named(common).is_some(),
                "{name}: no {common}"
            );
        }
    }
}
