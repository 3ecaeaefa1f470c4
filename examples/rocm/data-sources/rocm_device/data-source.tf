data "rocm_device" "gpu0" {
  id = "gpu0"
}

output "gpu0_temperature" {
  value = data.rocm_device.gpu0.health.temperature
}
