//! One lifecycle for every long-running resource (instances, VMs, clusters, runtimes): a
//! resource declares how to get and list its objects and what its statuses mean
//! ([`LongRunning`]); this module owns what must be right everywhere:
//!
//! - **create**: the attempt is journalled before it is sent ([`super::journal`]); keyed APIs
//!   replay the journalled `Idempotency-Key`, the others prove by a lookup by name whether an
//!   ambiguous attempt (no answer, 5xx, 429, an unreadable answer) created the object before
//!   sending again; a leftover attempt of a crashed process is resolved first. Then it waits
//!   for a ready status; a failed or unknown status fails at once with the API's message; a
//!   404 right after the create is eventual consistency, not a loss. Interrupted (Ctrl-C)
//!   once the API holds the object, it is saved untainted with a warning; any other failure
//!   saves it as partial state, which the engine marks tainted and explains.
//! - **placements** (capacity failover, [`create_placed`]): the same create tried over an
//!   ordered list of placements; those the availability data rules out cost no call, a
//!   capacity refusal ([`LongRunning::out_of_capacity`]) moves on, and the journal entry
//!   records the placement in flight so a resumed create never lands in a second one. SSH
//!   readiness after the create is [`super::ssh_ready`].
//! - **read**: one list serves a whole refresh; a gone status means gone; a failed status
//!   keeps the object and asks the next plan to replace it.
//! - **delete**: 404 and gone statuses mean done; otherwise it waits until gone.

use super::journal::{self, Entry, Journal};
use crate::client::{create_reconciled, Api, Client, ClientError, Poll, Request};
use crate::framework::{Ctx, Diagnostics, Failure};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the API's statuses mean. A status in none of the lists is a failure while creating
/// (a new status must never leave a create polling until its timeout) and is kept as it is
/// on refresh.
pub struct Statuses {
    /// Where a create's wait ends.
    pub ready: &'static [&'static str],
    /// On the way to ready: a create keeps waiting.
    pub starting: &'static [&'static str],
    /// Failed upstream: a create fails at once; a refresh asks for a replacement.
    pub failed: &'static [&'static str],
    /// Deleted or being deleted: a refresh removes the object.
    pub gone: &'static [&'static str],
    /// Deleted for good: a delete's wait ends here (or at a 404).
    pub deleted: &'static [&'static str],
}

/// The parts of an object the lifecycle reads (any may be missing).
#[derive(Default)]
pub struct Fields<'a> {
    pub id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub name: Option<&'a str>,
    /// RFC 3339: a lost create is the object of its name made since the attempt began.
    pub created_at: Option<&'a str>,
    /// The API's explanation of the status, if it gives one.
    pub message: Option<&'a str>,
}

/// How far a journalled start time is moved back to absorb clock skew between us and the API.
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// How long a 404 right after a create counts as "not visible yet".
const NOT_FOUND_GRACE: Duration = Duration::from_secs(15);

/// A long-running object type, declared once by its resource.
#[async_trait]
pub trait LongRunning: Send + Sync {
    type Object: DeserializeOwned + Serialize + Clone + Send + Sync + 'static;
    /// The Terraform type, `amd_instance` (journal entries and messages).
    const TYPE: &'static str;
    /// The user's word for it: "AMD instance".
    const NOUN: &'static str;
    const STATUSES: Statuses;
    /// The API replays a create's `Idempotency-Key` (IC GPU).
    const KEYED: bool = false;
    /// The field of a listed object that holds its id.
    const ID_FIELD: &'static str = "id";
    /// The list holds whole objects, so one list serves a refresh (otherwise each object is
    /// read on its own).
    const LIST_IS_WHOLE: bool = true;

    /// What the lifecycle reads of an object.
    fn fields(o: &Self::Object) -> Fields<'_>;

    /// For a summary list (`LIST_IS_WHOLE = false`) that still shows whether an object changed:
    /// its version as listed (GPU AI: status and `updatedAt`). With it, [`refresh`] reads only
    /// the objects whose version moved since the state was written.
    fn listed_version(_listed: &serde_json::Value) -> Option<String> {
        None
    }

