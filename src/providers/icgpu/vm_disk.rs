//! `icgpu_vm_disk`: a persistent block-storage disk for VMs, attached with
//! `icgpu_vm_disk_attachment`. Both arguments change in place: a rename is a PATCH, a larger
//! `size_gb` a POST to `/resize` (the data stays). Disks never shrink, so a smaller `size_gb`
//! is refused at plan time instead of replacing the disk and losing its data.

use super::records::{self, changed, dns_label, Record, RecordType};
use super::vm_net_disk_api::{CreateVmDisk, RenameVmDisk, ResizeVmDisk};
use super::IcGpuClient;
use crate::framework::{
    validators, Attribute, AttributePath, Ctx, Diagnostics, Failure, ModifyPlanRequest, Schema,
    Value,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct VmDiskResource;

/// `VmDisk`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VmDiskModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub size_gb: Option<i64>,
    pub status: Option<String>,
    pub vm_id: Option<String>,
    pub created_at: Option<String>,
}

impl Record for VmDiskModel {
    fn what(&self) -> String {
        records::named("VM disk", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        self.id.as_deref().map(path)
    }
}

pub(crate) fn path(id: &str) -> String {
    format!("/api/v1/vm-disks/{id}")
}

#[async_trait]
impl RecordType for VmDiskResource {
    type Model = VmDiskModel;
    const NAME: &'static str = "vm_disk";
    const ID_PREFIX: &'static str = "disk-";

    fn schema(&self) -> Schema {
        Schema::new(
            "A persistent block-storage disk for VMs; attach it with \
             `icgpu_vm_disk_attachment`. It outlives the VMs it is attached to. `name` changes \
             in place, and a larger `size_gb` grows the disk in place, keeping its data; disks \
             cannot shrink. The API refuses to delete an attached disk.",
        )
        .attribute(records::id("Disk ID (`disk-...`); also the import ID."))
        .attribute(
            Attribute::string("name")
                .required()
                .validator(dns_label())
                .description("Disk name, unique among the account's disks."),
        )
        .attribute(
            Attribute::int("size_gb")
                .required()
                .validator(validators::between(1.0, 16384.0))
                .description(
                    "Size in GB, 1 to 16384. Raising it resizes the disk in place; lowering it \
                     is an error (disks cannot shrink).",
                ),
        )
        .attribute(
            Attribute::string("status")
                .output("`available` (not attached) or `attached` (to `vm_id`)."),
        )
        .attribute(
            Attribute::string("vm_id")
                .output("ID of the VM the disk is attached to; null while it is available."),
        )
        .attribute(records::created_at())
    }

    /// A smaller `size_gb` would need a new disk and lose the data: refuse it here.
    fn modify_plan(&self, req: &ModifyPlanRequest<'_>, plan: &mut Value, diags: &mut Diagnostics) {
        let size = |v: &Value| v.attr("size_gb").and_then(Value::as_i64);
        let (Some(now), Some(wanted)) = (size(req.prior_state), size(plan)) else {
            return;
        };
        if wanted < now {
            diags.attribute_error(
                AttributePath::attr("size_gb"),
                "Disks cannot shrink",
                format!(
                    "This disk has {now} GB and the configuration asks for {wanted} GB. The IC \
                     GPU API only grows disks. Keep size_gb at {now} or more; for a smaller \
                     disk, create a new icgpu_vm_disk and copy the data over."
                ),
            );
        }
    }

    fn create_request(&self, plan: &VmDiskModel) -> (String, impl Serialize + Send + Sync + use<>) {
        let req = CreateVmDisk {
            name: plan.name.clone().unwrap_or_default(),
            size_gb: plan.size_gb.unwrap_or_default(),
        };
        ("/api/v1/vm-disks".into(), req)
    }

    /// A rename is a PATCH; a larger size is a POST to `/resize` (see `update`).
    fn patch(
        &self,
        plan: &VmDiskModel,
        prior: &VmDiskModel,
    ) -> Option<impl Serialize + Send + Sync + use<>> {
        changed(&plan.name, &prior.name).map(|name| RenameVmDisk { name })
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: VmDiskModel,
        prior: VmDiskModel,
    ) -> Result<VmDiskModel, Failure<VmDiskModel>> {
        let id = prior.id.clone().unwrap_or_default();
        let rename = self.patch(&plan, &prior);
        let resize = changed(&plan.size_gb, &prior.size_gb);
        let mut state = records::update(ctx, plan, &prior, rename).await?;
        if let Some(size_gb) = resize {
            // Keyed: a retried resize is answered from the first, not refused as "not larger".
            let disk = super::api(ctx)?
                .post(&format!("{}/resize", path(&id)))
                .json(&ResizeVmDisk { size_gb })
                .idempotency_key(uuid::Uuid::new_v4().to_string())
                .describe(format!("resize VM disk {id} to {size_gb} GB"))
                .send()
                .await?;
            state.observe(disk);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_for(prior: i64, wanted: i64) -> Diagnostics {
        let state = |size| Value::Object([("size_gb".to_string(), Value::number(size))].into());
        let mut plan = state(wanted);
        let mut diags = Diagnostics::new();
        let req = ModifyPlanRequest {
            config: &plan.clone(),
            prior_state: &state(prior),
        };
        VmDiskResource.modify_plan(&req, &mut plan, &mut diags);
        diags
    }

    #[test]
    fn shrinking_is_refused_at_plan_time_and_growing_is_not() {
        let d = plan_for(500, 400);
        let e = d.iter().next().expect("an error");
        assert_eq!(e.path, Some(AttributePath::attr("size_gb")));
        assert!(
            e.detail.contains("500 GB") && e.detail.contains("400 GB"),
            "{}",
            e.detail
        );
        assert!(!plan_for(500, 1000).has_errors());
        assert!(!plan_for(500, 500).has_errors());
    }
}
