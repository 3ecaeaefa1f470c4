//! `icgpu_fine_tuning_job`: a LoRA or QLoRA fine-tuning job of the LLM API (`/v1`, an `sk-ic-`
//! key). Create waits until it has succeeded; every argument replaces it; destroy cancels a job
//! still training and otherwise leaves the finished job on the API as a record of history.

use super::fine_tuning_api::{self as api, CreateJob, Hyperparameters, Job, Jobs, JOBS, METHODS};
use super::IcGpuClient;
use crate::framework::resource::Operation;
use crate::framework::validators::{self, Validator};
use crate::framework::{Attribute, Ctx, Diagnostics, Failure, ImportForm, Resource, Schema, Value};
use crate::providers::common::lifecycle::{self, LongRunning};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub struct FineTuningJobResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FineTuningJobModel {
    pub id: Option<String>,
    pub model: Option<String>,
    pub training_file: Option<String>,
    pub method: Option<String>,
    pub suffix: Option<String>,
    pub lora_rank: Option<i64>,
    pub learning_rate: Option<String>,
    pub n_epochs: Option<i64>,
    pub batch_size: Option<i64>,
    pub status: Option<String>,
    pub fine_tuned_model: Option<String>,
    pub trained_tokens: Option<i64>,
    pub error_message: Option<String>,
    pub created_at: Option<String>,
    pub finished_at: Option<String>,
}

impl FineTuningJobModel {
    fn observe(&mut self, j: &Job) {
        let h = &j.hyperparameters;
        self.learning_rate = api::reported_rate(self.learning_rate.take(), j);
        self.id = Some(j.id.clone());
        self.model = Some(j.model.clone());
        self.training_file = Some(j.training_file.clone());
        self.method = j.method.clone().or(self.method.take());
        self.suffix = j.suffix.clone();
        self.lora_rank = h.lora_rank.or(self.lora_rank);
        self.n_epochs = h.n_epochs.or(self.n_epochs);
        self.batch_size = h.batch_size.or(self.batch_size);
        self.status = Some(j.status.clone());
        self.fine_tuned_model = j.fine_tuned_model.clone();
        self.trained_tokens = j.trained_tokens;
        self.error_message = j.error.as_ref().and_then(|e| e.message.clone());
        self.created_at = api::rfc3339(j.created_at);
        self.finished_at = api::rfc3339(j.finished_at);
    }
}

/// An argument: every change replaces the job.
fn arg(a: Attribute, check: Arc<dyn Validator>, doc: &str) -> Attribute {
    a.requires_replace().validator(check).description(doc)
}

/// A setting the API chooses when the configuration leaves it out.
fn tuned(a: Attribute, check: Arc<dyn Validator>, doc: &str) -> Attribute {
    let doc = format!("{doc} Defaults to the API's choice, reported here.");
    arg(a.optional_computed().use_state_for_unknown(), check, &doc)
}

fn tuned_int(name: &str, max: f64, doc: &str) -> Attribute {
    let check = validators::between(1.0, max);
    tuned(Attribute::int(name), check, &format!("{doc}, 1 to {max}."))
}

/// What the API reports (strings), with its description.
const REPORTED: &[(&str, &str)] = &[
    ("id", "Job ID (`ftjob-...`); also the import ID."),
    (
        "status",
        "validating_files, queued, running, succeeded, failed or cancelled.",
    ),
    (
        "fine_tuned_model",
        "The model name for chat completions (`ft:<base>:<suffix>:<id>`).",
    ),
    ("error_message", "Why the job failed; null otherwise."),
    ("created_at", "Creation time (RFC 3339)."),
    ("finished_at", "When the job finished (RFC 3339)."),
];

#[async_trait]
impl Resource for FineTuningJobResource {
    type Client = IcGpuClient;
    type Model = FineTuningJobModel;

