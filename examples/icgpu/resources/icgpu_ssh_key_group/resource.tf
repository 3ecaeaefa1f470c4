# The ML team's keys, granted together to the instances created with the group.
resource "icgpu_ssh_key" "alice" {
  name       = "alice-laptop"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPiKQyUMCva8XXwnIoQFhqpWDNhV93p8WJUtwdMbvKD7 alice@work-laptop"
}

resource "icgpu_ssh_key" "bob" {
  name       = "bob-workstation"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDMIFEAl+EfXNubSMkSmPKr1EgDYVY1ZIGX8ZXRE1Z3s bob@workstation"
}

resource "icgpu_ssh_key_group" "ml_team" {
  name        = "ml-team"
  description = "ML engineering team keys"
  ssh_key_ids = [icgpu_ssh_key.alice.id, icgpu_ssh_key.bob.id]
}
