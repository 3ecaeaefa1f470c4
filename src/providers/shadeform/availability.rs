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
use super::instance::PlacementModel;
use crate::client::{Api, ClientError};
use crate::framework::{AttributePath, Diagnostics};
use crate::providers::common::{lifecycle, placements};
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

/// `placements` as the lifecycle tries them: one read of `/instances/types` says which are
/// unavailable now or listed above the price cap (skipped without a create call).
pub(super) async fn candidates(
    api: &Api,
    limit: Option<&bigdecimal::BigDecimal>,
    placements: &[PlacementModel],
) -> Result<Vec<lifecycle::Candidate<PlacementModel>>, Diagnostics> {
    let types: InstanceTypesResponse = api
        .get("/instances/types")
        .describe("check availability of the Shadeform placements")
        .send()
        .await?;
    Ok(placements
        .iter()
        .map(|p| {
            let offer = types
                .instance_types
                .iter()
                .find(|t| t.cloud == p.cloud && t.shade_instance_type == p.shade_instance_type);
            let skip = match offer {
                None => Some("Shadeform does not offer this type on this cloud".to_string()),
                Some(t) if !t.available_in(p.region.as_deref()) => {
                    Some("Shadeform lists it unavailable right now".to_string())
                }
                Some(t) => t.hourly_price.and_then(|cents| {
                    let listed = bigdecimal::BigDecimal::from(cents);
                    placements::over_cap(&listed, limit, "US cents per hour")
                }),
            };
            lifecycle::Candidate {
                placement: p.clone(),
                label: p.label(),
                skip,
            }
        })
        .collect())
}

/// Fails (before any create call) when the (cloud, region, type) cannot launch now, listing
/// where the type is available instead.
pub(super) async fn check(
    api: &Api,
    cloud: &str,
    region: &str,
    ty: &str,
) -> Result<(), Diagnostics> {
    let types = instance_types(api, cloud, region, ty).await?;
    let offered = types
        .instance_types
        .iter()
        .any(|t| t.cloud.as_deref() == Some(cloud));
    if types
        .instance_types
        .iter()
        .any(|t| t.cloud.as_deref() == Some(cloud) && t.available_in(Some(region)))
    {
        return Ok(());
    }
    let mut alternatives: Vec<(i64, String)> = types
        .instance_types
        .iter()
        .flat_map(|t| {
            let c = t.cloud.clone().unwrap_or_default();
            let price = t.hourly_price.unwrap_or(i64::MAX);
            t.availability
                .iter()
                .flatten()
                .filter(|a| a.available == Some(true))
                .map(move |a| {
                    let r = a.region.clone().unwrap_or_default();
                    let cents = if price == i64::MAX {
                        "price unknown".to_string()
                    } else {
                        format!("${}.{:02}/h", price / 100, price % 100)
                    };
                    (price, format!("cloud = {c:?}, region = {r:?} ({cents})"))
                })
        })
        .collect();
    alternatives.sort();
    let what = if offered {
        format!("{ty:?} is not available in {region:?} on {cloud:?} right now")
    } else {
        format!("{cloud:?} does not offer {ty:?}")
    };
    let detail = if alternatives.is_empty() {
        format!("{what}, and no other cloud or region has it available either. No instance was created.")
    } else {
        format!(
            "{what}. No instance was created. It is available at:\n  {}",
            alternatives
                .into_iter()
                .map(|(_, s)| s)
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    };
    Err(Diagnostics::single_attribute_error(
        AttributePath::attr("region"),
        format!("Shadeform instance type {ty} unavailable"),
        detail,
    ))
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
