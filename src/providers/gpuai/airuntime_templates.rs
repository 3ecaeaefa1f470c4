//! `gpuai_airuntime_templates`: the whole AI runtime template catalogue, every page.

use super::airuntime_template::{template_attributes, TemplateModel};
use super::api::{self, Template};
use super::GpuAiClient;
use crate::client::list_all_pages;
use crate::framework::schema::{Attribute, Nesting, Schema};
use crate::framework::{Ctx, DataSource, Diagnostics};
use crate::providers::common;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListModel {
    pub items: Option<Vec<TemplateModel>>,
}

pub struct AiRuntimeTemplatesDataSource;

pub fn templates_schema() -> Schema {
    let mut item =
        vec![Attribute::string("id").output("Template id, for `gpuai_airuntime.template_id`.")];
    item.extend(template_attributes());
    Schema::new("Every AI runtime template of the GPU AI Service platform catalogue.")
        .attribute(Attribute::nested("items", Nesting::List, item).output("The templates, by id."))
}

#[async_trait]
impl DataSource for AiRuntimeTemplatesDataSource {
    type Client = GpuAiClient;
    type Model = ListModel;

    fn type_name(&self) -> &'static str {
        "airuntime_templates"
    }

    fn schema(&self) -> Schema {
        templates_schema()
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, GpuAiClient>,
        _config: ListModel,
    ) -> Result<ListModel, Diagnostics> {
        let req = common::bind(&ctx.client.gpu, ctx)
            .get(api::TEMPLATES_PATH)
            .describe("list AI runtime templates");
        let all: Vec<Template> = list_all_pages(req, "data", api::PAGE_LIMIT).await?;
        Ok(ListModel {
            items: Some(all.iter().map(TemplateModel::from).collect()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_carry_every_template_attribute() {
        let s = templates_schema();
        let items = s.attribute_named("items").expect("items");
        assert!(!items.description.is_empty());
        let crate::framework::AttributeType::Nested { attributes, .. } = &items.ty else {
            panic!("items is nested");
        };
        let json = serde_json::to_value(TemplateModel::default()).expect("json");
        assert_eq!(
            attributes.len(),
            json.as_object().map(|o| o.len()).unwrap_or(0)
        );
        for a in attributes {
            assert!(json.get(&a.name).is_some(), "model lacks {}", a.name);
            assert!(!a.description.is_empty());
        }
    }
}
