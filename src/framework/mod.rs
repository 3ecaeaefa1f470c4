//! The provider framework: a member declares schemas, validators, plan modifiers and CRUD over
//! serde models; the engine in `server` derives validation, planning, import, refresh and
//! apply from them. Nothing here knows about gRPC, msgpack or any cloud.

pub mod diag;
pub mod engine;
pub mod ephemeral;
pub mod import;
pub mod moved;
pub mod path;
pub mod planmod;
pub mod price;
pub mod resource;
pub mod schema;
pub mod server;
pub mod timeouts;
pub mod validators;
pub mod value;
pub mod value_json;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use ephemeral::{DynEphemeralResource, EphemeralResource, Opened};
pub use import::{IdKind, IdPart, ImportForm};
pub use moved::{MoveSource, ProviderAddress};
pub use path::{AttributePath, PathStep};
pub use price::{ListedPrice, PriceCap};
pub use resource::{
    ConfigureInfo, Ctx, DataSource, DynDataSource, DynProvider, DynResource, Failure,
    ModifyPlanRequest, Operation, Provider, Resource,
};
pub use schema::{Attribute, AttributeType, Block, Mode, Nesting, Schema};
pub use value::{Type, Value};
