//! `data.icgpu_vm_templates`: the public list of templates VMs are created from. The same list
//! checks an `icgpu_vm` plan: its template exists and `disk_gb` reaches the template's minimum.

use super::IcGpuClient;
use crate::client::{list_all_token, ClientError};
use crate::framework::resource::ModifyPlanRequest;
use crate::framework::{
    Attribute, AttributePath, Ctx, DataSource, Diagnostics, Nesting, Schema, Value,
};
use crate::providers::common::filter;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct VmTemplatesDataSource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct VmTemplatesModel {
    pub os: Option<String>,
    pub gpu: Option<bool>,
    pub gpu_model: Option<String>,
    pub vm_templates: Option<Vec<VmTemplateModel>>,
}

/// `VmTemplate`, which the API spells in camelCase.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct VmTemplateModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub os: Option<String>,
    #[serde(alias = "gpuModel")]
    pub gpu_model: Option<String>,
    #[serde(alias = "gpuCount")]
    pub gpu_count: Option<i64>,
    #[serde(alias = "defaultCpu")]
    pub default_cpu: Option<i64>,
    #[serde(alias = "defaultMemoryGb")]
    pub default_memory_gb: Option<i64>,
    #[serde(alias = "defaultDiskGb")]
    pub default_disk_gb: Option<i64>,
    #[serde(alias = "minDiskGb")]
    pub min_disk_gb: Option<i64>,
}

/// Every template, from the public list (no token needed).
async fn list_templates(ctx: &Ctx<'_, IcGpuClient>) -> Result<Vec<VmTemplateModel>, ClientError> {
    let req = super::public_api(ctx)
        .get("/api/v1/vm-templates")
        .public()
        .describe("list VM templates");
    list_all_token(req, "vmTemplates").await
}

/// The `icgpu_vm` plan check: `template_id` is a listed template and a configured `disk_gb` is
/// at least its `minDiskGb`. Only a new or changed template or disk is checked, and a list that
/// cannot be read skips the check: the API has the final word at apply either way.
pub(crate) async fn check_vm_plan(
    ctx: &Ctx<'_, IcGpuClient>,
    req: &ModifyPlanRequest<'_>,
    plan: &Value,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let Some(template_id) = plan.attr("template_id").and_then(Value::as_str) else {
        return diags;
    };
    let disk_gb = plan.attr("disk_gb").and_then(Value::as_i64);
    let unchanged = |name: &str| req.prior_state.attr(name) == plan.attr(name);
    if !req.prior_state.is_null() && unchanged("template_id") && unchanged("disk_gb") {
        return diags;
    }
    let templates = match list_templates(ctx).await {
        Ok(t) => t,
        Err(e) => {
            tracing::debug!(error = %e.summary(), "VM templates unreadable at plan; the API checks at apply");
            return diags;
        }
    };
    match templates
        .iter()
        .find(|t| t.id.as_deref() == Some(template_id))
    {
        None => {
            let ids: Vec<String> = templates
                .iter()
                .flat_map(|t| &t.id)
                .map(|id| format!("`{id}`"))
                .collect();
            diags.attribute_error(
                AttributePath::attr("template_id"),
                "Unknown VM template",
                format!(
                    "{template_id:?} is not one of the platform's VM templates ({}); see \
                     data.icgpu_vm_templates.",
                    ids.join(", ")
                ),
            );
        }
        Some(t) => {
            if let (Some(disk), Some(min)) = (disk_gb, t.min_disk_gb) {
                if disk < min {
                    diags.attribute_error(
                        AttributePath::attr("disk_gb"),
                        "Invalid value for disk_gb",
                        format!(
                            "disk_gb = {disk} is below the minimum of template {template_id:?}: \
                             it needs at least {min} GB (`min_disk_gb` in \
                             data.icgpu_vm_templates). Raise disk_gb to {min} or more, or leave \
                             it out to get the template's default."
                        ),
                    );
                }
            }
        }
    }
    diags
}

