//! `ephemeral.icgpu_api_key`: a scoped `sk-ic-` key that lives for one plan or apply. Open
//! creates it (its secret is returned only then, and never reaches plan or state); close revokes
//! it. A key whose close never came still expires after `expires_in_days`, which therefore
//! defaults to the API's minimum, one day: Terraform 1.11 skips close after a failed apply, and
//! a killed run closes nothing.

use super::api::{CreateApiKey, API_KEY_PERMISSIONS, API_KEY_SCOPES};
use super::api_key::{ApiKeyModel, COLLECTION};
use super::{records, IcGpuClient};
use crate::framework::{
    validators, Attribute, Ctx, Diagnostics, EphemeralResource, Opened, Schema, Type,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Lifetime when `expires_in_days` is not set: the shortest the API allows.
const DEFAULT_DAYS: i64 = 1;
/// The provider-private key under which open leaves the key's id for close.
const KEY_ID: &str = "api_key_id";

pub struct ApiKeyEphemeral;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EphemeralApiKeyModel {
    pub name: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub expires_in_days: Option<i64>,
    pub id: Option<String>,
    pub key: Option<String>,
    pub prefix: Option<String>,
    pub expires_at: Option<String>,
}

#[async_trait]
impl EphemeralResource for ApiKeyEphemeral {
    type Client = IcGpuClient;
    type Model = EphemeralApiKeyModel;

    fn type_name(&self) -> &'static str {
        "api_key"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A scoped `sk-ic-` API key for the duration of one plan or apply, for example for \
             another `icgpu` provider block with least privilege. Terraform creates it when it \
             opens the ephemeral resource (each plan and each apply gets a key of its own) and \
             revokes it when done; the secret never reaches plan or state.",
        )
        .attribute(
            Attribute::string("name")
                .required()
                .validator(validators::length_between(1, 64))
                .description("Display name, 1 to 64 characters (need not be unique)."),
        )
        .attribute(
            Attribute::set_of("scopes", Type::String)
                .optional_computed()
                .validator(validators::each(validators::one_of(API_KEY_SCOPES)))
                .description(
                    "Resource families the key may access (the values `icgpu_api_key` takes). \
                     Omitted: all scopes.",
                ),
        )
        .attribute(
            Attribute::set_of("permissions", Type::String)
                .optional_computed()
                .validator(validators::each(validators::one_of(API_KEY_PERMISSIONS)))
                .description("`read` and/or `write`. Omitted: `[\"read\"]`."),
        )
        .attribute(
            Attribute::int("expires_in_days")
                .optional_computed()
                .validator(validators::between(1.0, 365.0))
                .description(format!(
                    "Lifetime in days, 1 to 365 (default {DEFAULT_DAYS}). The key is revoked \
                     when Terraform is done with it; the expiry bounds it when that never \
                     happens: Terraform 1.11 does not close ephemeral resources after a failed \
                     apply, and a killed run closes nothing."
                )),
        )
        .attribute(Attribute::string("id").output("API key ID (`ak-...`)."))
        .attribute(
            Attribute::string("key")
                .computed()
                .sensitive()
                .description("The full API key (`sk-ic-...`), e.g. for a provider's `token`."),
        )
        .attribute(
            Attribute::string("prefix")
                .output("First characters of the key (`sk-ic-abc1`), safe to display."),
        )
        .attribute(Attribute::string("expires_at").output("Expiry time (RFC 3339)."))
    }

    async fn open(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut config: EphemeralApiKeyModel,
    ) -> Result<Opened<EphemeralApiKeyModel>, Diagnostics> {
        let days = config.expires_in_days.unwrap_or(DEFAULT_DAYS);
        let req = CreateApiKey {
            name: config.name.clone().unwrap_or_default(),
            scopes: config.scopes.clone(),
            permissions: config.permissions.clone(),
            expires_in_days: Some(days),
        };
        let named = ApiKeyModel {
            name: config.name.clone(),
            ..Default::default()
        };
        let created = records::create(ctx, COLLECTION, &req, named).await?;
        ctx.private_set(KEY_ID, serde_json::Value::from(created.id.clone()));
        config.expires_in_days = Some(days);
        config.scopes = created.scopes;
        config.permissions = created.permissions;
        config.id = created.id;
        config.key = created.key;
        config.prefix = created.prefix;
        config.expires_at = created.expires_at;
        Ok(Opened::once(config))
    }

    async fn close(&self, ctx: &Ctx<'_, IcGpuClient>) -> Result<(), Diagnostics> {
        let Some(id) = ctx
            .private_get(KEY_ID)
            .and_then(|v| v.as_str().map(String::from))
        else {
            return Ok(());
        };
        let key = ApiKeyModel {
            id: Some(id),
            ..Default::default()
        };
        records::delete(ctx, &key).await
    }
}
