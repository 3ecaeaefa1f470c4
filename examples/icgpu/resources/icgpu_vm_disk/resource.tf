# A 500 GB data disk. Raising size_gb later grows it in place and keeps the data; it
# cannot shrink.
resource "icgpu_vm_disk" "data" {
  name    = "data-volume"
  size_gb = 500
}
