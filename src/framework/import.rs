//! Import IDs: every resource declares the form its import ID takes (`vm-<letters and digits>`,
//! a UUID, `org_id/project_id/airuntime_id`), and the engine checks each ID against it before
//! any API call. An ID that does not fit gets a diagnostic naming the form and an example, for
//! `terraform import` and `import {}` blocks alike; one that fits becomes the identifying
//! attributes the read after the import starts from.
//!
//! ```ignore
//! fn import_form(&self) -> ImportForm { ImportForm::prefixed("vm-") }
//! fn import_form(&self) -> ImportForm {
//!     ImportForm::path(vec![
//!         IdPart::text("org_id", "org-abc123"),
//!         IdPart::text("project_id", "prj-abc123"),
//!         IdPart::new("airuntime_id", IdKind::Uuid).fills(&["id"]),
//!     ])
//! }
//! ```

use super::diag::Diagnostics;

const SAMPLE_UUID: &str = "3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10";

/// What one part of an import ID must look like.
#[derive(Clone, Debug)]
pub enum IdKind {
    /// The prefix, then lower-case letters and digits (`vm-abc123`).
    Prefixed(&'static str),
    /// A UUID (`3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10`).
    Uuid,
    /// A DNS label: 1-63 lower-case letters, digits and `-`, starting and ending with a letter
    /// or digit (names that are also IDs).
    DnsLabel,
    /// Any text without spaces or `/`; `example` shows what one looks like.
    Text { example: &'static str },
}

impl IdKind {
    /// How the part is written in the form: its label, or for a whole ID what it looks like.
    fn placeholder(&self, label: &str, whole: bool) -> String {
        match self {
            IdKind::Prefixed(p) => format!("{p}<lower-case letters and digits>"),
            _ if !whole => label.to_string(),
            IdKind::Uuid => "<UUID>".into(),
            IdKind::DnsLabel => "<DNS label>".into(),
            IdKind::Text { .. } => format!("<{label}>"),
        }
    }

    fn example(&self) -> String {
        match self {
            IdKind::Prefixed(p) => format!("{p}abc123"),
            IdKind::Uuid => SAMPLE_UUID.into(),
            IdKind::DnsLabel => "my-name".into(),
            IdKind::Text { example } => example.to_string(),
        }
    }

    /// What the part must be, in words, for the error message.
    fn rule(&self) -> String {
        match self {
            IdKind::Prefixed(p) => format!("`{p}` followed by lower-case letters and digits"),
            IdKind::Uuid => format!("a UUID such as {SAMPLE_UUID}"),
            IdKind::DnsLabel => "a DNS label: 1-63 lower-case letters, digits and '-', starting \
                                 and ending with a letter or digit"
                .into(),
            IdKind::Text { example } => {
                format!("non-empty text without spaces or '/', such as {example}")
            }
        }
    }

    fn accepts(&self, s: &str) -> bool {
        let lower_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        match self {
            IdKind::Prefixed(p) => s
                .strip_prefix(p)
                .is_some_and(|rest| !rest.is_empty() && rest.chars().all(lower_alnum)),
            IdKind::Uuid => s.len() == 36 && uuid::Uuid::try_parse(s).is_ok(),
            IdKind::DnsLabel => {
                (1..=63).contains(&s.len())
                    && s.chars().all(|c| lower_alnum(c) || c == '-')
                    && !s.starts_with('-')
                    && !s.ends_with('-')
            }
            IdKind::Text { .. } => {
                !s.is_empty() && !s.chars().any(|c| c == '/' || c.is_whitespace())
            }
        }
    }
}

/// One `/`-separated part of an import ID and the attributes it fills.
#[derive(Clone, Debug)]
pub struct IdPart {
    label: &'static str,
    kind: IdKind,
    fills: Vec<&'static str>,
}

impl IdPart {
    /// A part called `label` in messages, filling the attribute of that name.
    pub fn new(label: &'static str, kind: IdKind) -> Self {
        Self {
            label,
            kind,
            fills: vec![label],
        }
    }
    /// A free-text part (see [`IdKind::Text`]).
    pub fn text(label: &'static str, example: &'static str) -> Self {
        Self::new(label, IdKind::Text { example })
    }
    /// The attributes this part's value is copied into (instead of the one named `label`).
    pub fn fills(mut self, attributes: &[&'static str]) -> Self {
        self.fills = attributes.to_vec();
        self
    }
}

/// The documented form of a resource's import ID.
#[derive(Clone, Debug)]
pub struct ImportForm {
    parts: Vec<IdPart>,
    /// Set when the resource cannot be imported: why, and what to do instead.
    unsupported: Option<String>,
}

impl ImportForm {
    /// The ID is the object's `id`: `prefix` followed by lower-case letters and digits.
    pub fn prefixed(prefix: &'static str) -> Self {
        Self::id(IdKind::Prefixed(prefix))
    }
    /// The ID is the object's `id`, of the given kind.
    pub fn id(kind: IdKind) -> Self {
        Self::path(vec![IdPart::new("id", kind)])
    }
    /// The ID is `/`-separated parts, in this order.
    pub fn path(parts: Vec<IdPart>) -> Self {
        Self {
            parts,
            unsupported: None,
        }
    }
    /// The resource cannot be imported; `reason` says why and what to do instead.
    pub fn unsupported(reason: impl Into<String>) -> Self {
        Self {
            parts: Vec::new(),
            unsupported: Some(reason.into()),
        }
    }
    /// Copies the single part's value into further attributes as well (a name that is also
    /// the ID).
    pub fn also_fills(mut self, attribute: &'static str) -> Self {
        if let Some(p) = self.parts.last_mut() {
            p.fills.push(attribute);
        }
        self
    }

    pub fn is_supported(&self) -> bool {
        self.unsupported.is_none()
    }

    /// The form in words: `vm-<lower-case letters and digits>`, `org_id/project_id/airuntime_id`.
    pub fn describe(&self) -> String {
        let whole = self.parts.len() == 1;
        self.parts
            .iter()
            .map(|p| p.kind.placeholder(p.label, whole))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// An ID of this form, for messages and docs.
    pub fn example(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.kind.example())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The identifying attributes for `id` (a JSON object), or the diagnostic that names the
    /// form. `type_name` is the full resource type (`icgpu_vm`), used in the example command.
    pub fn parse(&self, type_name: &str, id: &str) -> Result<serde_json::Value, Diagnostics> {
        if let Some(reason) = &self.unsupported {
            return Err(Diagnostics::single_error(
                format!("{type_name} cannot be imported"),
                reason.clone(),
            ));
        }
        let pieces: Vec<&str> = id.split('/').collect();
        let problem = if pieces.len() != self.parts.len() {
            Some(if self.parts.len() == 1 {
                "it contains '/'".to_string()
            } else {
                format!(
                    "it has {} '/'-separated parts, the form has {}",
                    pieces.len(),
                    self.parts.len()
                )
            })
        } else {
            self.parts
                .iter()
                .zip(&pieces)
                .find(|(part, piece)| !part.kind.accepts(piece))
                .map(|(part, piece)| {
                    if self.parts.len() == 1 {
                        format!("it must be {}", part.kind.rule())
                    } else {
                        format!(
                            "its {} part {piece:?} must be {}",
                            part.label,
                            part.kind.rule()
                        )
                    }
                })
        };
        if let Some(problem) = problem {
            let example = self.example();
            return Err(Diagnostics::single_error(
                format!("Invalid import ID for {type_name}"),
                format!(
                    "{id:?} is not an import ID of the form `{form}`: {problem}. Import with, for \
                     example, `terraform import {type_name}.example {example}`, or an `import` \
                     block with `id = \"{example}\"`.",
                    form = self.describe(),
                ),
            ));
        }
        let mut attrs = serde_json::Map::new();
        for (part, piece) in self.parts.iter().zip(pieces) {
            for a in &part.fills {
                attrs.insert(a.to_string(), serde_json::Value::String(piece.to_string()));
            }
        }
        Ok(serde_json::Value::Object(attrs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(form: &ImportForm, id: &str) -> String {
        let d = form.parse("x_thing", id).expect_err("must be refused");
        d.iter().map(|d| d.detail.clone()).collect()
    }

    #[test]
    fn prefixed_ids_name_the_form_and_an_example_command() {
        let f = ImportForm::prefixed("vm-");
        assert_eq!(
            f.parse("icgpu_vm", "vm-abc123").expect("fits"),
            serde_json::json!({"id": "vm-abc123"})
        );
        for bad in ["inst-abc123", "vm-", "vm-ABC", "vm-a_b", "a/vm-1", " vm-1"] {
            let text = detail(&f, bad);
            assert!(
                text.contains("vm-<lower-case letters and digits>")
                    && text.contains("terraform import x_thing.example vm-abc123")
                    && text.contains("id = \"vm-abc123\""),
                "{bad}: {text}"
            );
        }
    }

    #[test]
    fn uuids_and_dns_labels() {
        let f = ImportForm::id(IdKind::Uuid);
        assert!(f.parse("t", SAMPLE_UUID).is_ok());
        assert!(detail(&f, "not-a-uuid").contains("of the form `<UUID>`: it must be a UUID"));
        let f = ImportForm::id(IdKind::DnsLabel).also_fills("name");
        assert_eq!(
            f.parse("t", "my-llama").expect("fits"),
            serde_json::json!({"id": "my-llama", "name": "my-llama"})
        );
        for bad in ["My-Llama", "-x", "x-", "a.b", &"a".repeat(64)] {
            assert!(detail(&f, bad).contains("DNS label"), "{bad}");
        }
    }

    #[test]
    fn paths_check_every_part_and_fill_named_attributes() {
        let f = ImportForm::path(vec![
            IdPart::text("org_id", "org-abc123"),
            IdPart::text("project_id", "prj-abc123"),
            IdPart::new("airuntime_id", IdKind::Uuid).fills(&["id"]),
        ]);
        assert_eq!(f.describe(), "org_id/project_id/airuntime_id");
        let ok = format!("org-1/prj-2/{SAMPLE_UUID}");
        assert_eq!(
            f.parse("t", &ok).expect("fits"),
            serde_json::json!({"org_id": "org-1", "project_id": "prj-2", "id": SAMPLE_UUID})
        );
        assert!(detail(&f, SAMPLE_UUID).contains("has 1 '/'-separated parts, the form has 3"));
        assert!(detail(&f, "org-1/prj-2/rt-9").contains("airuntime_id part \"rt-9\""));
        assert!(detail(&f, "org-1//x").contains("project_id part"));
    }

    #[test]
    fn unsupported_imports_say_why() {
        let f = ImportForm::unsupported("Create it instead.");
        let d = f.parse("x_run", "anything").expect_err("refused");
        let d = d.iter().next().expect("one");
        assert_eq!(d.summary, "x_run cannot be imported");
        assert_eq!(d.detail, "Create it instead.");
        assert!(!f.is_supported());
    }
}
