# Email me when H100s are free in as-south-1. The API cannot cancel a request: destroying
# this resource only forgets it.
resource "gpuai_availability_notification" "h100" {
  region_id = "as-south-1"
  config_id = "gpu-h100-80g-20cpu-125g"
}
