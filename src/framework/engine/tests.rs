//! The engine against a test resource built from closures: one behaviour per test.

use crate::framework::resource::{
    ConfigureInfo, Ctx, DataSource, DynDataSource, DynResource, Failure, Provider, Resource,
};
use crate::framework::schema::Nesting;
use crate::framework::server::*;
use crate::framework::validators;
use crate::framework::{
    Attribute, AttributePath, Diagnostics, ImportForm, Schema, Severity, Value,
};
use async_trait::async_trait;
use std::sync::{Arc, Mutex};

type Json = serde_json::Value;
type CreateFn = dyn Fn(Json) -> Result<Json, Failure<Json>> + Send + Sync;
type ReadFn = dyn Fn(Json) -> Option<Json> + Send + Sync;

struct Widget {
    create: Box<CreateFn>,
    read: Box<ReadFn>,
    seen: Arc<Mutex<Vec<Json>>>,
}

#[async_trait]
impl Resource for Widget {
    type Client = ();
    type Model = Json;
    fn type_name(&self) -> &'static str {
        "widget"
    }
    fn schema(&self) -> Schema {
        Schema::new("w")
            .version(1)
            .attribute(
                Attribute::string("id")
                    .computed()
                    .use_state_for_unknown()
                    .description("id"),
            )
            .attribute(
                Attribute::string("name")
                    .required()
                    .requires_replace()
                    .description("n"),
            )
            .attribute(
                Attribute::int("size")
                    .default(50)
                    .validator(validators::between(10.0, 500.0))
                    .description("s"),
            )
            .attribute(Attribute::string("status").computed().description("s"))
            .attribute(
                Attribute::string("secret")
                    .optional()
                    .write_only()
                    .description("s"),
            )
            .attribute(
                Attribute::nested(
                    "launch",
                    Nesting::Single,
                    vec![
                        Attribute::string("kind")
                            .optional()
                            .one_of(&["a", "b"])
                            .description("k"),
                        Attribute::string("phase").computed().description("p"),
                    ],
                )
                .optional()
                .description("l"),
            )
            .timeouts(&["create"])
    }
    async fn create(&self, _ctx: &Ctx<'_, ()>, plan: Json) -> Result<Json, Failure<Json>> {
        self.seen.lock().expect("lock").push(plan.clone());
        (self.create)(plan)
    }
    async fn read(&self, _ctx: &Ctx<'_, ()>, state: Json) -> Result<Option<Json>, Diagnostics> {
        Ok((self.read)(state))
    }
    async fn update(
        &self,
        _ctx: &Ctx<'_, ()>,
        plan: Json,
        _prior: Json,
    ) -> Result<Json, Failure<Json>> {
        self.seen.lock().expect("lock").push(plan.clone());
        Ok(plan)
    }
    async fn delete(&self, _ctx: &Ctx<'_, ()>, _state: Json) -> Result<(), Diagnostics> {
        Ok(())
    }
    fn import_form(&self) -> ImportForm {
        ImportForm::prefixed("w-")
    }
    /// Version 0 called `name` `label`.
    fn upgrade_state(&self, from: i64, mut state: Json) -> Result<Json, Diagnostics> {
        assert_eq!(from, 0);
        if let Some(o) = state.as_object_mut() {
            let label = o.remove("label").unwrap_or_default();
            o.insert("name".into(), label);
        }
        Ok(state)
    }
}

struct Echo;

#[async_trait]
impl DataSource for Echo {
    type Client = ();
    type Model = Json;
    fn type_name(&self) -> &'static str {
        "echo"
    }
    fn schema(&self) -> Schema {
        Schema::new("e")
            .attribute(Attribute::string("filter").optional().description("f"))
            .attribute(Attribute::string("result").computed().description("r"))
    }
    async fn read(&self, _ctx: &Ctx<'_, ()>, mut config: Json) -> Result<Json, Diagnostics> {
        config["result"] = serde_json::json!("found");
        config["filter"] = serde_json::json!("changed by the read");
        Ok(config)
    }
}

