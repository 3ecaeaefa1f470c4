//! Slurm environments and GPU functions of the `icgpu` member through real Terraform against
//! the in-process emulator: create (the environment waits for `running` and its head node's
//! SSH) → empty plan → replacement → bad input refused before any API call → import into an
//! empty state with an empty plan → destroy with nothing left live.

use crate::support::icgpu::{id_of, import_block, import_with_generated_config, live_icgpu};
use crate::support::sshd::Sshd;
use crate::support::{wait_for, Emulator, Tf};
use std::time::{Duration, Instant};

fn slurm(max_nodes: i64, gpu_per_node: i64, extra: &str) -> String {
    format!(
        r#"
resource "icgpu_slurm_environment" "e" {{
  name         = "distributed-training"
  max_nodes    = {max_nodes}
  gpu_per_node = {gpu_per_node}
{extra}
}}
"#
    )
}

/// `config` with an `import {}` of `id` into `address`, in a fresh directory: the import is
/// the plan's only action, and once applied the plan is empty.
fn import_into_empty_state(emu: &Emulator, config: &str, address: &str, id: &str) {
    let tf = Tf::new(emu);
    tf.config(
        &["icgpu"],
        &format!("{config}\n{}", import_block(address, id)),
    );
    let plan = tf.plan_text();
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    // Forget the object here: the original directory still owns it.
    tf.ok(&["state", "rm", address]);
}

