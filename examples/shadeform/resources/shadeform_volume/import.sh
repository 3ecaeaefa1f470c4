# Import an existing volume by its Shadeform ID.
terraform import shadeform_volume.models 78a0dd5a-dbb1-4568-b55c-5e7e0a8b0c40
