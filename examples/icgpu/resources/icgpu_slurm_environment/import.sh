# A Slurm environment is imported by its ID.
terraform import icgpu_slurm_environment.example slurm-abc123
