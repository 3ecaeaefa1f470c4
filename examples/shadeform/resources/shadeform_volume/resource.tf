# Persistent storage that outlives the instances mounting it.
resource "shadeform_volume" "models" {
  cloud      = "datacrunch"
  region     = "helsinki-finland-2"
  name       = "model-cache"
  size_in_gb = 500
}

# Mounted at launch; the instance must be in the volume's cloud and region.
resource "shadeform_instance" "trainer" {
  cloud               = shadeform_volume.models.cloud
  region              = shadeform_volume.models.region
  shade_instance_type = "H200"
  name                = "trainer"
  volume_ids          = [shadeform_volume.models.id]
}

