//! ValidateResourceConfig and friends: every declared validator runs on its attribute (nested
//! attributes too, with element paths), then the schema's whole-config validators. Terraform
//! itself checks types and required arguments, so this reports what the schema adds, and
//! refuses values for read-only (computed-only) attributes, which Terraform passes through.

use crate::framework::diag::Diagnostics;
use crate::framework::path::AttributePath;
use crate::framework::schema::{Attribute, AttributeType, Block, Mode, Nesting, Schema};
use crate::framework::validators::ValidateRequest;
use crate::framework::value::Value;

pub fn config(schema: &Schema, config: &Value, write_only_allowed: bool) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut w = Walk {
        root: config,
        write_only_allowed,
        diags: &mut diags,
    };
    w.object(
        &schema.attributes,
        &schema.blocks,
        config,
        &AttributePath::root(),
    );
    for v in &schema.config_validators {
        v.validate(config, &mut diags);
    }
    diags
}

struct Walk<'a> {
    root: &'a Value,
    write_only_allowed: bool,
    diags: &'a mut Diagnostics,
}

impl Walk<'_> {
    fn object(&mut self, attrs: &[Attribute], blocks: &[Block], obj: &Value, path: &AttributePath) {
        if !obj.is_known() || obj.is_null() {
            return;
        }
        for a in attrs {
            let v = obj.attr(&a.name).unwrap_or(&Value::Null);
            self.attribute(a, v, &path.at(&a.name));
        }
        for b in blocks {
            let v = obj.attr(&b.name).unwrap_or(&Value::Null);
            let p = path.at(&b.name);
            self.nested(&b.attributes, &b.blocks, b.nesting, v, &p);
        }
    }

    fn attribute(&mut self, a: &Attribute, v: &Value, path: &AttributePath) {
        let set = !v.is_null();
        // Terraform hands configured read-only values to the provider and leaves refusing them
        // to it (terraform-plugin-framework does the same, in the same words).
        if a.mode == Mode::Computed && set {
            self.diags.attribute_error(
                path.clone(),
                "Invalid Configuration for Read-Only Attribute",
                format!(
                    "Cannot set a value for `{path}`: the provider sets it, so it is read-only. \
                     Remove the line setting `{path}` from the configuration (read the value \
                     from the resource instead)."
                ),
            );
            return;
        }
        if a.write_only && set && !self.write_only_allowed {
            self.diags.attribute_error(
                path.clone(),
                "Write-only attribute not supported",
                format!(
                    "`{path}` is write-only: it is never stored in plan or state, which needs Terraform 1.11 or later. Upgrade Terraform, or leave `{path}` unset."
                ),
            );
        }
        if let (Some(msg), true) = (&a.deprecation, set) {
            self.diags.attribute_warning(
                path.clone(),
                format!("Deprecated attribute {path}"),
                msg.clone(),
            );
        }
        for validator in &a.validators {
            validator.validate(
                &ValidateRequest {
                    path,
                    value: v,
                    config: self.root,
                },
                self.diags,
            );
        }
        if let AttributeType::Nested {
            nesting,
            attributes,
        } = &a.ty
        {
            self.nested(attributes, &[], *nesting, v, path);
        }
    }

    fn nested(
        &mut self,
        attrs: &[Attribute],
        blocks: &[Block],
        nesting: Nesting,
        v: &Value,
        path: &AttributePath,
    ) {
        if v.is_null() || !v.is_known() {
            return;
        }
        match nesting {
            Nesting::Single => self.object(attrs, blocks, v, path),
            Nesting::List | Nesting::Set => {
                for (i, item) in v.as_elements().unwrap_or_default().iter().enumerate() {
                    self.object(attrs, blocks, item, &path.index(i as i64));
                }
            }
            Nesting::Map => {
                if let Some(m) = v.as_map() {
                    for (k, item) in m {
                        self.object(attrs, blocks, item, &path.key(k));
                    }
                }
            }
        }
    }
}
