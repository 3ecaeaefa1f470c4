# The ML team's keys, granted together to the instances created with the group.
resource "icgpu_ssh_key" "alice" {
  name       = "alice-laptop"
  public_key = file("~/.ssh/id_ed25519.pub")
}

resource "icgpu_ssh_key" "bob" {
  name       = "bob-workstation"
  public_key = file("bob_id_ed25519.pub")
}

resource "icgpu_ssh_key_group" "ml_team" {
  name        = "ml-team"
  description = "ML engineering team keys"
  ssh_key_ids = [icgpu_ssh_key.alice.id, icgpu_ssh_key.bob.id]
}
