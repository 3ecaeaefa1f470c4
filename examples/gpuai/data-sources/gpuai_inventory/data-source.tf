# NVIDIA GPUs with 32 to 96 GiB of VRAM in as-south-1.
data "gpuai_inventory" "mid_range" {
  region     = "as-south-1"
  gpu_vendor = "NVIDIA"
  vram_min   = 32
  vram_max   = 96
}

output "available_configs" {
  value = [for i in data.gpuai_inventory.mid_range.items : i.config_id if i.available_gpu_count > 0]
}
