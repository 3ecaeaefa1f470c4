//! Terraform Registry documentation generated from the live schema the binary serves, in the
//! shape tfplugindocs writes: front matter, description, `## Example Usage` from `examples/`,
//! `## Schema` (Required / Optional / Read-Only, nested schemas with anchors) and `## Import`.
//!
//! Layout: one tree per member, `docs/<member>/index.md`, `docs/<member>/resources/<name>.md`,
//! `docs/<member>/data-sources/<name>.md`, `docs/<member>/ephemeral-resources/<name>.md`; release copies `docs/<member>/` to the root of that
//! member's published repository. Templates come from `templates/` (one generic template per
//! kind, overridable per type at `templates/<member>/<kind>/<name>.md.tmpl`).

mod schema_md;

use crate::framework::server::ProviderServer;
use crate::framework::{AttributeType, Schema};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use schema_md::schema_markdown;

/// One page to write: its path under the docs root and its text.
pub struct Page {
    pub path: PathBuf,
    pub text: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Resource,
    DataSource,
    EphemeralResource,
}

impl Kind {
    fn folder(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
            Kind::EphemeralResource => "ephemeral-resources",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
            Kind::EphemeralResource => "Ephemeral Resource",
        }
    }
    /// The example file tfplugindocs reads from `examples/<member>/<folder>/<type>/`.
    fn example_file(self) -> &'static str {
        match self {
            Kind::Resource => "resource.tf",
            Kind::DataSource => "data-source.tf",
            Kind::EphemeralResource => "ephemeral-resource.tf",
        }
    }
    fn default_template(self) -> &'static str {
        match self {
            Kind::Resource => DEFAULT_RESOURCE,
            Kind::DataSource => DEFAULT_DATA_SOURCE,
            Kind::EphemeralResource => DEFAULT_EPHEMERAL_RESOURCE,
        }
    }
}

const DEFAULT_INDEX: &str = include_str!("../../templates/index.md.tmpl");
const DEFAULT_RESOURCE: &str = include_str!("../../templates/resources.md.tmpl");
const DEFAULT_DATA_SOURCE: &str = include_str!("../../templates/data-sources.md.tmpl");
const DEFAULT_EPHEMERAL_RESOURCE: &str =
    include_str!("../../templates/ephemeral-resources.md.tmpl");

/// Renders every page of one member. `repo` is the repository root (for `examples/` and
/// `templates/` overrides).
pub fn render_member(server: &ProviderServer, repo: &Path) -> Vec<Page> {
    let member = server.name();
    let mut pages = Vec::new();
    let provider_schema = server.provider_schema();
    let index_tmpl = read_override(repo, &format!("templates/{member}/index.md.tmpl"))
        .unwrap_or_else(|| DEFAULT_INDEX.to_string());
    let example = read_example(repo, &format!("examples/{member}/provider/provider.tf"));
    let mut vars = BTreeMap::new();
    vars.insert("ProviderName", member.to_string());
    vars.insert(
        "Description",
        provider_schema.description.trim().to_string(),
    );
    vars.insert("Example", example_section(example.as_deref()));
    vars.insert("SchemaMarkdown", schema_markdown(&provider_schema));
    vars.insert(
        "Resources",
        type_list(member, "resources", server.resource_schemas().keys()),
    );
    vars.insert(
        "DataSources",
        type_list(member, "data-sources", server.data_source_schemas().keys()),
    );
    let ephemeral = server.ephemeral_resource_schemas();
    vars.insert(
        "EphemeralResources",
        if ephemeral.is_empty() {
            String::new()
        } else {
            format!(
                "## Ephemeral Resources\n\n{}",
                type_list(member, "ephemeral-resources", ephemeral.keys())
            )
        },
    );
    pages.push(Page {
        path: PathBuf::from("index.md"),
        text: fill(&index_tmpl, &vars),
    });

    for (kind, schemas) in [
        (Kind::Resource, server.resource_schemas()),
        (Kind::DataSource, server.data_source_schemas()),
        (Kind::EphemeralResource, ephemeral),
    ] {
        for (full_name, schema) in schemas {
            let short = full_name
                .strip_prefix(&format!("{member}_"))
                .unwrap_or(&full_name);
            pages.push(Page {
                path: PathBuf::from(kind.folder()).join(format!("{short}.md")),
                text: render_type(repo, member, kind, &full_name, short, &schema),
            });
        }
    }
    pages
}

