//! `gpuai_airuntime_template`: one AI runtime template of the catalogue, by id. Its model and
//! attributes also describe each item of `gpuai_airuntime_templates`.

use super::api::{self, Template};
use super::shared::{template_spec_attributes, TemplateSpecModel};
use super::GpuAiClient;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{validators, Ctx, DataSource, Diagnostics};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The API's template id rule.
pub const TEMPLATE_ID_PATTERN: &str = "^tpl-[a-zA-Z0-9-]+$";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub template_spec: Option<TemplateSpecModel>,
    pub owner_org_id: Option<String>,
}

impl From<&Template> for TemplateModel {
    fn from(t: &Template) -> Self {
        Self {
            id: Some(t.id.clone()),
            name: t.name.clone(),
            description: t.description.clone(),
            category: t.category.clone(),
            template_spec: Some(TemplateSpecModel::observe_full(&t.template_spec)),
            owner_org_id: t.owner_org_id.clone(),
        }
    }
}

/// A template's attributes other than `id`.
pub fn template_attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("name").output("Display name."),
        Attribute::string("description").output("What the template provides."),
        Attribute::string("category")
            .output("Catalogue grouping, e.g. `notebook`, `training`, `inference`."),
        Attribute::nested(
            "template_spec",
            Nesting::Single,
            template_spec_attributes(true),
        )
        .output("The container the template runs."),
        Attribute::string("owner_org_id")
            .output("Owning organization; null for NeevAI platform templates."),
    ]
}

pub struct AiRuntimeTemplateDataSource;

pub fn template_schema() -> Schema {
    let mut s = Schema::new("One AI runtime template of the GPU AI Service catalogue, by id.")
        .attribute(
            Attribute::string("id")
                .required()
                .validator(validators::regex(
                    TEMPLATE_ID_PATTERN,
                    "a template id such as `tpl-jupyterlab-pytorch`",
                ))
                .description("Template id, e.g. `tpl-jupyterlab-pytorch`."),
        );
    for a in template_attributes() {
        s = s.attribute(a);
    }
    s
}

#[async_trait]
impl DataSource for AiRuntimeTemplateDataSource {
    type Client = GpuAiClient;
    type Model = TemplateModel;

    fn type_name(&self) -> &'static str {
        "airuntime_template"
    }

    fn schema(&self) -> Schema {
        template_schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, GpuAiClient>,
        config: TemplateModel,
    ) -> Result<TemplateModel, Diagnostics> {
        let id = config.id.clone().unwrap_or_default();
        let t: Template = common::bind(&ctx.client.gpu, ctx)
            .get(&format!("{}/{id}", api::TEMPLATES_PATH))
            .describe(format!("read AI runtime template {id:?}"))
            .send()
            .await?;
        Ok(TemplateModel::from(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_model_shows_the_whole_spec() {
        let t: Template = serde_json::from_value(serde_json::json!({
            "id": "tpl-jupyterlab-pytorch", "name": "JupyterLab + PyTorch",
            "description": "d", "category": "notebook",
            "templateSpec": {"image": "img", "ports": [{"name": "jupyter", "port": 8888, "protocol": "http"}],
                "env": {}, "command": []},
            "ownerOrgId": null
        }))
        .expect("template");
        let m = TemplateModel::from(&t);
        let spec = m.template_spec.expect("spec");
        assert_eq!(spec.env, Some(Default::default()));
        assert_eq!(spec.ports.map(|p| p.len()), Some(1));
        assert_eq!(m.owner_org_id, None);
    }
}
