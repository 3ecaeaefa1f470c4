//! What IC GPU's machines (`icgpu_instance`, `icgpu_vm`) share: `desired_state` and how
//! refresh reports it, their start/stop actions, the end of a create (the SSH wait of a
//! running machine), read, update and delete, and the schema attributes they have alike.

use super::long_running::{Collection, IcGpuObject};
use super::{records, IcGpuClient};
use crate::client::{Api, ClientError};
use crate::framework::resource::Operation;
use crate::framework::{Attribute, Ctx, Diagnostics, Failure, Value};
use crate::providers::common::lifecycle::{self, Statuses, Submitted};
use crate::providers::common::ssh_ready;
use async_trait::async_trait;
use std::time::Duration;

pub(crate) const DESIRED_STATES: &[&str] = &["running", "stopped"];

/// What a machine's statuses mean to the lifecycle (`stopping`, `stopped`, `preempted` and
/// `rebooting` are settled states of an existing machine, not failures).
pub(crate) const STATUSES: Statuses = Statuses {
    ready: &["running"],
    starting: &["pending", "starting"],
    failed: &["error"],
    gone: &["terminating", "terminated"],
    deleted: &["terminated"],
};

/// The Terraform model of a machine: what the shared code reads and writes of it.
#[async_trait]
pub(crate) trait Machine: Clone + Send + Sync + 'static {
    type Object: IcGpuObject;
    /// Copies what the API reports into the model; `desired_state` follows the status (see
    /// [`observed_desired_state`]).
    fn observe(&mut self, o: &Self::Object);
    fn id(&self) -> Option<&str>;
    /// `desired_state`, `running` when unset.
    fn desired(&self) -> &str;
    fn set_desired(&mut self, desired: String);
    fn wait_for_ssh(&self) -> Option<bool>;
    fn set_wait_for_ssh(&mut self, wait: bool);
    /// Where SSH answers: (host, port).
    fn ssh_address(&self) -> Option<(String, u16)>;
    fn set_host_key_fingerprint(&mut self, fingerprint: String);
    /// Brings the machine from its live status (`current`) to what this plan asks; `prior`
    /// is the state before.
    async fn converge(
        &self,
        api: &Api,
        id: &str,
        current: Self::Object,
        prior: &Self,
    ) -> Result<Self::Object, ClientError>;
}

/// The [`Machine`] accessors of a model whose fields have the usual names (`id`,
/// `desired_state`, `wait_for_ssh`, `ssh_host`, `ssh_port`, `ssh_host_key_fingerprint`).
macro_rules! machine_fields {
    () => {
        fn id(&self) -> Option<&str> {
            self.id.as_deref()
        }
        fn desired(&self) -> &str {
            self.desired_state.as_deref().unwrap_or("running")
        }
        fn set_desired(&mut self, desired: String) {
            self.desired_state = Some(desired);
        }
        fn wait_for_ssh(&self) -> Option<bool> {
            self.wait_for_ssh
        }
        fn set_wait_for_ssh(&mut self, wait: bool) {
            self.wait_for_ssh = Some(wait);
        }
        fn ssh_address(&self) -> Option<(String, u16)> {
            $crate::providers::common::ssh_ready::address(self.ssh_host.as_deref(), self.ssh_port)
        }
        fn set_host_key_fingerprint(&mut self, fingerprint: String) {
            self.ssh_host_key_fingerprint = Some(fingerprint);
        }
    };
}
pub(crate) use machine_fields;

/// `desired_state` as refresh reports it: `running` or `stopped` when the status says so, so
/// a machine stopped outside Terraform shows as an in-place diff.
pub(crate) fn observed_desired_state(
    status: &str,
    running_like: &[&str],
    stopped_like: &[&str],
    current: Option<String>,
) -> Option<String> {
    if running_like.contains(&status) {
        Some("running".into())
    } else if stopped_like.contains(&status) {
        Some("stopped".into())
    } else {
        // `error` after an import: the user's intent is unknown; running is the default.
        current.or_else(|| Some("running".into()))
    }
}

/// Sends an action (`start`, `stop`, `requeue`, `reboot`); repeating one is harmless.
pub(crate) async fn action<O: IcGpuObject>(
    api: &Api,
    id: &str,
    verb: &str,
) -> Result<(), ClientError> {
    api.post(&format!("{}/{verb}", Collection::<O>::path(id)))
        .idempotent()
        .describe(format!("{verb} {} {id}", O::NOUN))
        .send_no_body()
        .await
}

