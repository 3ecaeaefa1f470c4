resource "icgpu_vm_network" "training" {
  name = "training-net"
}

# SSH from the office only.
resource "icgpu_vm_firewall_rule" "ssh" {
  network_id = icgpu_vm_network.training.id
  direction  = "ingress"
  protocol   = "tcp"
  port_range = "22"
  source     = "203.0.113.0/24"
}

# Let the VMs answer pings from anywhere in the private range (icmp has no ports).
resource "icgpu_vm_firewall_rule" "ping" {
  network_id = icgpu_vm_network.training.id
  direction  = "ingress"
  protocol   = "icmp"
  source     = "10.0.0.0/8"
  action     = "allow"
}
