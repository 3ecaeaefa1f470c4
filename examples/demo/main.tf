# The demo: rent a GPU on the IC GPU platform (the emulator stands in for it), after checking
# which tiers have capacity.
terraform {
  required_providers {
    icgpu = { source = "gpucloud/icgpu" }
  }
}

provider "icgpu" {}

data "icgpu_gpu_tiers" "available" {
  available_only = true
}

resource "icgpu_instance" "demo" {
  name          = "demo-gpu"
  tier          = "dedicated"
  storage_gb    = 100
  workload_type = "interactive"
}

output "available_tiers" {
  value = [for t in data.icgpu_gpu_tiers.available.tiers : t.tier]
}

output "instance" {
  value = {
    id        = icgpu_instance.demo.id
    status    = icgpu_instance.demo.status
    gpu_model = icgpu_instance.demo.gpu_model
    ssh       = icgpu_instance.demo.ssh_command
  }
}
