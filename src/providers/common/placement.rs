//! Capacity failover at plan time, for any resource with a `placements` list that stands in for
//! the attributes naming one placement (Shadeform's `cloud`, `region`, `shade_instance_type`):
//! either the list or those attributes, and a price cap met by the cheapest placement. The
//! create side is [`super::lifecycle::create_placed`].

use crate::framework::{AttributePath, Diagnostics, ListedPrice, Value};
use std::future::Future;

/// Plan-time check: `placements` or the attributes in `replaced` it stands in for, not both,
/// and not neither; `chooses` says what they name (`cloud, region and type`). Unknown
/// `placements` is checked at apply.
pub fn check_choice(config: &Value, replaced: &[&str], chooses: &str, diags: &mut Diagnostics) {
    let get = |n: &str| config.attr(n).cloned().unwrap_or(Value::Null);
    let placements = get("placements");
    if placements.is_unknown() {
        return;
    }
    for &name in replaced {
        let v = get(name);
        if !placements.is_null() && !v.is_null() {
            diags.attribute_error(
                AttributePath::attr(name),
                format!("{name} conflicts with placements"),
                format!(
                    "`placements` chooses the {chooses}; leave `{name}` out (it records the \
                     placement chosen) or remove `placements`."
                ),
            );
        } else if placements.is_null() && v.is_null() {
            diags.attribute_error(
                AttributePath::attr(name),
                format!("Missing {name}"),
                format!("Set `{name}`, or list the choices in `placements`."),
            );
        }
    }
}

/// The listed price a cap is checked against: the cheapest placement's, since placements
/// above the cap are skipped at create and the plan fails only when all are.
pub async fn cheapest<P, F, Fut>(placements: &[P], price: F) -> Result<ListedPrice, Diagnostics>
where
    F: Fn(&P) -> Fut,
    Fut: Future<Output = Result<ListedPrice, Diagnostics>>,
{
    let mut cheapest: Option<ListedPrice> = None;
    for p in placements {
        let listed = price(p).await?;
        if cheapest.as_ref().is_none_or(|c| listed.amount < c.amount) {
            cheapest = Some(listed);
        }
    }
    cheapest
        .map(|c| ListedPrice {
            what: format!("The cheapest placement, {}", c.what),
            ..c
        })
        .ok_or_else(|| Diagnostics::single_error("No placements", "placements is empty."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bigdecimal::BigDecimal;

    const SHADEFORM: &[&str] = &["cloud", "region", "shade_instance_type"];

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn errors(c: &Value) -> Vec<(Option<AttributePath>, String)> {
        let mut d = Diagnostics::new();
        check_choice(c, SHADEFORM, "cloud, region and type", &mut d);
        d.iter()
            .map(|x| (x.path.clone(), x.detail.clone()))
            .collect()
    }

    #[test]
    fn placements_or_the_attributes_they_replace_not_both_nor_neither() {
        let list = Value::List(vec![Value::Unknown]);
        let both = errors(&config(&[
            ("placements", list.clone()),
            ("region", Value::string("r")),
        ]));
        assert_eq!(both.len(), 1);
        assert_eq!(both[0].0, Some(AttributePath::attr("region")));
        assert!(
            both[0].1.contains("the cloud, region and type;"),
            "{}",
            both[0].1
        );
        assert_eq!(errors(&config(&[])).len(), 3);
        assert!(errors(&config(&[("placements", list)])).is_empty());
        assert!(errors(&config(&[("placements", Value::Unknown)])).is_empty());
    }

    #[tokio::test]
    async fn the_cap_is_checked_against_the_cheapest_placement() {
        let price = |cents: &i64| {
            let listed = ListedPrice {
                amount: BigDecimal::from(*cents),
                what: format!("type at {cents}"),
            };
            async move { Ok(listed) }
        };
        let c = cheapest(&[300, 120, 200], price).await.expect("a price");
        assert_eq!(c.amount, BigDecimal::from(120));
        assert_eq!(c.what, "The cheapest placement, type at 120");
        assert!(cheapest(&[], price).await.is_err());
    }
}
