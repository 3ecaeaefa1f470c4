//! Every operation of each API spec, sent to the emulator and checked against the spec's
//! response schemas (see `conformance/mod.rs`).

mod conformance;

use std::time::Duration;

use conformance::{assert_conformant, check_spec, load_spec, Target};
use gpucloud::emulator::{start, EmulatorConfig};

const STEP: Duration = Duration::from_millis(40);

#[tokio::test]
async fn icgpu_conforms_to_its_spec() {
    let emu = start(
        EmulatorConfig {
            seed: 1,
            step: STEP,
            rate_limit_per_minute: 10_000,
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("emulator starts");
    let spec = load_spec("icgpu-platform.openapi.yml");
    let base = emu.base_url();
    let results = check_spec(
        &spec,
        &Target {
            base_url: &base,
            mount: "/icgpu",
            headers: &[("Authorization", "Bearer icgpu-test-token")],
            settle: STEP * 4,
        },
    )
    .await;
    let operations = spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").keys())
        .filter(|k| *k != "parameters")
        .count();
    assert_eq!(results.len(), operations, "every operation was exercised");
    // Lifecycle actions the run reaches in a status that refuses them (documented 409s).
    assert_conformant(
        &results,
        &["startInstance", "requeueInstance", "startVm", "rebootVm"],
    );
    let ok = results
        .iter()
        .filter(|r| (200..300).contains(&r.status))
        .count();
    assert!(ok >= operations - 4, "{ok} of {operations} answered 2xx");
    emu.shutdown().await;
}
