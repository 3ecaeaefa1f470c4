# The API key comes from the SHADEFORM_API_KEY environment variable and the endpoint from
# SHADEFORM_ENDPOINT (default https://api.shadeform.ai/v1).
provider "shadeform" {
  max_retries     = 4
  request_timeout = "30s"
}
