# A VM network is imported by its ID.
terraform import icgpu_vm_network.training net-abc123
