variable "instance_id" {
  type        = string
  description = "ID of an existing AMD Developer Cloud instance."
}

data "amd_instance" "this" {
  id = var.instance_id
}

output "instance_gpus" {
  value = "${data.amd_instance.this.gpu_count}x ${data.amd_instance.this.gpu_type}"
}
