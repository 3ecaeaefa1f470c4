//! What the plain-record resources share (teams, SSH keys, API keys, webhooks, alerts, VM
//! networks, subnets, firewall rules, disks, functions): a [`RecordType`] states its schema,
//! where a record is created and what changes in place, and create, read, update, delete and
//! import follow, each call under the operation's deadline and cancellation. Also the `id` and
//! `created_at` attributes and the validators for names, IPv4 networks, ports, container images
//! and environment variable names.

use super::IcGpuClient;
use crate::framework::validators::{self, Validator};
use crate::framework::{
    Attribute, Ctx, Diagnostics, Failure, ImportForm, ModifyPlanRequest, Resource, Schema, Value,
};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// The Terraform model of a plain record, which is also how the API's answer is read (a field
/// the API spells in camelCase carries a serde alias), so the record is written down once.
pub trait Record: Serialize + DeserializeOwned + Default + Clone + Send + Sync + 'static {
    /// The record in the user's words, for messages: `VM network net-abc123`.
    fn what(&self) -> String;
    /// The record's path; `None` while an ID it needs is unknown.
    fn path(&self) -> Option<String>;
    /// Takes the API's answer as the new state. A type whose answer leaves out what only the
    /// create response or the configuration holds (a secret, the user's spelling) keeps it here.
    fn observe(&mut self, answer: Self) {
        *self = answer;
    }
}

/// A plain record type, stated once; the [`Resource`] impl below derives the rest.
#[async_trait]
pub trait RecordType: Send + Sync + 'static {
    type Model: Record;
    /// The type name after `icgpu_`.
    const NAME: &'static str;
    /// The prefix of the record's IDs: `team-`.
    const ID_PREFIX: &'static str;

    fn schema(&self) -> Schema;

    /// The collection a planned record is created in, and the create body.
    fn create_request(
        &self,
        plan: &Self::Model,
    ) -> (String, impl Serialize + Send + Sync + use<Self>);

    /// The PATCH for what differs between `plan` and `prior`; `None` when nothing does. The
    /// default serves types whose every argument replaces the record.
    fn patch(
        &self,
        _plan: &Self::Model,
        _prior: &Self::Model,
    ) -> Option<impl Serialize + Send + Sync + use<Self>> {
        None::<()>
    }

    /// The record's ID with its prefix, unless the record lives under a parent.
    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed(Self::ID_PREFIX)
    }

    /// Checks beyond the declared validators (see [`Resource::validate`]).
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// See [`Resource::modify_plan`].
    fn modify_plan(
        &self,
        _req: &ModifyPlanRequest<'_>,
        _plan: &mut Value,
        _diags: &mut Diagnostics,
    ) {
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: Self::Model,
    ) -> Result<Self::Model, Failure<Self::Model>> {
        let (collection, body) = self.create_request(&plan);
        Ok(create(ctx, &collection, &body, plan).await?)
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: Self::Model,
        prior: Self::Model,
    ) -> Result<Self::Model, Failure<Self::Model>> {
        let body = self.patch(&plan, &prior);
        Ok(update(ctx, plan, &prior, body).await?)
    }
}

#[async_trait]
impl<R: RecordType> Resource for R {
    type Client = IcGpuClient;
    type Model = R::Model;

    fn type_name(&self) -> &'static str {
        R::NAME
    }

    fn schema(&self) -> Schema {
        RecordType::schema(self)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        RecordType::validate(self, config, diags);
    }

    fn modify_plan(&self, req: &ModifyPlanRequest<'_>, plan: &mut Value, diags: &mut Diagnostics) {
        RecordType::modify_plan(self, req, plan, diags);
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: R::Model,
    ) -> Result<R::Model, Failure<R::Model>> {
        RecordType::create(self, ctx, plan).await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: R::Model,
    ) -> Result<Option<R::Model>, Diagnostics> {
        read(ctx, state).await
    }

    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: R::Model,
        prior: R::Model,
    ) -> Result<R::Model, Failure<R::Model>> {
        RecordType::update(self, ctx, plan, prior).await
    }

    async fn delete(&self, ctx: &Ctx<'_, IcGpuClient>, state: R::Model) -> Result<(), Diagnostics> {
        delete(ctx, &state).await
    }

    fn import_form(&self) -> ImportForm {
        RecordType::import_form(self)
    }
}

