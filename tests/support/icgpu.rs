//! What the icgpu acceptance tests share: the live-object listing, state IDs, and import with
//! generated configuration.

use super::{Emulator, Tf};

/// `"<kind> <id> <status>"` of every live icgpu object.
pub fn live_icgpu(emu: &Emulator) -> Vec<String> {
    emu.live()
        .into_iter()
        .filter(|o| o.api == "icgpu")
        .map(|o| format!("{} {} {}", o.kind, o.id, o.status))
        .collect()
}

pub fn id_of(tf: &Tf, address: &str) -> String {
    tf.resource(address)["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{address} has no id"))
        .to_string()
}

/// The `import` block that brings `id` into `address`.
pub fn import_block(address: &str, id: &str) -> String {
    format!("import {{\n  to = {address}\n  id = \"{id}\"\n}}\n")
}

/// Imports `address` by `id` into a fresh directory holding only an `import` block, lets
/// Terraform generate the configuration, applies the import and expects an empty plan.
pub fn import_with_generated_config(emu: &Emulator, address: &str, id: &str) -> String {
    let tf = Tf::new(emu);
    tf.config(&["icgpu"], &import_block(address, id));
    tf.ok(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=generated.tf",
    ]);
    let generated = tf.read("generated.tf");
    tf.apply();
    assert_eq!(
        tf.plan_exit_code(),
        0,
        "generated config differs from the imported object:\n{generated}\n{}",
        tf.plan_text()
    );
    // Forget the object here: the original directory still owns it.
    tf.ok(&["state", "rm", address]);
    generated
}
