//! The ephemeral-resource RPC bodies: validate, open, renew and close. Open answers like a data
//! source read (configured values stay as configured, computed ones take what was found), but the
//! answer only ever lives in Terraform's memory; renew and close see the private data open set.

use super::state;
use super::validate;
use crate::framework::diag::Diagnostics;
use crate::framework::ephemeral::DynEphemeralResource;
use crate::framework::resource::Notes;
use crate::framework::server::*;
use crate::framework::value::Value;
use std::sync::Arc;

impl ProviderServer {
    fn ephemeral(&self, type_name: &str) -> Result<Arc<dyn DynEphemeralResource>, Diagnostics> {
        self.ephemeral_resources
            .get(type_name)
            .cloned()
            .ok_or_else(|| {
                Diagnostics::single_error(
                    "Unknown ephemeral resource type",
                    format!(
                        "The {} provider has no ephemeral resource type {type_name:?}.",
                        self.name()
                    ),
                )
            })
    }

    pub fn validate_ephemeral_resource_config(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Diagnostics {
        let e = match self.ephemeral(type_name) {
            Ok(e) => e,
            Err(d) => return d,
        };
        let mut diags = validate::config(&e.schema(), config, true);
        e.validate(config, &mut diags);
        diags
    }

    pub async fn open_ephemeral_resource(
        &self,
        req: OpenEphemeralRequest,
    ) -> OpenEphemeralResponse {
        let mut resp = OpenEphemeralResponse {
            result: Value::Unknown,
            renew_at: None,
            private: Vec::new(),
            diags: Diagnostics::new(),
        };
        // Terraform does not open with unknown arguments (it plans the result as unknown); if
        // it ever did, nothing could be fetched for them.
        if !req.config.is_fully_known() {
            return resp;
        }
        let (e, client) = match self
            .ephemeral(&req.type_name)
            .and_then(|e| Ok((e, self.configured_client()?)))
        {
            Ok(x) => x,
            Err(d) => {
                resp.diags = d;
                return resp;
            }
        };
        let schema = e.schema();
        let notes = Notes::default();
        let ctx = self.ctx(&*client, e.default_timeout(), &notes);
        match e.open(&ctx, state::model_json(&schema, &req.config)).await {
            Ok((json, renew_at)) => match state::reconcile_data(&schema, json, &req.config) {
                Ok(v) => {
                    resp.result = v;
                    resp.renew_at = renew_at;
                }
                Err(d) => resp.diags.extend(d),
            },
            Err(d) => resp.diags.extend(d),
        }
        resp.diags.extend(state::take_warnings(&notes));
        resp.private = state::private_bytes(&notes);
        resp
    }

    pub async fn renew_ephemeral_resource(
        &self,
        req: RenewEphemeralRequest,
    ) -> RenewEphemeralResponse {
        let mut resp = RenewEphemeralResponse {
            renew_at: None,
            private: req.private.clone(),
            diags: Diagnostics::new(),
        };
        let (e, client) = match self
            .ephemeral(&req.type_name)
            .and_then(|e| Ok((e, self.configured_client()?)))
        {
            Ok(x) => x,
            Err(d) => {
                resp.diags = d;
                return resp;
            }
        };
        let notes = state::notes_from_private(&req.private);
        let ctx = self.ctx(&*client, e.default_timeout(), &notes);
        match e.renew(&ctx).await {
            Ok(at) => resp.renew_at = at,
            Err(d) => resp.diags.extend(d),
        }
        resp.diags.extend(state::take_warnings(&notes));
        resp.private = state::private_bytes(&notes);
        resp
    }

    pub async fn close_ephemeral_resource(&self, req: CloseEphemeralRequest) -> Diagnostics {
        let (e, client) = match self
            .ephemeral(&req.type_name)
            .and_then(|e| Ok((e, self.configured_client()?)))
        {
            Ok(x) => x,
            Err(d) => return d,
        };
        let notes = state::notes_from_private(&req.private);
        let ctx = self.ctx(&*client, e.default_timeout(), &notes);
        let mut diags = e.close(&ctx).await.err().unwrap_or_default();
        diags.extend(state::take_warnings(&notes));
        diags
    }
}

#[cfg(test)]
mod tests {
    use crate::framework::resource::{ConfigureInfo, DynDataSource, DynResource, Provider};
    use crate::framework::server::*;
    use crate::framework::{
        Attribute, Ctx, Diagnostics, DynEphemeralResource, EphemeralResource, Opened, Schema, Value,
    };
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    type Json = serde_json::Value;