fn render_type(
    repo: &Path,
    member: &str,
    kind: Kind,
    full: &str,
    short: &str,
    s: &Schema,
) -> String {
    let tmpl = read_override(
        repo,
        &format!("templates/{member}/{}/{short}.md.tmpl", kind.folder()),
    )
    .unwrap_or_else(|| kind.default_template().to_string());
    let example_dir = format!("examples/{member}/{}/{full}", kind.folder());
    let example = read_example(repo, &format!("{example_dir}/{}", kind.example_file()));
    let mut vars = BTreeMap::new();
    vars.insert("Name", full.to_string());
    vars.insert("Kind", kind.label().to_string());
    vars.insert("ProviderName", member.to_string());
    vars.insert("Description", s.description.trim().to_string());
    vars.insert("DescriptionYaml", yaml_block(s.description.trim()));
    vars.insert("Example", example_section(example.as_deref()));
    vars.insert("SchemaMarkdown", schema_markdown(s));
    vars.insert("Import", import_section(repo, &example_dir));
    fill(&tmpl, &vars)
}

fn read_override(repo: &Path, rel: &str) -> Option<String> {
    std::fs::read_to_string(repo.join(rel)).ok()
}

fn read_example(repo: &Path, rel: &str) -> Option<String> {
    std::fs::read_to_string(repo.join(rel))
        .ok()
        .map(|s| s.trim_end().to_string())
}

fn example_section(example: Option<&str>) -> String {
    match example {
        Some(e) => format!("## Example Usage\n\n```terraform\n{e}\n```\n"),
        None => String::new(),
    }
}

fn import_section(repo: &Path, example_dir: &str) -> String {
    let mut out = String::new();
    if let Some(tf) = read_example(repo, &format!("{example_dir}/import-by-string-id.tf")) {
        out.push_str("In Terraform v1.5.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used:\n\n");
        out.push_str(&format!("```terraform\n{tf}\n```\n\n"));
        out.push_str("The [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can also be used:\n\n");
    }
    if let Some(sh) = read_example(repo, &format!("{example_dir}/import.sh")) {
        if out.is_empty() {
            out.push_str("Import is supported using the following syntax:\n\n");
        }
        out.push_str(&format!("```shell\n{sh}\n```\n"));
    }
    if out.is_empty() {
        out
    } else {
        format!("## Import\n\n{out}")
    }
}

fn type_list<'a>(member: &str, folder: &str, names: impl Iterator<Item = &'a String>) -> String {
    names
        .map(|n| {
            let short = n.strip_prefix(&format!("{member}_")).unwrap_or(n);
            format!("- [`{n}`]({folder}/{short}.md)\n")
        })
        .collect()
}

/// YAML block-scalar body for the front matter `description: |-`.
fn yaml_block(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("  {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces `{{ .Name }}`-style placeholders (the names tfplugindocs templates use).
fn fill(template: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{{ .{k} }}}}"), v);
    }
    // Collapse the blank lines an empty section leaves behind.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    format!("{}\n", out.trim_end())
}

/// Every attribute (nested too) without a description, as `type.path` strings.
pub fn missing_descriptions(server: &ProviderServer) -> Vec<String> {
    fn walk(prefix: &str, attrs: &[crate::framework::Attribute], out: &mut Vec<String>) {
        for a in attrs {
            let path = format!("{prefix}.{}", a.name);
            if a.description.trim().is_empty() {
                out.push(path.clone());
            }
            if let AttributeType::Nested { attributes, .. } = &a.ty {
                walk(&path, attributes, out);
            }
        }
    }
    let mut out = Vec::new();
    let provider = server.provider_schema();
    walk(
        &format!("provider {}", server.name()),
        &provider.attributes,
        &mut out,
    );
    for (name, s) in server
        .resource_schemas()
        .into_iter()
        .chain(server.data_source_schemas())
        .chain(server.ephemeral_resource_schemas())
    {
        if s.description.trim().is_empty() {
            out.push(format!("{name} (type description)"));
        }
        walk(&name, &s.attributes, &mut out);
        for b in &s.blocks {
            walk(&format!("{name}.{}", b.name), &b.attributes, &mut out);
        }
    }
    out
}

/// Writes (or, with `check`, compares) the docs of every member under `out`. Returns the
/// paths that differ when checking.
pub fn generate(repo: &Path, out: &Path, check: bool) -> std::io::Result<Vec<PathBuf>> {
    let mut differing = Vec::new();
    for member in crate::providers::MEMBERS {
        let Some(provider) = crate::providers::member(member) else {
            continue;
        };
        let server = ProviderServer::new(provider);
        for page in render_member(&server, repo) {
            let path = out.join(member).join(&page.path);
            if check {
                if std::fs::read_to_string(&path).ok().as_deref() != Some(page.text.as_str()) {
                    differing.push(path);
                }
            } else {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(&path, page.text)?;
            }
        }
    }
    Ok(differing)
}
