# A GPU function is imported by its ID; its environment variables are read back from the API.
terraform import icgpu_gpu_function.example fn-abc12345
