# An instance is imported by its ID.
terraform import icgpu_instance.example inst-abc123
