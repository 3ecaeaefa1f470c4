//! `shadeform_instance`: a GPU instance launched through the Shadeform marketplace. There is
//! no update call, so every argument forces replacement.
//!
//! Create first asks `/instances/types` whether the (cloud, region, type) can launch now and,
//! when it cannot, fails listing the places where that type is available, without calling
//! create. The rest (exactly-once create without an idempotency key, `pending` → `active`,
//! delete through `POST /instances/{id}/delete`) is the shared lifecycle's.

use super::api::{self, CreateRequest, Instance};
use super::{availability, launch, official};
use crate::client::{Api, Client, ClientError};
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::validators::quoted_list;
use crate::framework::{validators, Ctx, Diagnostics, Failure, MoveSource, Resource, Type, Value};
use crate::framework::{IdKind, ImportForm};
use crate::providers::common::lifecycle::{self, Fields, LongRunning, Statuses};
use crate::providers::common::{self, empty_as_prior, placements};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One entry of `placements`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlacementModel {
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub shade_instance_type: Option<String>,
}

impl PlacementModel {
    pub(super) fn label(&self) -> String {
        format!(
            "{} in {} on {}",
            self.shade_instance_type.as_deref().unwrap_or_default(),
            self.region.as_deref().unwrap_or_default(),
            self.cloud.as_deref().unwrap_or_default()
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceModel {
    pub id: Option<String>,
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub shade_instance_type: Option<String>,
    pub shade_cloud: Option<bool>,
    pub name: Option<String>,
    pub os: Option<String>,
    pub launch_configuration: Option<launch::LaunchModel>,
    pub volume_ids: Option<Vec<String>>,
    pub ssh_key_id: Option<String>,
    pub template_id: Option<String>,
    pub cloud_assigned_id: Option<String>,
    pub cloud_instance_type: Option<String>,
    pub ip: Option<String>,
    pub ssh_user: Option<String>,
    pub ssh_port: Option<i64>,
    pub status: Option<String>,
    pub hourly_price: Option<i64>,
    pub cost_estimate: Option<String>,
    pub created_at: Option<String>,
    pub configuration: Option<api::InstanceConfiguration>,
    pub placements: Option<Vec<PlacementModel>>,
    pub wait_for_ssh: Option<bool>,
    pub ssh_host_key_fingerprint: Option<String>,
}

pub struct InstanceResource;

fn configuration_attribute() -> Attribute {
    let int = |n: &str, d: &str| Attribute::int(n).output(d.to_string());
    Attribute::nested(
        "configuration",
        Nesting::Single,
        vec![
            int("memory_in_gb", "Instance memory in GB (not VRAM)."),
            int("storage_in_gb", "Storage in GB."),
            int("vcpus", "Number of vCPUs."),
            int("num_gpus", "Number of GPUs."),
            Attribute::string("gpu_type").output("GPU type, e.g. `A100`."),
            Attribute::string("interconnect").output("GPU interconnect, e.g. `pcie`."),
            int("vram_per_gpu_in_gb", "Video memory per GPU in GB."),
            Attribute::string("os").output("Operating system image."),
        ],
    )
    .output("Hardware of the launched instance.")
}

fn schema() -> Schema {
    let [wait_for_ssh, host_key_fingerprint] = common::ssh_ready::attributes();
    let computed = |n: &str, d: &str| Attribute::string(n).output(d.to_string());
    Schema::new(
        "A GPU instance launched through the Shadeform marketplace. Shadeform cannot change an \
         instance in place, so changing any argument replaces it. Create checks availability \
         first and fails listing alternatives when the (cloud, region, type) cannot launch; it \
         waits until the instance is `active`. Import with the instance ID.",
    )
    .attribute(
        Attribute::string("id")
            .output("Shadeform instance ID (a UUID).").use_state_for_unknown(),
    )
    .attribute(
        Attribute::string("cloud")
            .optional_computed()
            .use_state_for_unknown()
            .requires_replace()
            .validator(validators::usually_one_of(api::CLOUDS))
            .description(format!(
                "Underlying cloud provider, e.g. {}. Shadeform adds clouds faster than its API \
                 reference lists them, so another name is accepted with a warning (see \
                 `shadeform_instance_types` for what is offered now).",
                quoted_list(api::CLOUDS)
            ) + " Required unless `placements` is set; then it records the placement chosen."),
    )
    .attribute(
        Attribute::string("region")
            .optional_computed()
            .use_state_for_unknown()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("Region of the cloud, e.g. `na-us-bos-1` (see `shadeform_instance_types`). Required unless `placements` is set; then it records the placement chosen."),
    )
    .attribute(
        Attribute::string("shade_instance_type")
            .optional_computed()
            .use_state_for_unknown()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("Shadeform's standardised instance type, e.g. `A100` or `8xH100`. Required unless `placements` is set; then it records the placement chosen."),
    )
    .attribute(
        Attribute::bool("shade_cloud")
            .default(Value::Bool(true))
            .requires_replace()
            .description("Launch in Shadeform's managed account (true, the default) or in your own cloud account linked to Shadeform (false)."),
    )
    .attribute(
        Attribute::string("name")
            .required()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("Instance name. Also how a retried create finds an instance a lost first attempt already launched, so keep names unique."),
    )
    .attribute(
        Attribute::string("os")
            .optional_computed()
            .use_state_for_unknown()
            .requires_replace()
            .description("Operating system image, e.g. `ubuntu22.04_cuda12.2_shade_os`; the type's default when omitted."),
    )
    .attribute(launch::attribute())
    .attribute(
        Attribute::list_of("volume_ids", Type::String)
            .optional()
            .requires_replace()
            .validator(validators::size_at_most(1))
            .validator(validators::each(validators::length_between(1, 128)))
            .description("Volumes to mount at launch (`shadeform_volume` IDs in the same cloud and region); Shadeform mounts one volume per instance."),
    )
    .attribute(
        Attribute::string("ssh_key_id")
            .optional_computed()
            .use_state_for_unknown()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("ID of the Shadeform SSH key installed on the instance; the account's default key when omitted."),
    )
    .attribute(
        Attribute::string("template_id")
            .optional()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("ID of a Shadeform template to launch from (its saved launch settings)."),
    )
    .attribute(computed("cloud_assigned_id", "The instance's ID at the underlying cloud.").use_state_for_unknown())
    .attribute(computed("cloud_instance_type", "The underlying cloud's instance type.").use_state_for_unknown())
    .attribute(computed("ip", "Public IP address (or DNS name) of the instance."))
    .attribute(computed("ssh_user", "User for SSH access."))
    .attribute(Attribute::int("ssh_port").output("SSH port (usually 22)."))
    .attribute(computed("status", &format!("Status: one of {}.", quoted_list(api::STATUSES))))
    .attribute(Attribute::int("hourly_price").output("Base hourly price in US cents, without the Shadeform platform fee."))
    .attribute(computed("cost_estimate", "Cost incurred so far in US dollars, as Shadeform bills it (a decimal string)."))
    .attribute(computed("created_at", "Creation timestamp (RFC 3339).").use_state_for_unknown())
    .attribute(configuration_attribute())
    .attribute(placements_attribute())
    .attribute(wait_for_ssh)
    .attribute(host_key_fingerprint)
    .price_cap(super::instance_types::INSTANCE_PRICE)
    .config_validator(launch::one_of_docker_or_script())
    .timeouts(&["create", "read", "delete"])
}

fn placements_attribute() -> Attribute {
    let choices = vec![
        Attribute::string("cloud")
            .required()
            .validator(validators::usually_one_of(api::CLOUDS))
            .description("Underlying cloud provider, as in `cloud`."),
        Attribute::string("region")
            .required()
            .validator(validators::length_between(1, 128))
            .description("Region of the cloud, as in `region`."),
        Attribute::string("shade_instance_type")
            .required()
            .validator(validators::length_between(1, 128))
            .description("Shadeform instance type, as in `shade_instance_type`."),
    ];
    placements::attribute(
        choices,
        "Capacity failover: (cloud, region, type) choices in order of preference, instead of \
         `cloud`, `region` and `shade_instance_type`. Create skips those `/instances/types` \
         shows unavailable (or priced above `max_hourly_price`), tries the others in order and \
         moves on when Shadeform answers that the type is unavailable; `cloud`, `region` and \
         `shade_instance_type` then record the one chosen. When none can launch, one error \
         lists each and why. Editing the list later never replaces a running instance: it \
         applies to the next create.",
    )
}

/// State from the API's view of an instance; `prior` fills what the API does not echo.
fn observe(i: Instance, prior: &InstanceModel) -> InstanceModel {
    let launch_configuration = match i.launch_configuration {
        Some(lc) => Some(launch::observe(lc, prior.launch_configuration.as_ref())),
        // The API need not echo the launch configuration; keep what was configured.
        None => prior.launch_configuration.clone(),
    };
    InstanceModel {
        id: i.id.or_else(|| prior.id.clone()),
        cloud: i.cloud,
        region: i.region,
        shade_instance_type: i.shade_instance_type,
        shade_cloud: i.shade_cloud.or(prior.shade_cloud),
        name: i.name,
        os: i
            .configuration
            .as_ref()
            .and_then(|c| c.os.clone())
            .or_else(|| prior.os.clone()),
        launch_configuration,
        volume_ids: empty_as_prior(
            i.volume_ids.unwrap_or_default(),
            prior.volume_ids.as_ref().is_some_and(Vec::is_empty),
        ),
        ssh_key_id: i.ssh_key_id.or_else(|| prior.ssh_key_id.clone()),
        // The API need not echo the template; keep what was configured.
        template_id: i.template_id.or_else(|| prior.template_id.clone()),
        cloud_assigned_id: i.cloud_assigned_id,
        cloud_instance_type: i.cloud_instance_type,
        ip: i.ip,
        ssh_user: i.ssh_user,
        ssh_port: i.ssh_port,
        status: i.status,
        hourly_price: i.hourly_price,
        cost_estimate: i.cost_estimate,
        created_at: i.created_at,
        configuration: i.configuration,
        placements: prior.placements.clone(),
        wait_for_ssh: prior.wait_for_ssh.or(Some(false)),
        ssh_host_key_fingerprint: prior.ssh_host_key_fingerprint.clone(),
    }
}

/// The lifecycle of Shadeform instances: `pending` → `active`; `deleted` is gone. The spec
/// lists only those three, but the live API also reports `error` for a launch the cloud
/// refused, which fails a create at once and replaces the instance on the next apply.
pub(crate) struct Instances;

#[async_trait]
impl LongRunning for Instances {
    type Object = Instance;
    const TYPE: &'static str = "shadeform_instance";
    const NOUN: &'static str = "Shadeform instance";
    const STATUSES: Statuses = Statuses {
        ready: &["active"],
        starting: &["pending"],
        failed: &["error"],
        gone: &["deleted"],
        deleted: &["deleted"],
    };

    fn fields(o: &Instance) -> Fields<'_> {
        Fields {
            id: o.id.as_deref(),
            status: o.status.as_deref(),
            name: o.name.as_deref(),
            created_at: o.created_at.as_deref(),
            message: None,
        }
    }
    fn path(&self, id: &str) -> String {
        api::instance_path(id, "info")
    }
    fn out_of_capacity(&self, e: &ClientError) -> Option<String> {
        let full = e.status() == Some(409) && e.code() == Some("INSTANCE_TYPE_UNAVAILABLE");
        if full {
            super::availability::forget_on_capacity_error();
        }
        full.then(|| "Shadeform answered that the type is unavailable".to_string())
    }
    async fn list(&self, api: &Api) -> Result<Vec<serde_json::Value>, ClientError> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            instances: Vec<serde_json::Value>,
        }
        let raw: Raw = api
            .get("/instances")
            .describe("list Shadeform instances")
            .send()
            .await?;
        Ok(raw.instances)
    }
    /// `POST /instances/{id}/delete`: deleting twice is harmless, so it is retried.
    async fn send_delete(&self, api: &Api, id: &str) -> Result<(), ClientError> {
        api.post(&api::instance_path(id, "delete"))
            .idempotent()
            .describe(format!("delete Shadeform instance {id:?}"))
            .send_no_body()
            .await
    }
}

