# The endpoint can also come from ICGPU_ENDPOINT and the token from ICGPU_TOKEN.
# Public data (data.icgpu_gpu_tiers) works without a token.
provider "icgpu" {
  endpoint            = "https://api.gpu.local"
  token               = var.icgpu_token
  requests_per_minute = 120
}

variable "icgpu_token" {
  type      = string
  sensitive = true
}
