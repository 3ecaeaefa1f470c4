# A configuration that uses a cluster another configuration manages.
variable "cluster_id" {
  type        = string
  description = "ID of a running cluster (`icgpu_cluster.<name>.id` elsewhere)."
}

# Fetched anew in every plan and apply; never written to plan or state.
ephemeral "icgpu_cluster_kubeconfig" "training" {
  cluster_id = var.cluster_id
}

locals {
  kube = yamldecode(ephemeral.icgpu_cluster_kubeconfig.training.kubeconfig)
}

# Any provider block can take it, for example hashicorp/kubernetes:
#
# provider "kubernetes" {
#   host                   = local.kube.clusters[0].cluster.server
#   token                  = local.kube.users[0].user.token
#   cluster_ca_certificate = base64decode(local.kube.clusters[0].cluster["certificate-authority-data"])
# }
