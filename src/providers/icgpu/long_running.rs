//! IC GPU's long-running objects (instances, VMs, clusters, model deployments, Slurm
//! environments) declared once: each API object says where its collection is and what its
//! statuses mean ([`IcGpuObject`]), and [`Collection`] is its [`LongRunning`] lifecycle. Every
//! IC GPU create is keyed: the API replays an `Idempotency-Key`.

use crate::client::{list_all_token, Api, ClientError};
use crate::framework::Diagnostics;
use crate::providers::common::lifecycle::{Fields, LongRunning, Statuses};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::marker::PhantomData;

/// An API object with a lifecycle, as its resource declares it.
pub(crate) trait IcGpuObject:
    DeserializeOwned + Serialize + Clone + Send + Sync + 'static
{
    /// The Terraform type, `icgpu_instance`.
    const TYPE: &'static str;
    /// The user's word for it: "instance".
    const NOUN: &'static str;
    /// Where the objects are listed and created, `/api/v1/instances`; one is at `<COLLECTION>/<id>`.
    const COLLECTION: &'static str;
    /// The field of a list answer that holds the objects.
    const LIST_FIELD: &'static str;
    /// The field of a listed object that holds its id.
    const ID_FIELD: &'static str = "id";
    const STATUSES: Statuses;

    /// The object's id, status, name, creation time and error message.
    fn fields(&self) -> Fields<'_>;

    /// The resource's own explanation of a refused create; `asked` is what the create asked
    /// for (an instance's tier).
    fn refusal(_asked: &str, _e: &ClientError) -> Option<Diagnostics> {
        None
    }

    /// Why the API refused a create for lack of capacity, when that is what `e` says.
    fn out_of_capacity(_e: &ClientError) -> Option<String> {
        None
    }
}

/// The [`Fields`] of an object that has them under their usual names.
pub(crate) fn fields<'a>(
    id: &'a str,
    status: &'a str,
    name: &'a str,
    created_at: &'a Option<String>,
    error_message: &'a Option<String>,
) -> Fields<'a> {
    Fields {
        id: Some(id),
        status: Some(status),
        name: Some(name),
        created_at: created_at.as_deref(),
        message: error_message.as_deref(),
    }
}

/// The lifecycle of one kind of [`IcGpuObject`].
pub(crate) struct Collection<O> {
    /// What a create asks for, named when the API refuses it.
    asked: String,
    object: PhantomData<fn() -> O>,
}

impl<O: IcGpuObject> Collection<O> {
    /// For reads, deletes and waits.
    pub(crate) const fn new() -> Self {
        Self::asking(String::new())
    }

    /// For a create that asks for `asked` (see [`IcGpuObject::refusal`]).
    pub(crate) const fn asking(asked: String) -> Self {
        Self {
            asked,
            object: PhantomData,
        }
    }

    /// The object's path.
    pub(crate) fn path(id: &str) -> String {
        format!("{}/{id}", O::COLLECTION)
    }
}

#[async_trait]
impl<O: IcGpuObject> LongRunning for Collection<O> {
    type Object = O;
    const TYPE: &'static str = O::TYPE;
    const NOUN: &'static str = O::NOUN;
    const STATUSES: Statuses = O::STATUSES;
    const KEYED: bool = true;
    const ID_FIELD: &'static str = O::ID_FIELD;

    fn fields(o: &O) -> Fields<'_> {
        o.fields()
    }
    fn path(&self, id: &str) -> String {
        Self::path(id)
    }
    async fn list(&self, api: &Api) -> Result<Vec<serde_json::Value>, ClientError> {
        list_all_token(api.get(O::COLLECTION), O::LIST_FIELD).await
    }
    fn refusal(&self, e: &ClientError) -> Option<Diagnostics> {
        O::refusal(&self.asked, e)
    }
    fn out_of_capacity(&self, e: &ClientError) -> Option<String> {
        O::out_of_capacity(e)
    }
}
