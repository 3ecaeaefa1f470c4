//! Between values and models: what a resource's CRUD sees (JSON without `timeouts` or
//! `max_hourly_price`, write-only values merged in from config) and how its answers become state
//! that agrees with the plan.

use crate::framework::diag::Diagnostics;
use crate::framework::price::MAX_HOURLY_PRICE;
use crate::framework::resource::Notes;
use crate::framework::schema::{Attribute, AttributeType, Schema};
use crate::framework::value::Value;
use crate::framework::value_json::{self, JsonOptions};
use std::collections::BTreeMap;

/// The JSON a model is decoded from: the value without what the engine handles itself (the
/// `timeouts` block and a price cap).
pub fn model_json(schema: &Schema, v: &Value) -> serde_json::Value {
    let mut json = v.to_json();
    if let Some(obj) = json.as_object_mut() {
        obj.remove("timeouts");
        if schema.price_cap.is_some() {
            obj.remove(MAX_HOURLY_PRICE);
        }
    }
    json
}

/// `v` without the settings the API knows nothing of (the `timeouts` block, the price cap
/// and local settings such as `wait_for_ssh`), for asking whether anything else differs.
pub fn without_settings(schema: &Schema, v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(obj) = v.as_object_mut() {
        for a in schema.attributes.iter().filter(|a| a.local_setting) {
            obj.insert(a.name.clone(), Value::Null);
        }
        if schema.blocks.iter().any(|b| b.name == "timeouts") {
            obj.insert("timeouts".into(), Value::Null);
        }
        if schema.price_cap.is_some() {
            obj.insert(MAX_HOURLY_PRICE.into(), Value::Null);
        }
    }
    v
}

/// An update that changes nothing but settings (see [`without_settings`]): no API call is
/// needed for it.
pub fn only_settings_change(schema: &Schema, planned: &Value, prior: &Value) -> bool {
    !prior.is_null() && without_settings(schema, planned) == without_settings(schema, prior)
}

/// The plan as a model sees it: write-only attributes are null in the plan, so their values
/// come from the configuration, where they exist only for this apply.
pub fn plan_json(schema: &Schema, planned: &Value, config: &Value) -> serde_json::Value {
    let mut json = model_json(schema, planned);
    if let Some(obj) = json.as_object_mut() {
        for a in schema.attributes.iter().filter(|a| a.write_only) {
            if let Some(v) = config.attr(&a.name) {
                obj.insert(a.name.clone(), v.to_json());
            }
        }
    }
    json
}

fn decode(
    schema: &Schema,
    mut json: serde_json::Value,
    timeouts: Option<&Value>,
) -> Result<Value, Diagnostics> {
    if let Some(obj) = json.as_object_mut() {
        obj.remove("timeouts");
        // Models may carry fields the schema does not (for example the import id's parts):
        // only schema attributes become state.
        obj.retain(|k, _| schema.attributes.iter().any(|a| &a.name == k));
    }
    let mut v = Value::from_json(&json, &schema.value_type()).map_err(|e| {
        Diagnostics::single_error(
            "Provider error: state does not match the schema",
            format!("The resource returned a value the schema cannot hold: {e}. This is a bug in the provider."),
        )
    })?;
    if let (Some(obj), Some(t)) = (v.as_object_mut(), timeouts) {
        if schema.blocks.iter().any(|b| b.name == "timeouts") {
            obj.insert("timeouts".into(), t.clone());
        }
    }
    null_write_only(&schema.attributes, &mut v);
    Ok(v)
}

/// State from a refresh: what the resource read, with the `timeouts` block and the price cap
/// kept as they were (the API knows neither).
pub fn from_model(
    schema: &Schema,
    json: serde_json::Value,
    current: &Value,
) -> Result<Value, Diagnostics> {
    let mut v = decode(schema, json, current.attr("timeouts"))?;
    if let (Some(obj), Some(_)) = (v.as_object_mut(), &schema.price_cap) {
        let cap = current
            .attr(MAX_HOURLY_PRICE)
            .cloned()
            .unwrap_or(Value::Null);
        obj.insert(MAX_HOURLY_PRICE.into(), cap);
    }
    Ok(v)
}

/// State after create, update or a data source read: the resource's answer, except that every
/// value the plan (or config) already knew is kept exactly, so Terraform never sees an
/// inconsistent result after apply.
pub fn reconcile(
    schema: &Schema,
    json: serde_json::Value,
    planned: &Value,
) -> Result<Value, Diagnostics> {
    let actual = decode(schema, json, planned.attr("timeouts"))?;
    let mut merged = merge(planned, actual);
    null_write_only(&schema.attributes, &mut merged);
    Ok(merged)
}