/// A record in messages: `noun` and its ID, or before create its `name`: `VM network net-abc123`.
pub(crate) fn named(noun: &str, id: &Option<String>, name: &Option<String>) -> String {
    format!(
        "{noun} {}",
        id.as_ref().or(name.as_ref()).map_or("", String::as_str)
    )
}

/// POSTs `body` to `collection` under an `Idempotency-Key`, so a retried create never makes a
/// second record, and fills `plan` from the answer.
pub(crate) async fn create<M: Record>(
    ctx: &Ctx<'_, IcGpuClient>,
    collection: &str,
    body: &impl Serialize,
    mut plan: M,
) -> Result<M, Diagnostics> {
    let what = plan.what();
    let answer = super::api(ctx)?
        .post(collection)
        .json(body)
        .idempotency_key(uuid::Uuid::new_v4().to_string())
        .describe(format!("create {what}"))
        .send()
        .await?;
    plan.observe(answer);
    if plan.path().is_none() {
        return Err(Diagnostics::single_error(
            "Unexpected API answer",
            format!("The API answered the create of {what} without the new record's ID."),
        ));
    }
    Ok(plan)
}

/// Refreshes `state` from the API; `None` once the record is gone.
pub(crate) async fn read<M: Record>(
    ctx: &Ctx<'_, IcGpuClient>,
    mut state: M,
) -> Result<Option<M>, Diagnostics> {
    let Some(path) = state.path() else {
        return Ok(None);
    };
    let found = super::api(ctx)?
        .get(&path)
        .describe(format!("read {}", state.what()))
        .send_optional()
        .await?;
    Ok(found.map(|answer| {
        state.observe(answer);
        state
    }))
}

/// PATCHes `body` (what changed; `None` when nothing did) to the record and fills `plan` from
/// the answer.
pub(crate) async fn update<M: Record>(
    ctx: &Ctx<'_, IcGpuClient>,
    mut plan: M,
    prior: &M,
    body: Option<impl Serialize>,
) -> Result<M, Diagnostics> {
    let (Some(body), Some(path)) = (body, prior.path()) else {
        return Ok(plan);
    };
    let answer = super::api(ctx)?
        .patch(&path)
        .json(&body)
        .describe(format!("update {}", prior.what()))
        .send()
        .await?;
    plan.observe(answer);
    Ok(plan)
}

/// A PATCH field: the planned value when it differs from the prior one.
pub(crate) fn changed<T: PartialEq + Clone>(plan: &Option<T>, prior: &Option<T>) -> Option<T> {
    plan.clone().filter(|v| Some(v) != prior.as_ref())
}

/// DELETEs the record; one already gone (404) counts as deleted.
pub(crate) async fn delete<M: Record>(
    ctx: &Ctx<'_, IcGpuClient>,
    state: &M,
) -> Result<(), Diagnostics> {
    let Some(path) = state.path() else {
        return Ok(());
    };
    match super::api(ctx)?
        .delete(&path)
        .describe(format!("delete {}", state.what()))
        .send_no_body()
        .await
    {
        Err(e) if !e.is_not_found() => Err(e.into()),
        _ => Ok(()),
    }
}

/// The `id` attribute every record has: computed once, kept across plans.
pub(crate) fn id(description: &str) -> Attribute {
    Attribute::string("id")
        .output(description)
        .use_state_for_unknown()
}

