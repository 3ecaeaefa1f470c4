//! `icgpu_cluster`: a virtual Kubernetes cluster (vCluster). The API has no update, so `name`
//! and `version` replace it. Create waits for `running` and downloads the admin kubeconfig,
//! which is kept in state (sensitive) so a `kubernetes` provider can be configured from it.

use super::api::{Cluster, CreateCluster};
use super::{budget, IcGpuClient};
use crate::client::{create_reconciled, list_all_token, wait_until, Client, ClientError, Poll};
use crate::framework::resource::Operation;
use crate::framework::{validators, Attribute, Ctx, Diagnostics, Failure, Resource, Schema};
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

fn path(id: &str) -> String {
    format!("/api/v1/clusters/{id}")
}

/// Polls the cluster until it is `running`; `error` fails with the API's message.
async fn wait_running(
    api: &Client,
    ctx: &Ctx<'_, IcGpuClient>,
    id: &str,
) -> Result<Cluster, ClientError> {
    let b = budget(ctx);
    wait_until(&b, &format!("cluster {id} to be running"), || async {
        let Some(c) = api
            .get(&path(id))
            .describe(format!("read cluster {id}"))
            .budget(&b)
            .send_optional::<Cluster>()
            .await?
        else {
            return Ok(Poll::Failed(format!("cluster {id} disappeared")));
        };
        Ok(match c.status.as_str() {
            "running" => Poll::Ready(c),
            "error" => Poll::Failed(
                c.error_message
                    .unwrap_or_else(|| "the cluster entered status error".into()),
            ),
            "terminating" => Poll::Failed(format!("cluster {id} is being deleted")),
            s => Poll::Pending(s.to_string()),
        })
    })
    .await
}

