# Lists the MI300X GPUs with their health. Set require_healthy = true to make the plan fail,
# naming the device, while any of them is not healthy.
data "rocm_devices" "mi300x" {
  model           = "MI300X"
  include_health  = true
  require_healthy = false
}

output "device_health" {
  value = { for d in data.rocm_devices.mi300x.devices : d.id => d.health.status }
}
