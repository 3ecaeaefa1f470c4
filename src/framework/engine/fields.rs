//! API errors in the user's words. When an API refuses a create or update and names one of its
//! fields (`diskGb: must be at least the template's minDiskGb (40)`), the diagnostic is
//! rewritten to name the attribute the user wrote (`disk_gb`) and is pointed at it, so
//! Terraform underlines that line. The APIs spell a field as the attribute name in camelCase
//! (`disk_gb` → `diskGb`) or as the attribute name itself.

use crate::framework::diag::{Diagnostic, Diagnostics, Severity};
use crate::framework::path::AttributePath;
use crate::framework::schema::Schema;

/// `disk_gb` → `diskGb`.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Byte offsets where `word` occurs as a whole word (case-sensitive).
fn occurrences(text: &str, word: &str) -> Vec<usize> {
    text.match_indices(word)
        .filter(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Whether `text` holds `field:` as a field reference (how the client prints an API's
/// validation details: `(diskGb: must be …)`).
fn names_field(text: &str, field: &str) -> bool {
    occurrences(text, field)
        .into_iter()
        .any(|i| text[i + field.len()..].starts_with(':'))
}

fn replace_word(text: &str, word: &str, by: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for i in occurrences(text, word) {
        out.push_str(&text[last..i]);
        out.push_str(by);
        last = i + word.len();
    }
    out.push_str(&text[last..]);
    out
}

fn rename(schema: &Schema, mut d: Diagnostic) -> Diagnostic {
    if d.severity != Severity::Error || d.path.is_some() {
        return d;
    }
    for a in schema
        .attributes
        .iter()
        .filter(|a| a.mode.is_configurable())
    {
        let field = camel(&a.name);
        if !(names_field(&d.summary, &field) || names_field(&d.detail, &field)) {
            continue;
        }
        d.summary = replace_word(&d.summary, &field, &a.name);
        d.detail = replace_word(&d.detail, &field, &a.name);
        d.path.get_or_insert_with(|| AttributePath::attr(&a.name));
    }
    d
}

/// Points API errors that name a field at the attribute, in the attribute's spelling.
pub fn name_attributes(schema: &Schema, diags: Diagnostics) -> Diagnostics {
    let mut out = Diagnostics::new();
    for d in diags {
        out.push(rename(schema, d));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attribute;

    fn schema() -> Schema {
        Schema::new("vm")
            .attribute(Attribute::string("id").computed().description("i"))
            .attribute(Attribute::int("disk_gb").optional().description("d"))
            .attribute(Attribute::string("region").optional().description("r"))
    }

    fn error(summary: &str, detail: &str) -> Diagnostics {
        Diagnostics::single_error(summary, detail)
    }

    #[test]
    fn an_api_field_becomes_the_attribute_and_gets_its_path() {
        let d = name_attributes(
            &schema(),
            error(
                "Failed to create VM \"ml\": diskGb must be at least the template's minDiskGb (40) (diskGb: must be at least the template's minDiskGb (40))",
                "The API answered HTTP 400 Bad Request.\nAPI message: diskGb must be at least 40 (diskGb: must be at least 40)",
            ),
        );
        let d = d.iter().next().expect("one");
        assert_eq!(d.path, Some(AttributePath::attr("disk_gb")));
        assert!(
            !d.summary.contains("diskGb") && !d.detail.contains("diskGb"),
            "{d:?}"
        );
        assert!(
            d.summary.contains("disk_gb must be at least"),
            "{}",
            d.summary
        );
        assert!(
            d.summary.contains("minDiskGb"),
            "other fields stay: {}",
            d.summary
        );
    }

    #[test]
    fn snake_case_apis_get_the_path_and_unrelated_errors_stay() {
        let d = name_attributes(
            &schema(),
            error("Failed to launch: region: not offered", ""),
        );
        assert_eq!(
            d.iter().next().and_then(|d| d.path.clone()),
            Some(AttributePath::attr("region"))
        );
        let plain = error("Failed to create VM: the region is busy", "no field named");
        assert_eq!(name_attributes(&schema(), plain.clone()), plain);
        let computed = error("Failed: id: taken", "");
        assert_eq!(name_attributes(&schema(), computed.clone()), computed);
    }

    #[test]
    fn camel_case_of_attribute_names() {
        assert_eq!(camel("disk_gb"), "diskGb");
        assert_eq!(camel("shade_instance_type"), "shadeInstanceType");
        assert_eq!(camel("name"), "name");
    }
}
