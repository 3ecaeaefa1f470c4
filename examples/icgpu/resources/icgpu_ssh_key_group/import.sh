# An SSH key group is imported by its ID.
terraform import icgpu_ssh_key_group.ml_team grp-abc123
