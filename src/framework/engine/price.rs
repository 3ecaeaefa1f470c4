//! The plan-time price check (see `framework::price`): when the configuration sets
//! `max_hourly_price` and the plan changes something, the resource prices the plan from public
//! price lists; a create (or the create half of a replacement) over the cap fails at the
//! attribute, an in-place change over it gets a warning.

use crate::framework::diag::{Diagnostics, Severity};
use crate::framework::price::configured_limit;
use crate::framework::resource::{DynResource, Notes, Operation};
use crate::framework::server::ProviderServer;
use crate::framework::value::Value;

impl ProviderServer {
    pub(super) async fn check_price_cap(
        &self,
        r: &dyn DynResource,
        planned: &Value,
        config: &Value,
        creating: bool,
    ) -> Diagnostics {
        let schema = r.schema();
        let (Some(cap), Some(limit)) = (&schema.price_cap, configured_limit(config)) else {
            return Diagnostics::new();
        };
        if !cap.inputs_known(planned, config) {
            // Terraform plans again during apply, with these values known.
            return Diagnostics::new();
        }
        let client = match self.configured_client() {
            Ok(c) => c,
            Err(d) => return d,
        };
        let notes = Notes::default();
        let ctx = self.ctx(&*client, r.default_timeout(Operation::Read), &notes);
        match r
            .listed_hourly_price(&ctx, super::state::model_json(&schema, planned))
            .await
        {
            Ok(price) => cap.check(limit, &price, creating),
            Err(d) if creating => d,
            // Not for an existing object: the pre-destroy refresh must not fail on it.
            Err(d) => as_warnings(d),
        }
    }
}

