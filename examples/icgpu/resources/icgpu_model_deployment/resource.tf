variable "huggingface_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "icgpu_model_deployment" "example" {
  name             = "my-llama"
  model            = "meta-llama/Llama-3.1-8B-Instruct"
  engine           = "vllm"
  resource_profile = "nvidia-gpu-dedicated"
  min_replicas     = 1
  max_replicas     = 3

  # Write-only: never stored. To rotate it, change the token and bump the version.
  huggingface_token         = var.huggingface_token
  huggingface_token_version = "1"

  # Also wait until the OpenAI-compatible endpoint answers.
  wait_for_endpoint = true
}

output "llm_endpoint" {
  value = icgpu_model_deployment.example.endpoint
}
