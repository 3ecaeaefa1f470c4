# Tiers that can start an interactive instance right now.
data "icgpu_gpu_tiers" "available" {
  available_only = true
}

output "cheapest_available_tier" {
  value = try(
    [for t in data.icgpu_gpu_tiers.available.tiers : t.tier if t.price_per_hour_tokens == min([for x in data.icgpu_gpu_tiers.available.tiers : x.price_per_hour_tokens]...)][0],
    null
  )
}
