//! `icgpu_vm`: a KubeVirt VM with GPU passthrough. The API has no update, so every sizing
//! argument replaces the VM; `desired_state` starts/stops it in place as for `icgpu_instance`,
//! and a change of `reboot_trigger` reboots it in place.

use super::api::{CreateVm, Vm};
use super::instance::{observed_desired_state, DESIRED_STATES};
use super::{ssh_public_key, IcGpuClient};
use crate::client::{list_all_token, Api, ClientError};
use crate::framework::resource::{ModifyPlanRequest, Operation};
use crate::framework::ImportForm;
use crate::framework::{
    validators, Attribute, AttributePath, Ctx, Diagnostics, Failure, Resource, Schema, Value,
};
use crate::providers::common::lifecycle::{self, Fields, LongRunning, Statuses};
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

impl VmModel {
    /// Copies what the API reports into the model; `desired_state` follows the observed status
    /// (as for instances), so a VM stopped outside Terraform shows as an in-place diff.
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
        self.ssh_command = crate::providers::common::ssh_ready::login_command(
            v.ssh_host.as_deref(),
            v.ssh_port,
            v.ssh_user.as_deref(),
        );
        self.created_at = v.created_at.clone();
        self.error_message = v.error_message.clone();
    }

    fn desired(&self) -> &str {
        self.desired_state.as_deref().unwrap_or("running")
    }
}

fn path(id: &str) -> String {
    format!("/api/v1/vms/{id}")
}

/// The lifecycle of VMs; `stopping`, `stopped` and `rebooting` are settled states.
pub(crate) struct Vms;

/// Every status a VM passes through on its way somewhere.
const MOVING: &[&str] = &[
    "pending",
    "starting",
    "running",
    "rebooting",
    "stopping",
    "stopped",
];

#[async_trait]
impl LongRunning for Vms {
    type Object = Vm;
    const TYPE: &'static str = "icgpu_vm";
    const NOUN: &'static str = "VM";
    const KEYED: bool = true;
    const STATUSES: Statuses = Statuses {
        ready: &["running"],
        starting: &["pending", "starting"],
        failed: &["error"],
        gone: &["terminating", "terminated"],
        deleted: &["terminated"],
    };

    fn fields(o: &Vm) -> Fields<'_> {
        Fields {
            id: Some(&o.id),
            status: Some(&o.status),
            name: Some(&o.name),
            created_at: o.created_at.as_deref(),
            message: o.error_message.as_deref(),
        }
    }
    fn path(&self, id: &str) -> String {
        path(id)
    }
    async fn list(&self, api: &Api) -> Result<Vec<serde_json::Value>, ClientError> {
        list_all_token(api.get("/api/v1/vms"), "vms").await
    }
}

