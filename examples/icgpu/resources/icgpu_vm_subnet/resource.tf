resource "icgpu_vm_network" "training" {
  name = "training-net"
}

# The address range the training workers get their addresses from.
resource "icgpu_vm_subnet" "workers" {
  network_id = icgpu_vm_network.training.id
  name       = "workers"
  cidr       = "10.100.0.0/24"
}

output "gateway" {
  value = icgpu_vm_subnet.workers.gateway_ip
}
