//! The `## Schema` section in tfplugindocs' shape: Required / Optional / Read-Only lists with
//! `(String, Sensitive)`-style labels, and one anchored "Nested Schema" section per nested
//! attribute or block.

use crate::framework::schema::{Attribute, AttributeType, Block, Mode, Nesting};
use crate::framework::{Schema, Type};

pub fn schema_markdown(s: &Schema) -> String {
    let mut out =
        String::from("<!-- schema generated from the provider's live schema -->\n## Schema\n");
    let mut nested = Vec::new();
    write_groups(&mut out, &s.attributes, &s.blocks, "", &mut nested, "###");
    while !nested.is_empty() {
        let batch = std::mem::take(&mut nested);
        for n in batch {
            out.push_str(&format!(
                "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n",
                n.anchor, n.path
            ));
            write_groups(&mut out, &n.attributes, &n.blocks, &n.path, &mut nested, "");
        }
    }
    out
}

struct NestedSection {
    anchor: String,
    path: String,
    attributes: Vec<Attribute>,
    blocks: Vec<Block>,
}

fn write_groups(
    out: &mut String,
    attrs: &[Attribute],
    blocks: &[Block],
    parent: &str,
    nested: &mut Vec<NestedSection>,
    heading: &str,
) {
    type InGroup = fn(Mode) -> bool;
    let groups: [(&str, InGroup); 3] = [
        ("Required", |m| m == Mode::Required),
        ("Optional", |m| {
            matches!(m, Mode::Optional | Mode::OptionalComputed)
        }),
        ("Read-Only", |m| m == Mode::Computed),
    ];
    for (title, wanted) in groups {
        let mut lines = Vec::new();
        for a in attrs.iter().filter(|a| wanted(a.mode)) {
            lines.push(attribute_line(a, parent, nested));
        }
        if title == "Optional" {
            for b in blocks {
                lines.push(block_line(b, parent, nested));
            }
        }
        if lines.is_empty() {
            continue;
        }
        lines.sort();
        if heading.is_empty() {
            out.push_str(&format!("\n{title}:\n\n"));
        } else {
            out.push_str(&format!("\n{heading} {title}\n\n"));
        }
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

fn attribute_line(a: &Attribute, parent: &str, nested: &mut Vec<NestedSection>) -> String {
    let path = join(parent, &a.name);
    let mut labels = vec![type_label(a)];
    if a.sensitive {
        labels.push("Sensitive".into());
    }
    if a.write_only {
        labels.push("[Write-only](https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments)".into());
    }
    if a.deprecation.is_some() {
        labels.push("Deprecated".into());
    }
    let mut line = format!("- `{}` ({})", a.name, labels.join(", "));
    let mut text = a.description.trim().to_string();
    if let Some(d) = &a.default {
        if !text.contains("Defaults to") {
            text.push_str(&format!(" Defaults to `{}`.", d.to_json()));
        }
    }
    if a.local_setting {
        text.push_str(
            " Changing it alone is applied without any request and changes nothing remote.",
        );
    }
    if let Some(msg) = &a.deprecation {
        text.push_str(&format!(" **Deprecated:** {msg}"));
    }
    if !text.trim().is_empty() {
        line.push(' ');
        line.push_str(text.trim());
    }
    if let AttributeType::Nested { attributes, .. } = &a.ty {
        let anchor = format!("nestedatt--{}", path.replace('.', "--"));
        line.push_str(&format!(" (see [below for nested schema](#{anchor}))"));
        nested.push(NestedSection {
            anchor,
            path,
            attributes: attributes.clone(),
            blocks: Vec::new(),
        });
    }
    line
}

fn block_line(b: &Block, parent: &str, nested: &mut Vec<NestedSection>) -> String {
    let path = join(parent, &b.name);
    let anchor = format!("nestedblock--{}", path.replace('.', "--"));
    let label = match b.nesting {
        Nesting::Single => "Block".to_string(),
        Nesting::List => "Block List".to_string(),
        Nesting::Set => "Block Set".to_string(),
        Nesting::Map => "Block Map".to_string(),
    };
    let desc = b.description.trim();
    nested.push(NestedSection {
        anchor: anchor.clone(),
        path,
        attributes: b.attributes.clone(),
        blocks: b.blocks.clone(),
    });
    format!(
        "- `{}` ({label}) {desc} (see [below for nested schema](#{anchor}))",
        b.name
    )
}

fn type_label(a: &Attribute) -> String {
    match &a.ty {
        AttributeType::Nested { nesting, .. } => match nesting {
            Nesting::Single => "Attributes".into(),
            Nesting::List => "Attributes List".into(),
            Nesting::Set => "Attributes Set".into(),
            Nesting::Map => "Attributes Map".into(),
        },
        AttributeType::Primitive(t) => type_name(t),
    }
}

fn type_name(t: &Type) -> String {
    match t {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", type_name(e)),
        Type::Set(e) => format!("Set of {}", type_name(e)),
        Type::Map(e) => format!("Map of {}", type_name(e)),
        Type::Object(..) => "Object".into(),
        Type::Tuple(..) => "Tuple".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attribute;

    #[test]
    fn nested_attributes_get_anchored_sections_in_tfplugindocs_shape() {
        let s = Schema::new("x")
            .attribute(
                Attribute::string("name")
                    .required()
                    .description("The name."),
            )
            .attribute(
                Attribute::string("token")
                    .write_only()
                    .optional()
                    .description("A secret."),
            )
            .attribute(Attribute::string("id").computed().description("The ID."))
            .attribute(
                Attribute::nested(
                    "launch",
                    Nesting::Single,
                    vec![Attribute::string("type").required().description("Kind.")],
                )
                .optional()
                .description("Launch settings."),
            )
            .timeouts(&["create"]);
        let md = schema_markdown(&s);
        let req = md.find("### Required").expect("required");
        let opt = md.find("### Optional").expect("optional");
        let ro = md.find("### Read-Only").expect("read-only");
        assert!(req < opt && opt < ro, "{md}");
        assert!(md.contains("- `name` (String) The name."));
        assert!(md.contains("- `token` (String, Sensitive, [Write-only]"));
        assert!(md.contains("- `launch` (Attributes) Launch settings. (see [below for nested schema](#nestedatt--launch))"));
        assert!(md.contains("<a id=\"nestedatt--launch\"></a>\n### Nested Schema for `launch`\n\nRequired:\n\n- `type` (String) Kind."));
        assert!(md.contains("- `timeouts` (Block) "));
        assert!(md.contains("<a id=\"nestedblock--timeouts\"></a>"));
    }
}
