# A team membership is imported by the team ID and the membership ID.
terraform import icgpu_team_member.alice team-abc123/tmem-def456
