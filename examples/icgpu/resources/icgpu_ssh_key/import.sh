# An SSH key is imported by its ID; a generated private_key is not recoverable (null).
terraform import icgpu_ssh_key.laptop key-abc123