    /// The object's path (GET, and DELETE unless [`LongRunning::send_delete`] says otherwise).
    fn path(&self, id: &str) -> String;
    /// Every object as JSON: one list serves a refresh and finds a lost create.
    async fn list(&self, api: &Api) -> Result<Vec<serde_json::Value>, ClientError>;

    async fn get(&self, api: &Api, id: &str) -> Result<Option<Self::Object>, ClientError> {
        api.get(&self.path(id))
            .describe(format!("read {} {id}", Self::NOUN))
            .send_optional()
            .await
    }

    /// The resource's own explanation of a refused create (a capacity conflict, say).
    fn refusal(&self, _e: &ClientError) -> Option<Diagnostics> {
        None
    }

    /// Why the API refused a create for lack of capacity, when that is what `e` says: with
    /// `placements` the create moves on to the next one.
    fn out_of_capacity(&self, _e: &ClientError) -> Option<String> {
        None
    }

    async fn send_delete(&self, api: &Api, id: &str) -> Result<(), ClientError> {
        api.delete(&self.path(id))
            .describe(format!("delete {} {id}", Self::NOUN))
            .send_no_body()
            .await
    }
}

fn status_of<L: LongRunning>(o: &L::Object) -> &str {
    L::fields(o).status.unwrap_or("")
}

fn is<L: LongRunning>(o: &L::Object, set: &[&str]) -> bool {
    set.contains(&status_of::<L>(o))
}

fn explain<L: LongRunning>(o: &L::Object) -> String {
    match L::fields(o).message.filter(|m| !m.trim().is_empty()) {
        Some(m) => format!("status {:?}: {m}", status_of::<L>(o)),
        None => format!("status {:?}", status_of::<L>(o)),
    }
}

/// A create the API holds (or is proven to hold), with the journal entry that covers it
/// until the create has finished.
pub struct Submitted<L: LongRunning> {
    pub object: L::Object,
    pub id: String,
    record: Option<(Journal, Entry)>,
}

impl<L: LongRunning> Submitted<L> {
    /// The create is over: its object is in Terraform's hands.
    fn finish(&self) {
        if let Some((j, e)) = &self.record {
            j.remove(e);
        }
    }
}

/// A name for a create whose configuration has none: the API takes no idempotency key, and
/// the name is how a retried create finds what the first attempt launched.
pub fn generated_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("tf-{}", &id[..12])
}

/// One create, journalled: the entry a crashed run left for the same plan, or a new one.
struct Attempt {
    entry: Entry,
    resumed: bool,
    journal: Option<Journal>,
    recorded: bool,
}

