# A team is imported by its ID.
terraform import icgpu_team.research team-abc123
