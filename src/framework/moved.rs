//! State moved in from another resource type or another provider (a `moved {}` block whose
//! `from` is managed elsewhere; Terraform ≥ 1.8 sends MoveResourceState). A resource opts in
//! with [`Resource::move_state`](super::Resource::move_state), naming the sources it knows.
//!
//! Terraform names the source provider the way its state does, `provider["<host>/<ns>/<type>"]`
//! with an optional `module.<name>.` prefix and `.<alias>` suffix; other clients send the bare
//! `<host>/<ns>/<type>`. [`ProviderAddress`] reads every form, so a resource compares sources,
//! not spellings. OpenTofu users' state names `registry.opentofu.org`, which mirrors the same
//! providers, so a source given without a host matches either public registry.

use std::fmt;

/// The public registry, implied when an address has no host.
const DEFAULT_HOST: &str = "registry.terraform.io";
/// Registries that publish the same providers under the same names.
const PUBLIC_HOSTS: &[&str] = &[DEFAULT_HOST, "registry.opentofu.org"];

/// A provider source address: host, namespace and type, lower-cased as Terraform compares them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderAddress {
    pub host: String,
    pub namespace: String,
    pub r#type: String,
}

impl ProviderAddress {
    /// Reads `registry.terraform.io/ns/type`, `ns/type`, or Terraform's state form
    /// `module.m.provider["registry.terraform.io/ns/type"].alias`. `None` when it is none of them.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let source = match text.find("provider[\"") {
            Some(start) => {
                let rest = &text[start + "provider[\"".len()..];
                &rest[..rest.find("\"]")?]
            }
            None => text,
        };
        let parts: Vec<&str> = source.split('/').collect();
        let (host, namespace, ty) = match parts.as_slice() {
            [host, ns, ty] => (*host, *ns, *ty),
            [ns, ty] => (DEFAULT_HOST, *ns, *ty),
            _ => return None,
        };
        if [host, namespace, ty].iter().any(|p| p.is_empty()) {
            return None;
        }
        Some(Self {
            host: host.to_ascii_lowercase(),
            namespace: namespace.to_ascii_lowercase(),
            r#type: ty.to_ascii_lowercase(),
        })
    }

    /// Whether this is the provider `source` names: `host/ns/type` exactly, or `ns/type` on
    /// either public registry.
    pub fn is(&self, source: &str) -> bool {
        let Some(other) = Self::parse(source) else {
            return false;
        };
        if source.trim().split('/').count() == 2 {
            PUBLIC_HOSTS.contains(&self.host.as_str())
                && other.namespace == self.namespace
                && other.r#type == self.r#type
        } else {
            other == *self
        }
    }
}

impl fmt::Display for ProviderAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.host, self.namespace, self.r#type)
    }
}

/// The object a `moved {}` block brings in, as the source provider stored it.
pub struct MoveSource<'a> {
    /// `None` when Terraform sent an address this framework cannot read.
    pub provider: Option<ProviderAddress>,
    /// The address as sent, for messages.
    pub provider_text: &'a str,
    pub type_name: &'a str,
    /// The source type's schema version the state was written under.
    pub schema_version: i64,
    /// The source state as JSON (Terraform sends JSON for moves).
    pub state: &'a serde_json::Value,
}

impl MoveSource<'_> {
    /// Whether the object comes from `provider`'s `type_name` (e.g. `shadeform/shadeform`,
    /// `shadeform_instance`; see [`ProviderAddress::is`]).
    pub fn is(&self, provider: &str, type_name: &str) -> bool {
        self.type_name == type_name && self.provider.as_ref().is_some_and(|p| p.is(provider))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_source_address_reads_the_same() {
        let want =
            ProviderAddress::parse("registry.terraform.io/shadeform/shadeform").expect("bare");
        for text in [
            "provider[\"registry.terraform.io/shadeform/shadeform\"]",
            "module.gpus.provider[\"registry.terraform.io/shadeform/shadeform\"].eu",
            "shadeform/shadeform",
            "Registry.Terraform.io/Shadeform/Shadeform",
        ] {
            assert_eq!(ProviderAddress::parse(text).as_ref(), Some(&want), "{text}");
        }
        assert_eq!(
            want.to_string(),
            "registry.terraform.io/shadeform/shadeform"
        );
        assert!(!want.is("registry.terraform.io/gpucloud/shadeform"));
        assert!(!want.is("example.com/shadeform/shadeform"));
        let tofu =
            ProviderAddress::parse("provider[\"registry.opentofu.org/shadeform/shadeform\"]")
                .expect("tofu");
        assert!(
            tofu.is("shadeform/shadeform"),
            "no host: either public registry"
        );
        assert!(
            !tofu.is("registry.terraform.io/shadeform/shadeform"),
            "a host is exact"
        );
        let private = ProviderAddress::parse("example.com/shadeform/shadeform").expect("private");
        assert!(!private.is("shadeform/shadeform"));
        for bad in ["", "shadeform", "a/b/c/d", "provider[\"x", "//"] {
            assert_eq!(ProviderAddress::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_source_matches_on_provider_and_type() {
        let state = serde_json::json!({});
        let src = MoveSource {
            provider: ProviderAddress::parse(
                "provider[\"registry.terraform.io/shadeform/shadeform\"]",
            ),
            provider_text: "provider[\"registry.terraform.io/shadeform/shadeform\"]",
            type_name: "shadeform_volume",
            schema_version: 0,
            state: &state,
        };
        assert!(src.is("shadeform/shadeform", "shadeform_volume"));
        assert!(!src.is("shadeform/shadeform", "shadeform_instance"));
        assert!(!src.is("gpucloud/shadeform", "shadeform_volume"));
    }
}
