variable "ssh_private_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "icgpu_instance" "gpu" {
  name    = "validated-gpu"
  tier    = "dedicated"
  ssh_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop"
}

# Build and run the GPU probe on the new instance; a broken image fails the apply.
resource "icgpu_image_validation" "gpu" {
  host        = icgpu_instance.gpu.ssh_host
  port        = icgpu_instance.gpu.ssh_port
  user        = icgpu_instance.gpu.ssh_user
  private_key = var.ssh_private_key

  expect = {
    gpu_count = 1
  }

  triggers = {
    instance = icgpu_instance.gpu.id
  }
}
