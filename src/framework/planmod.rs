//! Plan modifiers: small declared rules the plan engine applies per attribute after defaults
//! and "known after apply" marking. Stock ones: `requires_replace`, `requires_replace_if`,
//! `use_state_for_unknown`.

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::value::Value;
use std::sync::Arc;

pub struct PlanModifyRequest<'a> {
    pub path: &'a AttributePath,
    pub config_value: &'a Value,
    /// Null when creating.
    pub state_value: &'a Value,
    pub plan_value: &'a Value,
    pub config: &'a Value,
    /// Null when creating.
    pub state: &'a Value,
    pub plan: &'a Value,
}

impl PlanModifyRequest<'_> {
    pub fn is_create(&self) -> bool {
        self.state.is_null()
    }
    pub fn is_destroy(&self) -> bool {
        self.plan.is_null()
    }
}

pub struct PlanModifyResponse {
    pub plan_value: Value,
    pub requires_replace: bool,
    pub diags: Diagnostics,
}

pub trait PlanModifier: Send + Sync {
    /// A sentence fragment, also printed in generated docs.
    fn description(&self) -> String;
    fn modify(&self, req: &PlanModifyRequest<'_>, resp: &mut PlanModifyResponse);
}

/// Any change to this attribute destroys and recreates the object (never on create or
/// destroy, only when plan and state differ).
pub fn requires_replace() -> Arc<dyn PlanModifier> {
    requires_replace_if("changing this forces a new resource", |_| true)
}

/// Like `requires_replace`, but only when `condition` says so.
pub fn requires_replace_if(
    description: impl Into<String>,
    condition: impl Fn(&PlanModifyRequest<'_>) -> bool + Send + Sync + 'static,
) -> Arc<dyn PlanModifier> {
    Arc::new(RequiresReplaceIf {
        description: description.into(),
        condition,
    })
}

struct RequiresReplaceIf<F> {
    description: String,
    condition: F,
}

impl<F> PlanModifier for RequiresReplaceIf<F>
where
    F: Fn(&PlanModifyRequest<'_>) -> bool + Send + Sync,
{
    fn description(&self) -> String {
        self.description.clone()
    }
    fn modify(&self, req: &PlanModifyRequest<'_>, resp: &mut PlanModifyResponse) {
        if req.is_create() || req.is_destroy() || req.plan_value == req.state_value {
            return;
        }
        if (self.condition)(req) {
            resp.requires_replace = true;
        }
    }
}

/// On update, keep the prior state's value instead of "known after apply" (for computed values
/// that never change once set, such as `id` or `created_at`).
pub fn use_state_for_unknown() -> Arc<dyn PlanModifier> {
    Arc::new(UseStateForUnknown)
}

struct UseStateForUnknown;

impl PlanModifier for UseStateForUnknown {
    fn description(&self) -> String {
        "once set, the value does not change".into()
    }
    fn modify(&self, req: &PlanModifyRequest<'_>, resp: &mut PlanModifyResponse) {
        if req.is_create() || req.is_destroy() || req.state_value.is_null() {
            return;
        }
        if req.plan_value.is_known() || req.config_value.is_unknown() {
            return;
        }
        resp.plan_value = req.state_value.clone();
    }
}
