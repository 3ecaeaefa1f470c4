variable "ssh_private_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "instance_address" {
  description = "The address the AMD Developer Cloud console shows for the instance."
  type        = string
}

resource "amd_instance" "mi300x" {
  name      = "validated-mi300x"
  gpu_type  = "mi300x"
  gpu_count = 8
}

# Prove all eight MI300X GPUs work (HBM bandwidth included) before training starts.
resource "amd_image_validation" "mi300x" {
  host        = var.instance_address
  user        = "ubuntu"
  private_key = var.ssh_private_key
  compiler    = "hipcc"

  expect = {
    gpu_count      = 8
    arch           = "gfx942"
    min_memory_gib = 192
  }

  triggers = {
    instance = amd_instance.mi300x.id
  }
}
