//! `icgpu_api_key`: a scoped `sk-ic-` API key. Keys are immutable (every argument replaces the
//! key) and the secret is returned once, by create; destroy revokes the key.

use super::api::{CreateApiKey, API_KEY_PERMISSIONS, API_KEY_SCOPES};
use super::records::{self, Record, RecordType};
use super::IcGpuClient;
use crate::framework::{validators, Attribute, Ctx, Failure, Schema, Type, Value};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct ApiKeyResource;

/// `ApiKey`, plus `key` in the create response (`ApiKeyWithSecret`), and `expires_in_days`,
/// which the API turns into `expires_at`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ApiKeyModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub expires_in_days: Option<i64>,
    pub key: Option<String>,
    pub prefix: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// Whole days between creation and expiry, as `expires_in_days` was given at create (rounded,
/// so sub-second timestamp truncation cannot shift it).
fn lifetime_days(created_at: &str, expires_at: &str) -> Option<i64> {
    let created = chrono::DateTime::parse_from_rfc3339(created_at).ok()?;
    let expires = chrono::DateTime::parse_from_rfc3339(expires_at).ok()?;
    let secs = (expires - created).num_seconds();
    Some((secs + 43_200).div_euclid(86_400))
}

impl Record for ApiKeyModel {
    fn what(&self) -> String {
        records::named("API key", &self.id, &self.name)
    }
    fn path(&self) -> Option<String> {
        self.id.as_deref().map(path)
    }
    fn observe(&mut self, key: Self) {
        // The API reports only the expiry time; derive the lifetime so an imported key plans no
        // replacement.
        let expires_in_days = match (&key.created_at, &key.expires_at) {
            (Some(c), Some(e)) => lifetime_days(c, e).or(self.expires_in_days),
            _ => None,
        };
        *self = Self {
            expires_in_days,
            // Only the create response carries the secret; reads keep the one in state.
            key: key.key.or(self.key.take()),
            ..key
        };
    }
}

/// Where keys are created (shared with `ephemeral.icgpu_api_key`). Creates are keyed: a retry
/// is answered with the original response, the only one that carries the secret.
pub(super) const COLLECTION: &str = "/api/v1/api-keys";

fn path(id: &str) -> String {
    format!("{COLLECTION}/{id}")
}

#[async_trait]
impl RecordType for ApiKeyResource {
    type Model = ApiKeyModel;
    const NAME: &'static str = "api_key";
    const ID_PREFIX: &'static str = "ak-";

    fn schema(&self) -> Schema {
        Schema::new(
            "A scoped `sk-ic-` API key for the IC GPU platform. Keys are immutable: changing any \
             argument creates a new key and revokes the old one. Destroy revokes the key.",
        )
        .attribute(records::id("API key ID (`ak-...`); also the import ID."))
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(validators::length_between(1, 64))
                .description("Display name, 1 to 64 characters (need not be unique)."),
        )
        .attribute(
            Attribute::set_of("scopes", Type::String)
                .optional_computed()
                .validator(validators::each(validators::one_of(API_KEY_SCOPES)))
                .validator(validators::size_at_least(1))
                .use_state_for_unknown()
                .requires_replace()
                .description(
                    "Resource families the key may access: any of `instances`, `models`, `vms`, \
                     `clusters`, `functions`, `batch_jobs`, `webhooks`, `spending_alerts`, \
                     `ssh_keys`, `ssh_key_groups`, `api_keys`, `tokens`, `teams`, \
                     `slurm_environments`, `vm_networks`, `vm_disks`. Omitted: all scopes; an empty set \
                     is refused.",
                ),
        )
        .attribute(
            Attribute::set_of("permissions", Type::String)
                .default(Value::Set(vec![Value::string("read")]))
                .validator(validators::each(validators::one_of(API_KEY_PERMISSIONS)))
                .validator(validators::size_at_least(1))
                .requires_replace()
                .description(
                    "`read` (GET) and/or `write` (POST, PUT, PATCH, DELETE), at least one. \
                     Default `[\"read\"]`.",
                ),
        )
        .attribute(
            Attribute::int("expires_in_days")
                .optional()
                .validator(validators::between(1.0, 365.0))
                .requires_replace()
                .description(
                    "Lifetime in days from creation, 1 to 365. Omitted: the key never expires. \
                     After `terraform import` it is derived from `expires_at` − `created_at`.",
                ),
        )
        .attribute(
            Attribute::string("key")
                .computed()
                .sensitive()
                .use_state_for_unknown()
                .description(
                    "The full API key (`sk-ic-...`), for `Authorization: Bearer`. The API returns \
                     it only once, when the key is created, so it is null after `terraform \
                     import`; to get a new secret, replace the key.",
                ),
        )
        .attribute(
            Attribute::string("prefix")
                .output("First characters of the key (`sk-ic-abc1`), safe to display.").use_state_for_unknown(),
        )
        .attribute(
            Attribute::string("status")
                .output("`active`, or `expired` once `expires_at` has passed."),
        )
        .attribute(records::created_at())
        .attribute(
            Attribute::string("expires_at")
                .output("Expiry time (RFC 3339); null if the key never expires.").use_state_for_unknown(),
        )
        .attribute(
            Attribute::string("last_used_at")
                .output("Last successful authentication with the key; null if never used."),
        )
    }

    fn create_request(&self, plan: &ApiKeyModel) -> (String, impl Serialize + Send + Sync + use<>) {
        let req = CreateApiKey {
            name: plan.name.clone().unwrap_or_default(),
            scopes: plan.scopes.clone(),
            permissions: plan.permissions.clone(),
            expires_in_days: plan.expires_in_days,
        };
        (COLLECTION.into(), req)
    }

    /// Keeps the configured lifetime: the timestamps could round it otherwise.
    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: ApiKeyModel,
    ) -> Result<ApiKeyModel, Failure<ApiKeyModel>> {
        let configured_days = plan.expires_in_days;
        let (collection, req) = self.create_request(&plan);
        let mut state = records::create(ctx, &collection, &req, plan).await?;
        state.expires_in_days = configured_days;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_is_derived_from_the_timestamps() {
        assert_eq!(
            lifetime_days("2025-11-20T09:14:03Z", "2026-02-18T09:14:03Z"),
            Some(90)
        );
        assert_eq!(
            lifetime_days("2025-11-20T09:14:03.900Z", "2025-11-21T09:14:03Z"),
            Some(1)
        );
        assert_eq!(lifetime_days("yesterday", "2026-02-18T09:14:03Z"), None);
    }

    #[test]
    fn read_keeps_the_secret_and_derives_expires_in_days() {
        let listed: ApiKeyModel = serde_json::from_value(serde_json::json!({
            "id": "ak-abc123", "name": "inference-key", "prefix": "sk-ic-abc1",
            "scopes": ["instances", "models"], "permissions": ["read", "write"],
            "status": "active", "created_at": "2025-11-20T09:14:03Z",
            "expires_at": "2026-02-18T09:14:03Z", "last_used_at": null
        }))
        .expect("spec example parses");
        let mut m = ApiKeyModel {
            key: Some("sk-ic-abc1secret".into()),
            ..Default::default()
        };
        m.observe(listed.clone());
        assert_eq!(m.key.as_deref(), Some("sk-ic-abc1secret"));
        assert_eq!(m.expires_in_days, Some(90));
        let mut never = listed;
        never.expires_at = None;
        m.observe(never);
        assert_eq!(m.expires_in_days, None);
    }
}
