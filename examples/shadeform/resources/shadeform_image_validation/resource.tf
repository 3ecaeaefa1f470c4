variable "ssh_private_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "shadeform_instance" "h100" {
  cloud               = "lambdalabs"
  region              = "us-west-1"
  shade_instance_type = "H100"
  name                = "validated-h100"
}

# Prove the rented GPU works before deploying on it; a sick HBM stack fails the apply.
resource "shadeform_image_validation" "h100" {
  host        = shadeform_instance.h100.ip
  port        = shadeform_instance.h100.ssh_port
  user        = shadeform_instance.h100.ssh_user
  private_key = var.ssh_private_key
  compiler    = "nvcc"

  expect = {
    gpu_count = 1
    arch      = "sm_90"
  }

  triggers = {
    instance = shadeform_instance.h100.id
  }
}
