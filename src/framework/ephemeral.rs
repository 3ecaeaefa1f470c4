//! Ephemeral resources (Terraform ≥ 1.10, OpenTofu ≥ 1.11): values Terraform asks for during one
//! plan or apply and never writes to plan or state, such as a kubeconfig or a short-lived API
//! key for another provider's block. A member implements the typed [`EphemeralResource`] over a
//! serde model; the engine stores its erased twin [`DynEphemeralResource`].
//!
//! Terraform opens one in every phase that needs it (`plan` and `apply` each open it anew),
//! renews it when the `renew_at` it was given has passed and the value is still in use, and
//! closes it when the phase is done. What renew and close need (an id to revoke, say) goes in
//! provider-private data through `Ctx::private_set`, which Terraform holds in memory only.

use super::diag::Diagnostics;
use super::resource::{decode, encode, typed_ctx, DynCtx};
use super::schema::Schema;
use super::value::Value;
use super::Ctx;
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::{Duration, SystemTime};

/// What `open` produced: the result (configured values are kept as configured) and when
/// Terraform should call `renew` if it still uses the value then.
pub struct Opened<M> {
    pub result: M,
    pub renew_at: Option<SystemTime>,
}

impl<M> Opened<M> {
    /// A result that never needs renewing.
    pub fn once(result: M) -> Self {
        Self {
            result,
            renew_at: None,
        }
    }
}

#[async_trait]
pub trait EphemeralResource: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    type Model: Serialize + DeserializeOwned + Default + Send + Sync + 'static;

    /// The type name after the provider prefix: `"cluster_kubeconfig"` serves
    /// `icgpu_cluster_kubeconfig`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Checks beyond the declared validators; `config` may hold unknown values.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// The budget of each open, renew and close.
    fn default_timeout(&self) -> Duration {
        Duration::from_secs(5 * 60)
    }

    async fn open(
        &self,
        ctx: &Ctx<'_, Self::Client>,
        config: Self::Model,
    ) -> Result<Opened<Self::Model>, Diagnostics>;

    /// Extends what `open` obtained; returns the next `renew_at`, if any. Only called when
    /// `open` (or the previous renew) set one.
    async fn renew(&self, _ctx: &Ctx<'_, Self::Client>) -> Result<Option<SystemTime>, Diagnostics> {
        Ok(None)
    }

    /// Releases what `open` obtained (the private data it set is in `ctx`).
    async fn close(&self, _ctx: &Ctx<'_, Self::Client>) -> Result<(), Diagnostics> {
        Ok(())
    }
}

/// An opened result after erasure: the model as JSON and the renew time.
pub type DynOpened = (serde_json::Value, Option<SystemTime>);

#[async_trait]
pub trait DynEphemeralResource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
    /// The names the model serializes, from `Model::default()`.
    fn model_fields(&self) -> Vec<String>;
    fn default_timeout(&self) -> Duration;
    async fn open(
        &self,
        ctx: &DynCtx<'_>,
        config: serde_json::Value,
    ) -> Result<DynOpened, Diagnostics>;
    async fn renew(&self, ctx: &DynCtx<'_>) -> Result<Option<SystemTime>, Diagnostics>;
    async fn close(&self, ctx: &DynCtx<'_>) -> Result<(), Diagnostics>;
}

#[async_trait]
impl<E: EphemeralResource> DynEphemeralResource for E {
    fn type_name(&self) -> &'static str {
        EphemeralResource::type_name(self)
    }
    fn schema(&self) -> Schema {
        EphemeralResource::schema(self)
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        EphemeralResource::validate(self, config, diags)
    }
    fn model_fields(&self) -> Vec<String> {
        super::resource::field_names(&E::Model::default())
    }
    fn default_timeout(&self) -> Duration {
        EphemeralResource::default_timeout(self)
    }
    async fn open(
        &self,
        ctx: &DynCtx<'_>,
        config: serde_json::Value,
    ) -> Result<DynOpened, Diagnostics> {
        let ctx = typed_ctx::<E::Client>(ctx)?;
        let config: E::Model = decode("configuration", config)?;
        let opened = EphemeralResource::open(self, &ctx, config).await?;
        Ok((encode("ephemeral result", &opened.result)?, opened.renew_at))
    }
    async fn renew(&self, ctx: &DynCtx<'_>) -> Result<Option<SystemTime>, Diagnostics> {
        let ctx = typed_ctx::<E::Client>(ctx)?;
        EphemeralResource::renew(self, &ctx).await
    }
    async fn close(&self, ctx: &DynCtx<'_>) -> Result<(), Diagnostics> {
        let ctx = typed_ctx::<E::Client>(ctx)?;
        EphemeralResource::close(self, &ctx).await
    }
}