struct TestProvider(Mutex<Option<Widget>>);

#[async_trait]
impl Provider for TestProvider {
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
        let w = self.0.lock().expect("lock").take().expect("one widget");
        vec![Arc::new(w)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![Arc::new(Echo)]
    }
}

fn server(create: Box<CreateFn>, read: Box<ReadFn>) -> (ProviderServer, Arc<Mutex<Vec<Json>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let w = Widget {
        create,
        read,
        seen: seen.clone(),
    };
    (
        ProviderServer::new(Arc::new(TestProvider(Mutex::new(Some(w))))),
        seen,
    )
}

fn ok_server() -> (ProviderServer, Arc<Mutex<Vec<Json>>>) {
    server(
        Box::new(|mut p| {
            p["id"] = "w-1".into();
            p["status"] = "running".into();
            Ok(p)
        }),
        Box::new(Some),
    )
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    let mut m: std::collections::BTreeMap<String, Value> = [
        "id", "name", "size", "status", "secret", "launch", "timeouts",
    ]
    .iter()
    .map(|k| (k.to_string(), Value::Null))
    .collect();
    for (k, v) in pairs {
        m.insert(k.to_string(), v.clone());
    }
    Value::Object(m)
}

async fn configured(s: &ProviderServer) {
    let d = s
        .configure(ConfigureRequest {
            config: Value::Object(Default::default()),
            terraform_version: "1.11.4".into(),
        })
        .await;
    assert!(d.is_empty(), "{d:?}");
}

#[tokio::test]
async fn create_plan_fills_defaults_marks_computed_unknown_and_drops_write_only() {
    let (s, _) = ok_server();
    let config = obj(&[("name", "a".into()), ("secret", "hunter2".into())]);
    let p = s
        .plan_resource_change(PlanRequest {
            type_name: "test_widget".into(),
            prior_state: Value::Null,
            proposed_new_state: config.clone(),
            config,
            prior_private: Vec::new(),
        })
        .await;
    assert!(p.diags.is_empty(), "{:?}", p.diags);
    assert_eq!(p.planned_state.attr("size"), Some(&Value::number(50)));
    assert_eq!(p.planned_state.attr("id"), Some(&Value::Unknown));
    assert_eq!(p.planned_state.attr("status"), Some(&Value::Unknown));
    assert_eq!(p.planned_state.attr("secret"), Some(&Value::Null));
    assert!(p.requires_replace.is_empty());
}

#[tokio::test]
async fn apply_sends_write_only_to_create_keeps_planned_values_and_stores_no_secret() {
    let (s, seen) = server(
        Box::new(|mut p| {
            p["id"] = "w-1".into();
            p["status"] = "running".into();
            p["name"] = "renamed by the API".into();
            Ok(p)
        }),
        Box::new(Some),
    );
    configured(&s).await;
    let config = obj(&[("name", "a".into()), ("secret", "hunter2".into())]);
    let planned = obj(&[
        ("name", "a".into()),
        ("size", Value::number(50)),
        ("id", Value::Unknown),
        ("status", Value::Unknown),
    ]);
    let r = s
        .apply_resource_change(ApplyRequest {
            type_name: "test_widget".into(),
            prior_state: Value::Null,
            planned_state: planned,
            config,
            planned_private: Vec::new(),
        })
        .await;
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    assert_eq!(seen.lock().expect("lock")[0]["secret"], "hunter2");
    assert_eq!(r.new_state.attr("secret"), Some(&Value::Null));
    assert_eq!(
        r.new_state.attr("name"),
        Some(&Value::string("a")),
        "planned known values win"
    );
    assert_eq!(r.new_state.attr("status"), Some(&Value::string("running")));
}

#[tokio::test]
async fn unchanged_config_plans_exactly_the_prior_state() {
    let (s, _) = ok_server();
    let prior = obj(&[
        ("id", "w-1".into()),
        ("name", "a".into()),
        ("size", Value::number(50)),
        ("status", "running".into()),
    ]);
    let config = obj(&[("name", "a".into())]);
    let p = s
        .plan_resource_change(PlanRequest {
            type_name: "test_widget".into(),
            prior_state: prior.clone(),
            proposed_new_state: prior.clone(),
            config,
            prior_private: Vec::new(),
        })
        .await;
    assert_eq!(p.planned_state, prior);
    assert!(p.requires_replace.is_empty());
}

