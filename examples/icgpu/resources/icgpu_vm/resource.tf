# A GPU workstation VM from the Ubuntu + NVIDIA template, reachable over SSH.
resource "icgpu_vm" "example" {
  name        = "ml-workstation"
  template_id = "tpl-ubuntu-gpu"
  cpu         = 8
  memory_gb   = 32
  disk_gb     = 100
  ssh_key     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop"

  # Set to "stopped" to power the VM off and keep its disk (changed in place).
  desired_state = "running"

  # Change this value to reboot the VM in place.
  reboot_trigger = "2025-11-20"

  timeouts {
    create = "30m"
  }
}

output "ssh" {
  value = icgpu_vm.example.ssh_command
}
