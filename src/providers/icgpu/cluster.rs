//! `icgpu_cluster`: a virtual Kubernetes cluster (vCluster). The API has no update, so `name`
//! and `version` replace it. Create waits for `running` and downloads the admin kubeconfig,
//! which is kept in state (sensitive) so a `kubernetes` provider can be configured from it.

use super::api::{Cluster, CreateCluster};
use super::long_running::{self, Collection, IcGpuObject};
use super::records;
use super::IcGpuClient;
use crate::client::{Api, ClientError};
use crate::framework::resource::Operation;
use crate::framework::ImportForm;
use crate::framework::{validators, Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
use crate::providers::common::lifecycle::{self, Fields, Statuses};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub struct ClusterResource;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClusterModel {
    pub id: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub status: Option<String>,
    pub endpoint: Option<String>,
    pub kubeconfig: Option<String>,
    pub created_at: Option<String>,
    pub error_message: Option<String>,
}

impl ClusterModel {
    fn observe(&mut self, c: &Cluster) {
        self.id = Some(c.id.clone());
        self.name = Some(c.name.clone());
        self.version = Some(c.version.clone());
        self.status = Some(c.status.clone());
        // The endpoint is null outside `running`; keep the last known one meanwhile so a
        // consumer's configuration does not flap.
        self.endpoint = c.endpoint.clone().or(self.endpoint.take());
        self.created_at = c.created_at.clone();
        self.error_message = c.error_message.clone();
    }
}

/// The lifecycle of clusters: `pending` → `running`.
pub(crate) type Clusters = Collection<Cluster>;

impl IcGpuObject for Cluster {
    const TYPE: &'static str = "icgpu_cluster";
    const NOUN: &'static str = "cluster";
    const COLLECTION: &'static str = "/api/v1/clusters";
    const LIST_FIELD: &'static str = "clusters";
    const STATUSES: Statuses = Statuses {
        ready: &["running"],
        starting: &["pending", "provisioning"],
        failed: &["error"],
        gone: &["terminating", "terminated"],
        deleted: &["terminated"],
    };

    fn fields(&self) -> Fields<'_> {
        long_running::fields(
            &self.id,
            &self.status,
            &self.name,
            &self.created_at,
            &self.error_message,
        )
    }
}

/// The admin kubeconfig (YAML), available only while the cluster is `running` (shared with
/// `ephemeral.icgpu_cluster_kubeconfig`).
pub(super) async fn kubeconfig(api: &Api, id: &str) -> Result<String, ClientError> {
    api.get(&format!("{}/kubeconfig", Clusters::path(id)))
        .describe(format!("download the kubeconfig of cluster {id}"))
        .send_text()
        .await
}

#[async_trait]
impl Resource for ClusterResource {
    type Client = IcGpuClient;
    type Model = ClusterModel;

