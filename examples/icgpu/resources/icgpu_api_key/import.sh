# An API key is imported by its ID. Its secret (`key`) cannot be recovered and is null after
# the import; expires_in_days is derived from expires_at - created_at.
terraform import icgpu_api_key.ci ak-abc123
