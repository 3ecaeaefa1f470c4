//! One schema check for every member and every type of every member: each attribute is described, the model
//! serializes exactly the schema's attribute names, and where there is no update call every
//! argument forces replacement.

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
    "gpuai_airuntime",
    "icgpu_slurm_environment",
    "icgpu_gpu_function",
    "icgpu_fine_tuning_job",
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

/// Arguments that only matter to a create, so changing them never replaces an object.
const CREATE_ONLY: &[&str] = &[MAX_HOURLY_PRICE, "placements", "wait_for_ssh"];

#[test]
fn arguments_of_types_without_update_force_replacement() {
    let types = every_type();
    for want in WITHOUT_UPDATE {
        let (_, schema, _) = types
            .iter()
            .find(|(ty, _, _)| ty == want)
            .unwrap_or_else(|| panic!("{want} is not a type any more"));
        let not_replacing: Vec<&str> = schema
            .attributes
            .iter()
            // The price cap is the engine's, checked at plan; placements and `wait_for_ssh` only
            // steer the next create: none of them replaces a running object.
            .filter(|a| a.mode.is_configurable() && !CREATE_ONLY.contains(&a.name.as_str()))
            .filter(|a| !replaces_on_change(a))
            .map(|a| a.name.as_str())
            .collect();
        assert!(
            not_replacing.is_empty(),
            "{want}: {not_replacing:?} change in place, but there is no update call"
        );
    }
}
