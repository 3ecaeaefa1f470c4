# A Slurm environment of up to four nodes with one GPU each. Every argument replaces it.
resource "icgpu_slurm_environment" "example" {
  name         = "distributed-training"
  max_nodes    = 4
  gpu_per_node = 1

  # Wait until the head node answers SSH, so provisioners can connect at once.
  wait_for_ssh = true

  timeouts {
    create = "45m"
  }
}

# Log in to the head node, then submit jobs with sbatch, srun and squeue.
output "login" {
  value = icgpu_slurm_environment.example.ssh_command
}
