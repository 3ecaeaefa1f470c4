data "gpuai_airuntime_template" "jupyter" {
  id = "tpl-jupyterlab-pytorch"
}

output "jupyter_image" {
  value = data.gpuai_airuntime_template.jupyter.template_spec.image
}
