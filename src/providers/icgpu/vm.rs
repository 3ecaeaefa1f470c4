//! `icgpu_vm`: a KubeVirt VM with GPU passthrough. The API has no update, so every sizing
//! argument replaces the VM; `desired_state` starts/stops it in place as for `icgpu_instance`,
//! and a change of `reboot_trigger` reboots it in place.

use super::api::{CreateVm, Vm};
use super::compute::{self, observed_desired_state, Machine};
use super::long_running::{self, Collection, IcGpuObject};
use super::{records, ssh_public_key, IcGpuClient};
use crate::client::{Api, ClientError};
use crate::framework::resource::{ModifyPlanRequest, Operation};
use crate::framework::ImportForm;
use crate::framework::{
    validators, Attribute, AttributePath, Ctx, Diagnostics, Failure, Resource, Schema, Value,
};
use crate::providers::common::lifecycle::{self, Fields, Statuses};
use crate::providers::common::ssh_ready;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Statuses on the way to (or at) `running`.
const RUNNING_LIKE: &[&str] = &["pending", "starting", "running", "rebooting"];
/// Statuses where the VM is powered off (or on its way there) and keeps its disk.
const STOPPED_LIKE: &[&str] = &["stopping", "stopped"];

pub struct VmResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VmModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub template_id: Option<String>,
    pub cpu: Option<i64>,
    pub memory_gb: Option<i64>,
    pub disk_gb: Option<i64>,
    pub ssh_key: Option<String>,
    pub desired_state: Option<String>,
    pub reboot_trigger: Option<String>,
    pub status: Option<String>,
    pub gpu_model: Option<String>,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<i64>,
    pub ssh_user: Option<String>,
    pub ssh_command: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
    pub wait_for_ssh: Option<bool>,
    pub ssh_host_key_fingerprint: Option<String>,
}

#[async_trait]
impl Machine for VmModel {
    type Object = Vm;

    /// `reboot_trigger` is the user's and never comes from the API.
    fn observe(&mut self, v: &Vm) {
        self.id = Some(v.id.clone());
        self.name = Some(v.name.clone());
        self.template_id = Some(v.template_id.clone());
        self.cpu = v.cpu.or(self.cpu);
        self.memory_gb = v.memory_gb.or(self.memory_gb);
        self.disk_gb = v.disk_gb.or(self.disk_gb);
        self.ssh_key = v.ssh_key.clone();
        self.desired_state = observed_desired_state(
            &v.status,
            RUNNING_LIKE,
            STOPPED_LIKE,
            self.desired_state.take(),
        );
        self.status = Some(v.status.clone());
        self.gpu_model = v.gpu_model.clone();
        self.ssh_host = v.ssh_host.clone();
        self.ssh_port = v.ssh_port;
        self.ssh_user = v.ssh_user.clone();
        self.ssh_command =
            ssh_ready::login_command(v.ssh_host.as_deref(), v.ssh_port, v.ssh_user.as_deref());
        self.created_at = v.created_at.clone();
        self.error_message = v.error_message.clone();
    }
    compute::machine_fields!();

    /// A new `reboot_trigger` reboots the VM once it runs.
    async fn converge(
        &self,
        api: &Api,
        id: &str,
        current: Vm,
        prior: &Self,
    ) -> Result<Vm, ClientError> {
        if self.desired() == "stopped" {
            bring_to_stopped(api, id, current).await
        } else {
            let reboot = self.reboot_trigger != prior.reboot_trigger;
            bring_to_running(api, id, current, reboot).await
        }
    }
}

/// The lifecycle of VMs; `stopping`, `stopped` and `rebooting` are settled states.
pub(crate) type Vms = Collection<Vm>;

/// Every status a VM passes through on its way somewhere.
const MOVING: &[&str] = &[
    "pending",
    "starting",
    "running",
    "rebooting",
    "stopping",
    "stopped",
];

impl IcGpuObject for Vm {
    const TYPE: &'static str = "icgpu_vm";
    const NOUN: &'static str = "VM";
    const COLLECTION: &'static str = "/api/v1/vms";
    const LIST_FIELD: &'static str = "vms";
    const STATUSES: Statuses = compute::STATUSES;

