# A VM disk is imported by its ID.
terraform import icgpu_vm_disk.data disk-abc123
