//! `icgpu_vm_firewall_rule`: one traffic rule of an `icgpu_vm_network`. The API has no update:
//! every argument replaces the rule. `port_range` is checked against `protocol` at plan time.

use super::records::{self, ipv4_cidr, port_range, prefixed_id, Record, RecordType};
use super::vm_net_disk_api::{
    CreateVmFirewallRule, FIREWALL_ACTIONS, FIREWALL_DIRECTIONS, FIREWALL_PROTOCOLS,
};
use crate::framework::{Attribute, AttributePath, Diagnostics, Schema, Value};
use crate::framework::{IdKind, IdPart, ImportForm};
use serde::{Deserialize, Serialize};

pub struct VmFirewallRuleResource;

/// `VmFirewallRule`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VmFirewallRuleModel {
    pub id: Option<String>,
    pub network_id: Option<String>,
    pub direction: Option<String>,
    pub protocol: Option<String>,
    pub port_range: Option<String>,
    pub source: Option<String>,
    pub action: Option<String>,
    pub created_at: Option<String>,
}

impl Record for VmFirewallRuleModel {
    fn what(&self) -> String {
        let (id, net) = (self.id.as_deref(), self.network_id.as_deref());
        let id = id.or(self.protocol.as_deref()).unwrap_or_default();
        format!(
            "firewall rule {id} of VM network {}",
            net.unwrap_or_default()
        )
    }
    fn path(&self) -> Option<String> {
        let (net, id) = (self.network_id.as_deref()?, self.id.as_deref()?);
        Some(format!(
            "{}/firewall-rules/{id}",
            super::vm_network::path(net)
        ))
    }
}

impl RecordType for VmFirewallRuleResource {
    type Model = VmFirewallRuleModel;
    const NAME: &'static str = "vm_firewall_rule";
    const ID_PREFIX: &'static str = "fwr-";

    fn schema(&self) -> Schema {
        Schema::new(
            "A firewall rule of an `icgpu_vm_network`: which traffic to or from the network's \
             VMs is allowed or denied. Rules cannot change: any new argument replaces the rule. \
             Deleting the network deletes its rules.",
        )
        .attribute(records::id(
            "Rule ID (`fwr-...`). The import ID is `<network_id>/<id>`, e.g. \
                     `net-abc123/fwr-def456`.",
        ))
        .attribute(
            Attribute::string("network_id")
                .required()
                .requires_replace()
                .validator(prefixed_id("net-", "VM network"))
                .description("ID of the `icgpu_vm_network` the rule belongs to (`net-...`)."),
        )
        .attribute(
            Attribute::string("direction")
                .required()
                .requires_replace()
                .one_of(FIREWALL_DIRECTIONS)
                .description(
                    "`ingress` (traffic to the network's VMs) or `egress` (traffic from them).",
                ),
        )
        .attribute(
            Attribute::string("protocol")
                .required()
                .requires_replace()
                .one_of(FIREWALL_PROTOCOLS)
                .description("`tcp`, `udp`, `icmp` or `any` (every protocol)."),
        )
        .attribute(
            Attribute::string("port_range")
                .optional()
                .requires_replace()
                .validator(port_range())
                .description(
                    "A port (`22`) or an inclusive range (`8000-8100`). Required for `tcp` and \
                     `udp`; leave it out for `icmp` and `any`.",
                ),
        )
        .attribute(
            Attribute::string("source")
                .required()
                .requires_replace()
                .validator(ipv4_cidr(0..=32))
                .description(
                    "The remote IPv4 range in CIDR notation (`0.0.0.0/0` for anywhere): where \
                     ingress traffic comes from, or where egress traffic goes.",
                ),
        )
        .attribute(
            Attribute::string("action")
                .default(Value::string("allow"))
                .requires_replace()
                .one_of(FIREWALL_ACTIONS)
                .description("`allow` (the default) or `deny` matching traffic."),
        )
        .attribute(records::created_at())
    }

    /// `port_range` goes with `tcp` and `udp` only.
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let ports = config.attr("port_range").unwrap_or(&Value::Null);
        let Some(protocol) = config.attr("protocol").and_then(Value::as_str) else {
            return;
        };
        let ported = matches!(protocol, "tcp" | "udp");
        if ports.is_unknown() || ported != ports.is_null() {
            return;
        }
        let detail = if ported {
            format!(
                "A {protocol} rule needs port_range: a port (\"22\") or a range (\"8000-8100\")."
            )
        } else {
            format!("A {protocol} rule has no ports; remove port_range.")
        };
        diags.attribute_error(
            AttributePath::attr("port_range"),
            "Invalid port_range",
            detail,
        );
    }

    fn create_request(
        &self,
        plan: &VmFirewallRuleModel,
    ) -> (String, impl Serialize + Send + Sync + use<>) {
        let net = plan.network_id.clone().unwrap_or_default();
        let req = CreateVmFirewallRule {
            direction: plan.direction.clone().unwrap_or_default(),
            protocol: plan.protocol.clone().unwrap_or_default(),
            port_range: plan.port_range.clone(),
            source: plan.source.clone().unwrap_or_default(),
            action: plan.action.clone().unwrap_or_default(),
        };
        let path = format!("{}/firewall-rules", super::vm_network::path(&net));
        (path, req)
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::path(vec![
            IdPart::new("network_id", IdKind::Prefixed("net-")),
            IdPart::new("id", IdKind::Prefixed("fwr-")),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::icgpu::testutil;

    fn check(protocol: &str, ports: Value) -> String {
        let schema = VmFirewallRuleResource.schema();
        let mut d = testutil::check(&schema, "port_range", ports.clone(), &[]);
        let config =
            testutil::config(&[("protocol", Value::string(protocol)), ("port_range", ports)]);
        VmFirewallRuleResource.validate(&config, &mut d);
        testutil::errors_text(&d)
    }

    #[test]
    fn port_range_goes_with_tcp_and_udp_only() {
        assert_eq!(check("tcp", Value::string("22")), "");
        assert_eq!(check("udp", Value::string("8000-8100")), "");
        assert_eq!(check("icmp", Value::Null), "");
        assert!(check("tcp", Value::Null).contains("needs port_range"));
        assert!(check("any", Value::string("22")).contains("remove port_range"));
        assert!(check("tcp", Value::string("90-80")).contains("1-65535"));
        assert!(check("tcp", Value::string("0")).contains("1-65535"));
        assert_eq!(check("tcp", Value::Unknown), "");
    }
}
