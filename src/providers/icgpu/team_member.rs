//! `icgpu_team_member`: an account's membership of an `icgpu_team`, with a role. The role
//! changes in place with one PATCH; a new team or account replaces the membership.

use super::records::{self, prefixed_id, Record};
use super::IcGpuClient;
use crate::framework::{Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
use crate::framework::{IdKind, IdPart, ImportForm};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct TeamMemberResource;

/// The page's roles, most privileged first.
pub const TEAM_ROLES: &[&str] = &["owner", "admin", "member", "viewer"];

/// `AddTeamMemberRequest`.
#[derive(Serialize)]
struct AddTeamMember {
    account_id: String,
    role: String,
}

/// `UpdateTeamMemberRequest`.
#[derive(Serialize)]
struct UpdateTeamMember {
    role: String,
}

/// `TeamMember`.
#[derive(Deserialize)]
pub struct TeamMember {
    id: String,
    team_id: String,
    account_id: String,
    role: String,
    created_at: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TeamMemberModel {
    pub id: Option<String>,
    pub team_id: Option<String>,
    pub account_id: Option<String>,
    pub role: Option<String>,
    pub created_at: Option<String>,
}

impl Record for TeamMemberModel {
    type Api = TeamMember;
    fn what(&self) -> String {
        let who = self.id.as_deref().or(self.account_id.as_deref());
        let team = self.team_id.as_deref().unwrap_or_default();
        format!("member {} of team {team}", who.unwrap_or_default())
    }
    fn path(&self) -> Option<String> {
        let (team, id) = (self.team_id.as_deref()?, self.id.as_deref()?);
        Some(format!("{}/members/{id}", super::team::path(team)))
    }
    fn observe(&mut self, m: TeamMember) {
        self.id = Some(m.id);
        self.team_id = Some(m.team_id);
        self.account_id = Some(m.account_id);
        self.role = Some(m.role);
        self.created_at = m.created_at;
    }
}

#[async_trait]
impl Resource for TeamMemberResource {
    type Client = IcGpuClient;
    type Model = TeamMemberModel;

    fn type_name(&self) -> &'static str {
        "team_member"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "An account's membership of an `icgpu_team`. `role` changes in place; a new \
             `team_id` or `account_id` replaces the membership. An account joins a team once.",
        )
        .attribute(records::id(
            "Membership ID (`tmem-...`). The import ID is `<team_id>/<id>`, e.g. \
                     `team-abc123/tmem-def456`.",
        ))
        .attribute(
            Attribute::string("team_id")
                .required()
                .requires_replace()
                .validator(prefixed_id("team-", "team"))
                .description("ID of the `icgpu_team` (`team-...`)."),
        )
        .attribute(
            Attribute::string("account_id")
                .required()
                .requires_replace()
                .validator(prefixed_id("acc-", "account"))
                .description("ID of the account that joins (`acc-...`)."),
        )
        .attribute(
            Attribute::string("role")
                .required()
                .one_of(TEAM_ROLES)
                .description(
                    "`owner`, `admin`, `member` or `viewer`. Owners manage membership and \
                     permissions. Changes in place.",
                ),
        )
        .attribute(records::created_at())
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: TeamMemberModel,
    ) -> Result<TeamMemberModel, Failure<TeamMemberModel>> {
        let team = plan.team_id.clone().unwrap_or_default();
        let req = AddTeamMember {
            account_id: plan.account_id.clone().unwrap_or_default(),
            role: plan.role.clone().unwrap_or_default(),
        };
        let members = format!("{}/members", super::team::path(&team));
        Ok(records::create(ctx, &members, &req, plan).await?)
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: TeamMemberModel,
    ) -> Result<Option<TeamMemberModel>, Diagnostics> {
        records::read(ctx, state).await
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: TeamMemberModel,
        prior: TeamMemberModel,
    ) -> Result<TeamMemberModel, Failure<TeamMemberModel>> {
        let role = records::changed(&plan.role, &prior.role);
        let body = role.map(|role| UpdateTeamMember { role });
        Ok(records::update(ctx, plan, &prior, body).await?)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: TeamMemberModel,
    ) -> Result<(), Diagnostics> {
        records::delete(ctx, &state).await
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::path(vec![
            IdPart::new("team_id", IdKind::Prefixed("team-")),
            IdPart::new("id", IdKind::Prefixed("tmem-")),
        ])
    }
}
