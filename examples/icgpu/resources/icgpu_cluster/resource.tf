# A virtual Kubernetes cluster with GPU access.
resource "icgpu_cluster" "example" {
  name    = "training-cluster"
  version = "1.31"
}

# The kubeconfig is sensitive: it never shows in plans, but other configuration can use it,
# for example the kubernetes provider:
#
# provider "kubernetes" {
#   host  = yamldecode(icgpu_cluster.example.kubeconfig).clusters[0].cluster.server
#   token = yamldecode(icgpu_cluster.example.kubeconfig).users[0].user.token
#   cluster_ca_certificate = base64decode(
#     yamldecode(icgpu_cluster.example.kubeconfig).clusters[0].cluster["certificate-authority-data"]
#   )
# }
output "kubeconfig" {
  value     = icgpu_cluster.example.kubeconfig
  sensitive = true
}

output "api_server" {
  value = icgpu_cluster.example.endpoint
}
