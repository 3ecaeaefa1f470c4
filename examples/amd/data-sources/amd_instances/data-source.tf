data "amd_instances" "running_mi300x" {
  status   = "running"
  gpu_type = "mi300x"
}

output "running_mi300x_ids" {
  value = data.amd_instances.running_mi300x.instances[*].id
}
