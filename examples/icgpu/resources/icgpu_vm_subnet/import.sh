# A subnet is imported by its network's ID and its own, separated by a slash.
terraform import icgpu_vm_subnet.workers net-abc123/subnet-def456
