//! `icgpu_ssh_key_group`: a named set of the account's SSH keys, assigned to instances for
//! team access. A plain record whose membership changes in place: one add per key that joins,
//! one remove per key that leaves. The API has no update for `name` or `description`, so
//! those replace the group.

use super::records::{self, prefixed_id, Record, RecordType};
use super::IcGpuClient;
use crate::framework::{validators, Attribute, Ctx, Diagnostics, Failure, Schema, Type, Value};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub struct SshKeyGroupResource;

/// `AddSshKeyGroupKeyRequest`.
#[derive(Serialize)]
struct AddKey<'a> {
    ssh_key_id: &'a str,
}

/// `SshKeyGroup`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SshKeyGroupModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub ssh_key_ids: Option<BTreeSet<String>>,
    pub created_at: Option<String>,
}

impl Record for SshKeyGroupModel {
    fn what(&self) -> String {
        records::named("SSH key group", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        self.id.as_deref().map(path)
    }
    fn observe(&mut self, group: Self) {
        *self = Self {
            description: Some(group.description.unwrap_or_default()),
            ssh_key_ids: Some(group.ssh_key_ids.unwrap_or_default()),
            ..group
        };
    }
}

fn path(id: &str) -> String {
    format!("/api/v1/ssh-key-groups/{id}")
}

/// The keys to add and to remove to take the group from `prior` to `plan` membership.
fn membership_changes<'a>(
    plan: &'a BTreeSet<String>,
    prior: &'a BTreeSet<String>,
) -> (Vec<&'a str>, Vec<&'a str>) {
    (
        plan.difference(prior).map(String::as_str).collect(),
        prior.difference(plan).map(String::as_str).collect(),
    )
}

/// Brings the group's membership from `prior` to `plan`, one call per key.
async fn set_members(
    ctx: &Ctx<'_, IcGpuClient>,
    id: &str,
    plan: &BTreeSet<String>,
    prior: &BTreeSet<String>,
) -> Result<(), Diagnostics> {
    let api = super::api(ctx)?;
    let (add, remove) = membership_changes(plan, prior);
    for key in add {
        api.post(&format!("{}/keys", path(id)))
            .json(&AddKey { ssh_key_id: key })
            .describe(format!("add SSH key {key} to SSH key group {id}"))
            .send_no_body()
            .await?;
    }
    for key in remove {
        match api
            .delete(&format!("{}/keys/{key}", path(id)))
            .describe(format!("remove SSH key {key} from SSH key group {id}"))
            .send_no_body()
            .await
        {
            Err(e) if !e.is_not_found() => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
}

#[async_trait]
impl RecordType for SshKeyGroupResource {
    type Model = SshKeyGroupModel;
    const NAME: &'static str = "ssh_key_group";
    const ID_PREFIX: &'static str = "grp-";

    fn schema(&self) -> Schema {
        Schema::new(
            "A named group of the account's SSH keys, for team-based access: an instance \
             created with the group grants access to every key in it. `ssh_key_ids` changes in \
             place, one call per key that joins or leaves; `name` and `description` replace \
             the group (the API cannot change them).",
        )
        .attribute(records::id("Group ID (`grp-...`); also the import ID."))
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(validators::length_between(1, 64))
                .description("Group name, 1 to 64 characters, unique among the account's groups."),
        )
        .attribute(records::description().requires_replace())
        .attribute(
            Attribute::set_of("ssh_key_ids", Type::String)
                .default(Value::Set(Vec::new()))
                .validator(validators::each(prefixed_id("key-", "SSH key")))
                .description(
                    "IDs of the member keys (`icgpu_ssh_key.<name>.id`). Changes in place; \
                     empty by default.",
                ),
        )
        .attribute(records::created_at())
    }

    fn create_request(
        &self,
        plan: &SshKeyGroupModel,
    ) -> (String, impl Serialize + Send + Sync + use<>) {
        let req = records::NameAndDescription::new(&plan.name, &plan.description);
        ("/api/v1/ssh-key-groups".into(), req)
    }

    /// Creates the group, then adds its keys one by one.
    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: SshKeyGroupModel,
    ) -> Result<SshKeyGroupModel, Failure<SshKeyGroupModel>> {
        let (collection, req) = self.create_request(&plan);
        let members = plan.ssh_key_ids.clone().unwrap_or_default();
        let mut state = records::create(ctx, &collection, &req, plan).await?;
        let id = state.id.clone().unwrap_or_default();
        let joined = state.ssh_key_ids.clone().unwrap_or_default();
        if let Err(diags) = set_members(ctx, &id, &members, &joined).await {
            // The group exists: keep it in state (its membership is re-read on the next plan).
            return Err(Failure::with_partial(diags, state));
        }
        state.ssh_key_ids = Some(members);
        Ok(state)
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: SshKeyGroupModel,
        prior: SshKeyGroupModel,
    ) -> Result<SshKeyGroupModel, Failure<SshKeyGroupModel>> {
        let id = prior.id.clone().unwrap_or_default();
        let (want, had) = (
            plan.ssh_key_ids.clone().unwrap_or_default(),
            prior.ssh_key_ids.clone().unwrap_or_default(),
        );
        set_members(ctx, &id, &want, &had).await?;
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn membership_changes_add_what_joins_and_remove_what_leaves() {
        let (prior, plan) = (keys(&["key-a", "key-b"]), keys(&["key-b", "key-c"]));
        assert_eq!(
            membership_changes(&plan, &prior),
            (vec!["key-c"], vec!["key-a"])
        );
        let none: Vec<&str> = Vec::new();
        assert_eq!(membership_changes(&prior, &prior), (none.clone(), none));
    }
}