/// The optional free-text `description` of teams, SSH key groups and VM networks.
pub(crate) fn description() -> Attribute {
    Attribute::string("description")
        .default(Value::string(""))
        .validator(validators::length_between(0, 256))
        .description("Free text, at most 256 characters.")
}

/// The create body of records that are a name and a description (`CreateTeamRequest`,
/// `CreateSshKeyGroupRequest`, `CreateVmNetworkRequest`).
#[derive(Serialize)]
pub(crate) struct NameAndDescription {
    name: String,
    description: String,
}

impl NameAndDescription {
    pub(crate) fn new(name: &Option<String>, description: &Option<String>) -> Self {
        Self {
            name: name.clone().unwrap_or_default(),
            description: description.clone().unwrap_or_default(),
        }
    }
}

/// The `created_at` attribute every record has.
pub(crate) fn created_at() -> Attribute {
    Attribute::string("created_at")
        .output("Creation time (RFC 3339).")
        .use_state_for_unknown()
}

/// A name the API accepts: a DNS label.
pub(crate) fn dns_label() -> Arc<dyn Validator> {
    validators::regex(
        r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
        "a DNS label: 1-63 lower-case letters, digits and '-', starting and ending with a \
         letter or digit",
    )
}

/// An ID the API gave, with its prefix: `prefixed_id("net-", "VM network")` takes `net-abc123`
/// (and catches a name given where the ID belongs).
pub(crate) fn prefixed_id(prefix: &str, what: &str) -> Arc<dyn Validator> {
    validators::regex(
        &format!("^{prefix}[a-z0-9]+$"),
        &format!("a {what} ID such as `{prefix}abc123`"),
    )
}

/// A container image reference as registries take it: `[host[:port]/]path[:tag][@sha256:digest]`,
/// e.g. `registry.gpu.local/myteam/classifier:v1` (catches a stray space or an upper-case path
/// before the API refuses it).
pub(crate) fn image_reference() -> Arc<dyn Validator> {
    const HOST: &str = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
    const PART: &str = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    validators::regex(
        &format!(
            r"^(?:{HOST}(?:\.{HOST})*(?::[0-9]+)?/)?{PART}(?:/{PART})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?(?:@sha256:[a-f0-9]{{64}})?$"
        ),
        "a container image reference such as `registry.gpu.local/team/app:v1`: lower-case \
         path, optional `:tag` and `@sha256:` digest",
    )
}

/// A map of environment variables: at most `max`, each named by letters, digits and `_`, not
/// starting with a digit (the diagnostic names the bad key, never a value).
pub(crate) fn env_var_names(max: usize) -> Arc<dyn Validator> {
    validators::from_fn(
        format!("at most {max} variables named by letters, digits and `_`"),
        move |v| {
            let Some(m) = v.as_map() else { return Ok(()) };
            if m.len() > max {
                return Err(format!(
                    "{} variables given; the API takes at most {max}.",
                    m.len()
                ));
            }
            let named = |k: &str| {
                k.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            };
            match m.keys().find(|k| !named(k)) {
                Some(k) => Err(format!(
                    "{k:?} is not a variable name: use letters, digits and `_`, not starting \
                     with a digit."
                )),
                None => Ok(()),
            }
        },
    )
}

/// An IPv4 network in CIDR notation with host bits zero and a prefix within `prefixes`
/// (the API refuses `10.0.0.1/24`; naming the network address here saves a failed apply).
pub(crate) fn ipv4_cidr(prefixes: std::ops::RangeInclusive<u8>) -> Arc<dyn Validator> {
    let (low, high) = (*prefixes.start(), *prefixes.end());
    validators::from_fn(
        format!(
            "value must be an IPv4 network such as \"10.100.0.0/24\", prefix /{low} to /{high}"
        ),
        move |v| {
            let Some(s) = v.as_str() else { return Ok(()) };
            let parsed = s
                .split_once('/')
                .and_then(|(ip, p)| Some((ip.parse::<Ipv4Addr>().ok()?, p.parse::<u8>().ok()?)));
            let Some((ip, prefix)) = parsed.filter(|(_, p)| *p <= 32) else {
                return Err(format!(
                    "{s:?} is not an IPv4 network in CIDR notation, such as \"10.100.0.0/24\"."
                ));
            };
            if !(low..=high).contains(&prefix) {
                return Err(format!(
                    "{s:?} has prefix /{prefix}; the API takes /{low} to /{high}."
                ));
            }
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            let network = Ipv4Addr::from(u32::from(ip) & mask);
            if network != ip {
                return Err(format!(
                    "{s:?} has host bits set; the network address is \"{network}/{prefix}\"."
                ));
            }
            Ok(())
        },
    )
}

