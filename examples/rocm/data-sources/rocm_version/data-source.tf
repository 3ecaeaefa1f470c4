data "rocm_version" "host" {}

output "rocm_version" {
  value = data.rocm_version.host.rocm_version
}
