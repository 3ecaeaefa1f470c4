//! PlanResourceChange in terraform-plugin-framework's order: schema defaults fill null config
//! values; write-only values are nulled; when something changes, computed values the config
//! leaves null become "known after apply"; then the declared plan modifiers run (collecting
//! requires-replace paths) and finally the resource's own hook. A plan that changes nothing is
//! the prior state, byte for byte. (The price cap is checked afterwards, in `price.rs`.)

use super::state::{for_each_object, null_write_only, without_settings};
use crate::framework::diag::Diagnostics;
use crate::framework::path::AttributePath;
use crate::framework::planmod::{PlanModifyRequest, PlanModifyResponse};
use crate::framework::resource::{DynResource, ModifyPlanRequest};
use crate::framework::schema::{Attribute, AttributeType, Nesting};
use crate::framework::value::Value;

pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub diags: Diagnostics,
}

pub fn plan(r: &dyn DynResource, prior: &Value, proposed: &Value, config: &Value) -> Planned {
    let schema = r.schema();
    let mut diags = Diagnostics::new();
    let mut state = proposed.clone();
    fill_defaults(&schema.attributes, &mut state, config);
    null_write_only(&schema.attributes, &mut state);
    let mut prior_cmp = prior.clone();
    null_write_only(&schema.attributes, &mut prior_cmp);
    // New timeouts, a new price cap or new local settings alone change nothing the API knows,
    // so nothing becomes unknown.
    if prior.is_null() || without_settings(&schema, &state) != without_settings(&schema, &prior_cmp)
    {
        mark_unknown(&schema.attributes, &mut state, config);
    }
    let mut requires_replace = Vec::new();
    {
        let mut walk = Modifiers {
            config,
            prior,
            plan_snapshot: state.clone(),
            requires_replace: &mut requires_replace,
            diags: &mut diags,
        };
        walk.object(
            &schema.attributes,
            &mut state,
            config,
            prior,
            &AttributePath::root(),
        );
    }
    r.modify_plan(
        &ModifyPlanRequest {
            config,
            prior_state: prior,
        },
        &mut state,
        &mut diags,
    );
    requires_replace.sort();
    requires_replace.dedup();
    if !prior.is_null() && state == prior_cmp {
        state = prior.clone();
        null_write_only(&schema.attributes, &mut state);
    }
    Planned {
        state,
        requires_replace,
        diags,
    }
}

/// Schema defaults for attributes the configuration leaves null (nested objects too).
fn fill_defaults(attrs: &[Attribute], plan: &mut Value, config: &Value) {
    let Some(obj) = plan.as_object_mut() else {
        return;
    };
    for a in attrs {
        let cfg = config.attr(&a.name).unwrap_or(&Value::Null);
        let Some(slot) = obj.get_mut(&a.name) else {
            continue;
        };
        if let Some(d) = &a.default {
            if cfg.is_null() {
                *slot = d.clone();
                continue;
            }
        }
        if let AttributeType::Nested {
            attributes,
            nesting,
        } = &a.ty
        {
            with_config_pairs(*nesting, slot, cfg, &mut |p, c| {
                fill_defaults(attributes, p, c)
            });
        }
    }
}

/// Computed attributes the configuration leaves null (and that have no default) are
/// "known after apply".
fn mark_unknown(attrs: &[Attribute], plan: &mut Value, config: &Value) {
    let Some(obj) = plan.as_object_mut() else {
        return;
    };
    for a in attrs {
        let cfg = config.attr(&a.name).unwrap_or(&Value::Null);
        let Some(slot) = obj.get_mut(&a.name) else {
            continue;
        };
        if a.mode.is_computed() && cfg.is_null() && a.default.is_none() && !a.write_only {
            *slot = Value::Unknown;
            continue;
        }
        if let AttributeType::Nested {
            attributes,
            nesting,
        } = &a.ty
        {
            with_config_pairs(*nesting, slot, cfg, &mut |p, c| {
                mark_unknown(attributes, p, c)
            });
        }
    }
}

/// Pairs each object of a nested plan value with its configuration object.
fn with_config_pairs(
    nesting: Nesting,
    plan: &mut Value,
    config: &Value,
    f: &mut dyn FnMut(&mut Value, &Value),
) {
    match (nesting, plan) {
        (Nesting::Single, p @ Value::Object(_)) => f(p, config),
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => {
            let cfg = config.as_elements().unwrap_or_default();
            for (i, item) in items.iter_mut().enumerate() {
                f(item, cfg.get(i).unwrap_or(&Value::Null));
            }
        }
        (Nesting::Map, Value::Map(m)) => {
            for (k, item) in m.iter_mut() {
                f(
                    item,
                    config
                        .as_map()
                        .and_then(|c| c.get(k))
                        .unwrap_or(&Value::Null),
                );
            }
        }
        (_, other) => for_each_object(other, &mut |o| f(o, &Value::Null)),
    }
}

struct Modifiers<'a> {
    config: &'a Value,
    prior: &'a Value,
    /// The whole plan as it stood before modifiers ran (what each modifier is shown).
    plan_snapshot: Value,
    requires_replace: &'a mut Vec<AttributePath>,
    diags: &'a mut Diagnostics,
}

impl Modifiers<'_> {
    fn object(
        &mut self,
        attrs: &[Attribute],
        plan: &mut Value,
        config: &Value,
        state: &Value,
        path: &AttributePath,
    ) {
        let Some(obj) = plan.as_object_mut() else {
            return;
        };
        for a in attrs {
            let p = path.at(&a.name);
            let cfg = config.attr(&a.name).unwrap_or(&Value::Null);
            let st = state.attr(&a.name).unwrap_or(&Value::Null);
            let Some(slot) = obj.get_mut(&a.name) else {
                continue;
            };
            for m in &a.plan_modifiers {
                let req = PlanModifyRequest {
                    path: &p,
                    config_value: cfg,
                    state_value: st,
                    plan_value: slot,
                    config: self.config,
                    state: self.prior,
                    plan: &self.plan_snapshot,
                };
                let mut resp = PlanModifyResponse {
                    plan_value: slot.clone(),
                    requires_replace: false,
                    diags: Diagnostics::new(),
                };
                m.modify(&req, &mut resp);
                *slot = resp.plan_value;
                if resp.requires_replace {
                    self.requires_replace.push(p.clone());
                }
                self.diags.extend(resp.diags);
            }
            if let AttributeType::Nested {
                attributes,
                nesting: Nesting::Single,
            } = &a.ty
            {
                if slot.as_object().is_some() {
                    self.object(attributes, slot, cfg, st, &p);
                }
            }
        }
    }
}
