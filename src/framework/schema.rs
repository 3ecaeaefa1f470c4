//! Schemas as data: a resource states its attributes once, with their validators, plan
//! modifiers and defaults, and the engine derives plan, import and refresh behaviour from them.
//!
//! ```ignore
//! Schema::new("A GPU instance.")
//!     .attribute(Attribute::string("tier").required().one_of(TIERS).requires_replace()
//!         .description("GPU tier."))
//!     .attribute(Attribute::string("status").computed().description("Lifecycle status."))
//!     .timeouts(&["create", "update", "delete"])
//! ```

use super::planmod::{self, PlanModifier};
use super::price::PriceCap;
use super::validators::{self, ConfigValidator, Validator};
use super::value::{Type, Value};
use std::sync::Arc;

/// Who sets an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    /// Set by the provider only.
    Computed,
    /// Set by the user, or by the provider when the user leaves it out.
    OptionalComputed,
}

impl Mode {
    pub fn is_computed(self) -> bool {
        matches!(self, Mode::Computed | Mode::OptionalComputed)
    }
    pub fn is_configurable(self) -> bool {
        !matches!(self, Mode::Computed)
    }
}

/// How a nested attribute (or block) holds its objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
}

#[derive(Clone)]
pub enum AttributeType {
    Primitive(Type),
    Nested {
        nesting: Nesting,
        attributes: Vec<Attribute>,
    },
}

#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: AttributeType,
    pub mode: Mode,
    pub sensitive: bool,
    /// Terraform 1.11 write-only: sent in config, never stored in plan or state.
    pub write_only: bool,
    pub description: String,
    pub deprecation: Option<String>,
    pub validators: Vec<Arc<dyn Validator>>,
    pub plan_modifiers: Vec<Arc<dyn PlanModifier>>,
    /// Filled into the plan when the configuration leaves the attribute null (the attribute
    /// must be OptionalComputed).
    pub default: Option<Value>,
    /// Read by the provider alone (see [`Attribute::local_setting`]).
    pub local_setting: bool,
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .finish()
    }
}

impl Attribute {
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Self {
            name: name.into(),
            ty: AttributeType::Primitive(ty),
            mode: Mode::Optional,
            sensitive: false,
            write_only: false,
            description: String::new(),
            deprecation: None,
            validators: Vec::new(),
            plan_modifiers: Vec::new(),
            default: None,
            local_setting: false,
        }
    }
    pub fn string(name: impl Into<String>) -> Self {
        Self::new(name, Type::String)
    }
    pub fn number(name: impl Into<String>) -> Self {
        Self::new(name, Type::Number)
    }
    /// A whole number (Terraform `number`, validated to be integral).
    pub fn int(name: impl Into<String>) -> Self {
        Self::new(name, Type::Number).validator(validators::integer())
    }
    pub fn bool(name: impl Into<String>) -> Self {
        Self::new(name, Type::Bool)
    }
    pub fn list_of(name: impl Into<String>, elem: Type) -> Self {
        Self::new(name, Type::list(elem))
    }
    pub fn set_of(name: impl Into<String>, elem: Type) -> Self {
        Self::new(name, Type::set(elem))
    }
    pub fn map_of(name: impl Into<String>, elem: Type) -> Self {
        Self::new(name, Type::map(elem))
    }
    pub fn nested(name: impl Into<String>, nesting: Nesting, attributes: Vec<Attribute>) -> Self {
        let mut a = Self::new(name, Type::Dynamic);
        a.ty = AttributeType::Nested {
            nesting,
            attributes,
        };
        a
    }

    pub fn required(mut self) -> Self {
        self.mode = Mode::Required;
        self
    }
    pub fn optional(mut self) -> Self {
        self.mode = Mode::Optional;
        self
    }
    pub fn computed(mut self) -> Self {
        self.mode = Mode::Computed;
        self
    }
    /// A computed attribute only the API sets, described by `d`: `.computed().description(d)`.
    pub fn output(self, d: impl Into<String>) -> Self {
        self.computed().description(d)
    }
    pub fn optional_computed(mut self) -> Self {
        self.mode = Mode::OptionalComputed;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self.sensitive = true;
        self
    }
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecation = Some(message.into());
        self
    }
    /// A default makes the attribute Optional+Computed, as in terraform-plugin-framework.
    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self.mode = Mode::OptionalComputed;
        self
    }
    /// An argument only the provider reads, such as how a create waits or where it is tried
    /// (top level only): like the `timeouts` block, a change of it alone is applied without
    /// the API, and the plan keeps every computed value known.
    pub fn local_setting(mut self) -> Self {
        self.local_setting = true;
        self
    }

    pub fn validator(mut self, v: Arc<dyn Validator>) -> Self {
        self.validators.push(v);
        self
    }
    pub fn plan_modifier(mut self, m: Arc<dyn PlanModifier>) -> Self {
        self.plan_modifiers.push(m);
        self
    }
    /// Shorthand for the `one_of` validator; the allowed values are also printed in the docs.
    pub fn one_of(self, allowed: &[&str]) -> Self {
        self.validator(validators::one_of(allowed))
    }
    pub fn requires_replace(self) -> Self {
        self.plan_modifier(planmod::requires_replace())
    }
    pub fn use_state_for_unknown(self) -> Self {
        self.plan_modifier(planmod::use_state_for_unknown())
    }

    /// The cty type of this attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttributeType::Primitive(t) => t.clone(),
            AttributeType::Nested {
                nesting,
                attributes,
            } => {
                let obj = Type::Object(
                    attributes
                        .iter()
                        .map(|a| (a.name.clone(), a.value_type()))
                        .collect(),
                    attributes
                        .iter()
                        .filter(|a| a.mode.is_configurable() && a.mode != Mode::Required)
                        .map(|a| a.name.clone())
                        .collect(),
                );
                match nesting {
                    Nesting::Single => obj,
                    Nesting::List => Type::list(obj),
                    Nesting::Set => Type::set(obj),
                    Nesting::Map => Type::map(obj),
                }
            }
        }
    }
}