impl Attempt {
    fn begin<L: LongRunning>(planned: &impl Serialize, name: Option<String>) -> Attempt {
        let fingerprint =
            journal::fingerprint(L::TYPE, &serde_json::to_value(planned).unwrap_or_default());
        let journal = Journal::open();
        let resumed = journal
            .as_ref()
            .and_then(|j| j.claim(L::TYPE, &fingerprint));
        if let Some(e) = &resumed {
            tracing::info!(r#type = L::TYPE, name = %e.name, "resolving a create a previous run left unfinished");
        }
        Attempt {
            resumed: resumed.is_some(),
            entry: resumed.unwrap_or_else(|| Entry {
                id: uuid::Uuid::new_v4().to_string(),
                type_name: L::TYPE.into(),
                fingerprint,
                name: name.unwrap_or_else(generated_name),
                key: L::KEYED.then(|| uuid::Uuid::new_v4().to_string()),
                started_at: Utc::now(),
                placement: None,
            }),
            journal,
            recorded: false,
        }
    }

    /// Writes the entry (again, when it changed) before its request is sent.
    fn record(&mut self) {
        let Some(j) = &self.journal else { return };
        match j.record(&self.entry) {
            Ok(()) => self.recorded = true,
            Err(e) => {
                tracing::warn!(error = %e, "create journal not written: a crash now cannot be resolved");
                self.recorded = false;
            }
        }
    }

    fn release(&self) {
        if let (Some(j), true) = (&self.journal, self.recorded) {
            j.remove(&self.entry);
        }
    }

    /// Sends one create; a failure that proves nothing was created drops the entry.
    async fn send<L: LongRunning>(
        &self,
        api: &Api,
        lr: &L,
        resumed: bool,
        request: &impl Fn(&str) -> Request,
    ) -> Result<Submitted<L>, ClientError> {
        let journal = self.journal.as_ref().filter(|_| self.recorded);
        match send::<L>(api, lr, &self.entry, resumed, journal, request).await {
            Ok((object, id)) => Ok(Submitted {
                object,
                id,
                record: self
                    .journal
                    .clone()
                    .filter(|_| self.recorded)
                    .map(|j| (j, self.entry.clone())),
            }),
            Err(e) => {
                // Keep the entry while the API may hold the object: the next apply resolves it.
                if !e.may_have_created() {
                    self.release();
                }
                Err(e)
            }
        }
    }
}

/// Sends the create built by `request(name)`, exactly once (see the module docs). `planned`
/// is the planned model (its fingerprint matches the attempt of a crashed run); `name` is
/// the configured name, `None` to generate one.
pub async fn submit<L: LongRunning>(
    api: &Api,
    lr: &L,
    planned: &impl Serialize,
    name: Option<String>,
    request: impl Fn(&str) -> Request,
) -> Result<Submitted<L>, Diagnostics> {
    let mut attempt = Attempt::begin::<L>(planned, name);
    attempt.record();
    match attempt.send(api, lr, attempt.resumed, &request).await {
        Ok(s) => Ok(s),
        Err(e) => Err(conflict::<L>(api, lr, &attempt.entry.name, e).await),
    }
}

async fn send<L: LongRunning>(
    api: &Api,
    lr: &L,
    entry: &Entry,
    resumed: bool,
    journal: Option<&Journal>,
    request: &impl Fn(&str) -> Request,
) -> Result<(L::Object, String), ClientError> {
    if let Some(key) = &entry.key {
        let replayed = keyed::<L>(request(&entry.name).idempotency_key(key.as_str())).await?;
        if !resumed {
            return Ok(replayed);
        }
        // A replay may answer with an object deleted since: then this is a new create.
        match lr.get(api, &replayed.1).await? {
            Some(o) if !is::<L>(&o, L::STATUSES.gone) => return Ok((o, replayed.1)),
            _ => {
                // Journalled before it is sent, like the first key, so a second crash
                // replays this create rather than the deleted one.
                let fresh = uuid::Uuid::new_v4().to_string();
                if let Some(j) = journal {
                    let rekeyed = Entry {
                        key: Some(fresh.clone()),
                        ..entry.clone()
                    };
                    if let Err(e) = j.record(&rekeyed) {
                        tracing::warn!(error = %e, "create journal not updated");
                    }
                }
                return keyed::<L>(request(&entry.name).idempotency_key(fresh)).await;
            }
        }
    }
    // As `create_reconciled` does, allow for the API's clock being behind ours.
    let started_at = entry.started_at - CLOCK_SKEW;
    if resumed {
        if let Some(o) = find_created(api, lr, &entry.name, started_at).await? {
            let id = L::fields(&o).id.unwrap_or_default().to_string();
            return Ok((o, id));
        }
    }
    let lookup = |since: DateTime<Utc>| {
        let since = if resumed {
            started_at.min(since)
        } else {
            since
        };
        async move {
            Ok(find_created(api, lr, &entry.name, since)
                .await?
                .and_then(|o| serde_json::to_value(o).ok()))
        }
    };
    let answer: serde_json::Value = create_reconciled(request(&entry.name), lookup).await?;
    match created::<L>(api.client().api(), answer) {
        Ok(found) => Ok(found),
        // A success without an id: the object exists; find it rather than make another.
        Err(e) => match find_created(api, lr, &entry.name, started_at).await? {
            Some(o) => {
                let id = L::fields(&o).id.unwrap_or_default().to_string();
                Ok((o, id))
            }
            None => Err(e),
        },
    }
}

/// A keyed create; an answer without a usable object is lost, so the same key asks again
/// (the API replays the object it made).
async fn keyed<L: LongRunning>(req: Request) -> Result<(L::Object, String), ClientError> {
    let api = req.client().api();
    match created::<L>(api, req.clone().send::<serde_json::Value>().await?) {
        Ok(found) => Ok(found),
        Err(_) => created::<L>(api, req.send::<serde_json::Value>().await?),
    }
}

/// The object and id in a create's answer (which may be less than the whole object).
fn created<L: LongRunning>(
    api: &'static str,
    answer: serde_json::Value,
) -> Result<(L::Object, String), ClientError> {
    let unreadable = |message: String| ClientError::Decode {
        api,
        operation: format!("create {}", L::NOUN),
        status: 200,
        kind: "an answer without a usable object",
        message,
        excerpt: None,
    };
    let object: L::Object =
        serde_json::from_value(answer.clone()).map_err(|e| unreadable(e.to_string()))?;
    let id = L::fields(&object)
        .id
        .or_else(|| answer.get("id").and_then(|v| v.as_str()))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .ok_or_else(|| unreadable("the answer has no `id`".into()))?;
    Ok((object, id))
}

/// The object called `name` created at or after `since` (whole seconds: some APIs drop the
/// fraction), not being deleted.
async fn find_created<L: LongRunning>(
    api: &Api,
    lr: &L,
    name: &str,
    since: DateTime<Utc>,
) -> Result<Option<L::Object>, ClientError> {
    let since = since.trunc_subsecs(0);
    Ok(lr
        .list(api)
        .await?
        .into_iter()
        .filter_map(|v| serde_json::from_value::<L::Object>(v).ok())
        .find(|o| {
            L::fields(o).name == Some(name)
                && !is::<L>(o, L::STATUSES.gone)
                && L::fields(o)
                    .created_at
                    .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
                    .is_some_and(|c| c >= since)
        }))
}

/// A 409 on create: when an object of that name exists that this configuration did not
/// create, say which and how to adopt it.
async fn conflict<L: LongRunning>(api: &Api, lr: &L, name: &str, e: ClientError) -> Diagnostics {
    if let Some(d) = lr.refusal(&e) {
        return d;
    }
    if e.status() != Some(409) {
        return e.into();
    }
    let existing = lr.list(api).await.ok().and_then(|all| {
        all.into_iter()
            .filter_map(|v| serde_json::from_value::<L::Object>(v).ok())
            .find(|o| L::fields(o).name == Some(name) && !is::<L>(o, L::STATUSES.gone))
    });
    let mut d: Diagnostics = e.into();
    if let Some(id) = existing.as_ref().and_then(|o| L::fields(o).id) {
        d.error(
            format!("A {} named {name:?} already exists: {id}", L::NOUN),
            format!(
                "This working directory has no record of creating it, so it is not adopted \
                 automatically. If it belongs to this resource, import it with \
                 `terraform import <this resource's address> {id}` (for example \
                 `terraform import {ty}.{label} {id}`) or an `import {{ to = {ty}.{label}, \
                 id = \"{id}\" }}` block; otherwise choose another name.",
                ty = L::TYPE,
                label = name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_"),
            ),
        );
    }
    d
}

/// Waits until `id` reaches one of `targets` through the statuses in `through` (a create:
/// `STATUSES.ready` through `STATUSES.starting`); any other status fails at once. The last
/// object seen comes back either way.
pub async fn wait_for<L: LongRunning>(
    api: &Api,
    lr: &L,
    id: &str,
    targets: &[&str],
    through: &[&str],
) -> (Result<L::Object, ClientError>, Option<L::Object>) {
    let started = Instant::now();
    let last: Mutex<Option<L::Object>> = Mutex::new(None);
    let what = format!("{} {id} to be {}", L::NOUN, targets.join(" or "));
    let result = api
        .wait(&what, || async {
            let Some(o) = lr.get(api, id).await? else {
                return Ok(if started.elapsed() < NOT_FOUND_GRACE {
                    Poll::Pending("not visible yet".into())
                } else {
                    Poll::Failed(format!("{} {id} disappeared", L::NOUN))
                });
            };
            if let Ok(mut l) = last.lock() {
                *l = Some(o.clone());
            }
            let s = status_of::<L>(&o).to_string();
            Ok(if targets.contains(&s.as_str()) {
                Poll::Ready(o)
            } else if through.contains(&s.as_str()) {
                Poll::Pending(s)
            } else if is::<L>(&o, L::STATUSES.gone) {
                Poll::Failed(format!("it was deleted ({})", explain::<L>(&o)))
            } else if is::<L>(&o, L::STATUSES.failed) {
                Poll::Failed(format!("it failed ({})", explain::<L>(&o)))
            } else {
                Poll::Failed(format!("it reached an unexpected {}", explain::<L>(&o)))
            })
        })
        .await;
    (result, last.into_inner().ok().flatten())
}

/// The end of a create or in-place change that waited: ready is the new state; interrupted
/// (Ctrl-C) saves what is known untainted, with a warning; any other failure saves it as
/// partial state (tainted by the engine).
pub fn settle<C: ?Sized, L: LongRunning, M>(
    ctx: &Ctx<'_, C>,
    submitted: &Submitted<L>,
    waited: (Result<L::Object, ClientError>, Option<L::Object>),
    observe: impl Fn(&L::Object) -> M,
) -> Result<M, Failure<M>> {
    submitted.finish();
    let (result, last) = waited;
    let known = || observe(last.as_ref().unwrap_or(&submitted.object));
    match result {
        Ok(o) => {
            remember_version::<C, L>(ctx, &o);
            Ok(observe(&o))
        }
        Err(e) if e.is_interrupted() => {
            ctx.warn(
                format!("{} {} was still starting", L::NOUN, submitted.id),
                "Terraform was interrupted while it waited. The API had accepted the create, so \
                 it is saved in state as created, not tainted: the next plan refreshes it and \
                 shows no change once it is ready, or a replacement if it failed.",
            );
            Ok(known())
        }
        Err(e) => Err(Failure::with_partial(e.into(), known())),
    }
}

/// `submit`, then wait for a ready status, then `settle`: a whole create.
pub async fn create<C: ?Sized, L: LongRunning, M: Serialize>(
    ctx: &Ctx<'_, C>,
    api: &Api,
    lr: &L,
    planned: &M,
    name: Option<String>,
    request: impl Fn(&str) -> Request,
    observe: impl Fn(&L::Object) -> M,
) -> Result<M, Failure<M>> {
    let submitted = submit(api, lr, planned, name, request).await?;
    // Even an answer that says ready is read again: a create's answer may be less than the
    // whole object.
    let (ready, starting) = (L::STATUSES.ready, L::STATUSES.starting);
    let waited = wait_for(api, lr, &submitted.id, ready, starting).await;
    settle(ctx, &submitted, waited, observe)
}

/// One entry of a resource's `placements`: what the resource sends, the user's words for it,
/// and why it is passed over without a create call, when the availability data (or the price
/// cap) already rules it out.
pub struct Candidate<P> {
    pub placement: P,
    pub label: String,
    pub skip: Option<String>,
}

/// A create that tries `candidates` in order (see `create`): a skipped candidate costs no
/// call, a capacity refusal ([`LongRunning::out_of_capacity`]) moves on to the next; any other
/// failure ends the create. All attempts share one journal entry that records the placement in
/// flight, so a create resumed after a crash resolves that placement first and never creates in
/// a second one. When none takes it, one error lists every placement and why.
#[allow(clippy::too_many_arguments)]
pub async fn create_placed<C: ?Sized, L: LongRunning, M: Serialize, P>(
    ctx: &Ctx<'_, C>,
    api: &Api,
    lr: &L,
    planned: &M,
    name: Option<String>,
    candidates: &[Candidate<P>],
    request: impl Fn(&P, &str) -> Request,
    observe: impl Fn(&L::Object, &P) -> M,
) -> Result<M, Failure<M>> {
    let (submitted, i) = submit_placed(api, lr, planned, name, candidates, request).await?;
    let (ready, starting) = (L::STATUSES.ready, L::STATUSES.starting);
    let waited = wait_for(api, lr, &submitted.id, ready, starting).await;
    settle(ctx, &submitted, waited, |o| {
        observe(o, &candidates[i].placement)
    })
}

/// A create of a resource with `placements`: with `candidates` (the plan lists placements)
/// [`create_placed`], else a plain [`create`] at `one`, the placement its own arguments choose.
#[allow(clippy::too_many_arguments)]
pub async fn create_at<C: ?Sized, L: LongRunning, M: Serialize, P>(
    ctx: &Ctx<'_, C>,
    api: &Api,
    lr: &L,
    planned: &M,
    name: Option<String>,
    one: &P,
    candidates: Option<Vec<Candidate<P>>>,
    request: impl Fn(&P, &str) -> Request,
    observe: impl Fn(&L::Object, &P) -> M,
) -> Result<M, Failure<M>> {
    let Some(candidates) = candidates else {
        let observe = |o: &L::Object| observe(o, one);
        return create(ctx, api, lr, planned, name, |n| request(one, n), observe).await;
    };
    create_placed(ctx, api, lr, planned, name, &candidates, request, observe).await
}

/// The submitting half of [`create_placed`], for a resource that waits in its own way: the
/// create the API accepted and the index of the candidate that took it.
pub async fn submit_placed<L: LongRunning, P>(
    api: &Api,
    lr: &L,
    planned: &impl Serialize,
    name: Option<String>,
    candidates: &[Candidate<P>],
    request: impl Fn(&P, &str) -> Request,
) -> Result<(Submitted<L>, usize), Diagnostics> {
    let mut attempt = Attempt::begin::<L>(planned, name);
    let journalled = attempt
        .entry
        .placement
        .filter(|i| attempt.resumed && *i < candidates.len());
    let order = journalled
        .into_iter()
        .chain((0..candidates.len()).filter(|i| Some(*i) != journalled));
    let mut tried = Vec::new();
    for (n, i) in order.enumerate() {
        let c = &candidates[i];
        // The attempt a crashed run left is resolved wherever it went, full or not.
        let resuming = attempt.resumed && n == 0;
        if !resuming {
            if let Some(why) = &c.skip {
                tried.push(format!("{}: skipped, {why}", c.label));
                continue;
            }
            if L::KEYED && attempt.entry.placement.is_some() {
                // A new placement is a new request: a replayed key would answer the last one.
                attempt.entry.key = Some(uuid::Uuid::new_v4().to_string());
            }
        }
        attempt.entry.placement = Some(i);
        attempt.record();
        let sent = attempt
            .send(api, lr, resuming, &|name: &str| request(&c.placement, name))
            .await;
        match sent {
            Ok(submitted) => return Ok((submitted, i)),
            Err(e) if !e.may_have_created() && lr.out_of_capacity(&e).is_some() => {
                let why = lr.out_of_capacity(&e).unwrap_or_default();
                tracing::info!(r#type = L::TYPE, placement = %c.label, reason = %why, "no capacity; trying the next placement");
                tried.push(format!("{}: refused, {why}", c.label));
            }
            Err(e) => return Err(conflict::<L>(api, lr, &attempt.entry.name, e).await),
        }
    }
    attempt.release();
    Err(Diagnostics::single_attribute_error(
        crate::framework::AttributePath::attr("placements"),
        format!("No placement could take the {}", L::NOUN),
        format!(
            "Every placement was tried, in order; none was created:\n  {}",
            tried.join("\n  ")
        ),
    ))
}

/// The object as a refresh sees it: `None` when it is gone; a failed one is kept and the next
/// plan replaces it.
pub async fn read<C: ?Sized, L: LongRunning>(
    ctx: &Ctx<'_, C>,
    api: &Api,
    lr: &L,
    id: &str,
) -> Result<Option<L::Object>, Diagnostics> {
    let found: Option<L::Object> = if L::LIST_IS_WHOLE {
        let (list, get) = (|| lr.list(api), || lr.get(api, id));
        api.cache()
            .read_by(L::TYPE, L::ID_FIELD, id, list, get)
            .await?
    } else {
        lr.get(api, id).await?
    };
    Ok(judge::<C, L>(ctx, id, found))
}

/// [`read`] through a member's one API of the object whose ID state holds; none yet: gone.
pub async fn read_by_state_id<L: LongRunning>(
    ctx: &Ctx<'_, Client>,
    lr: &L,
    id: Option<&str>,
) -> Result<Option<L::Object>, Diagnostics> {
    match id {
        Some(id) => read(ctx, &super::api(ctx), lr, id).await,
        None => Ok(None),
    }
}

/// [`delete`] through a member's one API of the object whose ID state holds; none: nothing to do.
pub async fn delete_by_state_id<L: LongRunning>(
    ctx: &Ctx<'_, Client>,
    lr: &L,
    id: Option<&str>,
) -> Result<(), Diagnostics> {
    match id {
        Some(id) => delete(&super::api(ctx), lr, id).await,
        None => Ok(()),
    }
}

/// A refreshed object's fate: gone statuses are gone; a failed one stays and the next plan
/// replaces it.
fn judge<C: ?Sized, L: LongRunning>(
    ctx: &Ctx<'_, C>,
    id: &str,
    found: Option<L::Object>,
) -> Option<L::Object> {
    match found {
        Some(o) if is::<L>(&o, L::STATUSES.gone) => None,
        Some(o) if is::<L>(&o, L::STATUSES.failed) => {
            ctx.replace_on_next_plan(format!(
                "The API reports {} {id} in {}. It no longer serves this configuration, so the \
                 next apply deletes it and creates a new one.",
                L::NOUN,
                explain::<L>(&o)
            ));
            Some(o)
        }
        other => other,
    }
}

/// The private-state key of the version an object had when its state was last written.
const VERSION_KEY: &str = "gpucloud.version";

fn remember_version<C: ?Sized, L: LongRunning>(ctx: &Ctx<'_, C>, o: &L::Object) {
    let version = serde_json::to_value(o)
        .ok()
        .and_then(|v| L::listed_version(&v));
    if let Some(v) = version {
        ctx.private_set(VERSION_KEY, serde_json::Value::String(v));
    }
}

/// What a refresh found.
pub enum Refreshed<O> {
    Gone,
    /// Listed ready at the version the state was written from: the state stands as it is.
    Unchanged,
    Read(O),
}

/// [`read`] for a type whose list is a summary ([`LongRunning::listed_version`]): one list
/// serves the refresh, and only an object whose listed version moved (or that is not ready,
/// or whose state has no version yet, as after an import) is read on its own.
pub async fn refresh<C: ?Sized, L: LongRunning>(
    ctx: &Ctx<'_, C>,
    api: &Api,
    lr: &L,
    id: &str,
) -> Result<Refreshed<L::Object>, Diagnostics> {
    let known = ctx.private_get(VERSION_KEY);
    if let Some(known) = known.as_ref().and_then(|v| v.as_str()) {
        let listed = api
            .cache()
            .listed(L::TYPE, L::ID_FIELD, id, || lr.list(api))
            .await?;
        // A summary that does not decode as the object is no evidence either way.
        let ready = |v: &serde_json::Value| {
            serde_json::from_value::<L::Object>(v.clone())
                .is_ok_and(|o| is::<L>(&o, L::STATUSES.ready))
        };
        if let Some(v) = listed.filter(|v| ready(v)) {
            if L::listed_version(&v).as_deref() == Some(known) {
                return Ok(Refreshed::Unchanged);
            }
        }
    }
    let found = lr.get(api, id).await?;
    if let Some(o) = &found {
        remember_version::<C, L>(ctx, o);
    }
    Ok(match judge::<C, L>(ctx, id, found) {
        Some(o) => Refreshed::Read(o),
        None => Refreshed::Gone,
    })
}

/// Deletes `id` and waits until it is gone; a 404 or a gone status means done.
pub async fn delete<L: LongRunning>(api: &Api, lr: &L, id: &str) -> Result<(), Diagnostics> {
    match lr.send_delete(api, id).await {
        Ok(()) => {}
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    api.wait(&format!("{} {id} to be deleted", L::NOUN), || async {
        Ok(match lr.get(api, id).await? {
            None => Poll::Ready(()),
            Some(o) if is::<L>(&o, L::STATUSES.deleted) => Poll::Ready(()),
            Some(o) => Poll::Pending(status_of::<L>(&o).to_string()),
        })
    })
    .await?;
    Ok(())
}