    fn type_name(&self) -> &'static str {
        "cluster"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A virtual Kubernetes cluster (vCluster) with GPU access on the IC GPU platform. The \
             API cannot change a cluster, so `name` and `version` replace it. `kubeconfig` \
             configures a `kubernetes` provider (see the example).",
        )
        .attribute(records::id("Cluster ID (`cls-...`); also the import ID."))
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(records::dns_label())
                .description("Cluster name, unique among the account's clusters."),
        )
        .attribute(
            Attribute::string("version")
                .optional_computed()
                .validator(validators::regex(
                    r"^1\.[0-9]{2}$",
                    "a Kubernetes minor version such as `1.31`",
                ))
                .use_state_for_unknown()
                .requires_replace()
                .description(
                    "Kubernetes minor version (`major.minor`, e.g. `1.31`). Defaults to the \
                     newest version the platform supports; the deployed version is reported here.",
                ),
        )
        .attribute(Attribute::string("status").output(
            "Lifecycle status reported by the API: pending, provisioning, running, error or \
             terminating.",
        ))
        .attribute(
            Attribute::string("endpoint")
                .output("Kubernetes API server URL (`https://...`).")
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::string("kubeconfig")
                .computed()
                .sensitive()
                .use_state_for_unknown()
                .description(
                    "Admin kubeconfig (YAML) downloaded from the platform once the cluster is \
                     running; also fetched after `terraform import`. A credential: sensitive, so \
                     it is never shown in plans or logs, but it is stored in state. To configure \
                     a provider without storing it, read it with \
                     `ephemeral.icgpu_cluster_kubeconfig` instead.",
                ),
        )
        .attribute(records::created_at())
        .attribute(
            Attribute::string("error_message")
                .output("Why the cluster is in status `error`; null otherwise."),
        )
        .timeouts(&["create", "read", "delete"])
    }

    fn default_timeout(&self, op: Operation) -> Duration {
        match op {
            Operation::Create => Duration::from_secs(20 * 60),
            _ => Duration::from_secs(10 * 60),
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: ClusterModel,
    ) -> Result<ClusterModel, Failure<ClusterModel>> {
        let api = &super::api(ctx)?;
        let request = |name: &str| {
            let body = CreateCluster {
                name: name.to_string(),
                version: plan.version.clone(),
            };
            api.post("/api/v1/clusters")
                .json(&body)
                .describe(format!("create cluster {name:?}"))
        };
        let submitted =
            lifecycle::submit(api, &Clusters::new(), &plan, plan.name.clone(), request).await?;
        let (ready, last) = lifecycle::wait_for(
            api,
            &Clusters::new(),
            &submitted.id,
            Cluster::STATUSES.ready,
            Cluster::STATUSES.starting,
        )
        .await;
        // The kubeconfig exists once the cluster runs; a refresh fetches it if this is cut short.
        let (ready, config) = match ready {
            Ok(c) => match kubeconfig(api, &submitted.id).await {
                Ok(k) => (Ok(c), Some(k)),
                Err(e) => (Err(e), None),
            },
            Err(e) => (Err(e), None),
        };
        lifecycle::settle(ctx, &submitted, (ready, last), |c| {
            let mut state = plan.clone();
            state.observe(c);
            state.kubeconfig = config.clone();
            state
        })
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut state: ClusterModel,
    ) -> Result<Option<ClusterModel>, Diagnostics> {
        let api = &super::api(ctx)?;
        let Some(id) = state.id.clone() else {
            return Ok(None);
        };
        let Some(c) = lifecycle::read(ctx, api, &Clusters::new(), &id).await? else {
            return Ok(None);
        };
        state.observe(&c);
        // After an import (or an interrupted create) the kubeconfig is not in state yet;
        // unlike one-time secrets the platform serves it again, so fetch it once.
        if state.kubeconfig.is_none() && c.status == "running" {
            state.kubeconfig = Some(kubeconfig(api, &id).await?);
        }
        Ok(Some(state))
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: ClusterModel,
    ) -> Result<(), Diagnostics> {
        match state.id.as_deref() {
            Some(id) => lifecycle::delete(&super::api(ctx)?, &Clusters::new(), id).await,
            None => Ok(()),
        }
    }

    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("cls-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observe_keeps_the_last_endpoint_while_not_running() {
        let running: Cluster = serde_json::from_value(serde_json::json!({
            "id": "cls-abc123", "name": "training", "version": "1.31", "status": "running",
            "endpoint": "https://cls-abc123.k8s.gpu.local:443",
            "createdAt": "2025-11-20T09:14:03Z", "updatedAt": "2025-11-20T09:16:41Z",
            "errorMessage": null
        }))
        .expect("spec example parses");
        let mut m = ClusterModel::default();
        m.observe(&running);
        let mut error = running.clone();
        error.status = "error".into();
        error.endpoint = None;
        m.observe(&error);
        assert_eq!(m.status.as_deref(), Some("error"));
        assert_eq!(
            m.endpoint.as_deref(),
            Some("https://cls-abc123.k8s.gpu.local:443")
        );
        assert_eq!(m.version.as_deref(), Some("1.31"));
    }
}
