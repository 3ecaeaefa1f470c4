//! `icgpu_fine_tuning_job` through real Terraform against the in-process emulator: the example
//! applies and waits until training has succeeded, plans empty, imports with generated config
//! and destroys leaving the finished job alone; a job made to fail fails the apply with the
//! API's status and message; a job still training when destroyed is cancelled; bad input and
//! a missing `sk-ic-` key fail before any job is created.

use crate::support::icgpu::{id_of, import_with_generated_config, live_icgpu};
use crate::support::{describe, wait_for, Emulator, Tf};
use std::path::Path;
use std::time::{Duration, Instant};

const JOB: &str = "icgpu_fine_tuning_job.example";

fn example() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/icgpu/resources/icgpu_fine_tuning_job/resource.tf");
    std::fs::read_to_string(path).expect("example exists")
}

fn job(extra: &str) -> String {
    format!(
        r#"
resource "icgpu_fine_tuning_job" "example" {{
  model         = "meta-llama/Llama-3.1-8B-Instruct"
  training_file = "file-abc123"
  {extra}
}}
"#
    )
}

/// The job as the emulator reports it now.
fn job_on_api(emu: &Emulator, id: &str) -> serde_json::Value {
    let url = format!("{}/icgpu/v1/fine-tuning/jobs/{id}", emu.base_url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        reqwest::Client::new()
            .get(&url)
            .bearer_auth(gpucloud::emulator::icgpu::TEST_LLM_KEY)
            .send()
            .await
            .expect("read the job")
            .json()
            .await
            .expect("JSON")
    })
}

#[test]
fn the_example_waits_until_trained_plans_empty_imports_and_destroy_keeps_the_record() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    tf.config(&["icgpu"], "provider \"icgpu\" {}\n");
    tf.write("example.tf", &example());
    tf.set_env("TF_LOG", "TRACE");
    tf.set_env("TF_LOG_PATH", "trace.log");
    tf.apply();
    let log = tf.read("trace.log");
    assert!(log.contains("fine-tuning"), "the trace log is written");
    assert!(
        !log.contains(gpucloud::emulator::icgpu::TEST_LLM_KEY),
        "the key is logged"
    );
    tf.set_env("TF_LOG", "");
    let id = id_of(&tf, JOB);
    let state = tf.resource(JOB);
    assert!(id.starts_with("ftjob-"), "{id}");
    assert_eq!(state["status"], "succeeded", "{state}");
    let model = format!("ft:llama-3.1-8b:my-lora:{id}");
    assert_eq!(state["fine_tuned_model"], model.as_str(), "{state}");
    assert_eq!(tf.output("fine_tuned_model"), model.as_str());
    assert!(state["trained_tokens"].as_i64().is_some_and(|t| t > 0));
    assert!(state["finished_at"].is_string(), "{state}");
    assert_eq!(state["learning_rate"], "2e-4");
    assert_eq!(emu.count("icgpu.createFineTuningJob"), 1);
    assert_eq!(tf.plan_exit_code(), 0, "{}", tf.plan_text());

    let generated = import_with_generated_config(&emu, JOB, &id);
    assert!(
        generated.contains("training_file = \"file-abc123\""),
        "{generated}"
    );
    assert_eq!(
        emu.count("icgpu.createFineTuningJob"),
        1,
        "import creates nothing"
    );

    // Training is over: destroy forgets the job and cancels nothing; the API keeps the record.
    tf.destroy();
    assert_eq!(emu.count("icgpu.cancelFineTuningJob"), 0);
    assert_eq!(job_on_api(&emu, &id)["status"], "succeeded");
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
}

#[test]
fn a_job_that_fails_fails_the_apply_with_its_status_and_message() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &job(""));
    emu.queue_outcome(
        "icgpu",
        "failed",
        Some("training file has no valid examples"),
    );
    let text = tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    println!("{text}");
    assert!(
        text.contains("\"failed\"") && text.contains("training file has no valid examples"),
        "{text}"
    );
    // Kept, tainted: the next apply replaces it; destroy has nothing to cancel.
    assert!(tf.state_file().contains("\"status\": \"tainted\""));
    assert_eq!(
        tf.resource(JOB)["error_message"],
        "training file has no valid examples"
    );
    assert!(tf.plan_text().contains("is tainted, so must be replaced"));
    tf.destroy();
    assert_eq!(emu.count("icgpu.cancelFineTuningJob"), 0);
}

