//! What a member implements: typed resources, data sources and providers over serde models,
//! plus the erased twins (`DynResource`, `DynDataSource`, `DynProvider`) the engine stores.
//! Ephemeral resources have their own module (`ephemeral`).
//!
//! Models are plain serde structs whose field names are the schema's attribute names; every
//! field is an `Option` because any attribute can be null (after import) or unknown (computed
//! values during create, which reach the model as `None`). The `timeouts` block never reaches a
//! model: the engine reads it itself.

use super::diag::Diagnostics;
use super::ephemeral::DynEphemeralResource;
use super::import::ImportForm;
use super::moved::MoveSource;
use super::price::ListedPrice;
use super::schema::Schema;
use super::value::Value;
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::any::Any;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The operations a `timeouts` block can bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Read,
    Update,
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Read => "read",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// What one operation carries besides its model: the configured API client, its time budget,
/// the StopProvider cancellation, and room for warnings and private state.
pub struct Ctx<'a, C: ?Sized> {
    pub client: &'a C,
    /// The operation's budget from the `timeouts` block (or the resource's default).
    pub timeout: Duration,
    pub deadline: Instant,
    /// Cancelled when Terraform sends StopProvider (Ctrl-C): waiters stop and say 'interrupted'.
    pub cancel: CancellationToken,
    pub notes: &'a Notes,
}

/// The private-state key under which a read records why the object must be replaced.
pub(crate) const REPLACE_KEY: &str = "gpucloud.replace";

/// Side outputs of an operation that succeed or fail with it.
#[derive(Default)]
pub struct Notes {
    pub warnings: Mutex<Diagnostics>,
    /// Provider-private state kept by Terraform next to the resource (never shown to users).
    pub private: Mutex<serde_json::Map<String, serde_json::Value>>,
    /// The configured `max_hourly_price` of a create (the engine keeps it out of models): a
    /// create that chooses among `placements` skips those listed above it.
    pub price_limit: Option<bigdecimal::BigDecimal>,
}

impl<C: ?Sized> Ctx<'_, C> {
    /// The configured price cap of this create, in the cap's unit.
    pub fn price_limit(&self) -> Option<&bigdecimal::BigDecimal> {
        self.notes.price_limit.as_ref()
    }
    pub fn warn(&self, summary: impl Into<String>, detail: impl Into<String>) {
        if let Ok(mut w) = self.notes.warnings.lock() {
            w.warning(summary, detail);
        }
    }
    pub fn warn_attribute(
        &self,
        path: super::path::AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        if let Ok(mut w) = self.notes.warnings.lock() {
            w.attribute_warning(path, summary, detail);
        }
    }
    pub fn private_get(&self, key: &str) -> Option<serde_json::Value> {
        self.notes
            .private
            .lock()
            .ok()
            .and_then(|p| p.get(key).cloned())
    }
    pub fn private_set(&self, key: &str, value: serde_json::Value) {
        if let Ok(mut p) = self.notes.private.lock() {
            p.insert(key.to_string(), value);
        }
    }
    /// Marks the object as failed upstream (an `error` status): the next plan replaces it,
    /// saying `reason`. Only a read sets this; every read starts with it cleared.
    pub fn replace_on_next_plan(&self, reason: impl Into<String>) {
        self.private_set(REPLACE_KEY, serde_json::Value::String(reason.into()));
    }
    /// Time left before the operation's deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// A failed create or update. When the API already accepted the object, `partial` holds what
/// is known (at least the id): the engine saves it and Terraform marks it tainted, so a paid
/// GPU is never orphaned.
pub struct Failure<M> {
    pub diags: Diagnostics,
    /// Boxed so a `Result<M, Failure<M>>` stays small whatever the model's size.
    pub partial: Option<Box<M>>,
}

impl<M> Failure<M> {
    pub fn with_partial(diags: Diagnostics, partial: M) -> Self {
        Self {
            diags,
            partial: Some(Box::new(partial)),
        }
    }
}

impl<M> From<Diagnostics> for Failure<M> {
    fn from(diags: Diagnostics) -> Self {
        Self {
            diags,
            partial: None,
        }
    }
}

/// Context of the resource-level plan hook.
pub struct ModifyPlanRequest<'a> {
    pub config: &'a Value,
    /// Null when creating.
    pub prior_state: &'a Value,
}

