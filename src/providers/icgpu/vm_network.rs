//! `icgpu_vm_network`: a private network for VMs, the parent of `icgpu_vm_subnet` and
//! `icgpu_vm_firewall_rule`. A plain record: `name` and `description` change in place with one
//! PATCH carrying only what changed.

use super::records::{self, changed, dns_label, Record};
use super::vm_net_disk_api::{UpdateVmNetwork, VmNetwork};
use super::IcGpuClient;
use crate::framework::ImportForm;
use crate::framework::{Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct VmNetworkResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VmNetworkModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created_at: Option<String>,
}

impl Record for VmNetworkModel {
    type Api = VmNetwork;
    fn what(&self) -> String {
        records::named("VM network", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        self.id.as_deref().map(path)
    }
    fn observe(&mut self, n: VmNetwork) {
        self.id = Some(n.id);
        self.name = Some(n.name);
        self.description = Some(n.description.unwrap_or_default());
        self.created_at = n.created_at;
    }
}

/// The PATCH body for what differs between `plan` and `prior`; `None` when nothing does.
fn patch(plan: &VmNetworkModel, prior: &VmNetworkModel) -> Option<UpdateVmNetwork> {
    let p = UpdateVmNetwork {
        name: changed(&plan.name, &prior.name),
        description: changed(&plan.description, &prior.description),
    };
    (p.name.is_some() || p.description.is_some()).then_some(p)
}

pub(crate) fn path(id: &str) -> String {
    format!("/api/v1/vm-networks/{id}")
}

#[async_trait]
impl Resource for VmNetworkResource {
    type Client = IcGpuClient;
    type Model = VmNetworkModel;

    fn type_name(&self) -> &'static str {
        "vm_network"
    }

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

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: VmNetworkModel,
    ) -> Result<VmNetworkModel, Failure<VmNetworkModel>> {
        let req = records::NameAndDescription::new(&plan.name, &plan.description);
        Ok(records::create(ctx, "/api/v1/vm-networks", &req, plan).await?)
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: VmNetworkModel,
    ) -> Result<Option<VmNetworkModel>, Diagnostics> {
        records::read(ctx, state).await
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: VmNetworkModel,
        prior: VmNetworkModel,
    ) -> Result<VmNetworkModel, Failure<VmNetworkModel>> {
        let body = patch(&plan, &prior);
        Ok(records::update(ctx, plan, &prior, body).await?)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: VmNetworkModel,
    ) -> Result<(), Diagnostics> {
        records::delete(ctx, &state).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("net-")
    }
}
