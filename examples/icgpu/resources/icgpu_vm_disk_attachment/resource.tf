resource "icgpu_vm" "workstation" {
  name        = "ml-workstation"
  template_id = "tpl-ubuntu-gpu"
  ssh_key     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop"
}

resource "icgpu_vm_disk" "data" {
  name    = "data-volume"
  size_gb = 500
}

# The data disk on the workstation. Destroying the attachment detaches the disk and keeps
# its data.
resource "icgpu_vm_disk_attachment" "data" {
  disk_id = icgpu_vm_disk.data.id
  vm_id   = icgpu_vm.workstation.id
}
