//! `icgpu_vm_network`: a private network for VMs, the parent of `icgpu_vm_subnet` and
//! `icgpu_vm_firewall_rule`. A plain record: `name` and `description` change in place with one
//! PATCH carrying only what changed.

use super::records::{self, changed, dns_label, Record, RecordType};
use super::vm_net_disk_api::UpdateVmNetwork;
use crate::framework::{Attribute, Schema};
use serde::{Deserialize, Serialize};

pub struct VmNetworkResource;

/// `VmNetwork`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VmNetworkModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created_at: Option<String>,
}

impl Record for VmNetworkModel {
    fn what(&self) -> String {
        records::named("VM network", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        self.id.as_deref().map(path)
    }
    fn observe(&mut self, network: Self) {
        *self = Self {
            description: Some(network.description.unwrap_or_default()),
            ..network
        };
    }
}

pub(crate) fn path(id: &str) -> String {
    format!("/api/v1/vm-networks/{id}")
}

impl RecordType for VmNetworkResource {
    type Model = VmNetworkModel;
    const NAME: &'static str = "vm_network";
    const ID_PREFIX: &'static str = "net-";

    fn schema(&self) -> Schema {
        Schema::new(
            "A private network for VMs. Add address ranges with `icgpu_vm_subnet` and traffic \
             rules with `icgpu_vm_firewall_rule`. Both arguments change in place. The API \
             refuses to delete a network that still has subnets; its firewall rules are \
             deleted with it.",
        )
        .attribute(records::id("Network ID (`net-...`); also the import ID."))
        .attribute(
            Attribute::string("name")
                .required()
                .validator(dns_label())
                .description("Network name, unique among the account's networks."),
        )
        .attribute(records::description())
        .attribute(records::created_at())
    }

    fn create_request(
        &self,
        plan: &VmNetworkModel,
    ) -> (String, impl Serialize + Send + Sync + use<>) {
        let req = records::NameAndDescription::new(&plan.name, &plan.description);
        ("/api/v1/vm-networks".into(), req)
    }

    fn patch(
        &self,
        plan: &VmNetworkModel,
        prior: &VmNetworkModel,
    ) -> Option<impl Serialize + Send + Sync + use<>> {
        let p = UpdateVmNetwork {
            name: changed(&plan.name, &prior.name),
            description: changed(&plan.description, &prior.description),
        };
        (p.name.is_some() || p.description.is_some()).then_some(p)
    }
}
