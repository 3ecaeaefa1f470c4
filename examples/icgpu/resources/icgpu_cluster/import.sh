# A cluster is imported by its ID; its kubeconfig is downloaded again on import.
terraform import icgpu_cluster.example cls-abc123
