variable "hf_token" {
  type      = string
  sensitive = true
}

# A serverless image classifier on a time-sliced GPU, run on demand through the API
# (POST /api/v1/functions/<id>/run). Every argument replaces it.
resource "icgpu_gpu_function" "example" {
  name            = "image-classifier"
  image           = "registry.gpu.local/myteam/classifier:v1"
  entrypoint      = "python classify.py"
  gpu_tier        = "timesliced"
  timeout_seconds = 300

  # Sensitive: never shown in plans or logs (it is stored in state).
  env_vars = {
    MODEL_PATH = "/models/resnet50.pt"
    HF_TOKEN   = var.hf_token
  }
}

output "function_id" {
  value = icgpu_gpu_function.example.id
}
