# Upload an existing public key.
resource "icgpu_ssh_key" "laptop" {
  name       = "work-laptop"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop"
}

# Or let the platform generate a key pair; the private key is returned once.
resource "icgpu_ssh_key" "generated" {
  name     = "ci-runner"
  generate = true
}

output "ci_private_key" {
  value     = icgpu_ssh_key.generated.private_key
  sensitive = true
}