#[test]
fn a_job_destroyed_while_training_is_cancelled() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    emu.hold();
    // The held job trains until released; the short create timeout hands it to state.
    tf.config(&["icgpu"], &job("timeouts {\n    create = \"3s\"\n  }"));
    tf.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let id = id_of(&tf, JOB);
    assert_eq!(
        live_icgpu(&emu),
        vec![format!("fine_tuning_job {id} running")]
    );
    tf.destroy();
    assert_eq!(emu.count("icgpu.cancelFineTuningJob"), 1);
    assert_eq!(job_on_api(&emu, &id)["status"], "cancelled");
    assert!(live_icgpu(&emu).is_empty(), "{:?}", live_icgpu(&emu));
    assert!(tf.state_ids().is_empty());
}

#[test]
fn a_job_that_fails_after_ctrl_c_saved_it_is_replaced_by_the_next_plan() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.config(&["icgpu"], &job(""));
    emu.hold();
    emu.queue_outcome("icgpu", "failed", Some("out of GPU memory at step 120"));
    let apply = tf.spawn(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    wait_for("the job to train", Duration::from_secs(60), || {
        live_icgpu(&emu).iter().any(|o| o.ends_with(" running"))
    });
    apply.signal("INT");
    let done = apply
        .wait(Instant::now(), Duration::from_secs(60))
        .expect("terraform exits after Ctrl-C");
    assert!(
        done.text().contains("was still starting"),
        "{}",
        done.text()
    );
    assert!(
        !tf.state_file().contains("\"status\": \"tainted\""),
        "saved untainted"
    );

    // Training ends in the queued failure; the next plan sees it and replaces the job.
    assert_eq!(emu.release(), 1);
    wait_for("the job to finish", Duration::from_secs(30), || {
        live_icgpu(&emu).is_empty()
    });
    let plan = tf.plan_text();
    assert!(
        plan.contains("must be replaced") && plan.contains("out of GPU memory at step 120"),
        "{plan}"
    );
    assert_eq!(emu.count("icgpu.createFineTuningJob"), 1);
}

#[test]
fn bad_input_fails_at_plan_naming_the_attribute_before_any_call() {
    let emu = Emulator::start();
    let cases = [
        ("method = \"sft\"", "method"),
        ("learning_rate = \"fast\"", "learning_rate"),
        ("learning_rate = \"-1e-4\"", "learning_rate"),
        ("lora_rank = 0", "lora_rank"),
        ("n_epochs = 51", "n_epochs"),
        ("batch_size = 1000", "batch_size"),
        ("suffix = \"My Model\"", "suffix"),
    ];
    for (line, attribute) in cases {
        let tf = Tf::new(&emu);
        tf.config(&["icgpu"], &job(line));
        let text = tf.fails(&["plan", "-input=false", "-no-color"]);
        assert!(text.contains(&format!("{attribute} = ")), "{line}: {text}");
    }
    let tf = Tf::new(&emu);
    tf.config(
        &["icgpu"],
        "resource \"icgpu_fine_tuning_job\" \"example\" {\n  model = \"\"\n  training_file = \"abc123\"\n}\n",
    );
    let text = tf.fails(&["plan", "-input=false", "-no-color"]);
    assert!(
        text.contains("model = ") && text.contains("training_file = "),
        "{text}"
    );
    assert_eq!(emu.total("icgpu"), 0, "{:?}", emu.requests());
}

#[test]
fn without_an_sk_ic_key_the_apply_says_which_settings_give_one() {
    let emu = Emulator::start();
    let mut tf = Tf::new(&emu);
    // `token` is the OIDC stand-in, which the LLM API refuses.
    tf.set_env("ICGPU_LLM_API_KEY", "");
    tf.config(&["icgpu"], &job(""));
    let out = tf.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let text = describe(&out);
    println!("{text}");
    assert!(!out.status.success(), "{text}");
    for needed in ["llm_api_key", "ICGPU_LLM_API_KEY", "`token`", "sk-ic-"] {
        assert!(text.contains(needed), "{needed}: {text}");
    }
    assert_eq!(emu.count("icgpu.createFineTuningJob"), 0);

    // An sk-ic- key as `token` serves the LLM API too.
    tf.set_env("ICGPU_TOKEN", gpucloud::emulator::icgpu::TEST_LLM_KEY);
    tf.apply();
    assert_eq!(tf.resource(JOB)["status"], "succeeded");
    assert_eq!(emu.count("icgpu.createFineTuningJob"), 1);
}
