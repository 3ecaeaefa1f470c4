# Templates with a passthrough GPU.
data "icgpu_vm_templates" "gpu" {
  gpu = true
}

resource "icgpu_vm" "from_template" {
  name        = "gpu-box"
  template_id = data.icgpu_vm_templates.gpu.vm_templates[0].id
  disk_gb     = data.icgpu_vm_templates.gpu.vm_templates[0].min_disk_gb
}
