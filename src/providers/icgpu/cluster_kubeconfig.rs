//! `ephemeral.icgpu_cluster_kubeconfig`: the admin kubeconfig of a running cluster, fetched
//! anew in every plan and apply and never written to plan or state. Unlike
//! `icgpu_cluster.kubeconfig`, it can configure a `kubernetes` provider block without the
//! credential ever reaching the state file.

use super::cluster::kubeconfig;
use super::IcGpuClient;
use crate::framework::{
    validators, Attribute, Ctx, Diagnostics, EphemeralResource, Opened, Schema,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct ClusterKubeconfigEphemeral;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClusterKubeconfigModel {
    pub cluster_id: Option<String>,
    pub kubeconfig: Option<String>,
}

#[async_trait]
impl EphemeralResource for ClusterKubeconfigEphemeral {
    type Client = IcGpuClient;
    type Model = ClusterKubeconfigModel;

    fn type_name(&self) -> &'static str {
        "cluster_kubeconfig"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The admin kubeconfig of a running IC GPU cluster, read without storing it: \
             Terraform fetches it anew in each plan and apply and keeps it out of plan and \
             state, so it can configure another provider's block (such as `kubernetes`) from a \
             configuration that does not manage the cluster.",
        )
        .attribute(
            Attribute::string("cluster_id")
                .required()
                .validator(validators::regex(
                    r"^cls-[a-z0-9]+$",
                    "a cluster ID such as `cls-abc123`",
                ))
                .description(
                    "ID of the cluster (`cls-...`), e.g. `icgpu_cluster.example.id`. The cluster \
                     must be `running`.",
                ),
        )
        .attribute(
            Attribute::string("kubeconfig")
                .computed()
                .sensitive()
                .description(
                    "Admin kubeconfig (YAML): server URL, CA certificate and bearer token. Read \
                     its parts with `yamldecode`.",
                ),
        )
    }

    async fn open(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut config: ClusterKubeconfigModel,
    ) -> Result<Opened<ClusterKubeconfigModel>, Diagnostics> {
        let api = &super::api(ctx)?;
        let id = config.cluster_id.clone().unwrap_or_default();
        config.kubeconfig = Some(kubeconfig(api, &id).await?);
        Ok(Opened::once(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Value;

    #[test]
    fn cluster_id_must_be_a_cluster_id() {
        let schema = ClusterKubeconfigEphemeral.schema();
        let ok =
            super::super::testutil::check(&schema, "cluster_id", Value::string("cls-abc123"), &[]);
        assert!(!ok.has_errors());
        let bad =
            super::super::testutil::check(&schema, "cluster_id", Value::string("vm-abc123"), &[]);
        let text = super::super::testutil::errors_text(&bad);
        assert!(
            text.contains("cluster_id") && text.contains("cls-abc123"),
            "{text}"
        );
    }
}
