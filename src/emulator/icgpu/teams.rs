//! Teams of the tenant's accounts, each member with a role (`owner`, `admin`, `member`,
//! `viewer`): plain records (create 201, PATCH 200, DELETE 204), visible at once. Accounts
//! are not modelled: any `acc-` ID may join, once per team. A team's members go with it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{newest, rfc3339, Store};
use super::web::{created, list_response, parse_body, ApiError, ApiResult, Checks};
use super::{Access, App};

/// `(method, route, operationId, access, takes Idempotency-Key)`, as in `super::OPS`.
pub(super) const OPS: &[(&str, &str, &str, Access, bool)] = {
    use Access::Scoped;
    const TEAM: &str = "/api/v1/teams/{id}";
    const MEMBERS: &str = "/api/v1/teams/{id}/members";
    const MEMBER: &str = "/api/v1/teams/{id}/members/{member_id}";
    &[
        ("GET", "/api/v1/teams", "listTeams", Scoped, false),
        ("POST", "/api/v1/teams", "createTeam", Scoped, true),
        ("GET", "/api/v1/teams/my", "listMyTeams", Scoped, false),
        ("GET", TEAM, "getTeam", Scoped, false),
        ("DELETE", TEAM, "deleteTeam", Scoped, false),
        ("GET", MEMBERS, "listTeamMembers", Scoped, false),
        ("POST", MEMBERS, "addTeamMember", Scoped, true),
        ("GET", MEMBER, "getTeamMember", Scoped, false),
        ("PATCH", MEMBER, "updateTeamMember", Scoped, false),
        ("DELETE", MEMBER, "removeTeamMember", Scoped, false),
    ]
};

const ROLES: &[&str] = &["owner", "admin", "member", "viewer"];
/// The account the emulated token belongs to, for `/teams/my`.
const CALLER_ACCOUNT: &str = "acc-caller";

pub struct Team {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

pub struct Member {
    pub seq: u64,
    pub id: String,
    pub team_id: String,
    pub account_id: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct Teams {
    pub teams: Vec<Team>,
    pub members: Vec<Member>,
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/teams", get(list_teams).post(create_team))
        .route("/api/v1/teams/my", get(list_my_teams))
        .route("/api/v1/teams/{id}", get(get_team).delete(delete_team))
        .route(
            "/api/v1/teams/{id}/members",
            get(list_members).post(add_member),
        )
        .route(
            "/api/v1/teams/{id}/members/{member_id}",
            get(get_member).patch(update_member).delete(remove_member),
        )
}

pub fn live(store: &Store) -> Vec<(&'static str, String, String)> {
    let t = &store.teams;
    let active = |kind: &'static str, id: &String| (kind, id.clone(), "active".to_string());
    t.teams
        .iter()
        .map(|x| active("team", &x.id))
        .chain(t.members.iter().map(|m| active("team_member", &m.id)))
        .collect()
}

fn team_json(t: &Team) -> Value {
    json!({
        "id": t.id, "name": t.name, "description": t.description,
        "created_at": rfc3339(t.created_at),
    })
}

fn member_json(m: &Member) -> Value {
    json!({
        "id": m.id, "team_id": m.team_id, "account_id": m.account_id, "role": m.role,
        "created_at": rfc3339(m.created_at), "updated_at": rfc3339(m.updated_at),
    })
}

fn find_team<'a>(store: &'a Store, id: &str) -> Result<&'a Team, ApiError> {
    store
        .teams
        .teams
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("Team", id))
}

