//! Price caps: `max_hourly_price` on resources that cost money by the hour. A resource declares
//! the cap in its schema ([`Schema::price_cap`](super::Schema::price_cap): the unit its API
//! prices in, where the price comes from, which arguments it depends on) and answers one question,
//! `Resource::listed_hourly_price`: what does the plan ask for cost, per public price lists? The
//! engine does the rest at plan time: it asks only when the cap is set and the plan changes
//! something, fails the plan at the attribute when it would create (or replace) something priced
//! higher, only warns about an object that already exists, and keeps the cap out of every model,
//! so CRUD never sees it and changing only the cap needs no API call.

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::schema::Attribute;
use super::validators;
use super::value::Value;
use bigdecimal::BigDecimal;

/// The attribute every price cap adds.
pub const MAX_HOURLY_PRICE: &str = "max_hourly_price";

/// How a resource is priced, as its schema declares it.
#[derive(Clone, Debug)]
pub struct PriceCap {
    /// The unit the API prices in, as users read it: "tokens per hour".
    pub unit: &'static str,
    /// Which public price list gives the price, for the docs.
    pub source: &'static str,
    /// The top-level arguments the price depends on. The check waits until they are known
    /// (Terraform plans again during apply, with every value known); an argument that is
    /// unknown only because the API fills it in (null in config) counts as known.
    pub inputs: &'static [&'static str],
}

/// What a plan asks for costs, per the price list.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedPrice {
    /// In the cap's unit.
    pub amount: BigDecimal,
    /// What was priced, in the user's words: "tier `dedicated` (interactive)".
    pub what: String,
}

impl PriceCap {
    pub(crate) fn attribute(&self) -> Attribute {
        Attribute::number(MAX_HOURLY_PRICE)
            .optional()
            .validator(validators::at_least(0.0))
            .description(format!(
                "Upper limit for the listed price of what this resource asks for, in {unit}. \
                 The price is {source}. When set, a plan that creates or replaces the resource \
                 fails here if the listed price is higher, before anything is created; only the \
                 public price list is read. For a resource that already exists it only warns, \
                 and changing only this limit never replaces or updates anything. (`terraform \
                 destroy` plans the configuration first, so a resource not created yet and over \
                 its limit stops it too: use `terraform destroy -refresh=false` then.)",
                unit = self.unit,
                source = self.source
            ))
    }

    /// Whether the plan's price inputs are settled enough to price it.
    pub(crate) fn inputs_known(&self, plan: &Value, config: &Value) -> bool {
        self.inputs.iter().all(|name| {
            let planned = plan.attr(name).unwrap_or(&Value::Null);
            let configured = config.attr(name).unwrap_or(&Value::Null);
            planned.is_fully_known() || configured.is_null()
        })
    }

    /// The plan-time verdict when `price` is over `limit`: an error at `max_hourly_price` for a
    /// plan that creates (or replaces) the object, a warning for one that changes an existing
    /// object in place. Only a warning there, because Terraform's pre-destroy refresh is a
    /// normal plan: an error would block `terraform destroy` of an object already running.
    pub(crate) fn check(
        &self,
        limit: &BigDecimal,
        price: &ListedPrice,
        creating: bool,
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if price.amount <= *limit {
            return diags;
        }
        let listed = format!(
            "{} is listed at {} {unit}, above max_hourly_price = {} {unit}.",
            price.what,
            price.amount.normalized(),
            limit.normalized(),
            unit = self.unit,
        );
        let path = AttributePath::attr(MAX_HOURLY_PRICE);
        let summary = "Listed price is above max_hourly_price";
        if creating {
            diags.attribute_error(
                path,
                summary,
                format!(
                    "{listed} Nothing was created. Raise max_hourly_price or ask for something \
                     cheaper."
                ),
            );
        } else {
            diags.attribute_warning(
                path,
                summary,
                format!(
                    "{listed} The object already exists and is left as it is: the cap stops \
                     plans that create or replace one."
                ),
            );
        }
        diags
    }
}

/// The cap the configuration sets, if it sets a known one.
pub(crate) fn configured_limit(config: &Value) -> Option<&BigDecimal> {
    config.attr(MAX_HOURLY_PRICE).and_then(Value::as_number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const CAP: PriceCap = PriceCap {
        unit: "tokens per hour",
        source: "from the tier list",
        inputs: &["tier", "zone"],
    };

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn over_the_cap_fails_a_create_at_the_attribute_warns_otherwise_and_equal_passes() {
        let price = ListedPrice {
            amount: BigDecimal::from_str("1.96").expect("number"),
            what: "2 × RTX 5090".into(),
        };
        let d = CAP.check(&BigDecimal::from_str("1.95").expect("number"), &price, true);
        let e = d.iter().next().expect("an error");
        assert_eq!(e.severity, crate::framework::Severity::Error);
        assert_eq!(e.path, Some(AttributePath::attr(MAX_HOURLY_PRICE)));
        assert!(
            e.detail.contains("1.96 tokens per hour") && e.detail.contains("= 1.95"),
            "{}",
            e.detail
        );
        assert!(CAP
            .check(
                &BigDecimal::from_str("1.960").expect("number"),
                &price,
                true
            )
            .is_empty());
        let existing = CAP.check(&BigDecimal::from(1), &price, false);
        assert!(!existing.has_errors() && existing.iter().count() == 1);
    }

    #[test]
    fn inputs_wait_for_known_values_unless_the_api_chooses_them() {
        let config = obj(&[("tier", Value::string("mig")), ("zone", Value::Null)]);
        let plan = obj(&[("tier", Value::string("mig")), ("zone", Value::Unknown)]);
        assert!(CAP.inputs_known(&plan, &config));
        let from_resource = obj(&[("tier", Value::Unknown), ("zone", Value::Null)]);
        assert!(!CAP.inputs_known(&from_resource, &from_resource));
    }

    #[test]
    fn the_attribute_names_its_unit() {
        let a = CAP.attribute();
        assert_eq!(a.name, MAX_HOURLY_PRICE);
        assert!(a.description.contains("tokens per hour"));
        assert_eq!(
            configured_limit(&obj(&[(MAX_HOURLY_PRICE, Value::number(5))])),
            Some(&BigDecimal::from(5))
        );
        assert_eq!(
            configured_limit(&obj(&[(MAX_HOURLY_PRICE, Value::Unknown)])),
            None
        );
    }
}
