resource "shadeform_instance" "vllm" {
  cloud               = "tensordock"
  region              = "na-us-bos-1"
  shade_instance_type = "A6000"
  name                = "vllm-server"

  # Fail the plan if Shadeform lists this type above $0.50 an hour (in cents, without the
  # platform fee).
  max_hourly_price = 50

  launch_configuration = {
    type = "docker"
    docker_configuration = {
      image = "vllm/vllm-openai:latest"
      args  = "--model mistralai/Mistral-7B-v0.1"
      port_mappings = [
        { host_port = 80, container_port = 8000 },
      ]
      volume_mounts = [
        { host_path = "~/.cache/huggingface", container_path = "/root/.cache/huggingface" },
      ]
      shared_memory_in_gb = 8
    }
  }
}

output "vllm_ssh" {
  value = "ssh -p ${shadeform_instance.vllm.ssh_port} ${shadeform_instance.vllm.ssh_user}@${shadeform_instance.vllm.ip}"
}

# Capacity failover: create tries these in order and uses the first that can launch now;
# `cloud`, `region` and `shade_instance_type` then record the one chosen.
resource "shadeform_instance" "failover" {
  name = "failover"
  placements = [
    { cloud = "aws", region = "eu-central-1", shade_instance_type = "8xH100" },
    { cloud = "lambdalabs", region = "us-west-1", shade_instance_type = "H100" },
  ]
}

output "failover_placement" {
  value = "${shadeform_instance.failover.shade_instance_type} in ${shadeform_instance.failover.region} on ${shadeform_instance.failover.cloud}"
}