#[async_trait]
pub trait Resource: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    type Model: Serialize + DeserializeOwned + Default + Send + Sync + 'static;

    /// The type name after the provider prefix: `"instance"` serves `icgpu_instance`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// The budget of an operation when the `timeouts` block does not set one.
    fn default_timeout(&self, _op: Operation) -> Duration {
        Duration::from_secs(20 * 60)
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, Self::Client>,
        plan: Self::Model,
    ) -> Result<Self::Model, Failure<Self::Model>>;

    /// `Ok(None)` means the object is gone upstream: the engine removes it from state with a
    /// warning.
    async fn read(
        &self,
        ctx: &Ctx<'_, Self::Client>,
        state: Self::Model,
    ) -> Result<Option<Self::Model>, Diagnostics>;

    /// Only called for in-place changes; resources whose every argument requires replacement
    /// keep this default.
    async fn update(
        &self,
        _ctx: &Ctx<'_, Self::Client>,
        plan: Self::Model,
        _prior: Self::Model,
    ) -> Result<Self::Model, Failure<Self::Model>> {
        Ok(plan)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, Self::Client>,
        state: Self::Model,
    ) -> Result<(), Diagnostics>;

    /// The documented form of the import ID. The engine checks every ID against it before
    /// any API call and turns it into the identifying attributes; `read` fills in the rest.
    fn import_form(&self) -> ImportForm;

    /// Checks beyond the declared validators; `config` may hold unknown values.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Plan-time checks that need the API's public data (a template's minimum disk, a
    /// catalogue), after `modify_plan`, on create and update. They read only; the API stays
    /// the final word at apply. Errors name the user's attributes.
    async fn check_plan(
        &self,
        _ctx: &Ctx<'_, Self::Client>,
        _req: &ModifyPlanRequest<'_>,
        _plan: &Value,
    ) -> Diagnostics {
        Diagnostics::new()
    }

    /// Runs after the declared plan modifiers, on create and update (not destroy).
    fn modify_plan(
        &self,
        _req: &ModifyPlanRequest<'_>,
        _plan: &mut Value,
        _diags: &mut Diagnostics,
    ) {
    }

    /// Upgrades state written under an older `schema.version` to the current shape (JSON in,
    /// JSON out).
    fn upgrade_state(
        &self,
        from_version: i64,
        _state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        Err(Diagnostics::single_error(
            "Unsupported state version",
            format!("This provider cannot upgrade state from schema version {from_version}."),
        ))
    }

    /// Takes over an object another resource type or provider managed (a `moved {}` block):
    /// `None` when this type does not accept `from`; otherwise this type's state as JSON (the
    /// model's fields, plus `timeouts` when kept). Attributes left out become null, and the
    /// refresh that follows fills them from the API.
    fn move_state(&self, _from: &MoveSource<'_>) -> Option<Result<serde_json::Value, Diagnostics>> {
        None
    }

    /// For a schema with a `price_cap`: the listed hourly price of what `plan` asks for, in the
    /// cap's unit, read from public price lists only (the engine calls it at plan time).
    async fn listed_hourly_price(
        &self,
        _ctx: &Ctx<'_, Self::Client>,
        _plan: Self::Model,
    ) -> Result<ListedPrice, Diagnostics> {
        Err(Diagnostics::single_error(
            "Provider error: no price list",
            "This resource declares max_hourly_price but not how to price a plan. This is a \
             bug in the provider.",
        ))
    }
}

#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    type Model: Serialize + DeserializeOwned + Default + Send + Sync + 'static;

    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    fn default_timeout(&self) -> Duration {
        Duration::from_secs(5 * 60)
    }
    async fn read(
        &self,
        ctx: &Ctx<'_, Self::Client>,
        config: Self::Model,
    ) -> Result<Self::Model, Diagnostics>;
}

/// Information Terraform gives at configure time.
pub struct ConfigureInfo {
    pub terraform_version: String,
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    type Config: DeserializeOwned + Send + 'static;

    /// The member's name and type prefix: `"icgpu"`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn configure(
        &self,
        config: Self::Config,
        info: &ConfigureInfo,
    ) -> Result<Self::Client, Diagnostics>;
    fn resources(&self) -> Vec<Arc<dyn DynResource>>;
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>>;
    /// Ephemeral resources (Terraform ≥ 1.10); most members have none.
    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource>> {
        Vec::new()
    }
}

/// The configured client of a member, type-erased.
pub type AnyClient = Arc<dyn Any + Send + Sync>;

/// The engine's view of a context: the client is erased.
pub type DynCtx<'a> = Ctx<'a, dyn Any + Send + Sync>;

/// A create/update failure after erasure: diagnostics plus what was saved.
pub type DynFailure = (Diagnostics, Option<serde_json::Value>);

