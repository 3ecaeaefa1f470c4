variable "ssh_private_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "gpuai_airuntime" "trainer" {
  org_id      = "org-abc123"
  project_id  = "prj-abc123"
  name        = "validated-trainer"
  region      = "as-south-1"
  plan_id     = "gpu-h200-on-demand-1h"
  template_id = "tpl-jupyterlab-pytorch"
  ssh_keys    = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIdjS7wcmocURC/K4fzuozA8YFJA73UAV77anacl8fYT you@example.com"]
}

# Prove the runtime's GPU stack works before anything is deployed on it.
resource "gpuai_image_validation" "trainer" {
  host        = gpuai_airuntime.trainer.endpoints.ssh.host
  port        = gpuai_airuntime.trainer.endpoints.ssh.port
  user        = gpuai_airuntime.trainer.endpoints.ssh.user
  private_key = var.ssh_private_key

  expect = {
    gpu_count = 1
    arch      = "sm_90"
  }

  triggers = {
    runtime = gpuai_airuntime.trainer.id
  }
}
