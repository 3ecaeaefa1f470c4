# The API key comes from the AMD_API_KEY environment variable and the endpoint from
# AMD_ENDPOINT (default https://api.developer.amd.com/v1); both can also be set here.
provider "amd" {
  max_retries         = 4
  request_timeout     = "30s"
  requests_per_minute = 120
}
