//! What every resource with `placements` (capacity failover) shares besides the create itself
//! ([`super::lifecycle::create_placed`]): the plan-time check that the list and the arguments it
//! replaces are not both set, the reason a placement listed above `max_hourly_price` is skipped,
//! and the price the plan is held against (the cheapest placement: the others are skipped at
//! create, so the plan fails only when every placement is over the cap).

use crate::framework::schema::{Attribute, Nesting};
use crate::framework::{validators, AttributePath, Diagnostics, ListedPrice, Value};
use bigdecimal::BigDecimal;

/// The attribute every resource with capacity failover has.
pub const PLACEMENTS: &str = "placements";

/// The `placements` attribute: an optional, non-empty list of `choices` objects.
pub fn attribute(choices: Vec<Attribute>, description: &str) -> Attribute {
    Attribute::nested(PLACEMENTS, Nesting::List, choices)
        .optional()
        .local_setting()
        .validator(validators::size_at_least(1))
        .description(description)
}

/// Plan-time check of `placements` against the top-level arguments it chooses: `required` are
/// needed without `placements` and conflict with it, `also` only conflict with it. `what` says
/// what a placement chooses, in the user's words ("the cloud, region and type").
pub fn check_config(
    config: &Value,
    diags: &mut Diagnostics,
    what: &str,
    required: &[&str],
    also: &[&str],
) {
    let get = |n: &str| config.attr(n).cloned().unwrap_or(Value::Null);
    let placements = get(PLACEMENTS);
    if placements.is_unknown() {
        return;
    }
    for &name in required.iter().chain(also) {
        let v = get(name);
        if !placements.is_null() && !v.is_null() {
            diags.attribute_error(
                AttributePath::attr(name),
                format!("{name} conflicts with placements"),
                format!(
                    "`placements` chooses {what}; leave `{name}` out (it records the placement \
                     chosen) or remove `placements`."
                ),
            );
        } else if placements.is_null() && v.is_null() && required.contains(&name) {
            diags.attribute_error(
                AttributePath::attr(name),
                format!("Missing {name}"),
                format!("Set `{name}`, or list the choices in `placements`."),
            );
        }
    }
}

/// Why a placement listed at `listed` (in `unit`) is skipped under the cap `limit`, if it is.
pub fn over_cap(listed: &BigDecimal, limit: Option<&BigDecimal>, unit: &str) -> Option<String> {
    let max = limit?;
    (listed > max).then(|| {
        format!(
            "listed at {} {unit}, above max_hourly_price = {}",
            listed.normalized(),
            max.normalized()
        )
    })
}

/// The price a plan with `placements` is held against: the cheapest placement's.
pub fn cheapest(prices: Vec<ListedPrice>) -> Result<ListedPrice, Diagnostics> {
    prices
        .into_iter()
        .min_by(|a, b| a.amount.cmp(&b.amount))
        .map(|c| ListedPrice {
            what: format!("The cheapest placement, {}", c.what),
            ..c
        })
        .ok_or_else(|| Diagnostics::single_error("No placements", "placements is empty."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(d: &Diagnostics) -> Vec<String> {
        d.iter()
            .map(|x| format!("{:?}: {}", x.path, x.summary))
            .collect()
    }

    #[test]
    fn placements_conflict_with_what_they_choose_and_stand_in_for_it() {
        let list = Value::List(vec![Value::Null]);
        let mut d = Diagnostics::new();
        let both = Value::object_of(&[
            (PLACEMENTS, list.clone()),
            ("tier", Value::string("mig")),
            ("workload_type", Value::string("batch")),
        ]);
        check_config(&both, &mut d, "the tier", &["tier"], &["workload_type"]);
        let got = paths(&d);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].contains("tier conflicts with placements"), "{got:?}");
        assert!(got[1].contains("workload_type conflicts"), "{got:?}");

        let mut d = Diagnostics::new();
        check_config(
            &Value::object_of(&[]),
            &mut d,
            "the tier",
            &["tier"],
            &["workload_type"],
        );
        assert_eq!(paths(&d).len(), 1, "only the required one is missing");
        assert!(paths(&d)[0].contains("Missing tier"));

        for ok in [
            Value::object_of(&[(PLACEMENTS, list)]),
            Value::object_of(&[("tier", Value::string("mig"))]),
            Value::object_of(&[(PLACEMENTS, Value::Unknown), ("tier", Value::string("mig"))]),
        ] {
            let mut d = Diagnostics::new();
            check_config(&ok, &mut d, "the tier", &["tier"], &["workload_type"]);
            assert!(d.is_empty(), "{:?}", paths(&d));
        }
    }

    #[test]
    fn only_a_price_above_the_cap_is_a_reason_to_skip() {
        let cap = BigDecimal::from(200);
        let why = over_cap(&BigDecimal::from(250), Some(&cap), "tokens per hour");
        assert_eq!(
            why.as_deref(),
            Some("listed at 250 tokens per hour, above max_hourly_price = 200")
        );
        assert_eq!(over_cap(&BigDecimal::from(200), Some(&cap), "t"), None);
        assert_eq!(over_cap(&BigDecimal::from(900), None, "t"), None);
    }

    #[test]
    fn the_plan_is_priced_at_the_cheapest_placement() {
        let p = |n: i64, w: &str| ListedPrice {
            amount: BigDecimal::from(n),
            what: w.into(),
        };
        let c = cheapest(vec![p(3, "a"), p(1, "b"), p(2, "c")]).expect("a price");
        assert_eq!(c.amount, BigDecimal::from(1));
        assert_eq!(c.what, "The cheapest placement, b");
        assert!(cheapest(Vec::new()).is_err());
    }
}