/// A port `N` or an inclusive range `N-M`, 1 ≤ N ≤ M ≤ 65535.
pub(crate) fn port_range() -> Arc<dyn Validator> {
    validators::from_fn(
        "value must be a port such as \"22\" or an inclusive range such as \"8000-8100\" \
         (1-65535)",
        |v| {
            let Some(s) = v.as_str() else { return Ok(()) };
            let (low, high) = s.split_once('-').unwrap_or((s, s));
            let port = |p: &str| {
                p.parse::<u16>()
                    .ok()
                    .filter(|n| *n >= 1 && p.bytes().all(|b| b.is_ascii_digit()))
            };
            match (port(low), port(high)) {
                (Some(l), Some(h)) if l <= h => Ok(()),
                _ => Err(format!(
                    "{s:?} is not a port (\"22\") or a range (\"8000-8100\") within 1-65535."
                )),
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::validators::ValidateRequest;
    use crate::framework::{AttributePath, Value};

    fn errors(v: &Arc<dyn Validator>, s: &str) -> Vec<String> {
        let mut diags = Diagnostics::new();
        v.validate(
            &ValidateRequest {
                path: &AttributePath::attr("cidr"),
                value: &Value::string(s),
                config: &Value::Null,
            },
            &mut diags,
        );
        diags.iter().map(|d| d.detail.clone()).collect()
    }

    #[test]
    fn image_references_follow_the_registry_grammar() {
        let image = image_reference();
        let digest = format!("app@sha256:{}", "a".repeat(64));
        for ok in [
            "registry.gpu.local/myteam/classifier:v1",
            "python:3.11-slim",
            "localhost:5000/a/b_c",
            digest.as_str(),
        ] {
            assert!(errors(&image, ok).is_empty(), "{ok}");
        }
        for bad in [
            "",
            "my image:v1",
            "Registry/Team/App",
            "app:",
            "app:v1:v2",
            "/app",
        ] {
            assert_eq!(errors(&image, bad).len(), 1, "{bad}");
        }
    }

    #[test]
    fn a_patch_field_is_the_planned_value_only_when_it_changed() {
        let (eval, train) = (Some("eval".to_string()), Some("train".to_string()));
        assert_eq!(changed(&eval, &train), eval);
        assert_eq!(changed(&eval, &eval), None);
        assert_eq!(changed(&eval, &None), eval);
        assert_eq!(changed::<i64>(&None, &Some(3)), None);
    }

    #[test]
    fn cidrs_must_be_network_addresses_within_the_prefixes() {
        let subnet = ipv4_cidr(16..=29);
        assert!(errors(&subnet, "10.100.0.0/24").is_empty());
        let host_bits = errors(&subnet, "10.100.0.7/24");
        assert!(host_bits[0].contains("\"10.100.0.0/24\""), "{host_bits:?}");
        assert!(errors(&subnet, "10.0.0.0/8")[0].contains("/16 to /29"));
        for bad in ["10.100.0.0", "10.100.0.0/33", "300.1.1.0/24", "a/b"] {
            assert_eq!(errors(&subnet, bad).len(), 1, "{bad}");
        }
        assert!(errors(&ipv4_cidr(0..=32), "0.0.0.0/0").is_empty());
    }
}