#[tokio::test]
async fn new_timeouts_alone_keep_every_value_known_and_reach_no_api() {
    let (s, seen) = ok_server();
    configured(&s).await;
    let prior = obj(&[
        ("id", "w-1".into()),
        ("name", "a".into()),
        ("size", Value::number(50)),
        ("status", "running".into()),
    ]);
    let timeouts = Value::Object([("create".to_string(), Value::string("30m"))].into());
    let config = obj(&[("name", "a".into()), ("timeouts", timeouts.clone())]);
    let proposed = obj(&[
        ("id", "w-1".into()),
        ("name", "a".into()),
        ("size", Value::number(50)),
        ("status", "running".into()),
        ("timeouts", timeouts.clone()),
    ]);
    let p = s
        .plan_resource_change(PlanRequest {
            type_name: "test_widget".into(),
            prior_state: prior.clone(),
            proposed_new_state: proposed.clone(),
            config: config.clone(),
            prior_private: Vec::new(),
        })
        .await;
    assert!(p.diags.is_empty(), "{:?}", p.diags);
    assert_eq!(
        p.planned_state, proposed,
        "status stays known: only timeouts change"
    );
    assert!(p.requires_replace.is_empty());
    let r = s
        .apply_resource_change(ApplyRequest {
            type_name: "test_widget".into(),
            prior_state: prior,
            planned_state: p.planned_state,
            config,
            planned_private: Vec::new(),
        })
        .await;
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    assert_eq!(r.new_state.attr("timeouts"), Some(&timeouts));
    assert_eq!(r.new_state.attr("status"), Some(&Value::string("running")));
    assert!(
        seen.lock().expect("lock").is_empty(),
        "no create or update was called"
    );
}

#[tokio::test]
async fn a_changed_forcing_attribute_requires_replace_and_ids_keep_their_state() {
    let (s, _) = ok_server();
    let prior = obj(&[
        ("id", "w-1".into()),
        ("name", "a".into()),
        ("size", Value::number(50)),
        ("status", "running".into()),
    ]);
    let config = obj(&[("name", "b".into()), ("size", Value::number(60))]);
    let proposed = obj(&[
        ("id", "w-1".into()),
        ("name", "b".into()),
        ("size", Value::number(60)),
        ("status", "running".into()),
    ]);
    let p = s
        .plan_resource_change(PlanRequest {
            type_name: "test_widget".into(),
            prior_state: prior,
            proposed_new_state: proposed,
            config,
            prior_private: Vec::new(),
        })
        .await;
    assert_eq!(p.requires_replace, vec![AttributePath::attr("name")]);
    assert_eq!(
        p.planned_state.attr("id"),
        Some(&Value::string("w-1")),
        "use_state_for_unknown"
    );
    assert_eq!(
        p.planned_state.attr("status"),
        Some(&Value::Unknown),
        "computed values may change"
    );
}

#[tokio::test]
async fn a_create_the_api_accepted_but_that_failed_is_saved_with_the_error() {
    let (s, _) = server(
        Box::new(|mut p| {
            p["id"] = "w-9".into();
            Err(Failure::with_partial(
                Diagnostics::single_error("boom", "went to error"),
                p,
            ))
        }),
        Box::new(Some),
    );
    configured(&s).await;
    let config = obj(&[("name", "a".into())]);
    let planned = obj(&[
        ("name", "a".into()),
        ("size", Value::number(50)),
        ("id", Value::Unknown),
        ("status", Value::Unknown),
    ]);
    let r = s
        .apply_resource_change(ApplyRequest {
            type_name: "test_widget".into(),
            prior_state: Value::Null,
            planned_state: planned,
            config,
            planned_private: Vec::new(),
        })
        .await;
    assert!(r.diags.has_errors());
    assert_eq!(r.new_state.attr("id"), Some(&Value::string("w-9")));
}

