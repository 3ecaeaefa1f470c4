//! `icgpu_vm_disk_attachment`: an `icgpu_vm_disk` attached to an `icgpu_vm`. Both arguments
//! replace the attachment (detach, then attach). The detach names the VM, so a late or
//! repeated destroy never takes the disk from a VM it was attached to since.

use super::records::{self, prefixed_id};
use super::vm_disk::{path, VmDiskModel};
use super::vm_net_disk_api::DiskVm;
use super::IcGpuClient;
use crate::client::{Api, ClientError};
use crate::framework::{Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
use crate::framework::{IdKind, IdPart, ImportForm};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct VmDiskAttachmentResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VmDiskAttachmentModel {
    pub id: Option<String>,
    pub disk_id: Option<String>,
    pub vm_id: Option<String>,
}

/// Sends an attach or detach (`action`) of the disk for `vm_id`. Keyed, so a retried attach or
/// detach is answered from the first instead of failing as "already done".
async fn act(
    api: &Api,
    action: &str,
    disk_id: &str,
    vm_id: &str,
) -> Result<VmDiskModel, ClientError> {
    api.post(&format!("{}/{action}", path(disk_id)))
        .json(&DiskVm {
            vm_id: vm_id.to_string(),
        })
        .idempotency_key(uuid::Uuid::new_v4().to_string())
        .describe(format!("{action} VM disk {disk_id} (VM {vm_id})"))
        .send()
        .await
}

#[async_trait]
impl Resource for VmDiskAttachmentResource {
    type Client = IcGpuClient;
    type Model = VmDiskAttachmentModel;

    fn type_name(&self) -> &'static str {
        "vm_disk_attachment"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "Attaches an `icgpu_vm_disk` to an `icgpu_vm`. A disk is attached to one VM at a \
             time; changing either argument detaches it and attaches it anew. Destroying the \
             attachment detaches the disk and keeps its data; deleting the VM frees the disk.",
        )
        .attribute(records::id(
            "`<disk_id>/<vm_id>`, e.g. `disk-abc123/vm-xyz789`; also the import ID.",
        ))
        .attribute(
            Attribute::string("disk_id")
                .required()
                .requires_replace()
                .validator(prefixed_id("disk-", "VM disk"))
                .description("ID of the `icgpu_vm_disk` to attach (`disk-...`)."),
        )
        .attribute(
            Attribute::string("vm_id")
                .required()
                .requires_replace()
                .validator(prefixed_id("vm-", "VM"))
                .description("ID of the `icgpu_vm` to attach it to (`vm-...`)."),
        )
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: VmDiskAttachmentModel,
    ) -> Result<VmDiskAttachmentModel, Failure<VmDiskAttachmentModel>> {
        let api = &super::api(ctx)?;
        let disk_id = plan.disk_id.clone().unwrap_or_default();
        let vm_id = plan.vm_id.clone().unwrap_or_default();
        act(api, "attach", &disk_id, &vm_id).await?;
        Ok(VmDiskAttachmentModel {
            id: Some(format!("{disk_id}/{vm_id}")),
            ..plan
        })
    }

    /// Gone when the disk is gone or attached elsewhere (or nowhere).
    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: VmDiskAttachmentModel,
    ) -> Result<Option<VmDiskAttachmentModel>, Diagnostics> {
        let disk = VmDiskModel {
            id: state.disk_id.clone(),
            ..Default::default()
        };
        let disk = records::read(ctx, disk).await?;
        Ok(disk
            .filter(|d| d.vm_id.is_some() && d.vm_id == state.vm_id)
            .map(|_| VmDiskAttachmentModel {
                // After an import only the two parts are known.
                id: Some(format!(
                    "{}/{}",
                    state.disk_id.as_deref().unwrap_or_default(),
                    state.vm_id.as_deref().unwrap_or_default()
                )),
                ..state
            }))
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: VmDiskAttachmentModel,
    ) -> Result<(), Diagnostics> {
        let api = &super::api(ctx)?;
        let (Some(disk_id), Some(vm_id)) = (state.disk_id, state.vm_id) else {
            return Ok(());
        };
        match act(api, "detach", &disk_id, &vm_id).await {
            // 404: the disk is gone; 409: it is no longer attached to this VM. Either way
            // this attachment no longer exists.
            Err(e) if !e.is_not_found() && !e.is_conflict() => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::path(vec![
            IdPart::new("disk_id", IdKind::Prefixed("disk-")),
            IdPart::new("vm_id", IdKind::Prefixed("vm-")),
        ])
    }
}
