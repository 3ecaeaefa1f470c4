//! `icgpu_vm_subnet`: an IPv4 address range of an `icgpu_vm_network`. The API has no update:
//! every argument replaces the subnet. The CIDR is checked at plan time (a network address,
//! prefix /16 to /29); overlaps with other subnets are the API's to refuse.

use super::records::{self, dns_label, ipv4_cidr, prefixed_id, Record, RecordType};
use super::vm_net_disk_api::CreateVmSubnet;
use crate::framework::{Attribute, Schema};
use crate::framework::{IdKind, IdPart, ImportForm};
use serde::{Deserialize, Serialize};

pub struct VmSubnetResource;

/// `VmSubnet`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VmSubnetModel {
    pub id: Option<String>,
    pub network_id: Option<String>,
    pub name: Option<String>,
    pub cidr: Option<String>,
    pub gateway_ip: Option<String>,
    pub created_at: Option<String>,
}

impl Record for VmSubnetModel {
    fn what(&self) -> String {
        let id = self.id.as_deref().or(self.name.as_deref());
        let net = self.network_id.as_deref().unwrap_or_default();
        format!("subnet {} of VM network {net}", id.unwrap_or_default())
    }
    fn path(&self) -> Option<String> {
        let (net, id) = (self.network_id.as_deref()?, self.id.as_deref()?);
        Some(format!("{}/subnets/{id}", super::vm_network::path(net)))
    }
}

impl RecordType for VmSubnetResource {
    type Model = VmSubnetModel;
    const NAME: &'static str = "vm_subnet";
    const ID_PREFIX: &'static str = "subnet-";

    fn schema(&self) -> Schema {
        Schema::new(
            "An IPv4 subnet of an `icgpu_vm_network`. Subnets cannot change: any new argument \
             replaces the subnet. A CIDR that overlaps another subnet of the network is \
             refused by the API.",
        )
        .attribute(records::id(
            "Subnet ID (`subnet-...`). The import ID is `<network_id>/<id>`, e.g. \
                     `net-abc123/subnet-def456`.",
        ))
        .attribute(
            Attribute::string("network_id")
                .required()
                .requires_replace()
                .validator(prefixed_id("net-", "VM network"))
                .description("ID of the `icgpu_vm_network` the subnet belongs to (`net-...`)."),
        )
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(dns_label())
                .description("Subnet name, unique within the network."),
        )
        .attribute(
            Attribute::string("cidr")
                .required()
                .requires_replace()
                .validator(ipv4_cidr(16..=29))
                .description(
                    "IPv4 range in CIDR notation, e.g. `10.100.0.0/24`: a network address \
                     (host bits zero) with a prefix of /16 to /29.",
                ),
        )
        .attribute(
            Attribute::string("gateway_ip")
                .output("The subnet's gateway: the first host address of `cidr`.")
                .use_state_for_unknown(),
        )
        .attribute(records::created_at())
    }

    fn create_request(
        &self,
        plan: &VmSubnetModel,
    ) -> (String, impl Serialize + Send + Sync + use<>) {
        let net = plan.network_id.clone().unwrap_or_default();
        let req = CreateVmSubnet {
            name: plan.name.clone().unwrap_or_default(),
            cidr: plan.cidr.clone().unwrap_or_default(),
        };
        let path = format!("{}/subnets", super::vm_network::path(&net));
        (path, req)
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::path(vec![
            IdPart::new("network_id", IdKind::Prefixed("net-")),
            IdPart::new("id", IdKind::Prefixed("subnet-")),
        ])
    }
}