#[tokio::test]
async fn an_object_gone_upstream_is_removed_with_a_warning() {
    let (s, _) = server(Box::new(Ok), Box::new(|_| None));
    configured(&s).await;
    let state = obj(&[("id", "w-1".into()), ("name", "a".into())]);
    let r = s
        .read_resource(ReadRequest {
            type_name: "test_widget".into(),
            current_state: state,
            private: Vec::new(),
        })
        .await;
    assert_eq!(r.new_state, Value::Null);
    let w: Vec<_> = r
        .diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect();
    assert!(w[0].summary.contains("test_widget w-1"), "{w:?}");
}

#[tokio::test]
async fn import_starts_from_the_id_alone() {
    let (s, _) = ok_server();
    let r = s
        .import_resource_state(ImportRequest {
            type_name: "test_widget".into(),
            id: "w-7".into(),
        })
        .await;
    assert!(r.diags.is_empty());
    let st = &r.imported[0].state;
    assert_eq!(st.attr("id"), Some(&Value::string("w-7")));
    assert_eq!(st.attr("name"), Some(&Value::Null));
}

#[tokio::test]
async fn validators_report_the_nested_path_and_skip_unknowns() {
    let (s, _) = ok_server();
    let launch = Value::Object([("kind".to_string(), Value::string("z"))].into());
    let config = obj(&[
        ("name", "a".into()),
        ("size", Value::number(5)),
        ("launch", launch),
    ]);
    let d = s.validate_resource_config(&ValidateResourceRequest {
        type_name: "test_widget",
        config: &config,
        write_only_allowed: true,
    });
    let paths: Vec<String> = d
        .iter()
        .filter_map(|d| d.path.as_ref().map(|p| p.to_string()))
        .collect();
    assert_eq!(paths, vec!["size".to_string(), "launch.kind".to_string()]);
    let config = obj(&[("name", "a".into()), ("size", Value::Unknown)]);
    let d = s.validate_resource_config(&ValidateResourceRequest {
        type_name: "test_widget",
        config: &config,
        write_only_allowed: true,
    });
    assert!(d.is_empty());
}

#[tokio::test]
async fn write_only_needs_a_terraform_that_supports_it() {
    let (s, _) = ok_server();
    let config = obj(&[("name", "a".into()), ("secret", "x".into())]);
    let d = s.validate_resource_config(&ValidateResourceRequest {
        type_name: "test_widget",
        config: &config,
        write_only_allowed: false,
    });
    assert!(d
        .iter()
        .any(|d| d.path == Some(AttributePath::attr("secret")) && d.detail.contains("1.11")));
}

#[tokio::test]
async fn data_sources_keep_configured_values_and_fill_computed_ones() {
    let (s, _) = ok_server();
    configured(&s).await;
    let config = Value::Object(
        [
            ("filter".to_string(), Value::string("x")),
            ("result".to_string(), Value::Null),
        ]
        .into(),
    );
    let r = s
        .read_data_source(ReadDataRequest {
            type_name: "test_echo".into(),
            config,
        })
        .await;
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    assert_eq!(r.state.attr("filter"), Some(&Value::string("x")));
    assert_eq!(r.state.attr("result"), Some(&Value::string("found")));
}

#[test]
fn stop_cancels_in_flight_work_and_later_work_gets_a_fresh_token() {
    let (s, _) = ok_server();
    let before = s.cancel_token();
    s.stop();
    assert!(before.is_cancelled());
    assert!(!s.cancel_token().is_cancelled());
}

#[test]
fn state_from_an_older_schema_version_is_upgraded_and_removed_attributes_dropped() {
    let (s, _) = ok_server();
    let raw = serde_json::json!({"id": "w-1", "label": "old", "size": 50, "gone": true, "timeouts": null});
    let r = s.upgrade_resource_state(UpgradeRequest {
        type_name: "test_widget".into(),
        version: 0,
        raw_state: raw,
    });
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    assert_eq!(r.upgraded_state.attr("name"), Some(&Value::string("old")));
    assert_eq!(r.upgraded_state.attr("size"), Some(&Value::number(50)));
    assert!(r.upgraded_state.attr("gone").is_none());
}

