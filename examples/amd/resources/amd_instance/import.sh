# Import an existing instance by its ID.
terraform import amd_instance.training inst-001