fn as_warnings(d: Diagnostics) -> Diagnostics {
    let mut out = Diagnostics::new();
    for mut x in d.iter().cloned() {
        x.severity = Severity::Warning;
        out.push(x);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::framework::price::{ListedPrice, PriceCap, MAX_HOURLY_PRICE};
    use crate::framework::resource::{
        ConfigureInfo, Ctx, DynDataSource, DynResource, Failure, Provider, Resource,
    };
    use crate::framework::server::*;
    use crate::framework::{Attribute, AttributePath, Diagnostics, Schema, Value};
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    type Json = serde_json::Value;

    #[derive(Default)]
    struct Calls {
        prices: AtomicU32,
        updates: AtomicU32,
    }

    /// A GPU priced by tier: `small` 10, `big` 100.
    struct Gpu(Arc<Calls>);

    fn no_cap_in(json: &Json) {
        assert!(
            json.get(MAX_HOURLY_PRICE).is_none(),
            "a model saw the cap: {json}"
        );
    }

    #[async_trait]
    impl Resource for Gpu {
        type Client = ();
        type Model = Json;
        fn type_name(&self) -> &'static str {
            "gpu"
        }
        fn import_form(&self) -> crate::framework::ImportForm {
            crate::framework::ImportForm::prefixed("x-")
        }
        fn schema(&self) -> Schema {
            Schema::new("g")
                .attribute(Attribute::string("id").computed().use_state_for_unknown())
                .attribute(Attribute::string("tier").required().requires_replace())
                .attribute(Attribute::string("label").optional())
                .attribute(Attribute::string("status").computed())
                .price_cap(PriceCap {
                    unit: "credits per hour",
                    source: "the tier list",
                    inputs: &["tier"],
                })
        }
        async fn create(&self, _ctx: &Ctx<'_, ()>, mut plan: Json) -> Result<Json, Failure<Json>> {
            no_cap_in(&plan);
            plan["id"] = "g-1".into();
            plan["status"] = "running".into();
            Ok(plan)
        }
        async fn read(&self, _ctx: &Ctx<'_, ()>, state: Json) -> Result<Option<Json>, Diagnostics> {
            no_cap_in(&state);
            Ok(Some(state))
        }
        async fn update(
            &self,
            _ctx: &Ctx<'_, ()>,
            plan: Json,
            _prior: Json,
        ) -> Result<Json, Failure<Json>> {
            self.0.updates.fetch_add(1, Ordering::SeqCst);
            Ok(plan)
        }
        async fn delete(&self, _ctx: &Ctx<'_, ()>, _state: Json) -> Result<(), Diagnostics> {
            Ok(())
        }
        async fn listed_hourly_price(
            &self,
            _ctx: &Ctx<'_, ()>,
            plan: Json,
        ) -> Result<ListedPrice, Diagnostics> {
            no_cap_in(&plan);
            self.0.prices.fetch_add(1, Ordering::SeqCst);
            let amount = if plan["tier"] == "big" { 100 } else { 10 };
            Ok(ListedPrice {
                amount: amount.into(),
                what: format!("tier {}", plan["tier"]),
            })
        }
    }

    struct P(Arc<Calls>);

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
            vec![Arc::new(Gpu(self.0.clone()))]
        }
        fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
            Vec::new()
        }
    }

    async fn server() -> (ProviderServer, Arc<Calls>) {
        let calls = Arc::new(Calls::default());
        let s = ProviderServer::new(Arc::new(P(calls.clone())));
        let d = s
            .configure(ConfigureRequest {
                config: Value::Object(Default::default()),
                terraform_version: "1.11.4".into(),
            })
            .await;
        assert!(d.is_empty(), "{d:?}");
        (s, calls)
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut m: std::collections::BTreeMap<String, Value> =
            ["id", "tier", "label", "status", MAX_HOURLY_PRICE]
                .iter()
                .map(|k| (k.to_string(), Value::Null))
                .collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    async fn plan(s: &ProviderServer, prior: Value, config: Value) -> PlanResponse {
        s.plan_resource_change(PlanRequest {
            type_name: "test_gpu".into(),
            prior_state: prior,
            proposed_new_state: config.clone(),
            config,
            prior_private: Vec::new(),
        })
        .await
    }

    #[tokio::test]
    async fn a_create_over_the_cap_fails_at_the_attribute_and_one_under_it_plans() {
        let (s, calls) = server().await;
        let over = plan(
            &s,
            Value::Null,
            obj(&[
                ("tier", "big".into()),
                (MAX_HOURLY_PRICE, Value::number(50)),
            ]),
        )
        .await;
        let e = over.diags.iter().next().expect("an error");
        assert_eq!(e.path, Some(AttributePath::attr(MAX_HOURLY_PRICE)));
        assert!(e.detail.contains("100 credits per hour"), "{}", e.detail);
        let under = plan(
            &s,
            Value::Null,
            obj(&[
                ("tier", "small".into()),
                (MAX_HOURLY_PRICE, Value::number(50)),
            ]),
        )
        .await;
        assert!(under.diags.is_empty(), "{:?}", under.diags);
        assert_eq!(calls.prices.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn no_price_is_asked_without_a_cap_for_unknown_inputs_or_for_a_no_op() {
        let (s, calls) = server().await;
        let without = plan(&s, Value::Null, obj(&[("tier", "big".into())])).await;
        assert!(without.diags.is_empty());
        let unknown = plan(
            &s,
            Value::Null,
            obj(&[
                ("tier", Value::Unknown),
                (MAX_HOURLY_PRICE, Value::number(1)),
            ]),
        )
        .await;
        assert!(unknown.diags.is_empty());
        let state = obj(&[
            ("id", "g-1".into()),
            ("tier", "big".into()),
            ("status", "running".into()),
            (MAX_HOURLY_PRICE, Value::number(1)),
        ]);
        let config = obj(&[("tier", "big".into()), (MAX_HOURLY_PRICE, Value::number(1))]);
        let noop = s
            .plan_resource_change(PlanRequest {
                type_name: "test_gpu".into(),
                prior_state: state.clone(),
                proposed_new_state: state.clone(),
                config,
                prior_private: Vec::new(),
            })
            .await;
        assert!(noop.diags.is_empty());
        assert_eq!(noop.planned_state, state);
        assert_eq!(calls.prices.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn changing_only_the_cap_is_checked_but_calls_no_update_and_refresh_keeps_it() {
        let (s, calls) = server().await;
        let prior = obj(&[
            ("id", "g-1".into()),
            ("tier", "small".into()),
            ("status", "running".into()),
            (MAX_HOURLY_PRICE, Value::number(50)),
        ]);
        let config = obj(&[
            ("tier", "small".into()),
            (MAX_HOURLY_PRICE, Value::number(20)),
        ]);
        let mut proposed = prior.clone();
        if let Some(o) = proposed.as_object_mut() {
            o.insert(MAX_HOURLY_PRICE.into(), Value::number(20));
        }
        let p = s
            .plan_resource_change(PlanRequest {
                type_name: "test_gpu".into(),
                prior_state: prior.clone(),
                proposed_new_state: proposed.clone(),
                config: config.clone(),
                prior_private: Vec::new(),
            })
            .await;
        assert!(p.diags.is_empty(), "{:?}", p.diags);
        assert_eq!(
            p.planned_state, proposed,
            "nothing becomes known after apply"
        );
        assert!(p.requires_replace.is_empty());
        assert_eq!(calls.prices.load(Ordering::SeqCst), 1);

        let applied = s
            .apply_resource_change(ApplyRequest {
                type_name: "test_gpu".into(),
                prior_state: prior,
                planned_state: p.planned_state,
                config,
                planned_private: Vec::new(),
            })
            .await;
        assert!(applied.diags.is_empty(), "{:?}", applied.diags);
        assert_eq!(applied.new_state, proposed);
        assert_eq!(calls.updates.load(Ordering::SeqCst), 0);

        let read = s
            .read_resource(ReadRequest {
                type_name: "test_gpu".into(),
                current_state: applied.new_state,
                private: Vec::new(),
            })
            .await;
        assert!(read.diags.is_empty(), "{:?}", read.diags);
        assert_eq!(
            read.new_state.attr(MAX_HOURLY_PRICE),
            Some(&Value::number(20))
        );
    }
}
