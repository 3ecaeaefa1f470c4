resource "icgpu_team" "research" {
  name        = "ML Research"
  description = "Machine learning research team"
}

# Alice's account joins the team as an admin; changing the role is done in place.
resource "icgpu_team_member" "alice" {
  team_id    = icgpu_team.research.id
  account_id = "acc-xyz789"
  role       = "admin"
}
