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
        match self.listed(kind, key_field, id, list).await? {
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| ClientError::Decode {
                    api: "",
                    operation: format!("read {kind} {id:?}"),
                    status: 200,
                    kind: "JSON of an unexpected shape",
                    message: e.to_string(),
                    excerpt: None,
                }),
            None => get().await,
        }
    }

    /// The object `id` as the shared list of `kind` shows it (the list runs as in
    /// [`ReadCache::read_by`]); `None` when the list does not hold it or failed, so the caller
    /// reads the object itself.
    pub async fn listed<L, LF>(
        &self,
        kind: &str,
        key_field: &str,
        id: &str,
        list: L,
    ) -> Result<Option<Value>, ClientError>
    where
        L: FnOnce() -> LF,
        LF: Future<Output = Result<Vec<Value>, ClientError>>,
    {
        let slot = self.slot(kind);
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
        Ok(guard
            .as_ref()
            .and_then(|s| s.objects.as_ref())
            .and_then(|o| o.get(id).cloned()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[derive(Default)]
    struct Api {
        lists: AtomicU32,
        gets: AtomicU32,
        /// The server's objects.
        live: Mutex<Vec<String>>,
    }

    impl Api {
        fn with(ids: impl IntoIterator<Item = String>) -> Arc<Self> {
            let a = Arc::new(Self::default());
            *a.live.lock().expect("lock") = ids.into_iter().collect();
            a
        }
        async fn list(&self, delay: Duration) -> Result<Vec<Value>, ClientError> {
            self.lists.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            let live = self.live.lock().expect("lock").clone();
            Ok(live
                .iter()
                .map(|id| serde_json::json!({"id": id, "name": format!("n-{id}")}))
                .collect())
        }
        async fn get(&self, id: &str) -> Result<Option<Value>, ClientError> {
            self.gets.fetch_add(1, Ordering::SeqCst);
            let live = self.live.lock().expect("lock").clone();
            Ok(live
                .iter()
                .any(|x| x == id)
                .then(|| serde_json::json!({"id": id})))
        }
    }

    async fn read(cache: &ReadCache, api: &Arc<Api>, id: &str, delay: Duration) -> Option<Value> {
        let (a, b) = (api.clone(), api.clone());
        let id2 = id.to_string();
        cache
            .read(
                "instance",
                id,
                move || async move { a.list(delay).await },
                move || async move { b.get(&id2).await },
            )
            .await
            .expect("read")
    }

    #[tokio::test]
    async fn a_hundred_reads_cost_one_list() {
        let api = Api::with((0..100).map(|i| format!("i-{i}")));
        let cache = ReadCache::default();
        for i in 0..100 {
            let v = read(&cache, &api, &format!("i-{i}"), Duration::ZERO)
                .await
                .expect("present");
            assert_eq!(v["name"], serde_json::json!(format!("n-i-{i}")));
        }
        assert_eq!(api.lists.load(Ordering::SeqCst), 1);
        assert_eq!(api.gets.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_readers_share_one_list() {
        let api = Api::with((0..20).map(|i| format!("i-{i}")));
        let cache = Arc::new(ReadCache::default());
        let tasks = (0..20).map(|i| {
            let (cache, api) = (cache.clone(), api.clone());
            tokio::spawn(async move {
                read(&cache, &api, &format!("i-{i}"), Duration::from_millis(100)).await
            })
        });
        for r in futures::future::join_all(tasks).await {
            assert!(r.expect("task").is_some());
        }
        assert_eq!(api.lists.load(Ordering::SeqCst), 1);
        assert_eq!(api.gets.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn missing_ids_fall_back_to_one_get() {
        let api = Api::with(["a".to_string()]);
        let cache = ReadCache::default();
        assert!(read(&cache, &api, "a", Duration::ZERO).await.is_some());
        // Created after the list: found by GET.
        api.live.lock().expect("lock").push("b".into());
        assert!(read(&cache, &api, "b", Duration::ZERO).await.is_some());
        assert!(read(&cache, &api, "zz", Duration::ZERO).await.is_none());
        assert_eq!(api.lists.load(Ordering::SeqCst), 1);
        assert_eq!(api.gets.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn invalidation_hides_deleted_objects() {
        let api = Api::with(["a".to_string(), "b".to_string()]);
        let cache = ReadCache::default();
        assert!(read(&cache, &api, "b", Duration::ZERO).await.is_some());
        api.live.lock().expect("lock").retain(|x| x != "b");
        cache.invalidate("instance");
        assert!(read(&cache, &api, "b", Duration::ZERO).await.is_none());
        assert!(read(&cache, &api, "a", Duration::ZERO).await.is_some());
        assert_eq!(api.lists.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_list_racing_an_invalidation_is_not_served_later() {
        let api = Api::with(["a".to_string()]);
        let cache = Arc::new(ReadCache::default());
        let (c2, a2) = (cache.clone(), api.clone());
        let slow =
            tokio::spawn(async move { read(&c2, &a2, "a", Duration::from_millis(80)).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Deleted while the list was in flight.
        api.live.lock().expect("lock").clear();
        cache.invalidate("instance");
        let _ = slow.await.expect("task");
        assert!(read(&cache, &api, "a", Duration::ZERO).await.is_none());
    }

    #[tokio::test]
    async fn entries_expire_after_the_ttl() {
        let api = Api::with(["a".to_string()]);
        let cache = ReadCache::with_ttl(Duration::from_millis(30));
        read(&cache, &api, "a", Duration::ZERO).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        read(&cache, &api, "a", Duration::ZERO).await;
        assert_eq!(api.lists.load(Ordering::SeqCst), 2);
    }
}
