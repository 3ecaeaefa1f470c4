//! `shadeform_volume`: persistent block storage in one cloud region, mounted by instances at
//! launch (`shadeform_instance.volume_ids`). There is no update call, so every argument forces
//! replacement, and no status: a volume exists from create to delete.
//!
//! `/volumes/create` takes no idempotency key and volumes carry no creation time, so create
//! first notes which volumes already have our name; an ambiguous failure then adopts the one
//! with our name, cloud and region that was not there before instead of creating another.
//! Delete refuses, before any call that changes something, while an instance mounts the volume.

use super::api::{self, CreateVolumeRequest, CreateVolumeResponse, Volume};
use super::official;
use crate::client::{create_reconciled, Api, Client, ClientError};
use crate::framework::schema::{Attribute, Schema};
use crate::framework::validators::quoted_list;
use crate::framework::{
    validators, AttributePath, Ctx, Diagnostics, Failure, MoveSource, Resource,
};
use crate::framework::{IdKind, ImportForm};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeModel {
    pub id: Option<String>,
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub name: Option<String>,
    pub size_in_gb: Option<i64>,
    pub cloud_assigned_id: Option<String>,
    pub fixed_size: Option<bool>,
    pub supports_multi_mount: Option<bool>,
    pub cost_estimate: Option<String>,
    pub mounted_by: Option<String>,
}

impl VolumeModel {
    fn observe(v: Volume) -> Self {
        Self {
            id: v.id,
            cloud: v.cloud,
            region: v.region,
            name: v.name,
            size_in_gb: v.size_in_gb,
            cloud_assigned_id: v.cloud_assigned_id,
            fixed_size: v.fixed_size,
            supports_multi_mount: v.supports_multi_mount,
            cost_estimate: v.cost_estimate,
            mounted_by: v.mounted_by.filter(|m| !m.is_empty()),
        }
    }
}

pub struct VolumeResource;

/// The API's name for volumes in paths and list keys.
const KIND: &str = "volume";

fn schema() -> Schema {
    let computed = |n: &str, d: &str| Attribute::string(n).output(d.to_string());
    Schema::new(
        "A Shadeform storage volume: persistent block storage in one cloud region that outlives \
         the instances mounting it. Mount it at launch with `shadeform_instance.volume_ids`. \
         Shadeform cannot change a volume in place, so changing any argument replaces it (and \
         its data). A volume an instance still mounts cannot be destroyed. Import with the \
         volume ID.",
    )
    .attribute(
        Attribute::string("id")
            .output("Shadeform volume ID (a UUID).").use_state_for_unknown(),
    )
    .attribute(
        Attribute::string("cloud")
            .required()
            .requires_replace()
            .validator(validators::usually_one_of(api::CLOUDS))
            .description(format!(
                "Cloud the volume lives in, e.g. {}; another name is accepted with a warning. \
                 Instances mounting it must be in the same cloud.",
                quoted_list(api::CLOUDS)
            )),
    )
    .attribute(
        Attribute::string("region")
            .required()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("Region of the cloud, e.g. `helsinki-finland-2`; instances mounting the volume must be in the same region."),
    )
    .attribute(
        Attribute::string("name")
            .required()
            .requires_replace()
            .validator(validators::length_between(1, 128))
            .description("Volume name. Also how a retried create finds a volume a lost first attempt already made, so keep names unique."),
    )
    .attribute(
        Attribute::int("size_in_gb")
            .required()
            .requires_replace()
            .validator(validators::at_least(1.0))
            .description("Size in GB. Changing it replaces the volume (Shadeform cannot resize one)."),
    )
    .attribute(
        computed("cloud_assigned_id", "The volume's ID at the underlying cloud.")
            .use_state_for_unknown(),
    )
    .attribute(
        Attribute::bool("fixed_size")
            .output("Whether the volume has a fixed size (true) or grows with its data (false).").use_state_for_unknown(),
    )
    .attribute(
        Attribute::bool("supports_multi_mount")
            .output("Whether several instances can mount the volume at once.").use_state_for_unknown(),
    )
    .attribute(computed(
        "cost_estimate",
        "Cost incurred so far in US dollars, as Shadeform bills it (a decimal string).",
    ))
    .attribute(computed(
        "mounted_by",
        "ID of the instance mounting the volume; null when none does.",
    ))
}

async fn list(api: &Api) -> Result<Vec<Volume>, ClientError> {
    Ok(api::list_raw(api, KIND)
        .await?
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect())
}

