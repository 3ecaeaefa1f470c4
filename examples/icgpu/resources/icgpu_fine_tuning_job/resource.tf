# A LoRA fine-tuning job on an uploaded JSONL training file (`POST /v1/files`). The LLM API
# takes an sk-ic- API key: set `llm_api_key` in the provider block or ICGPU_LLM_API_KEY.
resource "icgpu_fine_tuning_job" "example" {
  model         = "meta-llama/Llama-3.1-8B-Instruct"
  training_file = "file-abc123"
  method        = "lora"
  suffix        = "my-lora"
  lora_rank     = 16
  learning_rate = "2e-4"
  n_epochs      = 3
  batch_size    = 4

  # Apply waits until training has succeeded: 2 hours unless said otherwise.
  timeouts {
    create = "4h"
  }
}

# The name to send as `model` to /v1/chat/completions.
output "fine_tuned_model" {
  value = icgpu_fine_tuning_job.example.fine_tuned_model
}