/// The templates that pass the optional filters (`gpu_model` compares case-insensitively).
fn filter(templates: Vec<VmTemplateModel>, q: &VmTemplatesModel) -> Vec<VmTemplateModel> {
    templates
        .into_iter()
        .filter(|t| filter::is(&q.os, &t.os))
        .filter(|t| {
            q.gpu
                .is_none_or(|want| (t.gpu_count.unwrap_or(0) > 0) == want)
        })
        .filter(|t| filter::is_text(&q.gpu_model, &t.gpu_model))
        .collect()
}

#[async_trait]
impl DataSource for VmTemplatesDataSource {
    type Client = IcGpuClient;
    type Model = VmTemplatesModel;

    fn type_name(&self) -> &'static str {
        "vm_templates"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The templates `icgpu_vm` can be created from: OS image, passthrough GPU and default \
             sizes. A public endpoint: works without a token.",
        )
        .attribute(
            Attribute::string("os")
                .optional()
                .description("Only templates with this OS image, e.g. `ubuntu-24.04`."),
        )
        .attribute(Attribute::bool("gpu").optional().description(
            "When true, only templates with a passthrough GPU; when false, only CPU-only ones.",
        ))
        .attribute(Attribute::string("gpu_model").optional().description(
            "Only templates with this GPU model (case-insensitive), e.g. `NVIDIA A100 80GB PCIe`.",
        ))
        .attribute(
            Attribute::nested(
                "vm_templates",
                Nesting::List,
                vec![
                    Attribute::string("id")
                        .output("Template ID (`tpl-...`), for `icgpu_vm.template_id`."),
                    Attribute::string("name").output("Display name."),
                    Attribute::string("description").output("What the template contains."),
                    Attribute::string("os").output("OS image, e.g. `ubuntu-24.04`."),
                    Attribute::string("gpu_model")
                        .output("Passthrough GPU model; null for CPU-only templates."),
                    Attribute::int("gpu_count").output("Passthrough GPUs per VM (0 for CPU-only)."),
                    Attribute::int("default_cpu").output("vCPUs when `cpu` is not set."),
                    Attribute::int("default_memory_gb")
                        .output("Memory in GB when `memory_gb` is not set."),
                    Attribute::int("default_disk_gb")
                        .output("Boot disk in GB when `disk_gb` is not set."),
                    Attribute::int("min_disk_gb").output("Smallest allowed `disk_gb`."),
                ],
            )
            .output("The matching templates, in the platform's catalogue order."),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        config: VmTemplatesModel,
    ) -> Result<VmTemplatesModel, Diagnostics> {
        let vm_templates = filter(list_templates(ctx).await?, &config);
        Ok(VmTemplatesModel {
            vm_templates: Some(vm_templates),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Vec<VmTemplateModel> {
        serde_json::from_value(serde_json::json!([
            {"id": "tpl-ubuntu-gpu", "name": "Ubuntu 24.04 + NVIDIA GPU", "description": "GPU",
             "os": "ubuntu-24.04", "gpuModel": "NVIDIA A100 80GB PCIe", "gpuCount": 1,
             "defaultCpu": 8, "defaultMemoryGb": 32, "defaultDiskGb": 100, "minDiskGb": 40},
            {"id": "tpl-ubuntu-cpu", "name": "Ubuntu 24.04 (CPU only)", "description": "CPU",
             "os": "ubuntu-24.04", "gpuModel": null, "gpuCount": 0, "defaultCpu": 2,
             "defaultMemoryGb": 4, "defaultDiskGb": 20, "minDiskGb": 20}
        ]))
        .expect("spec example parses")
    }

    #[test]
    fn filters_by_gpu_and_model() {
        let q = VmTemplatesModel {
            gpu: Some(false),
            ..Default::default()
        };
        let out = filter(templates(), &q);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id.as_deref(), Some("tpl-ubuntu-cpu"));
        assert_eq!(out[0].default_memory_gb, Some(4));
        let q = VmTemplatesModel {
            gpu_model: Some("nvidia a100 80gb pcie".into()),
            ..Default::default()
        };
        assert_eq!(filter(templates(), &q)[0].gpu_count, Some(1));
        let q = VmTemplatesModel {
            os: Some("debian-12".into()),
            ..Default::default()
        };
        assert!(filter(templates(), &q).is_empty());
        assert_eq!(filter(templates(), &VmTemplatesModel::default()).len(), 2);
    }
}
