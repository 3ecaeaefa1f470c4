# An attachment is imported by the disk's ID and the VM's, separated by a slash.
terraform import icgpu_vm_disk_attachment.data disk-abc123/vm-xyz789