#[tokio::test]
async fn import_ids_are_checked_against_the_form_before_anything_else() {
    let (s, _) = ok_server();
    let r = s
        .import_resource_state(ImportRequest {
            type_name: "test_widget".into(),
            id: "gadget-7".into(),
        })
        .await;
    assert!(r.imported.is_empty());
    let d = r.diags.iter().next().expect("an error");
    assert_eq!(d.summary, "Invalid import ID for test_widget");
    assert!(
        d.detail.contains("w-<lower-case letters and digits>")
            && d.detail
                .contains("terraform import test_widget.example w-abc123"),
        "{}",
        d.detail
    );
}

#[tokio::test]
async fn configured_read_only_values_are_refused_at_their_path() {
    let (s, _) = ok_server();
    let config = obj(&[("name", "a".into()), ("status", "stopped".into())]);
    let d = s.validate_resource_config(&ValidateResourceRequest {
        type_name: "test_widget",
        config: &config,
        write_only_allowed: true,
    });
    let d: Vec<_> = d.iter().collect();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        d[0].summary,
        "Invalid Configuration for Read-Only Attribute"
    );
    assert_eq!(d[0].path, Some(AttributePath::attr("status")));
    let unknown = obj(&[("name", "a".into()), ("id", Value::Unknown)]);
    let d = s.validate_resource_config(&ValidateResourceRequest {
        type_name: "test_widget",
        config: &unknown,
        write_only_allowed: true,
    });
    assert!(d.iter().any(|d| d.path == Some(AttributePath::attr("id"))));
    let launch = Value::Object(
        [
            ("kind".to_string(), Value::string("a")),
            ("phase".to_string(), Value::string("done")),
        ]
        .into(),
    );
    let nested = obj(&[("name", "a".into()), ("launch", launch)]);
    let d = s.validate_resource_config(&ValidateResourceRequest {
        type_name: "test_widget",
        config: &nested,
        write_only_allowed: true,
    });
    let paths: Vec<String> = d
        .iter()
        .filter_map(|d| d.path.as_ref().map(|p| p.to_string()))
        .collect();
    assert_eq!(paths, vec!["launch.phase".to_string()]);
    let d = s.validate_data_source_config("test_echo", &obj(&[("result", "mine".into())]));
    assert!(d
        .iter()
        .any(|d| d.path == Some(AttributePath::attr("result")) && d.summary.contains("Read-Only")));
}

#[test]
fn state_is_upgraded_as_terraform_plugin_go_reads_it() {
    let (s, _) = ok_server();
    // Version 1 is current: no upgrader runs, but the state is still read leniently.
    let raw = serde_json::json!({
        "id": 7, "name": true, "size": "60", "status": null, "dropped_later": {"x": 1},
        "launch": {"kind": "a", "removed": 1}, "timeouts": {"create": "5m"}
    });
    let r = s.upgrade_resource_state(UpgradeRequest {
        type_name: "test_widget".into(),
        version: 1,
        raw_state: raw,
    });
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    let st = &r.upgraded_state;
    assert_eq!(st.attr("id"), Some(&Value::string("7")));
    assert_eq!(st.attr("name"), Some(&Value::string("true")));
    assert_eq!(st.attr("size"), Some(&Value::number(60)));
    assert_eq!(
        st.attr("launch").and_then(|l| l.attr("kind")),
        Some(&Value::string("a"))
    );
    assert_eq!(
        st.attr("timeouts").and_then(|t| t.attr("create")),
        Some(&Value::string("5m"))
    );
    let bad = s.upgrade_resource_state(UpgradeRequest {
        type_name: "test_widget".into(),
        version: 1,
        raw_state: serde_json::json!({"size": "lots"}),
    });
    let d = bad.diags.iter().next().expect("an error");
    assert!(d.detail.contains("size"), "{}", d.detail);
}
