# A key that may read and change VMs and clusters, valid for 90 days.
resource "icgpu_api_key" "ci" {
  name            = "ci-pipeline"
  scopes          = ["vms", "clusters"]
  permissions     = ["read", "write"]
  expires_in_days = 90
}

# The secret is returned only when the key is created; it stays sensitive.
output "ci_api_key" {
  value     = icgpu_api_key.ci.key
  sensitive = true
}
