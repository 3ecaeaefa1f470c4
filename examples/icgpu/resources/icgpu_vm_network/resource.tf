# A private network for training VMs.
resource "icgpu_vm_network" "training" {
  name        = "training-net"
  description = "Isolated training network"
}
