data "gpuai_gpu_config" "rtx5090" {
  config_id = "gpu-rtx5090-32g-16cpu-96g"
}

output "rtx5090_plans" {
  value = [for p in data.gpuai_gpu_config.rtx5090.plans : p.plan_id]
}
