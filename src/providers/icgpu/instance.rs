//! `icgpu_instance`: a GPU instance with SSH access. Every argument but `desired_state` forces
//! replacement (the API has no update); `desired_state` drives start/stop/requeue in place.

use super::api::{CreateInstance, Instance, TIERS, WORKLOAD_TYPES};
use super::{budget, ssh_public_key, IcGpuClient};
use crate::client::{create_reconciled, list_all_token, wait_until, Poll};
use crate::framework::resource::Operation;
use crate::framework::{validators, Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub(crate) const DESIRED_STATES: &[&str] = &["running", "stopped"];
/// Statuses on the way to (or at) `running`: the instance holds or waits for a GPU.
const RUNNING_LIKE: &[&str] = &["pending", "starting", "running"];
/// Statuses where the instance holds no GPU and keeps its storage.
const STOPPED_LIKE: &[&str] = &["stopping", "stopped", "preempted"];

pub struct InstanceResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InstanceModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub tier: Option<String>,
    pub ssh_key: Option<String>,
    pub workload_type: Option<String>,
    pub storage_gb: Option<i64>,
    pub desired_state: Option<String>,
    pub status: Option<String>,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<i64>,
    pub ssh_user: Option<String>,
    pub gpu_model: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
    pub ssh_command: Option<String>,
}

impl InstanceModel {
    /// Copies what the API reports into the model; `desired_state` follows the observed
    /// status so a stopped or preempted instance shows as an in-place diff.
    fn observe(&mut self, i: &Instance) {
        self.id = Some(i.id.clone());
        self.name = Some(i.name.clone());
        self.tier = Some(i.tier.clone());
        self.ssh_key = i.ssh_key.clone();
        self.workload_type = i.workload_type.clone().or(self.workload_type.take());
        self.storage_gb = i.storage_gb.or(self.storage_gb);
        self.status = Some(i.status.clone());
        self.desired_state = observed_desired_state(
            &i.status,
            RUNNING_LIKE,
            STOPPED_LIKE,
            self.desired_state.take(),
        );
        self.ssh_host = i.ssh_host.clone();
        self.ssh_port = i.ssh_port;
        self.ssh_user = i.ssh_user.clone();
        self.gpu_model = i.gpu_model.clone();
        self.created_at = i.created_at.clone();
        self.error_message = i.error_message.clone();
        self.ssh_command = match (&i.ssh_host, i.ssh_port, &i.ssh_user) {
            (Some(host), Some(port), Some(user)) => Some(format!("ssh -p {port} {user}@{host}")),
            _ => None,
        };
    }
}

/// `desired_state` as refresh reports it (shared with `icgpu_vm`): `running` or `stopped` when
/// the status says so, so a machine stopped outside Terraform shows as an in-place diff.
pub(crate) fn observed_desired_state(
    status: &str,
    running_like: &[&str],
    stopped_like: &[&str],
    current: Option<String>,
) -> Option<String> {
    if running_like.contains(&status) {
        Some("running".into())
    } else if stopped_like.contains(&status) {
        Some("stopped".into())
    } else {
        // `error` after an import: the user's intent is unknown; running is the default.
        current.or_else(|| Some("running".into()))
    }
}

fn path(id: &str) -> String {
    format!("/api/v1/instances/{id}")
}

/// Polls the instance until its status is `target`; `error` fails with the API's message.
async fn wait_for(
    api: &crate::client::Client,
    ctx: &Ctx<'_, IcGpuClient>,
    id: &str,
    target: &'static str,
) -> Result<Instance, crate::client::ClientError> {
    let b = budget(ctx);
    let what = format!("instance {id} to be {target}");
    wait_until(&b, &what, || async {
        let Some(i) = api
            .get(&path(id))
            .describe(format!("read instance {id}"))
            .budget(&b)
            .send_optional::<Instance>()
            .await?
        else {
            return Ok(Poll::Failed(format!("instance {id} disappeared")));
        };
        Ok(match i.status.as_str() {
            s if s == target => Poll::Ready(i),
            "error" => Poll::Failed(
                i.error_message
                    .unwrap_or_else(|| "the instance entered status error".into()),
            ),
            "preempted" if target == "running" => Poll::Failed(
                "the batch instance was preempted before it was running; apply again to requeue it"
                    .into(),
            ),
            "terminating" => Poll::Failed(format!("instance {id} is being deleted")),
            s => Poll::Pending(s.to_string()),
        })
    })
    .await
}