/// The end of a create once `waited` is over: the state from the plan (`prepare`d) and the
/// object, then the SSH wait when asked for and the machine is to run (a stopped one has no
/// SSH to wait for).
pub(crate) async fn finish_create<M: Machine>(
    ctx: &Ctx<'_, IcGpuClient>,
    plan: &M,
    submitted: &Submitted<Collection<M::Object>>,
    waited: (Result<M::Object, ClientError>, Option<M::Object>),
    prepare: impl Fn(&mut M),
) -> Result<M, Failure<M>> {
    let desired = plan.desired().to_string();
    let wait = plan.wait_for_ssh() == Some(true);
    let created = lifecycle::settle(ctx, submitted, waited, |o| {
        let mut state = plan.clone();
        prepare(&mut state);
        state.observe(o);
        state.set_desired(desired.clone());
        state.set_wait_for_ssh(wait);
        state
    });
    ssh_ready::after_create(
        ctx,
        wait && desired == "running",
        created,
        M::ssh_address,
        M::set_host_key_fingerprint,
    )
    .await
}

pub(crate) async fn read<M: Machine>(
    ctx: &Ctx<'_, IcGpuClient>,
    mut state: M,
) -> Result<Option<M>, Diagnostics> {
    let Some(id) = state.id().map(str::to_string) else {
        return Ok(None);
    };
    let machines = Collection::<M::Object>::new();
    let found = lifecycle::read(ctx, &super::api(ctx)?, &machines, &id).await?;
    Ok(found.map(|o| {
        state.observe(&o);
        // An import knows nothing of the wait: its default.
        let wait = state.wait_for_ssh().unwrap_or(false);
        state.set_wait_for_ssh(wait);
        state
    }))
}

/// Converges the machine from its live status (the prior state's may be stale when refresh
/// was skipped) to the plan.
pub(crate) async fn update<M: Machine>(
    ctx: &Ctx<'_, IcGpuClient>,
    plan: M,
    prior: M,
) -> Result<M, Failure<M>> {
    let api = &super::api(ctx)?;
    let id = prior.id().or(plan.id()).unwrap_or_default().to_string();
    let current: M::Object = api
        .get(&Collection::<M::Object>::path(&id))
        .describe(format!("read {} {id}", M::Object::NOUN))
        .send()
        .await
        .map_err(Diagnostics::from)?;
    let o = plan
        .converge(api, &id, current, &prior)
        .await
        .map_err(Diagnostics::from)?;
    let desired = plan.desired().to_string();
    let mut state = plan;
    state.observe(&o);
    state.set_desired(desired);
    Ok(state)
}

pub(crate) async fn delete<M: Machine>(
    ctx: &Ctx<'_, IcGpuClient>,
    state: M,
) -> Result<(), Diagnostics> {
    match state.id() {
        Some(id) => {
            let machines = Collection::<M::Object>::new();
            lifecycle::delete(&super::api(ctx)?, &machines, id).await
        }
        None => Ok(()),
    }
}

/// A machine comes up within 20 minutes; everything else takes 10 at most.
pub(crate) fn default_timeout(op: Operation) -> Duration {
    match op {
        Operation::Create => Duration::from_secs(20 * 60),
        _ => Duration::from_secs(10 * 60),
    }
}

/// `name`: a DNS label; a new one replaces the machine.
pub(crate) fn name(description: &str) -> Attribute {
    Attribute::string("name")
        .required()
        .requires_replace()
        .validator(records::dns_label())
        .description(description)
}

/// `desired_state`: `running` (the default) or `stopped`, changed in place.
pub(crate) fn desired_state(description: &str) -> Attribute {
    Attribute::string("desired_state")
        .default(Value::string("running"))
        .one_of(DESIRED_STATES)
        .description(description)
}

/// `ssh_host`, `ssh_port`, `ssh_user` and `ssh_command`, as the API reports them.
pub(crate) fn ssh_attributes(host: &str, port: &str, user: &str) -> [Attribute; 4] {
    [
        Attribute::string("ssh_host").output(host),
        Attribute::int("ssh_port").output(port),
        Attribute::string("ssh_user")
            .output(user)
            .use_state_for_unknown(),
        Attribute::string("ssh_command")
            .output("Ready-made `ssh -p PORT USER@HOST` command; null unless running."),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_status_keeps_the_desired_state_or_defaults_to_running() {
        let (running, stopped) = (&["running"][..], &["stopped"][..]);
        let observed =
            |s, c: Option<&str>| observed_desired_state(s, running, stopped, c.map(str::to_string));
        assert_eq!(
            observed("running", Some("stopped")).as_deref(),
            Some("running")
        );
        assert_eq!(observed("stopped", None).as_deref(), Some("stopped"));
        assert_eq!(
            observed("error", Some("stopped")).as_deref(),
            Some("stopped")
        );
        assert_eq!(observed("error", None).as_deref(), Some("running"));
    }

    #[test]
    fn a_machine_has_twenty_minutes_to_come_up_and_ten_for_the_rest() {
        assert_eq!(
            default_timeout(Operation::Create),
            Duration::from_secs(1200)
        );
        for op in [Operation::Read, Operation::Update, Operation::Delete] {
            assert_eq!(default_timeout(op), Duration::from_secs(600));
        }
    }
}
