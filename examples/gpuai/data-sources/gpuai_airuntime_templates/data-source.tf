data "gpuai_airuntime_templates" "all" {}

output "template_ids" {
  value = [for t in data.gpuai_airuntime_templates.all.items : t.id]
}
