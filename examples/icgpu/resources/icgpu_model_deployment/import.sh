# A model deployment is imported by its name.
terraform import icgpu_model_deployment.example my-llama
