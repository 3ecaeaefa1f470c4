resource "amd_instance" "training" {
  name      = "llm-training"
  gpu_type  = "mi300x"
  gpu_count = 8
  image_id  = "rocm-6.1-pytorch"
  region    = "us-west-2"

  timeouts {
    create = "30m"
  }
}

output "training_status" {
  value = amd_instance.training.status
}