fn find_member<'a>(store: &'a mut Store, team: &str, id: &str) -> Result<&'a mut Member, ApiError> {
    find_team(store, team)?;
    store
        .teams
        .members
        .iter_mut()
        .find(|m| m.id == id && m.team_id == team)
        .ok_or_else(|| ApiError::not_found("Team member", id))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTeam {
    name: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddMember {
    account_id: String,
    role: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateMember {
    role: String,
}

async fn list_teams(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let store = app.store();
    let items = newest(&store.teams.teams, |t| t.seq, |t| Some(team_json(t)));
    list_response("teams", "teams", items, &q)
}

/// The teams the caller's account is a member of.
async fn list_my_teams(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let store = app.store();
    let mine = |t: &Team| {
        store
            .teams
            .members
            .iter()
            .any(|m| m.team_id == t.id && m.account_id == CALLER_ACCOUNT)
    };
    let items = newest(
        &store.teams.teams,
        |t| t.seq,
        |t| mine(t).then(|| team_json(t)),
    );
    list_response("teams", "myTeams", items, &q)
}

async fn create_team(State(app): State<App>, body: Bytes) -> ApiResult {
    let req: CreateTeam = parse_body(&body)?;
    let mut c = Checks::default();
    c.len("name", Some(&req.name), 1, 64);
    c.len("description", req.description.as_deref(), 0, 256);
    c.finish()?;
    let mut store = app.store();
    if store.teams.teams.iter().any(|t| t.name == req.name) {
        return Err(ApiError::conflict(format!(
            "A team named '{}' already exists",
            req.name
        )));
    }
    let t = Team {
        seq: store.next_seq(),
        id: store.random_id("team-", 8),
        name: req.name,
        description: req.description.unwrap_or_default(),
        created_at: Utc::now(),
    };
    let body = team_json(&t);
    let location = format!("/api/v1/teams/{}", t.id);
    store.teams.teams.push(t);
    Ok(created(location, body))
}

async fn get_team(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let store = app.store();
    Ok(Json(team_json(find_team(&store, &id)?)).into_response())
}

async fn delete_team(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let mut store = app.store();
    find_team(&store, &id)?;
    store.teams.members.retain(|m| m.team_id != id);
    store.teams.teams.retain(|t| t.id != id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_members(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let store = app.store();
    find_team(&store, &id)?;
    let items = newest(
        &store.teams.members,
        |m| m.seq,
        |m| (m.team_id == id).then(|| member_json(m)),
    );
    list_response("members", &format!("members-{id}"), items, &q)
}

async fn add_member(State(app): State<App>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let mut store = app.store();
    find_team(&store, &id)?;
    let req: AddMember = parse_body(&body)?;
    let mut c = Checks::default();
    let account_ok = req
        .account_id
        .strip_prefix("acc-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !account_ok {
        c.fail("account_id", "must be an account ID such as acc-xyz789");
    }
    c.one_of("role", Some(&req.role), ROLES);
    c.finish()?;
    let taken = store
        .teams
        .members
        .iter()
        .any(|m| m.team_id == id && m.account_id == req.account_id);
    if taken {
        return Err(ApiError::conflict(format!(
            "Account {} is already a member of team {id}",
            req.account_id
        )));
    }
    let now = Utc::now();
    let m = Member {
        seq: store.next_seq(),
        id: store.random_id("tmem-", 8),
        team_id: id.clone(),
        account_id: req.account_id,
        role: req.role,
        created_at: now,
        updated_at: now,
    };
    let body = member_json(&m);
    let location = format!("/api/v1/teams/{id}/members/{}", m.id);
    store.teams.members.push(m);
    Ok(created(location, body))
}

async fn get_member(
    State(app): State<App>,
    Path((id, member_id)): Path<(String, String)>,
) -> ApiResult {
    let mut store = app.store();
    Ok(Json(member_json(find_member(&mut store, &id, &member_id)?)).into_response())
}

async fn update_member(
    State(app): State<App>,
    Path((id, member_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut store = app.store();
    find_member(&mut store, &id, &member_id)?;
    let req: UpdateMember = parse_body(&body)?;
    let mut c = Checks::default();
    c.one_of("role", Some(&req.role), ROLES);
    c.finish()?;
    let m = find_member(&mut store, &id, &member_id)?;
    m.role = req.role;
    m.updated_at = Utc::now();
    Ok(Json(member_json(m)).into_response())
}

async fn remove_member(
    State(app): State<App>,
    Path((id, member_id)): Path<(String, String)>,
) -> ApiResult {
    let mut store = app.store();
    find_member(&mut store, &id, &member_id)?;
    store.teams.members.retain(|m| m.id != member_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
