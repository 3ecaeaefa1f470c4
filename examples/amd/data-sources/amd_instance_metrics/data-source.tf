variable "metrics_instance_id" {
  type        = string
  description = "ID of the instance to read metrics of."
}

data "amd_instance_metrics" "this" {
  instance_id = var.metrics_instance_id
}

output "gpu_utilization" {
  value = data.amd_instance_metrics.this.gpu_utilization
}
