//! IC GPU account state: the objects, and lifecycles computed lazily from timestamps.

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A status timeline: each stage lasts a number of steps from `anchor`; then `then` holds
/// forever (`None`: the object is gone).
#[derive(Debug, Clone)]
pub struct Life {
    anchor: Instant,
    anchor_at: DateTime<Utc>,
    stages: Vec<(&'static str, u64)>,
    then: Option<&'static str>,
}

impl Life {
    pub fn new(stages: &[(&'static str, u64)], then: Option<&'static str>) -> Self {
        Self {
            anchor: Instant::now(),
            anchor_at: Utc::now(),
            stages: stages.to_vec(),
            then,
        }
    }

    /// A status that holds until the next action.
    pub fn fixed(status: &'static str) -> Self {
        Self::new(&[], Some(status))
    }

    /// The current status and when it began; `None` once gone.
    pub fn at(&self, step: Duration) -> Option<(&'static str, DateTime<Utc>)> {
        let elapsed = if step.is_zero() {
            u64::MAX
        } else {
            u64::try_from(self.anchor.elapsed().as_nanos() / step.as_nanos()).unwrap_or(u64::MAX)
        };
        let mut begun = 0u64;
        for (status, len) in &self.stages {
            if elapsed < begun.saturating_add(*len) {
                return Some((status, self.since(begun, step)));
            }
            begun = begun.saturating_add(*len);
        }
        self.then.map(|s| (s, self.since(begun, step)))
    }

    fn since(&self, steps: u64, step: Duration) -> DateTime<Utc> {
        let offset = step.saturating_mul(u32::try_from(steps).unwrap_or(u32::MAX));
        chrono::Duration::from_std(offset)
            .ok()
            .and_then(|d| self.anchor_at.checked_add_signed(d))
            .unwrap_or(self.anchor_at)
    }
}

pub struct Instance {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub tier: String,
    pub workload_type: String,
    pub storage_gb: i64,
    pub ssh_key: Option<String>,
    pub gpu_model: String,
    pub created_at: DateTime<Utc>,
    pub life: Life,
    /// A batch instance waiting for capacity stays `pending` until its tier has some.
    pub queued: bool,
    /// Held `pending` by the provisioning controls until released.
    pub held: bool,
    /// Where booting ends: `running`, or a queued outcome's status.
    pub boots_into: &'static str,
    /// `ssh.gpu.local`, or the address a test set with `POST /_admin/ssh_endpoint`.
    pub ssh_host: String,
    pub ssh_port: u16,
    pub error_message: Option<String>,
}

pub struct ModelDeployment {
    pub seq: u64,
    pub name: String,
    pub model: String,
    pub engine: String,
    pub min_replicas: i64,
    pub max_replicas: i64,
    pub resource_profile: String,
    pub endpoint: String,
    pub created_at: DateTime<Utc>,
    pub life: Life,
    /// Ready replicas while `scaling` (the count before the change).
    pub ready_before: i64,
    pub error_message: Option<String>,
}

pub struct Webhook {
    pub seq: u64,
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deliveries: Vec<Delivery>,
}

pub struct Delivery {
    pub seq: u64,
    pub id: String,
    pub event_id: String,
    pub event: String,
    pub created_at: DateTime<Utc>,
    /// `pending` for one step, then `succeeded` (the emulator reaches no outside endpoint).
    pub life: Life,
}

pub struct Vm {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub template_id: String,
    pub cpu: i64,
    pub memory_gb: i64,
    pub disk_gb: i64,
    pub ssh_key: Option<String>,
    pub gpu_model: Option<String>,
    pub created_at: DateTime<Utc>,
    pub life: Life,
    /// Held `pending` by the provisioning controls until released.
    pub held: bool,
    /// `ssh.gpu.local`, or the address a test set with `POST /_admin/ssh_endpoint`.
    pub ssh_host: String,
    pub ssh_port: u16,
    pub error_message: Option<String>,
}

pub struct Cluster {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub version: String,
    pub created_at: DateTime<Utc>,
    pub life: Life,
    /// Held `pending` by the provisioning controls until released.
    pub held: bool,
    pub token: String,
}

pub struct ApiKey {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub key: String,
    pub scopes: Vec<String>,
    pub permissions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub struct SshKey {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
    pub created_at: DateTime<Utc>,
}

pub struct SpendingAlert {
    pub seq: u64,
    pub id: String,
    pub name: String,
    pub threshold: i64,
    pub notify_via: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Everything one account holds, plus the admin-controlled tier capacity.
pub struct Store {
    pub seq: u64,
    pub rng: StdRng,
    pub instances: Vec<Instance>,
    pub models: Vec<ModelDeployment>,
    pub webhooks: Vec<Webhook>,
    pub vms: Vec<Vm>,
    pub clusters: Vec<Cluster>,
    pub api_keys: Vec<ApiKey>,
    pub ssh_keys: Vec<SshKey>,
    pub alerts: Vec<SpendingAlert>,
    pub vm_networks: super::network::Networks,
    pub vm_disks: Vec<super::disk::Disk>,
    pub key_groups: Vec<super::key_groups::KeyGroup>,
    pub teams: super::teams::Teams,
    pub tokens: super::tokens::Tokens,
    pub jobs: super::jobs::Jobs,
    pub fine_tuning: Vec<super::fine_tuning::Job>,
    /// `available_count` per tier, in catalogue order.
    pub capacity: Vec<(String, i64)>,
}

impl Store {
    pub fn new(seed: u64) -> Self {
        Self {
            seq: 0,
            rng: StdRng::seed_from_u64(seed),
            instances: Vec::new(),
            models: Vec::new(),
            webhooks: Vec::new(),
            vms: Vec::new(),
            clusters: Vec::new(),
            api_keys: Vec::new(),
            ssh_keys: Vec::new(),
            alerts: Vec::new(),
            vm_networks: Default::default(),
            vm_disks: Vec::new(),
            key_groups: Vec::new(),
            teams: Default::default(),
            tokens: Default::default(),
            jobs: Default::default(),
            fine_tuning: Vec::new(),
            capacity: super::catalog::TIERS
                .iter()
                .map(|t| (t.tier.to_string(), t.available_count))
                .collect(),
        }
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// `<prefix>` followed by `n` random lower-case letters and digits.
    pub fn random_id(&mut self, prefix: &str, n: usize) -> String {
        format!("{prefix}{}", self.random_chars(n, false))
    }

    pub fn random_chars(&mut self, n: usize, mixed_case: bool) -> String {
        const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let set = if mixed_case { MIXED } else { LOWER };
        (0..n)
            .map(|_| char::from(set[self.rng.random_range(0..set.len())]))
            .collect()
    }

    pub fn capacity_of(&self, tier: &str) -> i64 {
        self.capacity
            .iter()
            .find(|(t, _)| t == tier)
            .map_or(0, |(_, c)| *c)
    }
}

/// The position key that lists newest first (see `http::paginate`).
pub fn newest_first(seq: u64) -> u64 {
    u64::MAX - seq
}

/// Collects `(key, json)` newest first for `paginate`.
pub fn newest<T>(
    items: &[T],
    seq: impl Fn(&T) -> u64,
    json: impl Fn(&T) -> Option<Value>,
) -> Vec<(u64, Value)> {
    items
        .iter()
        .rev()
        .filter_map(|i| json(i).map(|v| (newest_first(seq(i)), v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn life_walks_its_stages_then_holds() {
        let life = Life::new(&[("pending", 1), ("starting", 1)], Some("running"));
        assert_eq!(
            life.at(Duration::from_secs(3600)).map(|s| s.0),
            Some("pending")
        );
        assert_eq!(life.at(Duration::ZERO).map(|s| s.0), Some("running"));
        let gone = Life::new(&[("terminating", 1)], None);
        assert_eq!(
            gone.at(Duration::from_secs(3600)).map(|s| s.0),
            Some("terminating")
        );
        assert!(gone.at(Duration::ZERO).is_none());
    }
}