    fn fields(&self) -> Fields<'_> {
        long_running::fields(
            &self.id,
            &self.status,
            &self.name,
            &self.created_at,
            &self.error_message,
        )
    }
}

/// Waits until the VM's status is one of `targets`; `error` fails with the API's message.
async fn wait_vm(api: &Api, id: &str, targets: &[&'static str]) -> Result<Vm, ClientError> {
    lifecycle::wait_for(api, &Vms::new(), id, targets, MOVING)
        .await
        .0
}

async fn action(api: &Api, id: &str, verb: &str) -> Result<(), ClientError> {
    compute::action::<Vm>(api, id, verb).await
}

/// Brings the VM from its live status to `stopped`.
async fn bring_to_stopped(api: &Api, id: &str, current: Vm) -> Result<Vm, ClientError> {
    let status = match current.status.as_str() {
        // Stop is accepted only from starting/running: let a new or rebooting VM get there.
        "pending" | "rebooting" => wait_vm(api, id, &["starting", "running"]).await?.status,
        s => s.to_string(),
    };
    match status.as_str() {
        "stopped" => return Ok(current),
        "starting" | "running" => action(api, id, "stop").await?,
        _ => {}
    }
    wait_vm(api, id, &["stopped"]).await
}

/// Brings the VM from its live status to `running`, rebooting it once there if asked.
async fn bring_to_running(
    api: &Api,
    id: &str,
    current: Vm,
    reboot: bool,
) -> Result<Vm, ClientError> {
    match current.status.as_str() {
        "stopped" | "error" => action(api, id, "start").await?,
        "stopping" => {
            wait_vm(api, id, &["stopped"]).await?;
            action(api, id, "start").await?;
        }
        _ => {}
    }
    if !reboot {
        return if current.status == "running" {
            Ok(current)
        } else {
            wait_vm(api, id, &["running"]).await
        };
    }
    // The API reboots only a running VM.
    if current.status != "running" {
        wait_vm(api, id, &["running"]).await?;
    }
    action(api, id, "reboot").await?;
    wait_vm(api, id, &["running"]).await
}

/// A sizing argument within `range`: the template's default when unset; a change replaces
/// the VM.
fn sizing(name: &str, (low, high): (f64, f64), description: &str) -> Attribute {
    Attribute::int(name)
        .optional_computed()
        .validator(validators::between(low, high))
        .use_state_for_unknown()
        .requires_replace()
        .description(description)
}

#[async_trait]
impl Resource for VmResource {
    type Client = IcGpuClient;
    type Model = VmModel;

    fn type_name(&self) -> &'static str {
        "vm"
    }

    fn schema(&self) -> Schema {
        let [wait_for_ssh, host_key_fingerprint] = ssh_ready::attributes();
        let [ssh_host, ssh_port, ssh_user, ssh_command] = compute::ssh_attributes(
            "SSH host; set only while running or rebooting.",
            "SSH port; set only while running or rebooting.",
            "SSH login user created by cloud-init (`gpuuser`).",
        );
        Schema::new(
            "A KubeVirt virtual machine with GPU passthrough on the IC GPU platform, created from \
             a template (see `data.icgpu_vm_templates`). The API cannot change a VM, so every \
             sizing argument replaces it; `desired_state` starts or stops it in place and a new \
             `reboot_trigger` value reboots it in place.",
        )
        .attribute(records::id("VM ID (`vm-...`); also the import ID."))
        .attribute(compute::name("VM name, unique among the account's VMs."))
        .attribute(
            Attribute::string("template_id")
                .required()
                .requires_replace()
                .validator(validators::regex(
                    r"^tpl-[a-z0-9-]+$",
                    "a template ID such as `tpl-ubuntu-gpu`",
                ))
                .description(
                    "ID of the VM template (`tpl-...`, see `data.icgpu_vm_templates`): OS image \
                     and passthrough GPU.",
                ),
        )
        .attribute(sizing(
            "cpu",
            (1.0, 64.0),
            "vCPUs, 1 to 64. Defaults to the template's `default_cpu`.",
        ))
        .attribute(sizing(
            "memory_gb",
            (1.0, 512.0),
            "Memory in GB, 1 to 512. Defaults to the template's `default_memory_gb`.",
        ))
        .attribute(sizing(
            "disk_gb",
            (10.0, 2000.0),
            "Boot disk in GB, 10 to 2000 and at least the template's `min_disk_gb`. Defaults to \
             the template's `default_disk_gb`.",
        ))
        .attribute(
            Attribute::string("ssh_key")
                .optional()
                .requires_replace()
                .validator(ssh_public_key())
                .description(
                    "OpenSSH public key injected for `ssh_user` (e.g. `ssh-ed25519 AAAA... \
                     me@host`). Without it the account's registered SSH keys are injected.",
                ),
        )
        .attribute(compute::desired_state(
            "`running` (default) or `stopped`. Changed in place: stopping powers the VM off and \
             keeps its disk. Refresh reports a VM stopped outside Terraform as `stopped`, so \
             applying `running` starts it again.",
        ))
        .attribute(Attribute::string("reboot_trigger").optional().description(
            "Any string; changing it reboots the VM in place (never replaces it). The API \
                     reboots only a running VM: a change that also sets `desired_state = \
                     \"running\"` starts the VM first; with `desired_state = \"stopped\"` the plan \
                     fails. Not sent to the API and null after `terraform import`.",
        ))
        .attribute(Attribute::string("status").output(
            "Lifecycle status reported by the API: pending, starting, running, stopping, \
             stopped, rebooting, error or terminating.",
        ))
        .attribute(
            Attribute::string("gpu_model")
                .output("Passthrough GPU model from the template; null for CPU-only templates.")
                .use_state_for_unknown(),
        )
        .attribute(ssh_host)
        .attribute(ssh_port)
        .attribute(ssh_user)
        .attribute(ssh_command)
        .attribute(records::created_at())
        .attribute(
            Attribute::string("error_message")
                .output("Why the VM is in status `error`; null otherwise."),
        )
        .attribute(wait_for_ssh)
        .attribute(host_key_fingerprint)
        .timeouts(&["create", "read", "update", "delete"])
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        compute::default_timeout(op)
    }

    /// A reboot needs a running VM: refuse at plan time a new `reboot_trigger` together with
    /// `desired_state = "stopped"`.
    fn modify_plan(&self, req: &ModifyPlanRequest<'_>, plan: &mut Value, diags: &mut Diagnostics) {
        if req.prior_state.is_null() {
            return;
        }
        let planned = plan.attr("reboot_trigger").cloned().unwrap_or(Value::Null);
        let prior = req
            .prior_state
            .attr("reboot_trigger")
            .cloned()
            .unwrap_or(Value::Null);
        let stopped = plan.attr("desired_state").and_then(Value::as_str) == Some("stopped");
        if planned != prior && stopped {
            diags.attribute_error(
                AttributePath::attr("reboot_trigger"),
                "Cannot reboot a stopped VM",
                "The IC GPU API reboots only a running VM, and this change sets desired_state = \
                 \"stopped\". Change reboot_trigger together with desired_state = \"running\" \
                 (the VM is started, then rebooted), or leave reboot_trigger unchanged while \
                 stopping the VM.",
            );
        }
    }

    async fn check_plan(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        req: &ModifyPlanRequest<'_>,
        plan: &Value,
    ) -> Diagnostics {
        super::vm_templates::check_vm_plan(ctx, req, plan).await
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: VmModel,
    ) -> Result<VmModel, Failure<VmModel>> {
        let api = &super::api(ctx)?;
        let request = |name: &str| {
            let body = CreateVm {
                name: name.to_string(),
                template_id: plan.template_id.clone().unwrap_or_default(),
                cpu: plan.cpu,
                memory_gb: plan.memory_gb,
                disk_gb: plan.disk_gb,
                ssh_key: plan.ssh_key.clone(),
            };
            api.post(Vm::COLLECTION)
                .json(&body)
                .describe(format!("create VM {name:?}"))
        };
        let submitted =
            lifecycle::submit(api, &Vms::new(), &plan, plan.name.clone(), request).await?;
        let created = submitted.object.clone();
        let outcome = plan.converge(api, &submitted.id, created, &plan).await;
        compute::finish_create(ctx, &plan, &submitted, (outcome, None), |_| {}).await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: VmModel,
    ) -> Result<Option<VmModel>, Diagnostics> {
        compute::read(ctx, state).await
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: VmModel,
        prior: VmModel,
    ) -> Result<VmModel, Failure<VmModel>> {
        if plan.reboot_trigger != prior.reboot_trigger && plan.desired() == "stopped" {
            // The plan check refuses this; kept for plans made by older provider versions.
            return Err(Diagnostics::single_attribute_error(
                AttributePath::attr("reboot_trigger"),
                "Cannot reboot a stopped VM",
                "The IC GPU API reboots only a running VM; set desired_state = \"running\" to \
                 reboot it.",
            )
            .into());
        }
        compute::update(ctx, plan, prior).await
    }

    async fn delete(&self, ctx: &Ctx<'_, IcGpuClient>, state: VmModel) -> Result<(), Diagnostics> {
        compute::delete(ctx, state).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("vm-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(status: &str) -> Vm {
        serde_json::from_value(serde_json::json!({
            "id": "vm-abc123", "name": "ml", "templateId": "tpl-ubuntu-gpu", "cpu": 8,
            "memoryGb": 32, "diskGb": 100, "sshKey": null, "status": status,
            "gpuModel": "NVIDIA A100 80GB PCIe", "sshHost": "ssh.gpu.local", "sshPort": 31022,
            "sshUser": "gpuuser", "createdAt": "2025-11-20T09:14:03Z",
            "updatedAt": "2025-11-20T09:16:41Z", "errorMessage": null
        }))
        .expect("spec example parses")
    }

    #[test]
    fn observe_maps_status_to_desired_state_and_keeps_the_trigger() {
        let mut m = VmModel {
            reboot_trigger: Some("r1".into()),
            ..Default::default()
        };
        m.observe(&vm("stopping"));
        assert_eq!(m.desired_state.as_deref(), Some("stopped"));
        m.observe(&vm("rebooting"));
        assert_eq!(m.desired_state.as_deref(), Some("running"));
        assert_eq!(m.reboot_trigger.as_deref(), Some("r1"));
        assert_eq!(m.template_id.as_deref(), Some("tpl-ubuntu-gpu"));
        assert_eq!(m.memory_gb, Some(32));
        assert_eq!(
            m.ssh_command.as_deref(),
            Some("ssh -p 31022 gpuuser@ssh.gpu.local")
        );
    }

    fn plan_with(desired: &str, trigger: &str) -> Value {
        Value::Object(
            [
                ("desired_state".to_string(), Value::string(desired)),
                ("reboot_trigger".to_string(), Value::string(trigger)),
            ]
            .into_iter()
            .collect(),
        )
    }

    #[test]
    fn a_new_reboot_trigger_with_desired_stopped_fails_the_plan() {
        let prior = plan_with("running", "a");
        let config = plan_with("stopped", "b");
        let mut plan = plan_with("stopped", "b");
        let mut diags = Diagnostics::new();
        let req = ModifyPlanRequest {
            config: &config,
            prior_state: &prior,
        };
        VmResource.modify_plan(&req, &mut plan, &mut diags);
        assert!(diags.has_errors());

        let mut plan = plan_with("running", "b");
        let mut diags = Diagnostics::new();
        VmResource.modify_plan(&req, &mut plan, &mut diags);
        assert!(!diags.has_errors(), "{diags:?}");

        let mut plan = plan_with("stopped", "a");
        let mut diags = Diagnostics::new();
        VmResource.modify_plan(&req, &mut plan, &mut diags);
        assert!(!diags.has_errors(), "{diags:?}");
    }
}
