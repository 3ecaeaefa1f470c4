//! `icgpu_team_member`: an account's membership of an `icgpu_team`, with a role. The role
//! changes in place with one PATCH; a new team or account replaces the membership.

use super::records::{self, prefixed_id, Record, RecordType};
use crate::framework::{Attribute, Schema};
use crate::framework::{IdKind, IdPart, ImportForm};
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
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TeamMemberModel {
    pub id: Option<String>,
    pub team_id: Option<String>,
    pub account_id: Option<String>,
    pub role: Option<String>,
    pub created_at: Option<String>,
}

impl Record for TeamMemberModel {
    fn what(&self) -> String {
        let who = self.id.as_deref().or(self.account_id.as_deref());
        let team = self.team_id.as_deref().unwrap_or_default();
        format!("member {} of team {team}", who.unwrap_or_default())
    }
    fn path(&self) -> Option<String> {
        let (team, id) = (self.team_id.as_deref()?, self.id.as_deref()?);
        Some(format!("{}/members/{id}", super::team::path(team)))
    }
}

impl RecordType for TeamMemberResource {
    type Model = TeamMemberModel;
    const NAME: &'static str = "team_member";
    const ID_PREFIX: &'static str = "tmem-";

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

    fn create_request(
        &self,
        plan: &TeamMemberModel,
    ) -> (String, impl Serialize + Send + Sync + use<>) {
        let team = plan.team_id.as_deref().unwrap_or_default();
        let req = AddTeamMember {
            account_id: plan.account_id.clone().unwrap_or_default(),
            role: plan.role.clone().unwrap_or_default(),
        };
        (format!("{}/members", super::team::path(team)), req)
    }

    fn patch(
        &self,
        plan: &TeamMemberModel,
        prior: &TeamMemberModel,
    ) -> Option<impl Serialize + Send + Sync + use<>> {
        let role = records::changed(&plan.role, &prior.role);
        role.map(|role| UpdateTeamMember { role })
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::path(vec![
            IdPart::new("team_id", IdKind::Prefixed("team-")),
            IdPart::new("id", IdKind::Prefixed("tmem-")),
        ])
    }
}
