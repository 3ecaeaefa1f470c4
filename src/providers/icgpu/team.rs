//! `icgpu_team`: a team of the tenant's accounts, the parent of `icgpu_team_member`. A plain
//! record; the API has no update for a team, so a new `name` or `description` replaces it.

use super::records::{self, Record};
use super::IcGpuClient;
use crate::framework::ImportForm;
use crate::framework::{validators, Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct TeamResource;

/// `Team`.
#[derive(Deserialize)]
pub struct Team {
    id: String,
    name: String,
    description: Option<String>,
    created_at: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TeamModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created_at: Option<String>,
}

impl Record for TeamModel {
    type Api = Team;
    fn what(&self) -> String {
        records::named("team", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        self.id.as_deref().map(path)
    }
    fn observe(&mut self, t: Team) {
        self.id = Some(t.id);
        self.name = Some(t.name);
        self.description = Some(t.description.unwrap_or_default());
        self.created_at = t.created_at;
    }
}

pub(crate) fn path(id: &str) -> String {
    format!("/api/v1/teams/{id}")
}

#[async_trait]
impl Resource for TeamResource {
    type Client = IcGpuClient;
    type Model = TeamModel;

    fn type_name(&self) -> &'static str {
        "team"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A team of the tenant's accounts with role-based access. Add accounts with \
             `icgpu_team_member`. The API cannot change a team: a new `name` or `description` \
             replaces it (and its members). Deleting a team removes its members.",
        )
        .attribute(records::id("Team ID (`team-...`); also the import ID."))
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(validators::length_between(1, 64))
                .description("Team name, 1 to 64 characters, unique in the tenant."),
        )
        .attribute(records::description().requires_replace())
        .attribute(records::created_at())
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: TeamModel,
    ) -> Result<TeamModel, Failure<TeamModel>> {
        let req = records::NameAndDescription::new(&plan.name, &plan.description);
        Ok(records::create(ctx, "/api/v1/teams", &req, plan).await?)
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: TeamModel,
    ) -> Result<Option<TeamModel>, Diagnostics> {
        records::read(ctx, state).await
    }

    async fn update(
        &self,
        _ctx: &Ctx<'_, IcGpuClient>,
        plan: TeamModel,
        _prior: TeamModel,
    ) -> Result<TeamModel, Failure<TeamModel>> {
        // Every argument replaces the team; nothing the API holds changes in place.
        Ok(plan)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: TeamModel,
    ) -> Result<(), Diagnostics> {
        records::delete(ctx, &state).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("team-")
    }
}
