//! `icgpu_instance`: a GPU instance with SSH access. Every argument but `desired_state` forces
//! replacement (the API has no update); `desired_state` drives start/stop/requeue in place.

use super::api::{CreateInstance, GpuTier, Instance, TIERS, WORKLOAD_TYPES};
use super::compute::{self, observed_desired_state, Machine};
use super::long_running::{self, Collection, IcGpuObject};
use super::{records, ssh_public_key, IcGpuClient};
use crate::client::{Api, ClientError};
use crate::framework::resource::{ModifyPlanRequest, Operation};
use crate::framework::{validators, Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
use crate::framework::{ImportForm, Value};
use crate::providers::common::lifecycle::{self, Candidate, Fields, Statuses};
use crate::providers::common::{placements, ssh_ready};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Statuses on the way to (or at) `running`: the instance holds or waits for a GPU.
const RUNNING_LIKE: &[&str] = &["pending", "starting", "running"];
/// Statuses where the instance holds no GPU and keeps its storage.
const STOPPED_LIKE: &[&str] = &["stopping", "stopped", "preempted"];

pub struct InstanceResource;

/// The workload type of a create that names none (the API's default).
const DEFAULT_WORKLOAD_TYPE: &str = "interactive";

/// One entry of `placements`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlacementModel {
    pub tier: Option<String>,
    pub workload_type: Option<String>,
}

impl PlacementModel {
    fn workload_type(&self) -> &str {
        self.workload_type
            .as_deref()
            .unwrap_or(DEFAULT_WORKLOAD_TYPE)
    }

    fn label(&self) -> String {
        format!(
            "tier {} ({})",
            self.tier.as_deref().unwrap_or_default(),
            self.workload_type()
        )
    }
}

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
    pub wait_for_ssh: Option<bool>,
    pub ssh_host_key_fingerprint: Option<String>,
    pub placements: Option<Vec<PlacementModel>>,
}

#[async_trait]
impl Machine for InstanceModel {
    type Object = Instance;

    /// A stopped or preempted instance shows as an in-place diff of `desired_state`.
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
        self.ssh_command =
            ssh_ready::login_command(i.ssh_host.as_deref(), i.ssh_port, i.ssh_user.as_deref());
    }
    compute::machine_fields!();

    async fn converge(
        &self,
        api: &Api,
        id: &str,
        current: Instance,
        _prior: &Self,
    ) -> Result<Instance, ClientError> {
        let status = current.status.as_str();
        if self.desired() == "stopped" {
            if RUNNING_LIKE.contains(&status) {
                stop(api, id).await?;
            }
            if status == "preempted" {
                // Preempted already holds no GPU: that is as stopped as it gets.
                return Ok(current);
            }
            return wait_for(api, id, "stopped").await.0;
        }
        // A preempted batch instance is requeued, a stopped one started.
        let verb = match status {
            "preempted" => Some("requeue"),
            "stopped" => Some("start"),
            "stopping" => {
                wait_for(api, id, "stopped").await.0?;
                Some("start")
            }
            _ => None,
        };
        if let Some(verb) = verb {
            compute::action::<Instance>(api, id, verb).await?;
        }
        wait_for(api, id, "running").await.0
    }
}

/// The lifecycle of IC GPU instances. `stopping`, `stopped` and `preempted` are settled
/// states of an existing instance (refresh shows them as a `desired_state` diff).
pub(crate) type Instances = Collection<Instance>;

impl IcGpuObject for Instance {
    const TYPE: &'static str = "icgpu_instance";
    const NOUN: &'static str = "instance";
    const COLLECTION: &'static str = "/api/v1/instances";
    const LIST_FIELD: &'static str = "instances";
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
    /// `asked` is the tier, named when it has no capacity.
    fn refusal(asked: &str, e: &ClientError) -> Option<Diagnostics> {
        capacity_conflict(asked, e.status(), &e.detail())
    }
    fn out_of_capacity(e: &ClientError) -> Option<String> {
        is_capacity_conflict(e.status(), &e.detail())
            .then(|| "the platform answered that the tier has no capacity".to_string())
    }
}

