# Chat models served by vLLM that need no Hugging Face token.
data "icgpu_model_catalogue" "open_chat" {
  engine = "vllm"
  task   = "chat"
  gated  = false
}

resource "icgpu_model_deployment" "chat" {
  name             = "open-chat"
  model            = data.icgpu_model_catalogue.open_chat.model_catalogue[0].model
  engine           = data.icgpu_model_catalogue.open_chat.model_catalogue[0].engine
  resource_profile = data.icgpu_model_catalogue.open_chat.model_catalogue[0].resource_profile
  min_replicas     = 1
  max_replicas     = 2
}