#[async_trait]
impl Resource for InstanceResource {
    type Client = Client;
    type Model = InstanceModel;

    fn type_name(&self) -> &'static str {
        "instance"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let chosen = ["cloud", "region", "shade_instance_type"];
        placements::check_config(config, diags, "the cloud, region and type", &chosen, &[]);
    }

    fn move_state(&self, from: &MoveSource<'_>) -> Option<Result<serde_json::Value, Diagnostics>> {
        official::instance(from)
    }

    async fn listed_hourly_price(
        &self,
        ctx: &Ctx<'_, Client>,
        plan: InstanceModel,
    ) -> Result<crate::framework::ListedPrice, Diagnostics> {
        let Some(placements) = plan.placements.filter(|p| !p.is_empty()) else {
            let cloud = plan.cloud.unwrap_or_default();
            let ty = plan.shade_instance_type.unwrap_or_default();
            return super::instance_types::instance_price(ctx, &cloud, &ty).await;
        };
        // Placements above the cap are skipped at create: the plan fails only when all are.
        let mut prices = Vec::new();
        for p in &placements {
            let cloud = p.cloud.clone().unwrap_or_default();
            let ty = p.shade_instance_type.clone().unwrap_or_default();
            prices.push(super::instance_types::instance_price(ctx, &cloud, &ty).await?);
        }
        placements::cheapest(prices)
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, Client>,
        plan: InstanceModel,
    ) -> Result<InstanceModel, Failure<InstanceModel>> {
        let api = common::api(ctx);
        let request = |p: &PlacementModel, name: &str| {
            let body = CreateRequest {
                cloud: p.cloud.clone().unwrap_or_default(),
                region: p.region.clone().unwrap_or_default(),
                shade_instance_type: p.shade_instance_type.clone().unwrap_or_default(),
                shade_cloud: plan.shade_cloud.unwrap_or(true),
                name: name.to_string(),
                os: plan.os.clone(),
                launch_configuration: plan.launch_configuration.as_ref().map(launch::to_api),
                volume_ids: plan.volume_ids.clone(),
                ssh_key_id: plan.ssh_key_id.clone(),
                template_id: plan.template_id.clone(),
            };
            api.post("/instances/create")
                .json(&body)
                .describe(format!("create Shadeform instance {name:?}"))
        };
        let name = plan.name.clone();
        let to_model = |i: &Instance| observe(i.clone(), &plan);
        let one = PlacementModel {
            cloud: plan.cloud.clone(),
            region: plan.region.clone(),
            shade_instance_type: plan.shade_instance_type.clone(),
        };
        let candidates = match plan.placements.as_deref().filter(|p| !p.is_empty()) {
            Some(list) => Some(availability::candidates(&api, ctx.price_limit(), list).await?),
            None => {
                let text = |v: &Option<String>| v.clone().unwrap_or_default();
                let (cloud, region) = (text(&one.cloud), text(&one.region));
                availability::check(&api, &cloud, &region, &text(&one.shade_instance_type)).await?;
                None
            }
        };
        let (lr, observe) = (&Instances, |i: &Instance, _: &_| to_model(i));
        let created = lifecycle::create_at(
            ctx, &api, lr, &plan, name, &one, candidates, request, observe,
        )
        .await;
        common::ssh_ready::after_create(
            ctx,
            plan.wait_for_ssh == Some(true),
            created,
            |m| Some((m.ip.clone()?, u16::try_from(m.ssh_port.unwrap_or(22)).ok()?)),
            |m, fingerprint| m.ssh_host_key_fingerprint = Some(fingerprint),
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        state: InstanceModel,
    ) -> Result<Option<InstanceModel>, Diagnostics> {
        let found = lifecycle::read_by_state_id(ctx, &Instances, state.id.as_deref()).await?;
        Ok(found.map(|i| observe(i, &state)))
    }

    async fn delete(&self, ctx: &Ctx<'_, Client>, state: InstanceModel) -> Result<(), Diagnostics> {
        lifecycle::delete_by_state_id(ctx, &Instances, state.id.as_deref()).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::id(IdKind::Uuid)
    }
}