/// Waits for `target` through the statuses that lead to it.
async fn wait_for(
    api: &Api,
    id: &str,
    target: &'static str,
) -> (Result<Instance, ClientError>, Option<Instance>) {
    let through: &[&str] = if target == "stopped" {
        &["pending", "starting", "running", "stopping"]
    } else {
        &["pending", "starting", "stopped", "stopping"]
    };
    lifecycle::wait_for(api, &Instances::new(), id, &[target], through).await
}

/// The API has one code for every conflict; only its message tells capacity apart.
fn is_capacity_conflict(status: Option<u16>, detail: &str) -> bool {
    status == Some(409) && detail.to_lowercase().contains("capacity")
}

fn capacity_conflict(tier: &str, status: Option<u16>, detail: &str) -> Option<Diagnostics> {
    if !is_capacity_conflict(status, detail) {
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

fn placements_attribute() -> Attribute {
    placements::attribute(
        vec![
            Attribute::string("tier")
                .required()
                .one_of(TIERS)
                .description("GPU tier, as in `tier`."),
            Attribute::string("workload_type")
                .optional()
                .one_of(WORKLOAD_TYPES)
                .description("Workload type, as in `workload_type`; `interactive` when omitted."),
        ],
        "Capacity failover: (tier, workload type) choices in order of preference, instead of \
         `tier` and `workload_type`. Create skips the tiers the public GPU tier list shows \
         without capacity (`available = false`, for batch too: a failover never queues) or \
         priced above `max_hourly_price`, tries the others in order and moves on when the \
         platform answers that the tier has no capacity; `tier` and `workload_type` then record \
         the one chosen. When none can take the instance, one error lists each and why. Editing \
         the list later never replaces a running instance: it applies to the next create.",
    )
}

/// `placements` as the create tries them, against one read of the public tier list.
fn candidates(
    tiers: &[GpuTier],
    limit: Option<&bigdecimal::BigDecimal>,
    list: &[PlacementModel],
) -> Vec<Candidate<PlacementModel>> {
    list.iter()
        .map(|p| {
            let name = p.tier.as_deref().unwrap_or_default();
            let skip = match tiers.iter().find(|t| t.tier == name) {
                None => Some("the GPU tier list has no such tier".to_string()),
                Some(t) if t.available == Some(false) => Some(format!(
                    "the GPU tier list shows it without capacity (available_count = {})",
                    t.available_count.unwrap_or(0)
                )),
                Some(_) => super::gpu_tiers::price_in(tiers, name, p.workload_type())
                    .ok()
                    .and_then(|price| {
                        placements::over_cap(&price.amount, limit, "tokens per hour")
                    }),
            };
            Candidate {
                placement: p.clone(),
                label: p.label(),
                skip,
            }
        })
        .collect()
}

#[async_trait]
impl Resource for InstanceResource {
    type Client = IcGpuClient;
    type Model = InstanceModel;

    fn type_name(&self) -> &'static str {
        "instance"
    }

    fn schema(&self) -> Schema {
        let [wait_for_ssh, host_key_fingerprint] = ssh_ready::attributes();
        let [ssh_host, ssh_port, ssh_user, ssh_command] = compute::ssh_attributes(
            "SSH host; set only while running.",
            "SSH port; set only while running and may change after a restart.",
            "SSH login user (always `gpuuser`).",
        );
        Schema::new(
            "A GPU instance with SSH access on the IC GPU platform. Interactive instances have \
             guaranteed availability; batch instances cost 50% less and can be preempted. The API \
             cannot change an instance, so every argument except `desired_state` replaces it.",
        )
        .attribute(records::id("Instance ID (`inst-...`); also the import ID."))
        .attribute(compute::name(
            "Instance name, unique among the account's instances.",
        ))
        .attribute(
            Attribute::string("tier")
                .optional_computed()
                .use_state_for_unknown()
                .one_of(TIERS)
                .requires_replace()
                .description(
                    "GPU tier: `dedicated` (a full GPU), `mig` (a MIG slice with hardware memory \
                     isolation) or `timesliced` (a shared GPU, no memory isolation). Required \
                     unless `placements` is set; then it records the placement chosen.",
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
                .optional_computed()
                .use_state_for_unknown()
                .one_of(WORKLOAD_TYPES)
                .requires_replace()
                .description(
                    "`interactive` (guaranteed availability, the default) or `batch` (50% \
                     discount, preemptible; waits for capacity). With `placements`, leave it \
                     out: it records the placement chosen.",
                ),
        )
        .attribute(
            Attribute::int("storage_gb")
                .default(Value::number(50))
                .validator(validators::between(10.0, 500.0))
                .requires_replace()
                .description("Persistent storage in GB, 10 to 500 (default 50)."),
        )
        .attribute(compute::desired_state(
            "`running` (default) or `stopped`. Changed in place: stopping releases the GPU and \
             keeps the storage. Refresh reports a stopped or preempted instance as `stopped`, so \
             applying `running` starts it again (a preempted batch instance is requeued).",
        ))
        .attribute(Attribute::string("status").output(
            "Lifecycle status reported by the API: pending, starting, running, stopping, \
             stopped, preempted, error or terminating.",
        ))
        .attribute(ssh_host)
        .attribute(ssh_port)
        .attribute(ssh_user)
        .attribute(ssh_command)
        .attribute(
            Attribute::string("gpu_model")
                .output("GPU model of the tier.")
                .use_state_for_unknown(),
        )
        .attribute(records::created_at())
        .attribute(
            Attribute::string("error_message")
                .output("Why the instance is in status `error`; null otherwise."),
        )
        .attribute(wait_for_ssh)
        .attribute(host_key_fingerprint)
        .attribute(placements_attribute())
        .price_cap(super::gpu_tiers::INSTANCE_PRICE)
        .timeouts(&["create", "read", "update", "delete"])
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let what = "the tier and workload type";
        placements::check_config(config, diags, what, &["tier"], &["workload_type"]);
    }

    /// A new instance without `placements` shows the API's default workload type in its plan.
    fn modify_plan(&self, req: &ModifyPlanRequest<'_>, plan: &mut Value, _: &mut Diagnostics) {
        let unset = |n: &str| req.config.attr(n).is_none_or(Value::is_null);
        if !req.prior_state.is_null() || !unset(placements::PLACEMENTS) || !unset("workload_type") {
            return;
        }
        if let Some(attrs) = plan.as_object_mut() {
            attrs.insert("workload_type".into(), Value::string(DEFAULT_WORKLOAD_TYPE));
        }
    }

    async fn listed_hourly_price(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: InstanceModel,
    ) -> Result<crate::framework::ListedPrice, Diagnostics> {
        let Some(list) = plan.placements.filter(|p| !p.is_empty()) else {
            let tier = plan.tier.unwrap_or_default();
            let workload = plan
                .workload_type
                .as_deref()
                .unwrap_or(DEFAULT_WORKLOAD_TYPE);
            return super::gpu_tiers::instance_price(ctx, &tier, workload).await;
        };
        let tiers = super::gpu_tiers::list_tiers(ctx).await?;
        let prices = list
            .iter()
            .map(|p| {
                let tier = p.tier.as_deref().unwrap_or_default();
                super::gpu_tiers::price_in(&tiers, tier, p.workload_type())
            })
            .collect::<Result<Vec<_>, _>>()?;
        placements::cheapest(prices)
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        compute::default_timeout(op)
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: InstanceModel,
    ) -> Result<InstanceModel, Failure<InstanceModel>> {
        let api = &super::api(ctx)?;
        let request = |p: &PlacementModel, name: &str| {
            let body = CreateInstance {
                name: name.to_string(),
                tier: p.tier.clone().unwrap_or_default(),
                ssh_key: plan.ssh_key.clone(),
                workload_type: p.workload_type.clone(),
                storage_gb: plan.storage_gb,
            };
            api.post(Instance::COLLECTION)
                .json(&body)
                .describe(format!("create instance {name:?}"))
        };
        let name = plan.name.clone();
        let (submitted, chosen) = match plan.placements.as_deref().filter(|p| !p.is_empty()) {
            Some(list) => {
                let tiers = super::gpu_tiers::list_tiers(ctx)
                    .await
                    .map_err(Diagnostics::from)?;
                let candidates = candidates(&tiers, ctx.price_limit(), list);
                let (submitted, i) = lifecycle::submit_placed(
                    api,
                    &Instances::new(),
                    &plan,
                    name,
                    &candidates,
                    request,
                )
                .await?;
                (submitted, list[i].clone())
            }
            None => {
                let one = PlacementModel {
                    tier: plan.tier.clone(),
                    workload_type: plan.workload_type.clone(),
                };
                let instances = Instances::asking(one.tier.clone().unwrap_or_default());
                let submitted =
                    lifecycle::submit(api, &instances, &plan, name, |n| request(&one, n)).await?;
                (submitted, one)
            }
        };
        let id = submitted.id.clone();
        let waited = if plan.desired() == "stopped" {
            // Stop is valid from pending, so the GPU is never held longer than needed.
            match stop(api, &id).await {
                Ok(()) => wait_for(api, &id, "stopped").await,
                Err(e) => (Err(e), None),
            }
        } else {
            wait_for(api, &id, "running").await
        };
        compute::finish_create(ctx, &plan, &submitted, waited, |state| {
            state.workload_type = Some(chosen.workload_type().to_string());
        })
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: InstanceModel,
    ) -> Result<Option<InstanceModel>, Diagnostics> {
        compute::read(ctx, state).await
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: InstanceModel,
        prior: InstanceModel,
    ) -> Result<InstanceModel, Failure<InstanceModel>> {
        compute::update(ctx, plan, prior).await
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: InstanceModel,
    ) -> Result<(), Diagnostics> {
        compute::delete(ctx, state).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("inst-")
    }
}

async fn stop(api: &Api, id: &str) -> Result<(), ClientError> {
    compute::action::<Instance>(api, id, "stop").await
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

    fn tier(name: &str, available_count: i64, price: i64) -> GpuTier {
        GpuTier {
            tier: name.into(),
            description: None,
            gpu_model: None,
            gpu_memory_gb: None,
            mig_profile: None,
            memory_isolation: None,
            price_per_hour_tokens: Some(price),
            batch_price_per_hour_tokens: Some(price / 2),
            available: Some(available_count > 0),
            available_count: Some(available_count),
        }
    }

    #[test]
    fn placements_without_capacity_unknown_or_over_the_cap_are_skipped() {
        let tiers = [tier("dedicated", 0, 250_000), tier("mig", 5, 120_000)];
        let p = |t: &str, w: Option<&str>| PlacementModel {
            tier: Some(t.into()),
            workload_type: w.map(str::to_string),
        };
        let list = [
            p("dedicated", None),
            p("mig", None),
            p("mig", Some("batch")),
            p("timesliced", None),
        ];
        let cap = bigdecimal::BigDecimal::from(100_000);
        let got = candidates(&tiers, Some(&cap), &list);
        let labels: Vec<&str> = got.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "tier dedicated (interactive)",
                "tier mig (interactive)",
                "tier mig (batch)",
                "tier timesliced (interactive)"
            ]
        );
        let skip: Vec<Option<&str>> = got.iter().map(|c| c.skip.as_deref()).collect();
        assert!(
            skip[0].is_some_and(|s| s.contains("available_count = 0")),
            "{skip:?}"
        );
        assert!(
            skip[1].is_some_and(|s| s.contains("listed at 120000 tokens per hour")),
            "{skip:?}"
        );
        assert_eq!(skip[2], None, "batch is half price, under the cap");
        assert!(
            skip[3].is_some_and(|s| s.contains("no such tier")),
            "{skip:?}"
        );
        assert_eq!(candidates(&tiers, None, &list)[1].skip, None);
    }

    #[test]
    fn a_new_instance_without_placements_plans_the_default_workload_type() {
        let obj = |pairs: &[(&str, Value)]| {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        };
        let planned = |config: &Value, prior: &Value| {
            let mut plan = obj(&[("workload_type", Value::Unknown)]);
            let req = ModifyPlanRequest {
                config,
                prior_state: prior,
            };
            InstanceResource.modify_plan(&req, &mut plan, &mut Diagnostics::new());
            plan.attr("workload_type").cloned()
        };
        let plain = obj(&[("tier", Value::string("mig"))]);
        assert_eq!(
            planned(&plain, &Value::Null),
            Some(Value::string("interactive"))
        );
        let placed = obj(&[("placements", Value::List(vec![Value::Null]))]);
        assert_eq!(planned(&placed, &Value::Null), Some(Value::Unknown));
        assert_eq!(
            planned(&plain, &plain),
            Some(Value::Unknown),
            "only on create"
        );
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
