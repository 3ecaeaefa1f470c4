data "shadeform_instance_types" "a6000" {
  shade_instance_type = "A6000"
  available           = true
  sort                = "price"
}

output "cheapest_a6000" {
  value = data.shadeform_instance_types.a6000.cheapest_available == null ? null : {
    cloud  = data.shadeform_instance_types.a6000.cheapest_available.cloud
    region = data.shadeform_instance_types.a6000.cheapest_available.region
    cents  = data.shadeform_instance_types.a6000.cheapest_available.hourly_price
  }
}
