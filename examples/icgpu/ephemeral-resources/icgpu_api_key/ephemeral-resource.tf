# A key that exists only while Terraform needs it: created when the run opens it, revoked when
# the run is done. It may manage SSH keys and nothing else.
ephemeral "icgpu_api_key" "deploy" {
  name        = "terraform-run"
  scopes      = ["ssh_keys"]
  permissions = ["read", "write"]
}

# A second provider configuration with only that key's rights.
provider "icgpu" {
  alias = "ssh_keys_only"
  token = ephemeral.icgpu_api_key.deploy.key
}

resource "icgpu_ssh_key" "deploy" {
  provider   = icgpu.ssh_keys_only
  name       = "deploy"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 deploy@ci"
}