/// Waits until the VM's status is one of `targets`; `error` fails with the API's message.
async fn wait_vm(api: &Api, id: &str, targets: &[&'static str]) -> Result<Vm, ClientError> {
    lifecycle::wait_for(api, &Vms, id, targets, MOVING).await.0
}

/// POSTs a lifecycle action (`start`, `stop`, `reboot`); repeating one is harmless.
async fn action(api: &Api, id: &str, verb: &str) -> Result<(), ClientError> {
    api.post(&format!("{}/{verb}", path(id)))
        .idempotent()
        .describe(format!("{verb} VM {id}"))
        .send_no_body()
        .await
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

#[async_trait]
impl Resource for VmResource {
    type Client = IcGpuClient;
    type Model = VmModel;

    fn type_name(&self) -> &'static str {
        "vm"
    }

    fn schema(&self) -> Schema {
        let [wait_for_ssh, host_key_fingerprint] = ssh_ready::attributes();
        Schema::new(
            "A KubeVirt virtual machine with GPU passthrough on the IC GPU platform, created from \
             a template (see `data.icgpu_vm_templates`). The API cannot change a VM, so every \
             sizing argument replaces it; `desired_state` starts or stops it in place and a new \
             `reboot_trigger` value reboots it in place.",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("VM ID (`vm-...`); also the import ID."),
        )
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(validators::regex(
                    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
                    "a DNS label: 1-63 lower-case letters, digits and '-', starting and ending \
                     with a letter or digit",
                ))
                .description("VM name, unique among the account's VMs."),
        )
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
        .attribute(
            Attribute::int("cpu")
                .optional_computed()
                .validator(validators::between(1.0, 64.0))
                .use_state_for_unknown()
                .requires_replace()
                .description("vCPUs, 1 to 64. Defaults to the template's `default_cpu`."),
        )
        .attribute(
            Attribute::int("memory_gb")
                .optional_computed()
                .validator(validators::between(1.0, 512.0))
                .use_state_for_unknown()
                .requires_replace()
                .description(
                    "Memory in GB, 1 to 512. Defaults to the template's `default_memory_gb`.",
                ),
        )
        .attribute(
            Attribute::int("disk_gb")
                .optional_computed()
                .validator(validators::between(10.0, 2000.0))
                .use_state_for_unknown()
                .requires_replace()
                .description(
                    "Boot disk in GB, 10 to 2000 and at least the template's `min_disk_gb`. \
                     Defaults to the template's `default_disk_gb`.",
                ),
        )
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
        .attribute(
            Attribute::string("desired_state")
                .default(Value::string("running"))
                .one_of(DESIRED_STATES)
                .description(
                    "`running` (default) or `stopped`. Changed in place: stopping powers the VM \
                     off and keeps its disk. Refresh reports a VM stopped outside Terraform as \
                     `stopped`, so applying `running` starts it again.",
                ),
        )
        .attribute(Attribute::string("reboot_trigger").optional().description(
            "Any string; changing it reboots the VM in place (never replaces it). The API \
                     reboots only a running VM: a change that also sets `desired_state = \
                     \"running\"` starts the VM first; with `desired_state = \"stopped\"` the plan \
                     fails. Not sent to the API and null after `terraform import`.",
        ))
        .attribute(Attribute::string("status").computed().description(
            "Lifecycle status reported by the API: pending, starting, running, stopping, \
             stopped, rebooting, error or terminating.",
        ))
        .attribute(
            Attribute::string("gpu_model")
                .computed()
                .use_state_for_unknown()
                .description(
                    "Passthrough GPU model from the template; null for CPU-only templates.",
                ),
        )
        .attribute(
            Attribute::string("ssh_host")
                .computed()
                .description("SSH host; set only while running or rebooting."),
        )
        .attribute(
            Attribute::int("ssh_port")
                .computed()
                .description("SSH port; set only while running or rebooting."),
        )
        .attribute(
            Attribute::string("ssh_user")
                .computed()
                .use_state_for_unknown()
                .description("SSH login user created by cloud-init (`gpuuser`)."),
        )
        .attribute(
            Attribute::string("ssh_command")
                .computed()
                .description("Ready-made `ssh -p PORT USER@HOST` command; null unless running."),
        )
        .attribute(
            Attribute::string("created_at")
                .computed()
                .use_state_for_unknown()
                .description("Creation time (RFC 3339)."),
        )
        .attribute(
            Attribute::string("error_message")
                .computed()
                .description("Why the VM is in status `error`; null otherwise."),
        )
        .attribute(wait_for_ssh)
        .attribute(host_key_fingerprint)
        .timeouts(&["create", "read", "update", "delete"])
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Create => Duration::from_secs(20 * 60),
            _ => Duration::from_secs(10 * 60),
        }
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
            api.post("/api/v1/vms")
                .json(&body)
                .describe(format!("create VM {name:?}"))
        };
        let submitted = lifecycle::submit(api, &Vms, &plan, plan.name.clone(), request).await?;
        let desired = plan.desired().to_string();
        let (id, created) = (submitted.id.clone(), submitted.object.clone());
        let outcome = if desired == "stopped" {
            bring_to_stopped(api, &id, created).await
        } else {
            bring_to_running(api, &id, created, false).await
        };
        let created = lifecycle::settle(ctx, &submitted, (outcome, None), |v| {
            let mut state = plan.clone();
            state.observe(v);
            state.desired_state = Some(desired.clone());
            state.reboot_trigger = plan.reboot_trigger.clone();
            state.wait_for_ssh = Some(plan.wait_for_ssh == Some(true));
            state
        });
        // A stopped VM has no SSH to wait for.
        ssh_ready::after_create(
            ctx,
            plan.wait_for_ssh == Some(true) && desired == "running",
            created,
            |m| ssh_ready::address(m.ssh_host.as_deref(), m.ssh_port),
            |m, fingerprint| m.ssh_host_key_fingerprint = Some(fingerprint),
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut state: VmModel,
    ) -> Result<Option<VmModel>, Diagnostics> {
        let Some(id) = state.id.clone() else {
            return Ok(None);
        };
        let found = lifecycle::read(ctx, &super::api(ctx)?, &Vms, &id).await?;
        Ok(found.map(|v| {
            state.observe(&v);
            // An import knows nothing of the wait: its default.
            state.wait_for_ssh = state.wait_for_ssh.or(Some(false));
            state
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: VmModel,
        prior: VmModel,
    ) -> Result<VmModel, Failure<VmModel>> {
        let api = &super::api(ctx)?;
        let id = prior.id.clone().or(plan.id.clone()).unwrap_or_default();
        let desired = plan.desired().to_string();
        let reboot = plan.reboot_trigger != prior.reboot_trigger;
        if reboot && desired == "stopped" {
            // The plan check refuses this; kept for plans made by older provider versions.
            return Err(Diagnostics::single_attribute_error(
                AttributePath::attr("reboot_trigger"),
                "Cannot reboot a stopped VM",
                "The IC GPU API reboots only a running VM; set desired_state = \"running\" to \
                 reboot it.",
            )
            .into());
        }
        // The live status decides what to call: the prior state's may be stale.
        let current: Vm = api
            .get(&path(&id))
            .describe(format!("read VM {id}"))
            .send()
            .await
            .map_err(Diagnostics::from)?;
        let result = if desired == "stopped" {
            bring_to_stopped(api, &id, current).await
        } else {
            bring_to_running(api, &id, current, reboot).await
        };
        let v = result.map_err(Diagnostics::from)?;
        let trigger = plan.reboot_trigger.clone();
        let mut state = plan;
        state.observe(&v);
        state.desired_state = Some(desired);
        state.reboot_trigger = trigger;
        Ok(state)
    }

    async fn delete(&self, ctx: &Ctx<'_, IcGpuClient>, state: VmModel) -> Result<(), Diagnostics> {
        match state.id.as_deref() {
            Some(id) => lifecycle::delete(&super::api(ctx)?, &Vms, id).await,
            None => Ok(()),
        }
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
