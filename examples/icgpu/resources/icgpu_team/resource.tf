# A team for the machine learning researchers; add accounts with icgpu_team_member.
resource "icgpu_team" "research" {
  name        = "ML Research"
  description = "Machine learning research team"
}
