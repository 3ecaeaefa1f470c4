//! `icgpu_team`: a team of the tenant's accounts, the parent of `icgpu_team_member`. A plain
//! record; the API has no update for a team, so a new `name` or `description` replaces it.

use super::records::{self, Record, RecordType};
use crate::framework::{validators, Attribute, Schema};
use serde::{Deserialize, Serialize};

pub struct TeamResource;

/// `Team`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TeamModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub created_at: Option<String>,
}

impl Record for TeamModel {
    fn what(&self) -> String {
        records::named("team", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        self.id.as_deref().map(path)
    }
    fn observe(&mut self, team: Self) {
        *self = Self {
            description: Some(team.description.unwrap_or_default()),
            ..team
        };
    }
}

pub(crate) fn path(id: &str) -> String {
    format!("/api/v1/teams/{id}")
}

impl RecordType for TeamResource {
    type Model = TeamModel;
    const NAME: &'static str = "team";
    const ID_PREFIX: &'static str = "team-";

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

    fn create_request(&self, plan: &TeamModel) -> (String, impl Serialize + Send + Sync + use<>) {
        let req = records::NameAndDescription::new(&plan.name, &plan.description);
        ("/api/v1/teams".into(), req)
    }
}
