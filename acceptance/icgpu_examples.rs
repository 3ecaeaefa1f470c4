//! Every icgpu example under `examples/icgpu/` applies against the emulator as written, plans
//! empty afterwards, and destroys to nothing live. (`icgpu_image_validation` needs a machine to
//! reach over SSH: tests/acceptance_image_validation.rs applies it against a real sshd.)

use crate::support::{Emulator, Tf};
use std::path::Path;

const EXAMPLES: &[&str] = &[
    "resources/icgpu_instance/resource.tf",
    "resources/icgpu_model_deployment/resource.tf",
    "resources/icgpu_webhook/resource.tf",
    "resources/icgpu_vm/resource.tf",
    "resources/icgpu_cluster/resource.tf",
    "resources/icgpu_api_key/resource.tf",
    "resources/icgpu_ssh_key/resource.tf",
    "resources/icgpu_spending_alert/resource.tf",
    "resources/icgpu_vm_network/resource.tf",
    "resources/icgpu_vm_subnet/resource.tf",
    "resources/icgpu_vm_firewall_rule/resource.tf",
    "resources/icgpu_vm_disk/resource.tf",
    "resources/icgpu_vm_disk_attachment/resource.tf",
    "data-sources/icgpu_gpu_tiers/data-source.tf",
    "data-sources/icgpu_model_catalogue/data-source.tf",
    "data-sources/icgpu_token_packages/data-source.tf",
    "data-sources/icgpu_vm_templates/data-source.tf",
    "ephemeral-resources/icgpu_api_key/ephemeral-resource.tf",
];

#[test]
fn every_icgpu_example_applies_plans_empty_and_destroys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/icgpu");
    let emu = Emulator::start();
    for rel in EXAMPLES {
        // Each example in a working directory of its own, as a user would copy it.
        let mut tf = Tf::new(&emu);
        // The model deployment example takes its Hugging Face token from a variable.
        tf.set_env("TF_VAR_huggingface_token", "hf_example_token_for_tests");
        tf.config(&["icgpu"], "provider \"icgpu\" {}\n");
        tf.write(
            "example.tf",
            &std::fs::read_to_string(root.join(rel)).expect("example exists"),
        );
        tf.apply();
        assert_eq!(tf.plan_exit_code(), 0, "{rel}: {}", tf.plan_text());
        assert!(
            !tf.state_file().contains("hf_example_token_for_tests"),
            "{rel}: write-only token stored"
        );
        tf.destroy();
        let live: Vec<_> = emu
            .live()
            .into_iter()
            .filter(|o| o.api == "icgpu")
            .collect();
        assert!(live.is_empty(), "{rel} left behind: {live:?}");
    }
}
