data "amd_models" "all" {}

output "serving_model_endpoints" {
  value = {
    for m in data.amd_models.all.models : m.name => m.endpoint if m.status == "serving"
  }
}