    fn type_name(&self) -> &'static str {
        "fine_tuning_job"
    }

    fn schema(&self) -> Schema {
        let schema = Schema::new(
            "A LoRA or QLoRA fine-tuning job of the IC GPU LLM API. Create waits until the job \
             has succeeded (up to 2 hours unless `timeouts.create` says otherwise) and exposes \
             `fine_tuned_model`, the name to use in chat completions; a job that fails fails the \
             apply with the API's message. Every argument replaces the job. Destroy cancels a \
             job that is still queued or running; a finished job stays on the API as a record of \
             history, and destroy only forgets it. The LLM API takes an `sk-ic-` API key: the \
             provider's `llm_api_key` (ICGPU_LLM_API_KEY), else `token` when it is one.",
        );
        let tokens = Attribute::int("trained_tokens")
            .description("Tokens trained on; null until the job has succeeded.");
        let schema = REPORTED.iter().fold(
            schema.attribute(tokens.computed().use_state_for_unknown()),
            |s, (name, doc)| {
                s.attribute(
                    Attribute::string(*name)
                        .computed()
                        .use_state_for_unknown()
                        .description(*doc),
                )
            },
        );
        schema
            .attribute(arg(
                Attribute::string("model").required(),
                validators::length_between(1, 256),
                "Base model to fine-tune, e.g. `meta-llama/Llama-3.1-8B-Instruct`.",
            ))
            .attribute(arg(
                Attribute::string("training_file").required(),
                validators::regex(r"^file-[A-Za-z0-9_-]+$", "a file ID such as `file-abc123`"),
                "ID of the uploaded JSONL training file (`file-...`, from `POST /v1/files`).",
            ))
            .attribute(arg(
                Attribute::string("method").default(Value::string("lora")),
                validators::one_of(METHODS),
                "`lora` (the default) or `qlora` (quantized LoRA, less GPU memory).",
            ))
            .attribute(arg(
                Attribute::string("suffix").optional(),
                validators::regex(
                    r"^[a-z0-9][-a-z0-9]{0,39}$",
                    "1 to 40 lower-case letters, digits and '-', starting with a letter or digit",
                ),
                "Part of the fine-tuned model's name (`ft:<base>:<suffix>:<job id>`); defaults to \
             the method.",
            ))
            .attribute(tuned(
                Attribute::string("learning_rate"),
                api::learning_rate(),
                "Learning rate as a string, e.g. `\"2e-4\"`: greater than 0, at most 1.",
            ))
            .attribute(tuned_int("lora_rank", 256.0, "LoRA rank"))
            .attribute(tuned_int("n_epochs", 50.0, "Training epochs"))
            .attribute(tuned_int("batch_size", 256.0, "Batch size"))
            .timeouts(&["create", "read", "delete"])
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Create => Duration::from_secs(2 * 60 * 60),
            _ => Duration::from_secs(10 * 60),
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: FineTuningJobModel,
    ) -> Result<FineTuningJobModel, Failure<FineTuningJobModel>> {
        let api = &super::llm_api(ctx)?;
        let body = CreateJob {
            model: plan.model.as_deref().unwrap_or_default(),
            training_file: plan.training_file.as_deref().unwrap_or_default(),
            method: plan.method.as_deref(),
            suffix: plan.suffix.as_deref(),
            hyperparameters: Hyperparameters {
                lora_rank: plan.lora_rank,
                learning_rate: plan.learning_rate.clone().map(serde_json::Value::String),
                n_epochs: plan.n_epochs,
                batch_size: plan.batch_size,
            },
        };
        let request = |_: &str| {
            api.post(JOBS)
                .json(&body)
                .describe(format!("create fine-tuning job of {:?}", body.model))
        };
        let observe = |j: &Job| {
            let mut state = plan.clone();
            state.observe(j);
            state
        };
        lifecycle::create(ctx, api, &Jobs, &plan, None, request, observe).await
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut state: FineTuningJobModel,
    ) -> Result<Option<FineTuningJobModel>, Diagnostics> {
        let Some(id) = state.id.clone() else {
            return Ok(None);
        };
        let api = &super::llm_api(ctx)?;
        let Some(j) = lifecycle::read(ctx, api, &Jobs, &id).await? else {
            return Ok(None);
        };
        state.observe(&j);
        Ok(Some(state))
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: FineTuningJobModel,
    ) -> Result<(), Diagnostics> {
        let Some(id) = state.id.as_deref() else {
            return Ok(());
        };
        let api = &super::llm_api(ctx)?;
        // A finished job is history: there is nothing to cancel and nothing to delete.
        match Jobs.get(api, id).await? {
            Some(j) if Jobs::STATUSES.starting.contains(&j.status.as_str()) => {
                lifecycle::delete(api, &Jobs, id).await
            }
            _ => Ok(()),
        }
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("ftjob-")
    }
}
