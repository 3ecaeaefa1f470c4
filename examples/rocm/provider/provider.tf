# The token comes from the ROCM_TOKEN environment variable and the endpoint from ROCM_ENDPOINT.
# Management endpoints are usually private: trust their CA with ca_cert_pem.
provider "rocm" {
  max_retries     = 2
  request_timeout = "15s"
  # ca_cert_pem   = file("${path.module}/rocm-ca.pem")
}
