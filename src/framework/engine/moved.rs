//! MoveResourceState: a resource type takes over an object from another type or provider.
//! The resource maps the source JSON to its own shape; the engine turns that into state the
//! same way an upgraded state is read (unknown attributes dropped, missing ones null), so the
//! refresh that follows starts from a value the schema holds.

use super::state;
use crate::framework::moved::{MoveSource, ProviderAddress};
use crate::framework::server::{MoveRequest, MoveResponse, ProviderServer};
use crate::framework::value::Value;

impl ProviderServer {
    pub fn move_resource_state(&self, req: MoveRequest) -> MoveResponse {
        let mut resp = MoveResponse {
            target_state: Value::Null,
            diags: Default::default(),
        };
        let r = match self.resource(&req.target_type_name) {
            Ok(r) => r,
            Err(d) => {
                resp.diags = d;
                return resp;
            }
        };
        let from = MoveSource {
            provider: ProviderAddress::parse(&req.source_provider_address),
            provider_text: &req.source_provider_address,
            type_name: &req.source_type_name,
            schema_version: req.source_schema_version,
            state: &req.source_state,
        };
        match r.move_state(&from) {
            None => resp.diags.error(
                "Move not supported",
                format!(
                    "{} cannot take over {} from {}: remove the `moved` block and import the \
                     object instead (`terraform import {}.<name> <id>`).",
                    req.target_type_name,
                    req.source_type_name,
                    from.provider
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| req.source_provider_address.clone()),
                    req.target_type_name,
                ),
            ),
            Some(Err(d)) => resp.diags = d,
            Some(Ok(json)) => match state::upgraded(&r.schema(), json) {
                Ok(v) => resp.target_state = v,
                Err(d) => resp.diags = d,
            },
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use crate::framework::resource::{ConfigureInfo, Ctx, DynDataSource, DynResource, Provider};
    use crate::framework::server::{MoveRequest, ProviderServer};
    use crate::framework::{
        Attribute, Diagnostics, Failure, MoveSource, Resource, Schema, Severity, Value,
    };
    use async_trait::async_trait;
    use serde_json::{json, Value as Json};
    use std::sync::Arc;

    /// Takes over `old_disk` from `example/legacy`, renaming `gb` to `size`.
    struct Disk;

    #[async_trait]
    impl Resource for Disk {
        type Client = ();
        type Model = Json;
        fn type_name(&self) -> &'static str {
            "disk"
        }
        fn import_form(&self) -> crate::framework::ImportForm {
            crate::framework::ImportForm::prefixed("x-")
        }
        fn schema(&self) -> Schema {
            Schema::new("d")
                .attribute(Attribute::string("id").computed().description("i"))
                .attribute(Attribute::int("size").required().description("s"))
                .timeouts(&["create"])
        }
        fn move_state(&self, from: &MoveSource<'_>) -> Option<Result<Json, Diagnostics>> {
            if !from.is("example/legacy", "legacy_disk") {
                return None;
            }
            Some(Ok(json!({
                "id": from.state["id"], "size": from.state["gb"], "colour": "dropped",
                "timeouts": {"create": "5m"}
            })))
        }
        async fn create(&self, _: &Ctx<'_, ()>, plan: Json) -> Result<Json, Failure<Json>> {
            Ok(plan)
        }
        async fn read(&self, _: &Ctx<'_, ()>, state: Json) -> Result<Option<Json>, Diagnostics> {
            Ok(Some(state))
        }
        async fn delete(&self, _: &Ctx<'_, ()>, _: Json) -> Result<(), Diagnostics> {
            Ok(())
        }
    }

    struct Cloud;

    #[async_trait]
    impl Provider for Cloud {
        type Client = ();
        type Config = Json;
        fn name(&self) -> &'static str {
            "cloud"
        }
        fn schema(&self) -> Schema {
            Schema::new("c")
        }
        async fn configure(&self, _: Json, _: &ConfigureInfo) -> Result<(), Diagnostics> {
            Ok(())
        }
        fn resources(&self) -> Vec<Arc<dyn DynResource>> {
            vec![Arc::new(Disk)]
        }
        fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
            Vec::new()
        }
    }

    fn request(provider: &str, ty: &str) -> MoveRequest {
        MoveRequest {
            source_provider_address: provider.into(),
            source_type_name: ty.into(),
            source_schema_version: 0,
            source_state: json!({"id": "d-1", "gb": 40}),
            target_type_name: "cloud_disk".into(),
        }
    }

    #[test]
    fn a_known_source_becomes_state_of_the_schema_and_others_are_refused() {
        let server = ProviderServer::new(Arc::new(Cloud));
        let resp = server.move_resource_state(request(
            "provider[\"registry.terraform.io/example/legacy\"]",
            "legacy_disk",
        ));
        assert!(resp.diags.is_empty());
        let v = resp.target_state;
        assert_eq!(v.attr("size").and_then(Value::as_i64), Some(40));
        assert!(
            v.attr("colour").is_none(),
            "attributes the schema lacks are dropped"
        );
        assert_eq!(
            v.attr("timeouts")
                .and_then(|t| t.attr("create"))
                .and_then(Value::as_str),
            Some("5m")
        );

        let resp = server.move_resource_state(request("example/other", "legacy_disk"));
        assert!(resp.target_state.is_null());
        let d = resp.diags.iter().next().expect("refused");
        assert_eq!(
            (d.severity, d.summary.as_str()),
            (Severity::Error, "Move not supported")
        );
        assert!(
            d.detail.contains("registry.terraform.io/example/other"),
            "{}",
            d.detail
        );
        let resp = server.move_resource_state(MoveRequest {
            target_type_name: "cloud_nope".into(),
            ..request("example/legacy", "legacy_disk")
        });
        assert!(resp.diags.has_errors());
    }
}
