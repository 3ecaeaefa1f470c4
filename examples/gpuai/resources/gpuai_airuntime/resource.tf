# A JupyterLab runtime from a platform template.
resource "gpuai_airuntime" "jupyter" {
  org_id     = "org-abc123"
  project_id = "prj-abc123"
  name       = "my-jupyter"
  region     = "as-south-1"
  plan_id    = "gpu-h200-on-demand-1h"

  template_id = "tpl-jupyterlab-pytorch"
  gpu_count   = 1

  # Fail the plan if the plan is listed above $3.50 an hour for all GPUs together.
  max_hourly_price = 3.5

  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIdjS7wcmocURC/K4fzuozA8YFJA73UAV77anacl8fYT you@example.com"]

  timeouts {
    create = "30m"
    delete = "15m"
  }
}

# A runtime from an inline container specification, with a larger volume.
resource "gpuai_airuntime" "vllm" {
  org_id        = "org-abc123"
  project_id    = "prj-abc123"
  name          = "my-vllm"
  region        = "as-south-1"
  plan_id       = "gpu-h200-on-demand-1h"
  gpu_config_id = "gpu-h200-141g-32cpu-256g"

  template_spec = {
    image   = "vllm/vllm-openai:latest"
    ports   = [{ name = "api", port = 8000, protocol = "http" }]
    env     = { HF_HOME = "/workspace/hf" }
    command = ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
  }

  storage = {
    size_gb    = 200
    mount_path = "/workspace"
  }
}

output "jupyter_url" {
  value = gpuai_airuntime.jupyter.endpoints.jupyter_url
}
