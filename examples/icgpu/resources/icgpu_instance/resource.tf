# An interactive A100 with 100 GB of storage, reachable over SSH.
resource "icgpu_instance" "example" {
  name       = "my-training-job"
  tier       = "dedicated"
  ssh_key    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop"
  storage_gb = 100

  # Set to "stopped" to release the GPU and keep the storage (changed in place).
  desired_state = "running"

  timeouts {
    create = "30m"
  }
}

# A preemptible batch instance at half price; it waits for capacity. The plan fails if the
# tier list prices it above 25000 tokens per hour.
resource "icgpu_instance" "batch" {
  name             = "batch-job"
  tier             = "timesliced"
  workload_type    = "batch"
  max_hourly_price = 25000
}

output "ssh" {
  value = icgpu_instance.example.ssh_command
}
