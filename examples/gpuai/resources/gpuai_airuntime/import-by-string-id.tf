import {
  to = gpuai_airuntime.jupyter
  id = "org-abc123/prj-abc123/3f2b6c1e-8a4d-4c8e-9f57-2d1c0b7a9e10"
}