/// Why a create was refused: a 409 for a tier without capacity gets its own advice.
fn create_conflict(e: crate::client::ClientError, req: &CreateInstance) -> Diagnostics {
    capacity_conflict(&req.tier, e.status(), &e.detail()).unwrap_or_else(|| e.into())
}

fn capacity_conflict(tier: &str, status: Option<u16>, detail: &str) -> Option<Diagnostics> {
    // The API has one code for every conflict; only its message tells capacity apart.
    if status != Some(409) || !detail.to_lowercase().contains("capacity") {
        return None;
    }
    Some(Diagnostics::single_error(
        format!("No capacity in GPU tier \"{tier}\""),
        format!(
            "The IC GPU platform has no free \"{tier}\" GPU for an interactive instance right \
             now, so nothing was created. Pick a tier with capacity (the data source \
             `data.icgpu_gpu_tiers` with `available_only = true` lists them), retry later, or \
             use workload_type = \"batch\", which waits for capacity.\n\n{detail}"
        ),
    ))
}

#[async_trait]
impl Resource for InstanceResource {
    type Client = IcGpuClient;
    type Model = InstanceModel;

    fn type_name(&self) -> &'static str {
        "instance"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A GPU instance with SSH access on the IC GPU platform. Interactive instances have \
             guaranteed availability; batch instances cost 50% less and can be preempted. The API \
             cannot change an instance, so every argument except `desired_state` replaces it.",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("Instance ID (`inst-...`); also the import ID."),
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
                .description("Instance name, unique among the account's instances."),
        )
        .attribute(
            Attribute::string("tier")
                .required()
                .one_of(TIERS)
                .requires_replace()
                .description(
                    "GPU tier: `dedicated` (a full GPU), `mig` (a MIG slice with hardware memory \
                     isolation) or `timesliced` (a shared GPU, no memory isolation).",
                ),
        )
        .attribute(
            Attribute::string("ssh_key")
                .optional()
                .requires_replace()
                .validator(ssh_public_key())
                .description(
                    "OpenSSH public key authorised for `ssh_user` (e.g. `ssh-ed25519 AAAA... \
                     me@host`). Without it only the account's registered SSH keys work.",
                ),
        )
        .attribute(
            Attribute::string("workload_type")
                .default(crate::framework::Value::string("interactive"))
                .one_of(WORKLOAD_TYPES)
                .requires_replace()
                .description(
                    "`interactive` (guaranteed availability, the default) or `batch` (50% \
                     discount, preemptible; waits for capacity).",
                ),
        )
        .attribute(
            Attribute::int("storage_gb")
                .default(crate::framework::Value::number(50))
                .validator(validators::between(10.0, 500.0))
                .requires_replace()
                .description("Persistent storage in GB, 10 to 500 (default 50)."),
        )
        .attribute(
            Attribute::string("desired_state")
                .default(crate::framework::Value::string("running"))
                .one_of(DESIRED_STATES)
                .description(
                    "`running` (default) or `stopped`. Changed in place: stopping releases the \
                     GPU and keeps the storage. Refresh reports a stopped or preempted instance \
                     as `stopped`, so applying `running` starts it again (a preempted batch \
                     instance is requeued).",
                ),
        )
        .attribute(Attribute::string("status").computed().description(
            "Lifecycle status reported by the API: pending, starting, running, stopping, \
             stopped, preempted, error or terminating.",
        ))
        .attribute(
            Attribute::string("ssh_host")
                .computed()
                .description("SSH host; set only while running."),
        )
        .attribute(
            Attribute::int("ssh_port")
                .computed()
                .description("SSH port; set only while running and may change after a restart."),
        )
        .attribute(
            Attribute::string("ssh_user")
                .computed()
                .use_state_for_unknown()
                .description("SSH login user (always `gpuuser`)."),
        )
        .attribute(
            Attribute::string("gpu_model")
                .computed()
                .use_state_for_unknown()
                .description("GPU model of the tier."),
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
                .description("Why the instance is in status `error`; null otherwise."),
        )
        .attribute(
            Attribute::string("ssh_command")
                .computed()
                .description("Ready-made `ssh -p PORT USER@HOST` command; null unless running."),
        )
        .price_cap(super::gpu_tiers::INSTANCE_PRICE)
        .timeouts(&["create", "update", "delete"])
    }

    async fn listed_hourly_price(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: InstanceModel,
    ) -> Result<crate::framework::ListedPrice, Diagnostics> {
        let tier = plan.tier.unwrap_or_default();
        let workload = plan.workload_type.unwrap_or_else(|| "interactive".into());
        super::gpu_tiers::instance_price(ctx, &tier, &workload).await
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Create => Duration::from_secs(20 * 60),
            _ => Duration::from_secs(10 * 60),
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: InstanceModel,
    ) -> Result<InstanceModel, Failure<InstanceModel>> {
        let api = ctx.client.authed()?;
        let req = CreateInstance {
            name: plan.name.clone().unwrap_or_default(),
            tier: plan.tier.clone().unwrap_or_default(),
            ssh_key: plan.ssh_key.clone(),
            workload_type: plan.workload_type.clone(),
            storage_gb: plan.storage_gb,
        };
        let b = budget(ctx);
        // One key for every retry of this create, so the API replays instead of duplicating.
        let key = uuid::Uuid::new_v4().to_string();
        let request = api
            .post("/api/v1/instances")
            .json(&req)
            .idempotency_key(key)
            .describe(format!("create instance {:?}", req.name))
            .budget(&b);
        let name = req.name.clone();
        let created: Instance = create_reconciled(request, |started_at| {
            let name = name.clone();
            async move {
                // An ambiguous failure: find an instance of this name created since we started.
                let all: Vec<Instance> =
                    list_all_token(api.get("/api/v1/instances"), "instances").await?;
                Ok(all.into_iter().find(|i| {
                    i.name == name
                        && i.created_at
                            .as_deref()
                            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                            .is_some_and(|t| {
                                t.with_timezone(&chrono::Utc)
                                    >= started_at - chrono::Duration::seconds(5)
                            })
                }))
            }
        })
        .await
        .map_err(|e| Failure::from(create_conflict(e, &req)))?;
        ctx.client.http.cache().invalidate("instances");

        let desired = plan_desired(&plan).to_string();
        let mut state = plan;
        state.observe(&created);
        state.desired_state = Some(desired.clone());
        let id = created.id.clone();
        let outcome = async {
            if desired == "stopped" {
                // Stop is valid from pending, so the GPU is never held longer than needed.
                api.post(&format!("{}/stop", path(&id)))
                    .describe(format!("stop instance {id}"))
                    .budget(&b)
                    .send_no_body()
                    .await?;
                wait_for(api, ctx, &id, "stopped").await
            } else {
                wait_for(api, ctx, &id, "running").await
            }
        }
        .await;
        ctx.client.http.cache().invalidate("instances");
        match outcome {
            Ok(i) => {
                state.observe(&i);
                state.desired_state = Some(desired);
                Ok(state)
            }
            Err(e) => {
                // The API holds an instance now: keep its id so Terraform taints it instead of
                // orphaning a paid GPU.
                let mut diags: Diagnostics = e.into();
                diags.warning(
                    format!("Instance {id} was created but did not become {desired}"),
                    "It is saved in state as tainted: the next apply replaces it, and \
                     `terraform destroy` deletes it.",
                );
                Err(Failure::with_partial(diags, state))
            }
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut state: InstanceModel,
    ) -> Result<Option<InstanceModel>, Diagnostics> {
        let api = ctx.client.authed()?;
        let Some(id) = state.id.clone() else {
            return Ok(None);
        };
        let found: Option<Instance> = api
            .cache()
            .read(
                "instances",
                &id,
                || list_all_token(api.get("/api/v1/instances"), "instances"),
                || {
                    api.get(&path(&id))
                        .describe(format!("read instance {id}"))
                        .send_optional::<Instance>()
                },
            )
            .await?;
        match found {
            // A deletion in progress cannot be undone: the instance is as good as gone.
            Some(i) if i.status == "terminating" || i.status == "terminated" => Ok(None),
            Some(i) => {
                state.observe(&i);
                Ok(Some(state))
            }
            None => Ok(None),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: InstanceModel,
        prior: InstanceModel,
    ) -> Result<InstanceModel, Failure<InstanceModel>> {
        let api = ctx.client.authed()?;
        let id = prior.id.clone().or(plan.id.clone()).unwrap_or_default();
        let b = budget(ctx);
        let desired = plan_desired(&plan).to_string();
        let current: Instance = api
            .get(&path(&id))
            .describe(format!("read instance {id}"))
            .budget(&b)
            .send()
            .await
            .map_err(Diagnostics::from)?;
        let status = current.status.as_str();
        let result = if desired == "stopped" {
            if RUNNING_LIKE.contains(&status) {
                api.post(&format!("{}/stop", path(&id)))
                    .describe(format!("stop instance {id}"))
                    .budget(&b)
                    .send_no_body()
                    .await
                    .map_err(Diagnostics::from)?;
            }
            if status == "preempted" {
                // Preempted already holds no GPU: that is as stopped as it gets.
                Ok(current)
            } else {
                wait_for(api, ctx, &id, "stopped").await
            }
        } else {
            // The live status decides: a preempted batch instance is requeued, a stopped one
            // started (the prior state's `status` may be stale when refresh was skipped).
            let action = match status {
                "preempted" => Some("requeue"),
                "stopped" => Some("start"),
                "stopping" => {
                    wait_for(api, ctx, &id, "stopped")
                        .await
                        .map_err(Diagnostics::from)?;
                    Some("start")
                }
                _ => None,
            };
            if let Some(action) = action {
                api.post(&format!("{}/{action}", path(&id)))
                    .describe(format!("{action} instance {id}"))
                    .budget(&b)
                    .send_no_body()
                    .await
                    .map_err(Diagnostics::from)?;
            }
            wait_for(api, ctx, &id, "running").await
        };
        ctx.client.http.cache().invalidate("instances");
        let mut state = plan;
        match result {
            Ok(i) => {
                state.observe(&i);
                state.desired_state = Some(desired);
                Ok(state)
            }
            Err(e) => Err(Failure::from(Diagnostics::from(e))),
        }
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: InstanceModel,
    ) -> Result<(), Diagnostics> {
        let api = ctx.client.authed()?;
        let Some(id) = state.id else { return Ok(()) };
        let b = budget(ctx);
        let gone = match api
            .delete(&path(&id))
            .describe(format!("delete instance {id}"))
            .budget(&b)
            .send_no_body()
            .await
        {
            Ok(()) => false,
            Err(e) if e.is_not_found() => true,
            Err(e) => return Err(e.into()),
        };
        ctx.client.http.cache().invalidate("instances");
        if gone {
            return Ok(());
        }
        wait_until(&b, &format!("instance {id} to be deleted"), || async {
            let i = api
                .get(&path(&id))
                .describe(format!("read instance {id}"))
                .budget(&b)
                .send_optional::<Instance>()
                .await?;
            Ok(match i {
                None => Poll::Ready(()),
                Some(i) if i.status == "terminated" => Poll::Ready(()),
                Some(i) => Poll::Pending(i.status),
            })
        })
        .await?;
        ctx.client.http.cache().invalidate("instances");
        Ok(())
    }

    fn import(&self, id: &str) -> Result<serde_json::Value, Diagnostics> {
        let ok = id.strip_prefix("inst-").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
        if !ok {
            return Err(Diagnostics::single_error(
                "Invalid import ID for icgpu_instance",
                format!(
                    "{id:?} is not an instance ID. Expected the form inst-<lower-case letters and \
                     digits>, e.g. `terraform import icgpu_instance.example inst-abc123`."
                ),
            ));
        }
        Ok(serde_json::json!({ "id": id }))
    }
}

fn plan_desired(m: &InstanceModel) -> &str {
    m.desired_state.as_deref().unwrap_or("running")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Value;
    use crate::providers::icgpu::testutil::{check, errors_text};

    fn api_instance(status: &str) -> Instance {
        Instance {
            id: "inst-abc123".into(),
            name: "a".into(),
            tier: "mig".into(),
            workload_type: Some("batch".into()),
            storage_gb: Some(50),
            ssh_key: None,
            status: status.into(),
            ssh_host: (status == "running").then(|| "ssh.gpu.local".into()),
            ssh_port: (status == "running").then_some(30522),
            ssh_user: Some("gpuuser".into()),
            gpu_model: Some("NVIDIA L4".into()),
            created_at: Some("2025-11-20T09:14:03Z".into()),
            error_message: None,
        }
    }

    #[test]
    fn refresh_maps_status_to_desired_state() {
        for (status, desired) in [
            ("pending", "running"),
            ("starting", "running"),
            ("running", "running"),
            ("stopping", "stopped"),
            ("stopped", "stopped"),
            ("preempted", "stopped"),
        ] {
            let mut m = InstanceModel {
                desired_state: Some("running".into()),
                ..Default::default()
            };
            m.observe(&api_instance(status));
            assert_eq!(m.desired_state.as_deref(), Some(desired), "{status}");
            assert_eq!(m.status.as_deref(), Some(status));
        }
        // `error` keeps what the user asked for.
        let mut m = InstanceModel {
            desired_state: Some("stopped".into()),
            ..Default::default()
        };
        m.observe(&api_instance("error"));
        assert_eq!(m.desired_state.as_deref(), Some("stopped"));
    }

    #[test]
    fn ssh_command_only_while_reachable() {
        let mut m = InstanceModel::default();
        m.observe(&api_instance("running"));
        assert_eq!(
            m.ssh_command.as_deref(),
            Some("ssh -p 30522 gpuuser@ssh.gpu.local")
        );
        m.observe(&api_instance("stopped"));
        assert_eq!(m.ssh_command, None);
    }

    #[test]
    fn bad_values_are_caught_by_declared_validators() {
        let s = InstanceResource.schema();
        let cases = [
            ("tier", Value::string("gigantic"), "`timesliced`"),
            ("workload_type", Value::string("spot"), "`batch`"),
            ("storage_gb", Value::number(5), "between 10 and 500"),
            ("storage_gb", Value::number(900), "between 10 and 500"),
            ("desired_state", Value::string("paused"), "`stopped`"),
            ("name", Value::string("Bad_Name"), "DNS label"),
        ];
        for (attr, value, expect) in cases {
            let d = check(&s, attr, value, &[]);
            let text = errors_text(&d);
            assert!(d.has_errors() && text.contains(expect), "{attr}: {text}");
            assert!(d
                .iter()
                .all(|x| x.path == Some(crate::framework::AttributePath::attr(attr))));
        }
        for (attr, value) in [
            ("storage_gb", Value::number(10)),
            ("storage_gb", Value::number(500)),
            ("tier", Value::string("mig")),
            ("name", Value::string("my-training-job")),
        ] {
            assert!(!check(&s, attr, value, &[]).has_errors(), "{attr}");
        }
    }

    #[test]
    fn schema_declares_replacement_defaults_and_timeouts() {
        let s = InstanceResource.schema();
        for a in ["name", "tier", "ssh_key", "workload_type", "storage_gb"] {
            assert!(
                !s.attribute_named(a).expect(a).plan_modifiers.is_empty(),
                "{a} must force replacement"
            );
        }
        let desired = s.attribute_named("desired_state").expect("desired_state");
        assert!(
            desired.plan_modifiers.is_empty(),
            "desired_state changes in place"
        );
        assert_eq!(desired.default, Some(Value::string("running")));
        assert_eq!(
            s.attribute_named("storage_gb")
                .and_then(|a| a.default.clone()),
            Some(Value::number(50))
        );
        let timeouts = s
            .blocks
            .iter()
            .find(|b| b.name == "timeouts")
            .expect("timeouts");
        let ops: Vec<&str> = timeouts
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(ops, ["create", "update", "delete"]);
        assert_eq!(
            InstanceResource.default_timeout(Operation::Create),
            Duration::from_secs(1200)
        );
        assert_eq!(
            InstanceResource.default_timeout(Operation::Delete),
            Duration::from_secs(600)
        );
    }

    #[test]
    fn import_checks_the_id_form() {
        assert_eq!(
            InstanceResource.import("inst-abc123").expect("valid"),
            serde_json::json!({"id": "inst-abc123"})
        );
        for bad in ["abc123", "inst-", "wh-abc", "inst-ABC", "inst-a b"] {
            let d = InstanceResource.import(bad).expect_err(bad);
            assert!(errors_text(&d).contains("inst-"), "{bad}");
        }
    }

    #[test]
    fn capacity_conflicts_suggest_the_tiers_data_source() {
        let d = capacity_conflict(
            "dedicated",
            Some(409),
            "409 ConflictException: No capacity available in tier 'dedicated'",
        )
        .expect("a capacity diagnostic");
        let text = errors_text(&d);
        assert!(
            text.contains("\"dedicated\"") && text.contains("data.icgpu_gpu_tiers"),
            "{text}"
        );
        assert!(
            capacity_conflict("mig", Some(409), "An instance named 'a' already exists").is_none()
        );
        assert!(capacity_conflict("mig", Some(400), "capacity").is_none());
    }
}
