//! Shadeform's instance-type availability, listed once per process rather than once per
//! create: an apply that launches 500 instances of one type asks `/instances/types` once.
//!
//! Only an answer that says the (cloud, region) can launch is reused; one that says it cannot
//! is fetched again, so an apply never fails on a stale "unavailable". A create that the API
//! refuses for capacity drops the cached answer ([`forget_on_capacity_error`]), so a stale
//! "available" costs at most the one create the API refuses. Concurrent creates of one type
//! share a single request. Entries are keyed by endpoint and type: Terraform starts one
//! provider process per provider configuration, so one process holds one credential.

use super::api::{InstanceType, InstanceTypesResponse};
use crate::client::{Api, ClientError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::OnceCell;

type Key = (String, String);
type Entry = Arc<OnceCell<Arc<InstanceTypesResponse>>>;

fn entries() -> &'static Mutex<HashMap<Key, Entry>> {
    static ENTRIES: OnceLock<Mutex<HashMap<Key, Entry>>> = OnceLock::new();
    ENTRIES.get_or_init(|| Mutex::new(HashMap::new()))
}

fn key(api: &Api, ty: &str) -> Key {
    (api.client().config().base_url.clone(), ty.to_string())
}

fn entry(key: &Key) -> Entry {
    let mut map = entries().lock().unwrap_or_else(|p| p.into_inner());
    map.entry(key.clone()).or_default().clone()
}

/// Drops `entry` unless another caller already replaced it.
fn remove(key: &Key, stale: &Entry) {
    let mut map = entries().lock().unwrap_or_else(|p| p.into_inner());
    if map.get(key).is_some_and(|e| Arc::ptr_eq(e, stale)) {
        map.remove(key);
    }
}

fn launchable(types: &InstanceTypesResponse, cloud: &str, region: &str) -> bool {
    types
        .instance_types
        .iter()
        .any(|t: &InstanceType| t.cloud.as_deref() == Some(cloud) && t.available_in(Some(region)))
}

async fn fetch(
    api: &Api,
    ty: &str,
    cell: &Entry,
) -> Result<Arc<InstanceTypesResponse>, ClientError> {
    cell.get_or_try_init(|| async {
        api.get("/instances/types")
            .query("shade_instance_type", ty)
            .describe(format!("check availability of Shadeform type {ty:?}"))
            .send::<InstanceTypesResponse>()
            .await
            .map(Arc::new)
    })
    .await
    .cloned()
}

/// Every cloud's offer of `ty`, with availability per region: the process's answer when it
/// shows (`cloud`, `region`) launchable, else a fresh one.
pub async fn instance_types(
    api: &Api,
    cloud: &str,
    region: &str,
    ty: &str,
) -> Result<Arc<InstanceTypesResponse>, ClientError> {
    let key = key(api, ty);
    let cell = entry(&key);
    let fetched_now = !cell.initialized();
    let types = fetch(api, ty, &cell).await?;
    if fetched_now || launchable(&types, cloud, region) {
        return Ok(types);
    }
    remove(&key, &cell);
    fetch(api, ty, &entry(&key)).await
}

/// After a create the API refused for capacity: forget every cached answer, so the next
/// create (or placement) asks again.
pub fn forget_on_capacity_error() {
    entries().lock().unwrap_or_else(|p| p.into_inner()).clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{Auth, Client, ClientConfig, Secret};
    use crate::emulator::{self, EmulatorConfig, EmulatorHandle};
    use serde_json::json;

    async fn emulator() -> (EmulatorHandle, Client) {
        let emu = emulator::start(
            EmulatorConfig::default(),
            "127.0.0.1:0".parse().expect("addr"),
        )
        .await
        .expect("emulator");
        let client = Client::new(ClientConfig {
            api: "shadeform",
            base_url: format!("{}/shadeform/v1", emu.base_url()),
            auth: Auth::Header {
                name: "X-API-KEY",
                value: Secret::new("shadeform-test-key"),
            },
            max_retries: 0,
            ..ClientConfig::default()
        })
        .expect("client");
        (emu, client)
    }

    fn lists(emu: &EmulatorHandle) -> u64 {
        emu.shared().ledger.count("shadeform", "GetInstanceTypes")
    }

    async fn set_available(emu: &EmulatorHandle, available: bool) {
        let resp = reqwest::Client::new()
            .post(format!("{}/_admin/shadeform/availability", emu.base_url()))
            .json(&json!({
                "cloud": "tensordock", "region": "na-us-bos-1",
                "shade_instance_type": "A6000", "available": available,
            }))
            .send()
            .await
            .expect("admin");
        assert!(resp.status().is_success(), "{}", resp.status());
    }

    #[tokio::test]
    async fn one_list_serves_every_create_until_the_api_reports_no_capacity() {
        let (emu, client) = emulator().await;
        let api = client.bind(crate::client::Deadline::none());
        let ask = || instance_types(&api, "tensordock", "na-us-bos-1", "A6000");
        let (a, c) = tokio::join!(ask(), ask());
        assert!(launchable(&a.expect("types"), "tensordock", "na-us-bos-1"));
        assert!(c.is_ok());
        ask().await.expect("types");
        assert_eq!(
            lists(&emu),
            1,
            "concurrent and later creates share one list"
        );

        // The cached "available" is stale: creates learn it from a 409, which drops it.
        set_available(&emu, false).await;
        forget_on_capacity_error();
        let now = ask().await.expect("types");
        assert!(!launchable(&now, "tensordock", "na-us-bos-1"));
        assert_eq!(lists(&emu), 2);

        // "Unavailable" is never reused: the next create asks again and sees it back.
        set_available(&emu, true).await;
        let again = ask().await.expect("types");
        assert!(launchable(&again, "tensordock", "na-us-bos-1"));
        assert_eq!(lists(&emu), 3);
        emu.shutdown().await;
    }
}