#[async_trait]
pub trait DynResource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn default_timeout(&self, op: Operation) -> Duration;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
    fn modify_plan(&self, req: &ModifyPlanRequest<'_>, plan: &mut Value, diags: &mut Diagnostics);
    async fn check_plan(
        &self,
        ctx: &DynCtx<'_>,
        req: &ModifyPlanRequest<'_>,
        plan: &Value,
    ) -> Diagnostics;
    async fn create(
        &self,
        ctx: &DynCtx<'_>,
        plan: serde_json::Value,
    ) -> Result<serde_json::Value, DynFailure>;
    async fn read(
        &self,
        ctx: &DynCtx<'_>,
        state: serde_json::Value,
    ) -> Result<Option<serde_json::Value>, Diagnostics>;
    async fn update(
        &self,
        ctx: &DynCtx<'_>,
        plan: serde_json::Value,
        prior: serde_json::Value,
    ) -> Result<serde_json::Value, DynFailure>;
    async fn delete(&self, ctx: &DynCtx<'_>, state: serde_json::Value) -> Result<(), Diagnostics>;
    fn import_form(&self) -> ImportForm;
    /// The names the model serializes, from `Model::default()`: what the central schema test
    /// holds against the schema's attribute names.
    fn model_fields(&self) -> Vec<String>;
    fn upgrade_state(
        &self,
        from_version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics>;
    fn move_state(&self, from: &MoveSource<'_>) -> Option<Result<serde_json::Value, Diagnostics>>;
    async fn listed_hourly_price(
        &self,
        ctx: &DynCtx<'_>,
        plan: serde_json::Value,
    ) -> Result<ListedPrice, Diagnostics>;
}

#[async_trait]
pub trait DynDataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
    fn default_timeout(&self) -> Duration;
    /// The names the model serializes, from `Model::default()`.
    fn model_fields(&self) -> Vec<String>;
    async fn read(
        &self,
        ctx: &DynCtx<'_>,
        config: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics>;
}

#[async_trait]
pub trait DynProvider: Send + Sync {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn configure(
        &self,
        config: serde_json::Value,
        info: &ConfigureInfo,
    ) -> Result<AnyClient, Diagnostics>;
    fn resources(&self) -> Vec<Arc<dyn DynResource>>;
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>>;
    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource>>;
}

pub(crate) fn decode<M: DeserializeOwned>(
    what: &str,
    json: serde_json::Value,
) -> Result<M, Diagnostics> {
    serde_json::from_value(json).map_err(|e| {
        Diagnostics::single_error(
            "Provider error: value does not fit the resource model",
            format!("Decoding the {what} failed: {e}. This is a bug in the provider."),
        )
    })
}

pub(crate) fn encode<M: Serialize>(what: &str, m: &M) -> Result<serde_json::Value, Diagnostics> {
    serde_json::to_value(m).map_err(|e| {
        Diagnostics::single_error(
            "Provider error: model does not serialize",
            format!("Encoding the {what} failed: {e}. This is a bug in the provider."),
        )
    })
}

pub(crate) fn typed_ctx<'a, C: Send + Sync + 'static>(
    ctx: &'a DynCtx<'a>,
) -> Result<Ctx<'a, C>, Diagnostics> {
    let client = ctx.client.downcast_ref::<C>().ok_or_else(|| {
        Diagnostics::single_error(
            "Provider not configured",
            "The provider's client is missing or of the wrong kind; was the provider block configured?",
        )
    })?;
    Ok(Ctx {
        client,
        timeout: ctx.timeout,
        deadline: ctx.deadline,
        cancel: ctx.cancel.clone(),
        notes: ctx.notes,
    })
}

fn erase_failure<M: Serialize>(f: Failure<M>) -> DynFailure {
    let partial = f.partial.and_then(|p| serde_json::to_value(&p).ok());
    (f.diags, partial)
}

#[async_trait]
impl<R: Resource> DynResource for R {
    fn type_name(&self) -> &'static str {
        Resource::type_name(self)
    }
    fn schema(&self) -> Schema {
        Resource::schema(self)
    }
    fn default_timeout(&self, op: Operation) -> Duration {
        Resource::default_timeout(self, op)
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        Resource::validate(self, config, diags)
    }
    fn modify_plan(&self, req: &ModifyPlanRequest<'_>, plan: &mut Value, diags: &mut Diagnostics) {
        Resource::modify_plan(self, req, plan, diags)
    }
    async fn check_plan(
        &self,
        ctx: &DynCtx<'_>,
        req: &ModifyPlanRequest<'_>,
        plan: &Value,
    ) -> Diagnostics {
        match typed_ctx::<R::Client>(ctx) {
            Ok(ctx) => Resource::check_plan(self, &ctx, req, plan).await,
            Err(d) => d,
        }
    }
    async fn create(
        &self,
        ctx: &DynCtx<'_>,
        plan: serde_json::Value,
    ) -> Result<serde_json::Value, DynFailure> {
        let ctx = typed_ctx::<R::Client>(ctx).map_err(|d| (d, None))?;
        let plan: R::Model = decode("plan", plan).map_err(|d| (d, None))?;
        let out = Resource::create(self, &ctx, plan)
            .await
            .map_err(erase_failure)?;
        encode("new state", &out).map_err(|d| (d, None))
    }
    async fn read(
        &self,
        ctx: &DynCtx<'_>,
        state: serde_json::Value,
    ) -> Result<Option<serde_json::Value>, Diagnostics> {
        let ctx = typed_ctx::<R::Client>(ctx)?;
        let state: R::Model = decode("state", state)?;
        match Resource::read(self, &ctx, state).await? {
            Some(m) => Ok(Some(encode("refreshed state", &m)?)),
            None => Ok(None),
        }
    }
    async fn update(
        &self,
        ctx: &DynCtx<'_>,
        plan: serde_json::Value,
        prior: serde_json::Value,
    ) -> Result<serde_json::Value, DynFailure> {
        let ctx = typed_ctx::<R::Client>(ctx).map_err(|d| (d, None))?;
        let plan: R::Model = decode("plan", plan).map_err(|d| (d, None))?;
        let prior: R::Model = decode("prior state", prior).map_err(|d| (d, None))?;
        let out = Resource::update(self, &ctx, plan, prior)
            .await
            .map_err(erase_failure)?;
        encode("new state", &out).map_err(|d| (d, None))
    }
    async fn delete(&self, ctx: &DynCtx<'_>, state: serde_json::Value) -> Result<(), Diagnostics> {
        let ctx = typed_ctx::<R::Client>(ctx)?;
        let state: R::Model = decode("state", state)?;
        Resource::delete(self, &ctx, state).await
    }
    fn import_form(&self) -> ImportForm {
        Resource::import_form(self)
    }
    fn upgrade_state(
        &self,
        from_version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        Resource::upgrade_state(self, from_version, state)
    }
    fn move_state(&self, from: &MoveSource<'_>) -> Option<Result<serde_json::Value, Diagnostics>> {
        Resource::move_state(self, from)
    }
    fn model_fields(&self) -> Vec<String> {
        field_names(&R::Model::default())
    }
    async fn listed_hourly_price(
        &self,
        ctx: &DynCtx<'_>,
        plan: serde_json::Value,
    ) -> Result<ListedPrice, Diagnostics> {
        let ctx = typed_ctx::<R::Client>(ctx)?;
        let plan: R::Model = decode("plan", plan)?;
        Resource::listed_hourly_price(self, &ctx, plan).await
    }
}

#[async_trait]
impl<D: DataSource> DynDataSource for D {
    fn type_name(&self) -> &'static str {
        DataSource::type_name(self)
    }
    fn schema(&self) -> Schema {
        DataSource::schema(self)
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        DataSource::validate(self, config, diags)
    }
    fn default_timeout(&self) -> Duration {
        DataSource::default_timeout(self)
    }
    fn model_fields(&self) -> Vec<String> {
        field_names(&D::Model::default())
    }
    async fn read(
        &self,
        ctx: &DynCtx<'_>,
        config: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        let ctx = typed_ctx::<D::Client>(ctx)?;
        let config: D::Model = decode("configuration", config)?;
        let out = DataSource::read(self, &ctx, config).await?;
        encode("data source result", &out)
    }
}

#[async_trait]
impl<P: Provider> DynProvider for P {
    fn name(&self) -> &'static str {
        Provider::name(self)
    }
    fn schema(&self) -> Schema {
        Provider::schema(self)
    }
    async fn configure(
        &self,
        config: serde_json::Value,
        info: &ConfigureInfo,
    ) -> Result<AnyClient, Diagnostics> {
        let config: P::Config = decode("provider configuration", config)?;
        let client = Provider::configure(self, config, info).await?;
        Ok(Arc::new(client))
    }
    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        Provider::resources(self)
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        Provider::data_sources(self)
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource>> {
        Provider::ephemeral_resources(self)
    }
}

/// The top-level names `model` serializes to (empty when it is not an object).
pub fn field_names<M: Serialize>(model: &M) -> Vec<String> {
    match serde_json::to_value(model) {
        Ok(serde_json::Value::Object(obj)) => obj.keys().cloned().collect(),
        _ => Vec::new(),
    }
}