/// Planned known values win; unknowns take the actual value (null when there is none).
fn merge(planned: &Value, actual: Value) -> Value {
    match planned {
        Value::Unknown => strip_unknown(actual),
        p if p.is_fully_known() => p.clone(),
        Value::Object(pm) => {
            let mut am = match actual {
                Value::Object(m) => m,
                _ => BTreeMap::new(),
            };
            Value::Object(
                pm.iter()
                    .map(|(k, pv)| (k.clone(), merge(pv, am.remove(k).unwrap_or(Value::Null))))
                    .collect(),
            )
        }
        Value::Map(pm) => {
            let mut am = match actual {
                Value::Map(m) => m,
                _ => BTreeMap::new(),
            };
            Value::Map(
                pm.iter()
                    .map(|(k, pv)| (k.clone(), merge(pv, am.remove(k).unwrap_or(Value::Null))))
                    .collect(),
            )
        }
        Value::List(pl) | Value::Set(pl) | Value::Tuple(pl) => {
            let al = match actual {
                Value::List(l) | Value::Set(l) | Value::Tuple(l) if l.len() == pl.len() => l,
                // A collection whose length the plan knew must keep it; elements the resource
                // did not describe keep their planned known parts.
                _ => vec![Value::Null; pl.len()],
            };
            let items: Vec<Value> = pl.iter().zip(al).map(|(p, a)| merge(p, a)).collect();
            match planned {
                Value::List(_) => Value::List(items),
                Value::Set(_) => Value::Set(items),
                _ => Value::Tuple(items),
            }
        }
        Value::Dynamic(t, inner) => Value::Dynamic(t.clone(), Box::new(merge(inner, actual))),
        other => other.clone(),
    }
}

fn strip_unknown(v: Value) -> Value {
    match v {
        Value::Unknown => Value::Null,
        Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, strip_unknown(v))).collect())
        }
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, strip_unknown(v))).collect()),
        Value::List(l) => Value::List(l.into_iter().map(strip_unknown).collect()),
        Value::Set(l) => Value::Set(l.into_iter().map(strip_unknown).collect()),
        Value::Tuple(l) => Value::Tuple(l.into_iter().map(strip_unknown).collect()),
        other => other,
    }
}

/// Write-only values never reach plan or state.
pub fn null_write_only(attrs: &[Attribute], v: &mut Value) {
    let Some(obj) = v.as_object_mut() else { return };
    for a in attrs {
        if a.write_only {
            obj.insert(a.name.clone(), Value::Null);
        } else if let AttributeType::Nested { attributes, .. } = &a.ty {
            if let Some(inner) = obj.get_mut(&a.name) {
                for_each_object(inner, &mut |o| null_write_only(attributes, o));
            }
        }
    }
}

/// Calls `f` on the object(s) of a nested attribute value (single, list, set or map).
pub fn for_each_object(v: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    match v {
        Value::Object(_) => f(v),
        Value::List(items) | Value::Set(items) => items.iter_mut().for_each(f),
        Value::Map(m) => m.values_mut().for_each(f),
        _ => {}
    }
}

/// The state an import starts from: the identifying attributes, everything else null.
pub fn imported(schema: &Schema, json: serde_json::Value) -> Result<Value, Diagnostics> {
    decode(schema, json, None)
}

/// State stored under an older schema, after the upgraders ran, read the way
/// terraform-plugin-go reads raw state (see `value_json`): leniently, with attributes the
/// schema no longer has ignored (they were removed on purpose) and missing ones null.
pub fn upgraded(schema: &Schema, json: serde_json::Value) -> Result<Value, Diagnostics> {
    let opts = JsonOptions {
        ignore_undefined_attributes: true,
    };
    let mut v = value_json::from_json(&json, &schema.value_type(), opts).map_err(|e| {
        Diagnostics::single_error(
            "Unable to read previously saved state",
            format!(
                "The saved state does not fit the resource's schema: {e}. If the state was \
                 edited by hand, make it match the schema again; otherwise this is a bug in the \
                 provider."
            ),
        )
    })?;
    null_write_only(&schema.attributes, &mut v);
    Ok(v)
}

pub fn notes_from_private(bytes: &[u8]) -> Notes {
    let notes = Notes::default();
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(bytes) {
        if let Ok(mut p) = notes.private.lock() {
            *p = m;
        }
    }
    notes
}

pub fn private_bytes(notes: &Notes) -> Vec<u8> {
    match notes.private.lock() {
        Ok(p) if !p.is_empty() => serde_json::to_vec(&*p).unwrap_or_default(),
        _ => Vec::new(),
    }
}

pub fn take_warnings(notes: &Notes) -> Diagnostics {
    notes
        .warnings
        .lock()
        .map(|mut w| std::mem::take(&mut *w))
        .unwrap_or_default()
}

/// A data source's result: configured values stay as configured (Terraform checks that), and
/// the computed attributes the configuration left null take what the read found.
pub fn reconcile_data(
    schema: &Schema,
    json: serde_json::Value,
    config: &Value,
) -> Result<Value, Diagnostics> {
    let actual = decode(schema, json, config.attr("timeouts"))?;
    let mut out = BTreeMap::new();
    for a in &schema.attributes {
        let configured = config.attr(&a.name).cloned().unwrap_or(Value::Null);
        let found = actual.attr(&a.name).cloned().unwrap_or(Value::Null);
        let v = if a.mode.is_computed() && configured.is_null() {
            found
        } else {
            configured
        };
        out.insert(a.name.clone(), strip_unknown(v));
    }
    for b in &schema.blocks {
        out.insert(
            b.name.clone(),
            strip_unknown(config.attr(&b.name).cloned().unwrap_or(Value::Null)),
        );
    }
    Ok(Value::Object(out))
}