/// The admin kubeconfig (YAML), available only while the cluster is `running` (shared with
/// `ephemeral.icgpu_cluster_kubeconfig`).
pub(super) async fn kubeconfig(
    api: &Client,
    ctx: &Ctx<'_, IcGpuClient>,
    id: &str,
) -> Result<String, ClientError> {
    api.get(&format!("{}/kubeconfig", path(id)))
        .describe(format!("download the kubeconfig of cluster {id}"))
        .budget(&budget(ctx))
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
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("Cluster ID (`cls-...`); also the import ID."),
        )
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validator(validators::regex(
                    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
                    "a DNS label: 1-63 lower-case letters, digits and '-', starting and ending \
                     with a letter or digit",
                ))
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
        .attribute(Attribute::string("status").computed().description(
            "Lifecycle status reported by the API: pending, provisioning, running, error or \
             terminating.",
        ))
        .attribute(
            Attribute::string("endpoint")
                .computed()
                .use_state_for_unknown()
                .description("Kubernetes API server URL (`https://...`)."),
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
        .attribute(
            Attribute::string("created_at")
                .computed()
                .use_state_for_unknown()
                .description("Creation time (RFC 3339)."),
        )
        .attribute(
            Attribute::string("error_message")
                .computed()
                .description("Why the cluster is in status `error`; null otherwise."),
        )
        .timeouts(&["create", "delete"])
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
        let api = ctx.client.authed()?;
        let req = CreateCluster {
            name: plan.name.clone().unwrap_or_default(),
            version: plan.version.clone(),
        };
        let request = api
            .post("/api/v1/clusters")
            .json(&req)
            .idempotency_key(uuid::Uuid::new_v4().to_string())
            .describe(format!("create cluster {:?}", req.name))
            .budget(&budget(ctx));
        let name = req.name.clone();
        let created: Cluster = create_reconciled(request, |started_at| {
            let name = name.clone();
            async move {
                // An ambiguous failure: find a cluster of this name created since we started.
                let all: Vec<Cluster> =
                    list_all_token(api.get("/api/v1/clusters"), "clusters").await?;
                Ok(all.into_iter().find(|c| {
                    c.name == name
                        && c.created_at
                            .as_deref()
                            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                            .is_some_and(|t| {
                                t.with_timezone(&chrono::Utc)
                                    >= started_at - chrono::Duration::seconds(5)
                            })
                }))
            }
        })
        .await
        .map_err(Diagnostics::from)?;
        api.cache().invalidate("clusters");
        let mut state = plan;
        state.observe(&created);
        let id = created.id.clone();
        let outcome = async {
            let c = wait_running(api, ctx, &id).await?;
            let k = kubeconfig(api, ctx, &id).await?;
            Ok::<_, ClientError>((c, k))
        }
        .await;
        api.cache().invalidate("clusters");
        match outcome {
            Ok((c, k)) => {
                state.observe(&c);
                state.kubeconfig = Some(k);
                Ok(state)
            }
            Err(e) => {
                let mut diags: Diagnostics = e.into();
                diags.warning(
                    format!("Cluster {id} was created but did not become running"),
                    "It is saved in state as tainted: the next apply replaces it, and \
                     `terraform destroy` deletes it.",
                );
                Err(Failure::with_partial(diags, state))
            }
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        mut state: ClusterModel,
    ) -> Result<Option<ClusterModel>, Diagnostics> {
        let api = ctx.client.authed()?;
        let Some(id) = state.id.clone() else {
            return Ok(None);
        };
        let found: Option<Cluster> = api
            .cache()
            .read(
                "clusters",
                &id,
                || list_all_token(api.get("/api/v1/clusters"), "clusters"),
                || {
                    api.get(&path(&id))
                        .describe(format!("read cluster {id}"))
                        .send_optional::<Cluster>()
                },
            )
            .await?;
        let c = match found {
            Some(c) if c.status == "terminating" || c.status == "terminated" => return Ok(None),
            Some(c) => c,
            None => return Ok(None),
        };
        state.observe(&c);
        // After an import the kubeconfig is not in state yet; unlike one-time secrets the
        // platform serves it again, so fetch it once.
        if state.kubeconfig.is_none() && c.status == "running" {
            state.kubeconfig = Some(kubeconfig(api, ctx, &id).await?);
        }
        Ok(Some(state))
    }

    /// Only a `timeouts` change reaches here (everything else replaces the cluster): refresh
    /// the computed values rather than leaving them unknown.
    async fn update(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        plan: ClusterModel,
        prior: ClusterModel,
    ) -> Result<ClusterModel, Failure<ClusterModel>> {
        let api = ctx.client.authed()?;
        let id = prior.id.clone().unwrap_or_default();
        let c: Cluster = api
            .get(&path(&id))
            .describe(format!("read cluster {id}"))
            .budget(&budget(ctx))
            .send()
            .await
            .map_err(Diagnostics::from)?;
        let mut state = ClusterModel {
            name: plan.name,
            version: plan.version,
            ..prior
        };
        state.observe(&c);
        Ok(state)
    }

    async fn delete(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        state: ClusterModel,
    ) -> Result<(), Diagnostics> {
        let api = ctx.client.authed()?;
        let Some(id) = state.id else { return Ok(()) };
        let b = budget(ctx);
        let gone = match api
            .delete(&path(&id))
            .describe(format!("delete cluster {id}"))
            .budget(&b)
            .send_no_body()
            .await
        {
            Ok(()) => false,
            Err(e) if e.is_not_found() => true,
            Err(e) => return Err(e.into()),
        };
        api.cache().invalidate("clusters");
        if gone {
            return Ok(());
        }
        wait_until(&b, &format!("cluster {id} to be deleted"), || async {
            let c = api
                .get(&path(&id))
                .describe(format!("read cluster {id}"))
                .budget(&b)
                .send_optional::<Cluster>()
                .await?;
            Ok(match c {
                None => Poll::Ready(()),
                Some(c) if c.status == "terminated" => Poll::Ready(()),
                Some(c) => Poll::Pending(c.status),
            })
        })
        .await?;
        api.cache().invalidate("clusters");
        Ok(())
    }

    fn import(&self, id: &str) -> Result<serde_json::Value, Diagnostics> {
        super::prefixed_import_id("icgpu_cluster", "cls-", id)
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

    #[test]
    fn import_needs_a_cluster_id() {
        assert!(ClusterResource.import("cls-abc123").is_ok());
        assert!(ClusterResource.import("vm-abc123").is_err());
    }
}
