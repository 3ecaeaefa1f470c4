//! `amd_models` data source: AI models deployed for inference.
//!
//! Models are a data source, not a resource: the API can deploy a model but has no call to
//! remove one, so Terraform could never destroy what it created.

use super::api::{Model, ModelList};
use crate::client::Client;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{Ctx, DataSource, Diagnostics};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Frameworks a deployment can use (`Model.framework`).
pub const FRAMEWORKS: &[&str] = &["vLLM", "TGI", "TorchServe", "Triton"];
/// `Model.status`.
pub const MODEL_STATUSES: &[&str] = &["deploying", "serving", "stopped", "failed"];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelsModel {
    pub models: Option<Vec<Model>>,
}

pub struct ModelsDataSource;

fn schema() -> Schema {
    use crate::framework::validators::quoted_list;
    Schema::new(
        "AI models deployed for inference serving on the AMD Developer Cloud. This is a data \
         source rather than a resource because the API has no call to remove a deployed model, \
         so Terraform could not destroy one it created.",
    )
    .attribute(
        Attribute::nested(
            "models",
            Nesting::List,
            vec![
                Attribute::string("id").output("Model deployment identifier."),
                Attribute::string("name").output("Model display name."),
                Attribute::string("framework").output(format!(
                    "Inference serving framework: one of {}.",
                    quoted_list(FRAMEWORKS)
                )),
                Attribute::string("status").output(format!(
                    "Deployment status: one of {}.",
                    quoted_list(MODEL_STATUSES)
                )),
                Attribute::string("endpoint").output("Inference endpoint URL."),
            ],
        )
        .output("Every deployed model, in the API's order."),
    )
}

#[async_trait]
impl DataSource for ModelsDataSource {
    type Client = Client;
    type Model = ModelsModel;

    fn type_name(&self) -> &'static str {
        "models"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, Client>,
        _config: ModelsModel,
    ) -> Result<ModelsModel, Diagnostics> {
        let list: ModelList = common::get(ctx, "/models", "list AMD deployed models").await?;
        Ok(ModelsModel {
            models: Some(list.models),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_says_why_models_are_read_only() {
        let s = schema();
        assert!(s.description.contains("no call to remove"));
        assert!(s.attributes.iter().all(|a| !a.description.is_empty()));
    }

    #[test]
    fn model_state_uses_snake_case_names() {
        let m: Model = serde_json::from_str(
            r#"{"id":"model-001","name":"llama","framework":"vLLM","status":"serving","endpoint":"https://x"}"#,
        )
        .expect("example");
        let v = serde_json::to_value(ModelsModel {
            models: Some(vec![m]),
        })
        .expect("json");
        assert_eq!(v["models"][0]["framework"], "vLLM");
        assert_eq!(v["models"][0]["endpoint"], "https://x");
    }
}