#[test]
fn slurm_environment_waits_for_ssh_replaces_refuses_bad_input_imports_and_destroys() {
    let sshd = Sshd::start();
    let emu = Emulator::start();
    emu.post(
        "/_admin/ssh_endpoint",
        serde_json::json!({"host": "127.0.0.1", "port": sshd.port}),
    );
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &slurm(4, 1, "  wait_for_ssh = true"));
    tf.apply();
    let e = tf.resource("icgpu_slurm_environment.e");
    let id = id_of(&tf, "icgpu_slurm_environment.e");
    assert!(id.starts_with("slurm-"), "{id}");
    assert_eq!(e["status"], "running", "{e}");
    assert_eq!(
        (e["ssh_host"].as_str(), e["ssh_port"].as_u64()),
        (Some("127.0.0.1"), Some(u64::from(sshd.port)))
    );
    assert_eq!(
        e["ssh_command"],
        format!("ssh -p {} gpuuser@127.0.0.1", sshd.port)
    );
    assert_eq!(e["ssh_host_key_fingerprint"], sshd.host_key_fingerprint);
    assert!(
        e["created_at"].as_str().is_some_and(|t| t.contains('T')),
        "{e}"
    );
    assert_eq!(emu.count("icgpu.createSlurmEnvironment"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Out-of-range sizes fail at plan, naming the attribute, before any API call.
    emu.reset_ledger();
    for (bad, attribute) in [
        (slurm(0, 1, ""), "max_nodes"),
        (slurm(4, 9, ""), "gpu_per_node"),
    ] {
        tf.config(&["icgpu"], &bad);
        let out = tf.fails(&["plan", "-input=false", "-no-color"]);
        assert!(out.contains(attribute) && out.contains("between"), "{out}");
    }
    assert_eq!(emu.total("icgpu"), 0);

    // More nodes replace the environment: one delete, one create.
    tf.config(&["icgpu"], &slurm(8, 1, "  wait_for_ssh = true"));
    let plan = tf.plan_text();
    assert!(
        plan.contains("must be replaced") && plan.contains("1 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    tf.apply();
    assert_eq!(emu.count("icgpu.deleteSlurmEnvironment"), 1);
    assert_eq!(emu.count("icgpu.createSlurmEnvironment"), 1);
    let replaced = id_of(&tf, "icgpu_slurm_environment.e");
    assert_ne!(replaced, id);
    assert_eq!(tf.resource("icgpu_slurm_environment.e")["max_nodes"], 8);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    import_into_empty_state(
        &emu,
        &slurm(8, 1, ""),
        "icgpu_slurm_environment.e",
        &replaced,
    );
    let generated = import_with_generated_config(&emu, "icgpu_slurm_environment.g", &replaced);
    assert!(
        generated.contains("distributed-training") && generated.contains("max_nodes"),
        "{generated}"
    );

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

#[test]
fn a_failed_slurm_environment_is_kept_tainted_with_the_apis_reason_and_replaced() {
    let emu = Emulator::start();
    emu.queue_outcome("icgpu", "failed", Some("no GPUs left in the pool"));
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &slurm(2, 1, ""));
    let out = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        out.contains("failed") && out.contains("no GPUs left in the pool"),
        "{out}"
    );
    let state = tf.state_file();
    assert!(state.contains("\"status\": \"tainted\""), "{state}");
    // The next apply replaces it; the outcome was for one create only.
    tf.apply();
    assert_eq!(emu.count("icgpu.createSlurmEnvironment"), 2);
    assert_eq!(
        tf.resource("icgpu_slurm_environment.e")["status"],
        "running"
    );
    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

#[test]
fn ctrl_c_while_a_held_environment_provisions_saves_it_and_the_next_plan_is_empty() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &slurm(2, 2, ""));
    tf.validate();
    emu.hold();
    let apply = tf.spawn(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    wait_for(
        "the API to accept the create",
        Duration::from_secs(60),
        || emu.created_total() == 1,
    );
    std::thread::sleep(Duration::from_secs(1));
    let live = live_icgpu(&emu);
    assert!(
        live.len() == 1 && live[0].ends_with(" provisioning"),
        "held: {live:?}"
    );
    let interrupted = Instant::now();
    apply.signal("INT");
    let done = apply
        .wait(interrupted, Duration::from_secs(60))
        .expect("terraform exits after Ctrl-C");
    assert!(
        done.text().contains("was still starting"),
        "{}",
        done.text()
    );
    let state = tf.state_file();
    assert!(!state.contains("\"status\": \"tainted\""), "{state}");
    assert_eq!(
        tf.resource("icgpu_slurm_environment.e")["status"],
        "provisioning"
    );

    // Once it runs, a refresh fills in the SSH endpoint; nothing is replaced or made again.
    assert_eq!(emu.release(), 1);
    wait_for("the environment to run", Duration::from_secs(30), || {
        live_icgpu(&emu)[0].ends_with(" running")
    });
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());
    tf.ok(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    let e = tf.resource("icgpu_slurm_environment.e");
    assert!(
        e["ssh_command"]
            .as_str()
            .is_some_and(|c| c.starts_with("ssh -p ")),
        "{e}"
    );
    assert_eq!(emu.count("icgpu.createSlurmEnvironment"), 1);
    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

fn function(gpu_tier: &str, timeout_seconds: i64, image: &str) -> String {
    format!(
        r#"
resource "icgpu_gpu_function" "f" {{
  name            = "image-classifier"
  image           = "{image}"
  entrypoint      = "python classify.py"
  gpu_tier        = "{gpu_tier}"
  timeout_seconds = {timeout_seconds}
  env_vars = {{
    MODEL_PATH = "/models/resnet50.pt"
    HF_TOKEN   = "hf_secret_for_tests"
  }}
}}
"#
    )
}

const IMAGE: &str = "registry.gpu.local/myteam/classifier:v1";

#[test]
fn gpu_function_hides_its_env_vars_replaces_refuses_bad_input_imports_and_destroys() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.config(&["icgpu"], &function("timesliced", 300, IMAGE));
    let plan = tf.plan_text();
    assert!(
        plan.lines()
            .any(|l| l.contains("env_vars") && l.ends_with("= (sensitive value)"))
            && !plan.contains("hf_secret_for_tests"),
        "{plan}"
    );
    tf.apply();
    let f = tf.resource("icgpu_gpu_function.f");
    let id = id_of(&tf, "icgpu_gpu_function.f");
    assert!(id.starts_with("fn-"), "{id}");
    assert_eq!(f["status"], "ready", "{f}");
    assert_eq!(f["env_vars"]["HF_TOKEN"], "hf_secret_for_tests");
    assert!(
        f["created_at"].as_str().is_some_and(|t| t.contains('T')),
        "{f}"
    );
    assert_eq!(emu.count("icgpu.createFunction"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    // Bad values fail at plan, naming the attribute, before any API call.
    emu.reset_ledger();
    for (bad, says) in [
        (function("h100", 300, IMAGE), "gpu_tier"),
        (function("timesliced", 0, IMAGE), "timeout_seconds"),
        (function("timesliced", 300, "My Classifier:v1"), "image"),
    ] {
        tf.config(&["icgpu"], &bad);
        let out = tf.fails(&["plan", "-input=false", "-no-color"]);
        assert!(out.contains(says), "{says}: {out}");
    }
    assert_eq!(emu.total("icgpu"), 0);

    // A longer timeout replaces the function; the secret stays out of the plan and of the
    // TRACE log of the apply (which logs the create's body with `envVars` masked).
    tf.config(&["icgpu"], &function("timesliced", 600, IMAGE));
    let plan = tf.plan_text();
    assert!(
        plan.contains("1 to add, 0 to change, 1 to destroy")
            && !plan.contains("hf_secret_for_tests"),
        "{plan}"
    );
    tf.set_env("TF_LOG", "TRACE");
    let out = tf.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    tf.set_env("TF_LOG", "");
    let log = crate::support::describe(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("/api/v1/functions"),
        "the provider logged no request"
    );
    // The whole map is masked, not only names that look like credentials.
    for value in ["hf_secret_for_tests", "/models/resnet50.pt"] {
        assert!(!log.contains(value), "{value} is in the TRACE log");
    }
    assert_eq!(emu.count("icgpu.deleteFunction"), 1);
    assert_eq!(emu.count("icgpu.createFunction"), 1);
    let replaced = id_of(&tf, "icgpu_gpu_function.f");
    assert_ne!(replaced, id);

    import_into_empty_state(
        &emu,
        &function("timesliced", 600, IMAGE),
        "icgpu_gpu_function.f",
        &replaced,
    );

    tf.destroy();
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

/// Terraform writes a sensitive value into generated configuration as `null # sensitive`; for a
/// function that means a replacement until the user fills `env_vars` in, as the docs say.
#[test]
fn generated_config_of_a_function_leaves_env_vars_for_the_user_to_fill_in() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &function("timesliced", 300, IMAGE));
    tf.apply();
    let id = id_of(&tf, "icgpu_gpu_function.f");
    let g = Tf::new(&emu);
    g.config(&["icgpu"], &import_block("icgpu_gpu_function.g", &id));
    let args = [
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=g.tf",
    ];
    let plan = g.ok(&args);
    let generated = g.read("g.tf");
    assert!(
        generated.contains("env_vars        = null # sensitive"),
        "{generated}"
    );
    assert!(
        plan.contains("env_vars        = (sensitive value) -> null # forces replacement")
            && plan.contains("Warning: this will destroy the imported resource"),
        "{plan}"
    );
    assert_eq!(emu.count("icgpu.deleteFunction"), 0);
    tf.destroy();
}
