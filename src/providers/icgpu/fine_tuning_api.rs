//! The LLM API's fine-tuning jobs (`/v1/fine-tuning/jobs`, `specs/icgpu-platform.openapi.yml`
//! tag "Fine-tuning jobs"): serde models of OpenAI's job object with the page's `method`, the
//! jobs' lifecycle, and the value rules of the contract.

use crate::client::{Api, ClientError};
use crate::framework::validators::{self, Validator};
use crate::providers::common::lifecycle::{Fields, LongRunning, Statuses};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::sync::Arc;

pub const JOBS: &str = "/v1/fine-tuning/jobs";
/// `FineTuningMethod`.
pub const METHODS: &[&str] = &["lora", "qlora"];

/// `FineTuningJob`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub status: String,
    pub model: String,
    pub training_file: String,
    pub method: Option<String>,
    pub suffix: Option<String>,
    #[serde(default)]
    pub hyperparameters: Hyperparameters,
    pub fine_tuned_model: Option<String>,
    pub trained_tokens: Option<i64>,
    pub error: Option<JobError>,
    /// Unix seconds, as OpenAI writes them.
    pub created_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// `FineTuningHyperparameters`; omitted ones are the API's choice.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Hyperparameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lora_rank: Option<i64>,
    /// A string on the page ("2e-4"); a number is read too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_epochs: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JobError {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// `CreateFineTuningJobRequest`.
#[derive(Serialize)]
pub struct CreateJob<'a> {
    pub model: &'a str,
    pub training_file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<&'a str>,
    pub hyperparameters: Hyperparameters,
}

fn rate(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|r| r.is_finite())
}

/// The learning rate to keep in state: the configured spelling when the API reports the same
/// number another way ("2e-4" and 0.0002), otherwise what the API reports.
pub fn reported_rate(configured: Option<String>, job: &Job) -> Option<String> {
    let api = job.hyperparameters.learning_rate.as_ref().map(|v| match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    });
    match (configured, api) {
        (Some(mine), Some(api)) if rate(&mine).is_some() && rate(&mine) == rate(&api) => Some(mine),
        (mine, api) => api.or(mine),
    }
}

/// `learning_rate`: a number greater than 0 and at most 1, written as a string.
pub fn learning_rate() -> Arc<dyn Validator> {
    validators::from_fn("value must be a number greater than 0 and at most 1", |v| {
        let Some(s) = v.as_str() else { return Ok(()) };
        match rate(s) {
            Some(r) if r > 0.0 && r <= 1.0 => Ok(()),
            _ => Err(format!(
                "{s:?} is not a learning rate: write a number greater than 0 and at most 1 as a \
                 string, such as \"2e-4\"."
            )),
        }
    })
}

/// Unix seconds as RFC 3339, the form every other time in state has.
pub fn rfc3339(unix: Option<i64>) -> Option<String> {
    let t = chrono::DateTime::from_timestamp(unix?, 0)?;
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The lifecycle of jobs: `validating_files` → `queued` → `running` → `succeeded`. Jobs are
/// never deleted; a cancelled one is over like a failed one.
pub struct Jobs;

#[async_trait]
impl LongRunning for Jobs {
    type Object = Job;
    const TYPE: &'static str = "icgpu_fine_tuning_job";
    const NOUN: &'static str = "fine-tuning job";
    const KEYED: bool = true;
    // The API documents no list of jobs; each is read on its own.
    const LIST_IS_WHOLE: bool = false;
    const STATUSES: Statuses = Statuses {
        ready: &["succeeded"],
        starting: &["validating_files", "queued", "running"],
        failed: &["failed", "cancelled"],
        gone: &[],
        deleted: &["cancelled", "succeeded", "failed"],
    };

    fn fields(o: &Job) -> Fields<'_> {
        Fields {
            id: Some(&o.id),
            status: Some(&o.status),
            message: o.error.as_ref().and_then(|e| e.message.as_deref()),
            ..Fields::default()
        }
    }
    fn path(&self, id: &str) -> String {
        format!("{JOBS}/{id}")
    }
    /// Never needed: a lost create is found by its replayed `Idempotency-Key`, and jobs have
    /// no name to find them by.
    async fn list(&self, _api: &Api) -> Result<Vec<Json>, ClientError> {
        Ok(Vec::new())
    }
    async fn send_delete(&self, api: &Api, id: &str) -> Result<(), ClientError> {
        api.delete(&self.path(id))
            .describe(format!("cancel fine-tuning job {id}"))
            .send_no_body()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::validators::ValidateRequest;
    use crate::framework::{AttributePath, Diagnostics, Value};

    fn job(learning_rate: Json) -> Job {
        serde_json::from_value(serde_json::json!({
            "id": "ftjob-xyz789", "object": "fine_tuning.job", "status": "succeeded",
            "model": "meta-llama/Llama-3.1-8B-Instruct", "training_file": "file-abc123",
            "method": "lora", "suffix": null,
            "hyperparameters": {"lora_rank": 16, "learning_rate": learning_rate, "n_epochs": 3},
            "fine_tuned_model": "ft:llama-3.1-8b:lora:ftjob-xyz789", "trained_tokens": 122880,
            "error": null, "created_at": 1733300000, "finished_at": 1733303600
        }))
        .expect("an OpenAI-shaped job parses")
    }

    #[test]
    fn the_same_rate_spelled_otherwise_is_no_change_and_a_different_one_shows() {
        let numeric = job(serde_json::json!(0.0002));
        assert_eq!(
            reported_rate(Some("2e-4".into()), &numeric).as_deref(),
            Some("2e-4")
        );
        assert_eq!(
            reported_rate(Some("1e-4".into()), &numeric).as_deref(),
            Some("0.0002")
        );
        assert_eq!(
            reported_rate(None, &job("2e-4".into())).as_deref(),
            Some("2e-4")
        );
        assert_eq!(
            rfc3339(numeric.finished_at).as_deref(),
            Some("2024-12-04T09:13:20Z")
        );
    }

    #[test]
    fn learning_rate_must_be_a_positive_number_at_most_one() {
        let v = learning_rate();
        let errors = |s: &str| {
            let mut d = Diagnostics::new();
            let path = AttributePath::attr("learning_rate");
            let value = Value::string(s);
            let req = ValidateRequest {
                path: &path,
                value: &value,
                config: &Value::Null,
            };
            v.validate(&req, &mut d);
            d.has_errors()
        };
        for ok in ["2e-4", "0.001", "1"] {
            assert!(!errors(ok), "{ok} refused");
        }
        for bad in ["fast", "0", "-2e-4", "2", "NaN", "inf", ""] {
            assert!(errors(bad), "{bad} accepted");
        }
    }
}
