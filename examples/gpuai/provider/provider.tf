# The token can also come from the GPUAI_TOKEN environment variable, and the two service
# bases from GPUAI_ENDPOINT and GPUAI_INVENTORY_ENDPOINT.
provider "gpuai" {
  token              = var.gpuai_token
  endpoint           = "https://api.ai.neevcloud.com/gpu"
  inventory_endpoint = "https://api.ai.neevcloud.com/inventory"
}

variable "gpuai_token" {
  type      = string
  sensitive = true
}