    /// Counts opens; its answer also tries to change the configured `name`.
    struct Token(Arc<AtomicU32>);

    #[async_trait]
    impl EphemeralResource for Token {
        type Client = ();
        type Model = Json;
        fn type_name(&self) -> &'static str {
            "token"
        }
        fn schema(&self) -> Schema {
            Schema::new("t")
                .attribute(
                    Attribute::string("name")
                        .required()
                        .one_of(&["ci", "ops"])
                        .description("n"),
                )
                .attribute(Attribute::string("value").computed().description("v"))
        }
        async fn open(
            &self,
            ctx: &Ctx<'_, ()>,
            mut config: Json,
        ) -> Result<Opened<Json>, Diagnostics> {
            self.0.fetch_add(1, Ordering::SeqCst);
            ctx.private_set("issued", config["name"].clone());
            config["value"] = "s3cr3t".into();
            config["name"] = "changed by the provider".into();
            Ok(Opened::once(config))
        }
        async fn close(&self, ctx: &Ctx<'_, ()>) -> Result<(), Diagnostics> {
            match ctx.private_get("issued") {
                Some(_) => Ok(()),
                None => Err(Diagnostics::single_error("nothing to close", "")),
            }
        }
    }

    struct P(Arc<AtomicU32>);

    #[async_trait]
    impl Provider for P {
        type Client = ();
        type Config = Json;
        fn name(&self) -> &'static str {
            "test"
        }
        fn schema(&self) -> Schema {
            Schema::new("p")
        }
        async fn configure(&self, _c: Json, _i: &ConfigureInfo) -> Result<(), Diagnostics> {
            Ok(())
        }
        fn resources(&self) -> Vec<Arc<dyn DynResource>> {
            Vec::new()
        }
        fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
            Vec::new()
        }
        fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource>> {
            vec![Arc::new(Token(self.0.clone()))]
        }
    }

    async fn server() -> (ProviderServer, Arc<AtomicU32>) {
        let opens = Arc::new(AtomicU32::new(0));
        let s = ProviderServer::new(Arc::new(P(opens.clone())));
        let d = s
            .configure(ConfigureRequest {
                config: Value::Object(Default::default()),
                terraform_version: "1.11.4".into(),
            })
            .await;
        assert!(d.is_empty(), "{d:?}");
        (s, opens)
    }

    fn config(name: Value) -> Value {
        Value::Object(
            [
                ("name".to_string(), name),
                ("value".to_string(), Value::Null),
            ]
            .into_iter()
            .collect(),
        )
    }

    #[tokio::test]
    async fn open_keeps_configured_values_and_hands_private_data_to_close() {
        let (s, opens) = server().await;
        let resp = s
            .open_ephemeral_resource(OpenEphemeralRequest {
                type_name: "test_token".into(),
                config: config("ci".into()),
            })
            .await;
        assert!(resp.diags.is_empty(), "{:?}", resp.diags);
        assert_eq!(resp.result.attr("name"), Some(&Value::string("ci")));
        assert_eq!(resp.result.attr("value"), Some(&Value::string("s3cr3t")));
        assert_eq!(opens.load(Ordering::SeqCst), 1);
        let closed = s
            .close_ephemeral_resource(CloseEphemeralRequest {
                type_name: "test_token".into(),
                private: resp.private,
            })
            .await;
        assert!(closed.is_empty(), "{closed:?}");
        let without_private = s
            .close_ephemeral_resource(CloseEphemeralRequest {
                type_name: "test_token".into(),
                private: Vec::new(),
            })
            .await;
        assert!(without_private.has_errors());
    }

    #[tokio::test]
    async fn unknown_arguments_are_not_opened() {
        let (s, opens) = server().await;
        let resp = s
            .open_ephemeral_resource(OpenEphemeralRequest {
                type_name: "test_token".into(),
                config: config(Value::Unknown),
            })
            .await;
        assert!(resp.diags.is_empty());
        assert!(resp.result.is_unknown());
        assert_eq!(opens.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn validation_runs_the_declared_validators_and_unknown_types_fail() {
        let (s, _) = server().await;
        let d = s.validate_ephemeral_resource_config("test_token", &config("dev".into()));
        let e = d.iter().next().expect("one error");
        assert_eq!(e.path, Some(crate::framework::AttributePath::attr("name")));
        let d = s.validate_ephemeral_resource_config("test_nothing", &config("ci".into()));
        assert!(d
            .iter()
            .any(|d| d.summary == "Unknown ephemeral resource type"));
    }
}