/// A nested block (used for `timeouts`, which Terraform users write as a block).
#[derive(Clone, Debug)]
pub struct Block {
    pub name: String,
    pub nesting: Nesting,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
    pub description: String,
    pub min_items: i64,
    pub max_items: i64,
}

impl Block {
    pub fn value_type(&self) -> Type {
        let obj = Type::object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.value_type()))
                .chain(self.blocks.iter().map(|b| (b.name.clone(), b.value_type()))),
        );
        match self.nesting {
            Nesting::Single => obj,
            Nesting::List => Type::list(obj),
            Nesting::Set => Type::set(obj),
            Nesting::Map => Type::map(obj),
        }
    }
}

#[derive(Clone, Default)]
pub struct Schema {
    pub version: i64,
    pub description: String,
    pub deprecation: Option<String>,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
    /// Whole-configuration checks (conflicts-with, exactly-one-of, min ≤ max).
    pub config_validators: Vec<Arc<dyn ConfigValidator>>,
    /// `max_hourly_price`, checked by the engine at plan (see `framework::price`).
    pub price_cap: Option<PriceCap>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("version", &self.version)
            .field("attributes", &self.attributes)
            .field("blocks", &self.blocks)
            .finish()
    }
}

impl Schema {
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            ..Default::default()
        }
    }
    pub fn version(mut self, v: i64) -> Self {
        self.version = v;
        self
    }
    pub fn attribute(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }
    pub fn block(mut self, b: Block) -> Self {
        self.blocks.push(b);
        self
    }
    pub fn config_validator(mut self, v: Arc<dyn ConfigValidator>) -> Self {
        self.config_validators.push(v);
        self
    }
    /// The `timeouts` block with one duration string per named operation
    /// (`create`, `read`, `update`, `delete`), as terraform-plugin-framework-timeouts does.
    pub fn timeouts(mut self, operations: &[&str]) -> Self {
        let attributes = operations
            .iter()
            .map(|op| {
                Attribute::string(*op)
                    .optional()
                    .validator(validators::duration())
                    .description(format!(
                        "A duration string (\"30s\", \"20m\", \"1h\") for how long {op} may take."
                    ))
            })
            .collect();
        self.blocks.push(Block {
            name: "timeouts".into(),
            nesting: Nesting::Single,
            attributes,
            blocks: Vec::new(),
            description: "How long operations may take before they fail. Changing only these is applied without any request.".into(),
            min_items: 0,
            max_items: 0,
        });
        self
    }
    /// Adds `max_hourly_price`; the resource then prices plans in
    /// `Resource::listed_hourly_price`.
    pub fn price_cap(mut self, cap: PriceCap) -> Self {
        self.attributes.push(cap.attribute());
        self.price_cap = Some(cap);
        self
    }
    /// The object type of a whole configuration, plan or state under this schema.
    pub fn value_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.value_type()))
                .chain(self.blocks.iter().map(|b| (b.name.clone(), b.value_type()))),
        )
    }
    pub fn attribute_named(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn has_write_only(&self) -> bool {
        fn any(attrs: &[Attribute]) -> bool {
            attrs.iter().any(|a| {
                a.write_only
                    || matches!(&a.ty, AttributeType::Nested { attributes, .. } if any(attributes))
            })
        }
        any(&self.attributes)
    }
}
