//! Framework ↔ protocol conversions for everything but values: schemas, diagnostics and
//! attribute paths. Prost types stop here; the framework never sees them.

use super::proto::tfplugin6 as pb;
use crate::framework::diag::{Diagnostic, Diagnostics, Severity};
use crate::framework::path::{AttributePath, PathStep};
use crate::framework::schema::{Attribute, AttributeType, Block, Mode, Nesting, Schema};

/// Compact JSON text of a type, as `Schema.Attribute.type` carries it.
fn type_bytes(t: &crate::framework::value::Type) -> Vec<u8> {
    // Serializing a serde_json::Value cannot fail.
    serde_json::to_vec(&t.to_json()).unwrap_or_default()
}

fn description_kind() -> i32 {
    pb::StringKind::Markdown as i32
}

pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(pb::schema::Block {
            version: s.version,
            attributes: s.attributes.iter().map(attribute).collect(),
            block_types: s.blocks.iter().map(nested_block).collect(),
            description: s.description.clone(),
            description_kind: description_kind(),
            deprecated: s.deprecation.is_some(),
            deprecation_message: s.deprecation.clone().unwrap_or_default(),
        }),
    }
}

fn object_nesting(n: Nesting) -> pb::schema::object::NestingMode {
    use pb::schema::object::NestingMode as N;
    match n {
        Nesting::Single => N::Single,
        Nesting::List => N::List,
        Nesting::Set => N::Set,
        Nesting::Map => N::Map,
    }
}

fn block_nesting(n: Nesting) -> pb::schema::nested_block::NestingMode {
    use pb::schema::nested_block::NestingMode as N;
    match n {
        Nesting::Single => N::Single,
        Nesting::List => N::List,
        Nesting::Set => N::Set,
        Nesting::Map => N::Map,
    }
}

pub fn attribute(a: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &a.ty {
        AttributeType::Primitive(t) => (type_bytes(t), None),
        AttributeType::Nested {
            nesting,
            attributes,
        } => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attributes.iter().map(attribute).collect(),
                nesting: object_nesting(*nesting) as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        required: a.mode == Mode::Required,
        optional: matches!(a.mode, Mode::Optional | Mode::OptionalComputed),
        computed: a.mode.is_computed(),
        sensitive: a.sensitive,
        description_kind: description_kind(),
        deprecated: a.deprecation.is_some(),
        write_only: a.write_only,
        deprecation_message: a.deprecation.clone().unwrap_or_default(),
    }
}

fn nested_block(b: &Block) -> pb::schema::NestedBlock {
    pb::schema::NestedBlock {
        type_name: b.name.clone(),
        block: Some(pb::schema::Block {
            version: 0,
            attributes: b.attributes.iter().map(attribute).collect(),
            block_types: b.blocks.iter().map(nested_block).collect(),
            description: b.description.clone(),
            description_kind: description_kind(),
            deprecated: false,
            deprecation_message: String::new(),
        }),
        nesting: block_nesting(b.nesting) as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

pub fn path_to_proto(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .steps()
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attr(a) => Selector::AttributeName(a.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

pub fn path_from_proto(p: &pb::AttributePath) -> AttributePath {
    use pb::attribute_path::step::Selector;
    AttributePath(
        p.steps
            .iter()
            .filter_map(|s| {
                s.selector.as_ref().map(|sel| match sel {
                    Selector::AttributeName(a) => PathStep::Attr(a.clone()),
                    Selector::ElementKeyString(k) => PathStep::Key(k.clone()),
                    Selector::ElementKeyInt(i) => PathStep::Index(*i),
                })
            })
            .collect(),
    )
}

pub fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        } as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        // Terraform points at the whole block for an empty path, same as none.
        attribute: d.path.as_ref().filter(|p| !p.is_root()).map(path_to_proto),
    }
}

pub fn diagnostics(ds: &Diagnostics) -> Vec<pb::Diagnostic> {
    ds.iter().map(diagnostic).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_carry_modes_flags_and_markdown_descriptions() {
        let s = Schema::new("A thing.")
            .version(2)
            .attribute(Attribute::string("name").required().description("Name."))
            .attribute(Attribute::string("id").computed())
            .attribute(Attribute::string("token").optional().write_only())
            .attribute(Attribute::bool("old").optional().deprecated("Use new."))
            .attribute(Attribute::nested(
                "disks",
                Nesting::List,
                vec![Attribute::number("size").required()],
            ))
            .timeouts(&["create"]);
        let p = schema(&s);
        assert_eq!(p.version, 2);
        let b = p.block.expect("block");
        assert_eq!(b.description_kind, pb::StringKind::Markdown as i32);
        let by_name = |n: &str| {
            b.attributes
                .iter()
                .find(|a| a.name == n)
                .cloned()
                .expect("attribute")
        };
        let name = by_name("name");
        assert!(name.required && !name.optional && !name.computed);
        assert_eq!(name.r#type, br#""string""#.to_vec());
        assert!(by_name("id").computed && !by_name("id").optional);
        let token = by_name("token");
        assert!(token.write_only && token.sensitive);
        assert!(by_name("old").deprecated);
        let disks = by_name("disks");
        assert!(disks.r#type.is_empty());
        let nested = disks.nested_type.expect("nested type");
        assert_eq!(nested.nesting, pb::schema::object::NestingMode::List as i32);
        assert_eq!(nested.attributes[0].name, "size");
        assert_eq!(b.block_types[0].type_name, "timeouts");
        assert_eq!(
            b.block_types[0].nesting,
            pb::schema::nested_block::NestingMode::Single as i32
        );
    }

    #[test]
    fn paths_round_trip_and_reach_diagnostics() {
        let p = AttributePath::attr("env").key("A").index(3);
        assert_eq!(path_from_proto(&path_to_proto(&p)), p);
        let ds = Diagnostics::single_attribute_error(p.clone(), "Bad", "Very bad");
        let out = diagnostics(&ds);
        assert_eq!(out[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(out[0].attribute.as_ref().map(path_from_proto), Some(p));
    }
}