/// The volume `body` describes that is not among `before`, if a lost create made one.
async fn find_created(
    api: &Api,
    body: &CreateVolumeRequest,
    before: &HashSet<String>,
) -> Result<Option<CreateVolumeResponse>, ClientError> {
    Ok(list(api)
        .await?
        .into_iter()
        .find(|v| {
            v.name.as_deref() == Some(body.name.as_str())
                && v.cloud.as_deref() == Some(body.cloud.as_str())
                && v.region.as_deref() == Some(body.region.as_str())
                && v.id.as_ref().is_some_and(|id| !before.contains(id))
        })
        .map(|v| CreateVolumeResponse { id: v.id }))
}

#[async_trait]
impl Resource for VolumeResource {
    type Client = Client;
    type Model = VolumeModel;

    fn type_name(&self) -> &'static str {
        "volume"
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::id(IdKind::Uuid)
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn move_state(&self, from: &MoveSource<'_>) -> Option<Result<serde_json::Value, Diagnostics>> {
        official::volume(from)
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, Client>,
        plan: VolumeModel,
    ) -> Result<VolumeModel, Failure<VolumeModel>> {
        let api = common::api(ctx);
        let body = CreateVolumeRequest {
            cloud: plan.cloud.clone().unwrap_or_default(),
            region: plan.region.clone().unwrap_or_default(),
            size_in_gb: plan.size_in_gb.unwrap_or_default(),
            name: plan.name.clone().unwrap_or_default(),
        };
        let before: HashSet<String> = list(&api)
            .await?
            .into_iter()
            .filter(|v| v.name.as_deref() == Some(body.name.as_str()))
            .filter_map(|v| v.id)
            .collect();
        let req = api
            .post("/volumes/create")
            .json(&body)
            .describe(format!("create Shadeform volume {:?}", body.name));
        let (api_ref, body_ref, before_ref) = (&api, &body, &before);
        let created: CreateVolumeResponse =
            create_reconciled(req, move |_| find_created(api_ref, body_ref, before_ref)).await?;
        let Some(id) = created.id else {
            return Err(Diagnostics::single_error(
                "Shadeform returned no volume ID",
                format!(
                    "Creating volume {:?} answered without an `id`; check the Shadeform console for a volume of that name.",
                    body.name
                ),
            )
            .into());
        };
        let partial = VolumeModel {
            id: Some(id.clone()),
            ..plan
        };
        match api::info(&api, KIND, &id).await {
            Ok(Some(v)) => Ok(VolumeModel::observe(v)),
            Ok(None) => Err(Failure::with_partial(
                Diagnostics::single_error(
                    "Shadeform volume vanished after create",
                    format!("Volume {id:?} was created but cannot be read back."),
                ),
                partial,
            )),
            Err(e) => Err(Failure::with_partial(e.into(), partial)),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        state: VolumeModel,
    ) -> Result<Option<VolumeModel>, Diagnostics> {
        let Some(id) = state.id.as_deref() else {
            return Ok(None);
        };
        let api = common::api(ctx);
        let found: Option<Volume> = api::refresh(&api, KIND, id).await?;
        Ok(found.map(VolumeModel::observe))
    }

    async fn delete(&self, ctx: &Ctx<'_, Client>, state: VolumeModel) -> Result<(), Diagnostics> {
        let Some(id) = state.id.as_deref() else {
            return Ok(());
        };
        let api = common::api(ctx);
        let Some(current) = api::info::<Volume>(&api, KIND, id).await? else {
            return Ok(());
        };
        if let Some(instance) = current.mounted_by.filter(|m| !m.is_empty()) {
            return Err(Diagnostics::single_attribute_error(
                AttributePath::attr("mounted_by"),
                "Shadeform volume is still mounted",
                format!(
                    "Volume {id:?} is mounted by instance {instance:?}, so it was not deleted. \
                     Destroy or replace that instance first (or remove the volume from its \
                     `volume_ids`), then apply again."
                ),
            ));
        }
        let sent = api
            .post(&api::volume_path(id, "delete"))
            .describe(format!("delete Shadeform volume {id:?}"))
            .send_no_body()
            .await;
        match sent {
            Err(e) if !e.is_not_found() => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_mounted_by_reads_as_unmounted() {
        let v: Volume = serde_json::from_value(serde_json::json!({
            "id": "v-1", "cloud": "datacrunch", "region": "helsinki-finland-2", "name": "data",
            "fixed_size": true, "size_in_gb": 101, "cost_estimate": "0.00",
            "supports_multi_mount": false, "mounted_by": ""
        }))
        .expect("volume");
        let m = VolumeModel::observe(v);
        assert_eq!(m.mounted_by, None);
        assert_eq!(m.size_in_gb, Some(101));
        let v: Volume =
            serde_json::from_value(serde_json::json!({"id": "v-2", "mounted_by": "i-1"}))
                .expect("volume");
        assert_eq!(VolumeModel::observe(v).mounted_by.as_deref(), Some("i-1"));
    }
}
