//! Refresh coalescing. During `terraform plan`, Terraform reads every resource separately;
//! with N instances that is N GETs. `ReadCache::read` instead runs one list per kind and
//! serves the other reads from it:
//!
//! - the first reader of a kind runs its `list`; concurrent readers of that kind wait for the
//!   same list (single flight) instead of starting their own;
//! - the list's objects are indexed by their `"id"` member (strings, or numbers as text;
//!   [`ReadCache::read_by`] takes another member name) and kept for a short TTL (10 s);
//! - an id missing from a fresh list falls back to one `get` (so an object created after the
//!   list, or hidden from lists, is still found; `get` returning `None` means it is gone);
//! - a failed list falls back to `get` as well, and later readers skip the list until the TTL
//!   passes;
//! - `invalidate(kind)` drops a kind; the client drops every kind on any request other than
//!   GET (before it is sent and after it is answered), so an object this process changed is
//!   never served from before the change. Members should still call `invalidate` after their
//!   own create/update/delete: it costs nothing and documents intent.

use super::ClientError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct ReadCache {
    ttl: Duration,
    /// Bumped by every invalidation; a list started before a bump is not served after it.
    generation: AtomicU64,
    kinds: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Snapshot>>>>>,
}

struct Snapshot {
    at: Instant,
    generation: u64,
    key_field: String,
    /// `None` when the list failed: readers go straight to `get` until the TTL passes.
    objects: Option<HashMap<String, Value>>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Default for ReadCache {
    fn default() -> Self {
        Self::with_ttl(Duration::from_secs(10))
    }
}

fn key_of(v: &Value, field: &str) -> Option<String> {
    match v.get(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl ReadCache {
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            kinds: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn slot(&self, kind: &str) -> Arc<tokio::sync::Mutex<Option<Snapshot>>> {
        let mut kinds = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        kinds.entry(kind.to_string()).or_default().clone()
    }

    /// The object `id` of `kind`, from a shared list when possible (see the module docs).
    /// `list` returns the raw objects of the kind; `get` reads one object (`None` = gone).
    pub async fn read<T, L, LF, G, GF>(
        &self,
        kind: &str,
        id: &str,
        list: L,
        get: G,
    ) -> Result<Option<T>, ClientError>
    where
        T: DeserializeOwned,
        L: FnOnce() -> LF,
        LF: Future<Output = Result<Vec<Value>, ClientError>>,
        G: FnOnce() -> GF,
        GF: Future<Output = Result<Option<T>, ClientError>>,
    {
        self.read_by(kind, "id", id, list, get).await
    }

    /// [`read`](Self::read) with objects indexed by `key_field` instead of `"id"`.
    pub async fn read_by<T, L, LF, G, GF>(
        &self,
        kind: &str,
        key_field: &str,
        id: &str,
        list: L,
        get: G,
    ) -> Result<Option<T>, ClientError>
    where
        T: DeserializeOwned,
        L: FnOnce() -> LF,
        LF: Future<Output = Result<Vec<Value>, ClientError>>,
        G: FnOnce() -> GF,
        GF: Future<Output = Result<Option<T>, ClientError>>,
    {
        let slot = self.slot(kind);
        let found: Option<Value> = {
            // Holding the slot's lock while listing is what makes concurrent readers share
            // one list: they queue here and find the fresh snapshot.
            let mut guard = slot.lock().await;
            let fresh = guard.as_ref().is_some_and(|s| {
                s.at.elapsed() < self.ttl
                    && s.generation == self.generation.load(Ordering::SeqCst)
                    && s.key_field == key_field
            });
            if !fresh {
                let generation = self.generation.load(Ordering::SeqCst);
                let objects = match list().await {
                    Ok(items) => Some(
                        items
                            .into_iter()
                            .filter_map(|v| key_of(&v, key_field).map(|k| (k, v)))
                            .collect::<HashMap<_, _>>(),
                    ),
                    Err(e) if e.is_interrupted() => return Err(e),
                    Err(e) => {
                        tracing::debug!(kind, error = %e.summary(), "list for refresh failed; reading objects one by one");
                        None
                    }
                };
                *guard = Some(Snapshot {
                    at: Instant::now(),
                    generation,
                    key_field: key_field.to_string(),
                    objects,
                });
            }
            guard
                .as_ref()
                .and_then(|s| s.objects.as_ref())
                .and_then(|o| o.get(id).cloned())
        };
        match found {
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| ClientError::Decode {
                    api: "",
                    operation: format!("read {kind} {id:?}"),
                    status: 200,
                    message: e.to_string(),
                }),
            None => get().await,
        }
    }

    /// Forgets what is known about `kind`.
    pub fn invalidate(&self, kind: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let kinds = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = kinds.get(kind) {
            if let Ok(mut g) = slot.try_lock() {
                *g = None;
            }
        }
    }

    /// Forgets everything (any change made through the client).
    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}
