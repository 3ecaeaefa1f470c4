//! `data.icgpu_model_catalogue`: the public list of pre-tested models that
//! `icgpu_model_deployment` can serve.

use super::api::{ENGINES, MODEL_TASKS, RESOURCE_PROFILES};
use super::IcGpuClient;
use crate::client::list_all_token;
use crate::framework::{Attribute, Ctx, DataSource, Diagnostics, Nesting, Schema};
use crate::providers::common::filter;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct ModelCatalogueDataSource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ModelCatalogueModel {
    pub engine: Option<String>,
    pub task: Option<String>,
    pub resource_profile: Option<String>,
    pub gated: Option<bool>,
    pub model_catalogue: Option<Vec<CatalogueEntryModel>>,
}

/// `ModelCatalogueEntry`, which the API spells in camelCase.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CatalogueEntryModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub engine: Option<String>,
    pub task: Option<String>,
    #[serde(alias = "resourceProfile")]
    pub resource_profile: Option<String>,
    #[serde(alias = "contextLength")]
    pub context_length: Option<i64>,
    pub gated: Option<bool>,
    pub description: Option<String>,
}

/// The entries that pass the optional filters.
fn filter(entries: Vec<CatalogueEntryModel>, q: &ModelCatalogueModel) -> Vec<CatalogueEntryModel> {
    entries
        .into_iter()
        .filter(|e| filter::is(&q.engine, &e.engine))
        .filter(|e| filter::is(&q.task, &e.task))
        .filter(|e| filter::is(&q.resource_profile, &e.resource_profile))
        .filter(|e| filter::is(&q.gated, &e.gated))
        .collect()
}

#[async_trait]
impl DataSource for ModelCatalogueDataSource {
    type Client = IcGpuClient;
    type Model = ModelCatalogueModel;

    fn type_name(&self) -> &'static str {
        "model_catalogue"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The pre-tested models the IC GPU platform can deploy; an entry's `model`, `engine` \
             and `resource_profile` can be passed unchanged to `icgpu_model_deployment`. A \
             public endpoint: works without a token.",
        )
        .attribute(
            Attribute::string("engine")
                .optional()
                .one_of(ENGINES)
                .description("Only models served by this engine: `vllm`, `ollama`, `infinity` or `fasterwhisper`."),
        )
        .attribute(
            Attribute::string("task")
                .optional()
                .one_of(MODEL_TASKS)
                .description("Only models for this task: `chat` or `embedding`."),
        )
        .attribute(
            Attribute::string("resource_profile")
                .optional()
                .one_of(RESOURCE_PROFILES)
                .description(
                    "Only models for this GPU profile: `nvidia-gpu-dedicated`, `nvidia-gpu-mig` \
                     or `nvidia-gpu-timesliced`.",
                ),
        )
        .attribute(
            Attribute::bool("gated")
                .optional()
                .description(
                    "When false, only models deployable without a Hugging Face token; when \
                     true, only gated ones.",
                ),
        )
        .attribute(
            Attribute::nested(
                "model_catalogue",
                Nesting::List,
                vec![
                    Attribute::string("id").output("Stable catalogue identifier."),
                    Attribute::string("name").output("Display name."),
                    Attribute::string("model").output("Hugging Face repository ID."),
                    Attribute::string("engine").output("Serving engine."),
                    Attribute::string("task").output("`chat` or `embedding`."),
                    Attribute::string("resource_profile").output("GPU resource profile each replica runs on.",
                    ),
                    Attribute::int("context_length").output("Maximum context length in tokens; null if not applicable.",
                    ),
                    Attribute::bool("gated").output("True if deploying it needs a `huggingface_token` with access to the repository.",
                    ),
                    Attribute::string("description").output("What the model is."),
                ],
            )
            .output("The matching models, in the platform's catalogue order."),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        config: ModelCatalogueModel,
    ) -> Result<ModelCatalogueModel, Diagnostics> {
        let req = super::public_api(ctx)
            .get("/api/v1/model-catalogue")
            .public()
            .describe("list the model catalogue");
        let all: Vec<CatalogueEntryModel> = list_all_token(req, "modelCatalogue").await?;
        let model_catalogue = filter(all, &config);
        Ok(ModelCatalogueModel {
            model_catalogue: Some(model_catalogue),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_engine_task_and_gating() {
        let all: Vec<CatalogueEntryModel> = serde_json::from_value(serde_json::json!([
            {"id": "llama-3.1-8b-instruct", "name": "Llama", "model": "meta-llama/Llama-3.1-8B-Instruct",
             "engine": "vllm", "task": "chat", "resourceProfile": "nvidia-gpu-dedicated",
             "contextLength": 8192, "gated": true, "description": "d"},
            {"id": "bge-large-en-v1.5", "name": "BGE", "model": "BAAI/bge-large-en-v1.5",
             "engine": "infinity", "task": "embedding", "resourceProfile": "nvidia-gpu-timesliced",
             "contextLength": null, "gated": false, "description": "d"}
        ]))
        .expect("spec example parses");
        let q = ModelCatalogueModel {
            engine: Some("infinity".into()),
            ..Default::default()
        };
        let out = filter(all.clone(), &q);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].model.as_deref(), Some("BAAI/bge-large-en-v1.5"));
        assert_eq!(out[0].context_length, None);
        let q = ModelCatalogueModel {
            gated: Some(true),
            task: Some("chat".into()),
            ..Default::default()
        };
        assert_eq!(filter(all.clone(), &q)[0].context_length, Some(8192));
        assert_eq!(filter(all, &ModelCatalogueModel::default()).len(), 2);
    }
}
