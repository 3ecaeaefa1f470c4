//! Validators: checks on configuration values that run in ValidateResourceConfig, before any
//! API call. Each one skips null and unknown values (config can still hold unknowns at
//! validate time) and reports against the exact attribute path it is given. Its description is
//! both the error text and the documentation text.

use super::diag::Diagnostics;
use super::path::AttributePath;
use super::value::Value;
use std::sync::Arc;

pub struct ValidateRequest<'a> {
    pub path: &'a AttributePath,
    /// The attribute's configured value (may be null or unknown).
    pub value: &'a Value,
    /// The whole configuration object.
    pub config: &'a Value,
}

pub trait Validator: Send + Sync {
    /// A sentence fragment: "value must be one of: `a`, `b`".
    fn description(&self) -> String;
    fn validate(&self, req: &ValidateRequest<'_>, diags: &mut Diagnostics);
}

/// A check across attributes of one configuration (conflicts-with, exactly-one-of, min ≤ max).
pub trait ConfigValidator: Send + Sync {
    fn description(&self) -> String;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
}

/// A validator from a description and a closure over known, non-null values.
struct FnValidator<F> {
    description: String,
    check: F,
}

impl<F> Validator for FnValidator<F>
where
    F: Fn(&Value) -> Result<(), String> + Send + Sync,
{
    fn description(&self) -> String {
        self.description.clone()
    }
    fn validate(&self, req: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        if req.value.is_null() || !req.value.is_known() {
            return;
        }
        if let Err(detail) = (self.check)(req.value) {
            diags.attribute_error(
                req.path.clone(),
                format!("Invalid value for {}", req.path),
                detail,
            );
        }
    }
}

/// Builds a validator from a description and a check over known, non-null values; the check's
/// error text becomes the diagnostic detail.
pub fn from_fn(
    description: impl Into<String>,
    check: impl Fn(&Value) -> Result<(), String> + Send + Sync + 'static,
) -> Arc<dyn Validator> {
    Arc::new(FnValidator {
        description: description.into(),
        check,
    })
}

/// "`a`, `b`" (for descriptions that list allowed values).
pub fn quoted_list(allowed: &[&str]) -> String {
    allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The string must be one of `allowed`.
pub fn one_of(allowed: &[&str]) -> Arc<dyn Validator> {
    let list: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
    let description = format!("value must be one of: {}", quoted_list(allowed));
    from_fn(description.clone(), move |v| match v.as_str() {
        Some(s) if list.iter().any(|a| a == s) => Ok(()),
        Some(s) => Err(format!("{s:?} is not valid: {description}.")),
        None => Err("value must be a string".into()),
    })
}

/// A string the API documents a list for but accepts beyond it (a marketplace adding clouds):
/// a value outside `known` is a warning, never an error.
pub fn usually_one_of(known: &[&str]) -> Arc<dyn Validator> {
    Arc::new(UsuallyOneOf(known.iter().map(|s| s.to_string()).collect()))
}

struct UsuallyOneOf(Vec<String>);

impl Validator for UsuallyOneOf {
    fn description(&self) -> String {
        let known: Vec<&str> = self.0.iter().map(String::as_str).collect();
        format!(
            "value is usually one of: {} (others are accepted with a warning)",
            quoted_list(&known)
        )
    }
    fn validate(&self, req: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(s) = req.value.as_str() else { return };
        if self.0.iter().any(|k| k == s) {
            return;
        }
        let known: Vec<&str> = self.0.iter().map(String::as_str).collect();
        diags.attribute_warning(
            req.path.clone(),
            format!("Unlisted value for {}", req.path),
            format!(
                "{s:?} is not among the documented values ({}). It is sent as written; the API \
                 rejects it if it does not know it.",
                quoted_list(&known)
            ),
        );
    }
}

/// A list or set with at most `max` elements.
pub fn size_at_most(max: usize) -> Arc<dyn Validator> {
    let description = format!("at most {max} element{}", if max == 1 { "" } else { "s" });
    from_fn(description.clone(), move |v| match v.as_elements() {
        Some(e) if e.len() > max => Err(format!("{} elements given: {description}.", e.len())),
        _ => Ok(()),
    })
}

/// A whole number.
pub fn integer() -> Arc<dyn Validator> {
    from_fn("value must be a whole number", |v| match v.as_number() {
        Some(n) if n.is_integer() => Ok(()),
        Some(n) => Err(format!("{n} is not a whole number.")),
        None => Ok(()),
    })
}

/// A number in `min..=max`.
pub fn between(min: f64, max: f64) -> Arc<dyn Validator> {
    let description = format!("value must be between {min} and {max}");
    from_fn(description.clone(), move |v| match v.as_f64() {
        Some(n) if n >= min && n <= max => Ok(()),
        Some(_) => Err(format!(
            "{} is out of range: {description}.",
            v.as_number().map(|n| n.to_string()).unwrap_or_default()
        )),
        None => Ok(()),
    })
}

/// A number ≥ `min`.
pub fn at_least(min: f64) -> Arc<dyn Validator> {
    let description = format!("value must be at least {min}");
    from_fn(description.clone(), move |v| match v.as_f64() {
        Some(n) if n >= min => Ok(()),
        Some(n) => Err(format!("{n} is too small: {description}.")),
        None => Ok(()),
    })
}

/// A number > `min`.
pub fn greater_than(min: f64) -> Arc<dyn Validator> {
    let description = format!("value must be greater than {min}");
    from_fn(description.clone(), move |v| match v.as_f64() {
        Some(n) if n > min => Ok(()),
        Some(n) => Err(format!("{n} is too small: {description}.")),
        None => Ok(()),
    })
}

/// A string whose length (in characters) is within `min..=max`.
pub fn length_between(min: usize, max: usize) -> Arc<dyn Validator> {
    let description = format!("length must be between {min} and {max} characters");
    from_fn(description.clone(), move |v| match v.as_str() {
        Some(s) if (min..=max).contains(&s.chars().count()) => Ok(()),
        Some(s) => Err(format!(
            "{s:?} has {} characters: {description}.",
            s.chars().count()
        )),
        None => Ok(()),
    })
}

/// A string matching `pattern`; `explain` says in words what is expected.
pub fn regex(pattern: &str, explain: &str) -> Arc<dyn Validator> {
    let compiled = regex::Regex::new(pattern);
    let description = format!("value must be {explain}");
    from_fn(description.clone(), move |v| {
        match (&compiled, v.as_str()) {
            (Ok(re), Some(s)) if re.is_match(s) => Ok(()),
            (Ok(_), Some(s)) => Err(format!("{s:?} is not valid: {description}.")),
            (Err(e), _) => Err(format!("internal: bad pattern: {e}")),
            (_, None) => Ok(()),
        }
    })
}

/// An absolute URL whose scheme is one of `schemes`.
pub fn url(schemes: &[&str]) -> Arc<dyn Validator> {
    let allowed: Vec<String> = schemes.iter().map(|s| s.to_string()).collect();
    let description = format!("value must be a URL with scheme {}", quoted_list(schemes));
    from_fn(description.clone(), move |v| {
        let Some(s) = v.as_str() else { return Ok(()) };
        match url::Url::parse(s) {
            Ok(u) if allowed.iter().any(|a| a == u.scheme()) && u.has_host() => Ok(()),
            Ok(u) => Err(format!("{s:?} has scheme {:?}: {description}.", u.scheme())),
            Err(e) => Err(format!("{s:?} is not a valid URL ({e}).")),
        }
    })
}

/// A list, set or map with at least `min` elements.
pub fn size_at_least(min: usize) -> Arc<dyn Validator> {
    let description = format!(
        "value must hold at least {min} element{}",
        if min == 1 { "" } else { "s" }
    );
    from_fn(description.clone(), move |v| {
        let n = match (v.as_elements(), v.as_map()) {
            (Some(e), _) => e.len(),
            (_, Some(m)) => m.len(),
            _ => return Ok(()),
        };
        if n >= min {
            Ok(())
        } else {
            Err(format!("It holds {n}: {description}."))
        }
    })
}

/// Every key of a map must be one of `allowed`; errors point at the key and suggest the
/// closest allowed one.
pub fn keys_one_of(allowed: &[&str]) -> Arc<dyn Validator> {
    Arc::new(KeysOneOf(allowed.iter().map(|s| s.to_string()).collect()))
}

struct KeysOneOf(Vec<String>);

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

impl Validator for KeysOneOf {
    fn description(&self) -> String {
        let allowed: Vec<&str> = self.0.iter().map(String::as_str).collect();
        format!("keys must be one of: {}", quoted_list(&allowed))
    }
    fn validate(&self, req: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(m) = req.value.as_map() else { return };
        for k in m.keys().filter(|k| !self.0.contains(k)) {
            let closest = self
                .0
                .iter()
                .min_by_key(|a| edit_distance(k, a))
                .filter(|a| edit_distance(k, a) <= 3);
            let hint = closest
                .map(|c| format!(" Did you mean `{c}`?"))
                .unwrap_or_default();
            diags.attribute_error(
                req.path.key(k),
                format!("Invalid key in {}", req.path),
                format!("{k:?} is not a known key: {}.{hint}", self.description()),
            );
        }
    }
}

/// A duration string such as "30s", "20m" or "1h30m".
pub fn duration() -> Arc<dyn Validator> {
    from_fn(
        "value must be a duration such as \"30s\", \"20m\" or \"1h\"",
        |v| {
            let Some(s) = v.as_str() else { return Ok(()) };
            super::timeouts::parse_duration(s).map(|_| ())
        },
    )
}

/// Every element of a list or set (known, non-null) must pass `inner`; errors point at the
/// element.
pub fn each(inner: Arc<dyn Validator>) -> Arc<dyn Validator> {
    Arc::new(Each(inner))
}

struct Each(Arc<dyn Validator>);

impl Validator for Each {
    fn description(&self) -> String {
        format!("each element: {}", self.0.description())
    }
    fn validate(&self, req: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(elems) = req.value.as_elements() else {
            return;
        };
        for (i, e) in elems.iter().enumerate() {
            let path = req.path.index(i as i64);
            self.0.validate(
                &ValidateRequest {
                    path: &path,
                    value: e,
                    config: req.config,
                },
                diags,
            );
        }
    }
}

/// A value found at a dotted path (`launch_configuration.type`) in a configuration.
enum Found<'a> {
    /// An object on the way is null: the rule has nothing to check there.
    ParentNull,
    /// An object on the way is unknown, or the value itself is.
    Unknown,
    Value(&'a Value),
}

/// Follows `launch_configuration.docker_configuration` through nested objects, as
/// terraform-plugin-framework's path expressions do.
fn find<'a>(config: &'a Value, dotted: &str) -> Found<'a> {
    let mut at = config;
    let mut steps = dotted.split('.').peekable();
    while let Some(step) = steps.next() {
        if at.is_unknown() {
            return Found::Unknown;
        }
        if at.is_null() {
            return Found::ParentNull;
        }
        at = at.attr(step).unwrap_or(&Value::Null);
        if steps.peek().is_none() {
            break;
        }
    }
    if at.is_unknown() {
        Found::Unknown
    } else {
        Found::Value(at)
    }
}

fn dotted_path(dotted: &str) -> AttributePath {
    let mut parts = dotted.split('.');
    let first = AttributePath::attr(parts.next().unwrap_or(""));
    parts.fold(first, |p, step| p.at(step))
}

/// The values at `paths`, or `None` when one is unknown or sits in a null object.
fn find_all<'a>(config: &'a Value, paths: &[String]) -> Option<Vec<&'a Value>> {
    paths
        .iter()
        .map(|p| match find(config, p) {
            Found::Value(v) => Some(v),
            Found::ParentNull | Found::Unknown => None,
        })
        .collect()
}

/// At most one of the named attributes (dotted paths for nested ones) may be set.
pub fn conflicts_with(attrs: &[&str]) -> Arc<dyn ConfigValidator> {
    Arc::new(Among {
        attrs: attrs.iter().map(|s| s.to_string()).collect(),
        rule: Rule::AtMostOne,
    })
}

/// Exactly one of the named attributes (dotted paths for nested ones) must be set.
pub fn exactly_one_of(attrs: &[&str]) -> Arc<dyn ConfigValidator> {
    Arc::new(Among {
        attrs: attrs.iter().map(|s| s.to_string()).collect(),
        rule: Rule::ExactlyOne,
    })
}

/// Attribute `low` must not be greater than attribute `high` (both numbers).
pub fn not_greater_than(low: &str, high: &str) -> Arc<dyn ConfigValidator> {
    Arc::new(Ordered {
        low: low.into(),
        high: high.into(),
    })
}

/// Exactly one of `choices` is set, the one whose key `selector` holds: a tagged union such
/// as `launch_configuration.type = "docker"` with `launch_configuration.docker_configuration`.
/// `what` names the choices in the conflict message ("launch configurations").
pub fn one_named_by(
    what: &str,
    selector: &str,
    choices: &[(&str, &str)],
) -> Arc<dyn ConfigValidator> {
    Arc::new(NamedBy {
        what: what.into(),
        selector: selector.into(),
        choices: choices
            .iter()
            .map(|(k, p)| (k.to_string(), p.to_string()))
            .collect(),
    })
}

enum Rule {
    AtMostOne,
    ExactlyOne,
}

struct Among {
    attrs: Vec<String>,
    rule: Rule,
}

impl ConfigValidator for Among {
    fn description(&self) -> String {
        let names = self
            .attrs
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        match self.rule {
            Rule::AtMostOne => format!("at most one of {names} may be set"),
            Rule::ExactlyOne => format!("exactly one of {names} must be set"),
        }
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(values) = find_all(config, &self.attrs) else {
            return;
        };
        let set: Vec<&String> = self
            .attrs
            .iter()
            .zip(&values)
            .filter(|(_, v)| !v.is_null())
            .map(|(a, _)| a)
            .collect();
        let bad = match self.rule {
            Rule::AtMostOne => set.len() > 1,
            Rule::ExactlyOne => set.len() != 1,
        };
        if bad {
            let path = dotted_path(
                set.get(1)
                    .copied()
                    .or(self.attrs.first())
                    .map(|s| s.as_str())
                    .unwrap_or(""),
            );
            diags.attribute_error(
                path,
                "Invalid attribute combination",
                format!("{}; found {}.", self.description(), set.len()),
            );
        }
    }
}

struct NamedBy {
    what: String,
    selector: String,
    choices: Vec<(String, String)>,
}

impl ConfigValidator for NamedBy {
    fn description(&self) -> String {
        let pairs = self
            .choices
            .iter()
            .map(|(k, p)| format!("`{p}` when it is `{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("`{}` names the one to set: {pairs}", self.selector)
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let paths: Vec<String> = self.choices.iter().map(|(_, p)| p.clone()).collect();
        let Some(values) = find_all(config, &paths) else {
            return;
        };
        let set: Vec<&String> = paths
            .iter()
            .zip(&values)
            .filter(|(_, v)| !v.is_null())
            .map(|(p, _)| p)
            .collect();
        if let Some(second) = set.get(1) {
            let names = set
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            diags.attribute_error(
                dotted_path(second),
                format!("Conflicting {}", self.what),
                format!(
                    "{names} are both set: set exactly one, the one `{}` names.",
                    self.selector
                ),
            );
            return;
        }
        let Found::Value(selected) = find(config, &self.selector) else {
            return;
        };
        let Some(kind) = selected.as_str() else {
            return;
        };
        let Some(wanted) = self.choices.iter().find(|(k, _)| k == kind) else {
            return;
        };
        // The missing one first: it is the fix the user most likely wants.
        let missing = self
            .choices
            .iter()
            .zip(&values)
            .filter(|((_, p), v)| p == &wanted.1 && v.is_null());
        let unexpected = self
            .choices
            .iter()
            .zip(&values)
            .filter(|((_, p), v)| p != &wanted.1 && !v.is_null());
        for (((_, path), _), (title, verb)) in missing
            .map(|c| (c, ("Missing", "must")))
            .chain(unexpected.map(|c| (c, ("Unexpected", "must not"))))
        {
            diags.attribute_error(
                dotted_path(path),
                format!("{title} {path}"),
                format!(
                    "`{}` is {kind:?}, so `{path}` {verb} be set.",
                    self.selector
                ),
            );
        }
    }
}

struct Ordered {
    low: String,
    high: String,
}

impl ConfigValidator for Ordered {
    fn description(&self) -> String {
        format!("`{}` must not be greater than `{}`", self.low, self.high)
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let (Some(lo), Some(hi)) = (
            config.attr(&self.low).and_then(Value::as_number),
            config.attr(&self.high).and_then(Value::as_number),
        ) else {
            return;
        };
        if lo > hi {
            diags.attribute_error(
                AttributePath::attr(&self.high),
                format!("Invalid value for {}", self.high),
                format!(
                    "{} ({hi}) is less than {} ({lo}): {}.",
                    self.high,
                    self.low,
                    self.description()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: &Arc<dyn Validator>, value: Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let path = AttributePath::attr("x");
        v.validate(
            &ValidateRequest {
                path: &path,
                value: &value,
                config: &Value::Null,
            },
            &mut d,
        );
        d
    }

    #[test]
    fn one_of_names_the_allowed_values_and_path() {
        let d = run(&one_of(&["a", "b"]), Value::string("c"));
        let diag = d.iter().next().expect("an error");
        assert!(diag.detail.contains("`a`, `b`"));
        assert_eq!(diag.path, Some(AttributePath::attr("x")));
        assert!(run(&one_of(&["a"]), Value::Unknown).is_empty());
        assert!(run(&one_of(&["a"]), Value::Null).is_empty());
    }

    #[test]
    fn unlisted_values_warn_and_listed_ones_pass() {
        let v = usually_one_of(&["aws", "azure"]);
        assert!(run(&v, Value::string("aws")).is_empty());
        assert!(run(&v, Value::Unknown).is_empty());
        let d = run(&v, Value::string("scaleway"));
        assert!(!d.has_errors());
        let w = d.iter().next().expect("a warning");
        assert_eq!(w.severity, crate::framework::Severity::Warning);
        assert_eq!(w.path, Some(AttributePath::attr("x")));
        assert!(w.detail.contains("\"scaleway\"") && w.detail.contains("`azure`"));
        assert!(v.description().contains("warning"));
    }

    #[test]
    fn list_sizes() {
        let v = size_at_most(1);
        assert!(run(&v, Value::List(vec![Value::string("a")])).is_empty());
        assert!(run(
            &v,
            Value::List(vec![Value::string("a"), Value::string("b")])
        )
        .has_errors());
        assert!(run(&v, Value::Unknown).is_empty());
    }

    #[test]
    fn ranges_and_urls() {
        assert!(run(&between(10.0, 500.0), Value::number(5)).has_errors());
        assert!(!run(&between(10.0, 500.0), Value::number(50)).has_errors());
        assert!(run(&url(&["https"]), Value::string("http://x")).has_errors());
        assert!(!run(&url(&["https"]), Value::string("https://x/y")).has_errors());
    }

    #[test]
    fn sizes_and_map_keys() {
        let empty = Value::Set(vec![]);
        let d = run(&size_at_least(1), empty);
        assert!(d.iter().any(|d| d.detail.contains("at least 1 element")));
        assert!(!run(&size_at_least(1), Value::Set(vec!["a".into()])).has_errors());
        let m = Value::Map([("hbm_copy_fial_gbps".to_string(), Value::number(1))].into());
        let d = run(&keys_one_of(&["hbm_copy_fail_gbps", "h2d_warn_gbps"]), m);
        let diag = d.iter().next().expect("an error");
        assert_eq!(
            diag.path,
            Some(AttributePath::attr("x").key("hbm_copy_fial_gbps"))
        );
        assert!(
            diag.detail.contains("Did you mean `hbm_copy_fail_gbps`?"),
            "{}",
            diag.detail
        );
        let ok = Value::Map([("h2d_warn_gbps".to_string(), Value::number(1))].into());
        assert!(run(&keys_one_of(&["h2d_warn_gbps"]), ok).is_empty());
    }

    #[test]
    fn exactly_one_of_counts_set_attributes() {
        let v = exactly_one_of(&["a", "b"]);
        let mut d = Diagnostics::new();
        let cfg = Value::Object(
            [
                ("a".into(), Value::string("x")),
                ("b".into(), Value::string("y")),
            ]
            .into(),
        );
        v.validate(&cfg, &mut d);
        assert!(d.has_errors());
        let mut d = Diagnostics::new();
        let cfg =
            Value::Object([("a".into(), Value::string("x")), ("b".into(), Value::Null)].into());
        v.validate(&cfg, &mut d);
        assert!(!d.has_errors());
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn launch(kind: &str, docker: bool, script: bool) -> Value {
        let set = |on: bool| {
            if on {
                obj(vec![("image", Value::string("img"))])
            } else {
                Value::Null
            }
        };
        obj(vec![(
            "launch",
            obj(vec![
                ("type", Value::string(kind)),
                ("docker", set(docker)),
                ("script", set(script)),
            ]),
        )])
    }

    fn paths_of(v: &Arc<dyn ConfigValidator>, config: &Value) -> Vec<String> {
        let mut d = Diagnostics::new();
        v.validate(config, &mut d);
        d.iter()
            .map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
            .collect()
    }

    #[test]
    fn the_selector_names_the_one_nested_choice_to_set() {
        let v = one_named_by(
            "launches",
            "launch.type",
            &[("docker", "launch.docker"), ("script", "launch.script")],
        );
        assert!(paths_of(&v, &launch("docker", true, false)).is_empty());
        assert!(paths_of(&v, &launch("script", false, true)).is_empty());
        assert_eq!(
            paths_of(&v, &launch("docker", true, true)),
            ["launch.script"]
        );
        assert_eq!(
            paths_of(&v, &launch("docker", false, false)),
            ["launch.docker"]
        );
        assert_eq!(
            paths_of(&v, &launch("script", true, false)),
            ["launch.script", "launch.docker"]
        );
        let mut d = Diagnostics::new();
        v.validate(&launch("script", true, false), &mut d);
        let titles: Vec<&str> = d.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            titles,
            ["Missing launch.script", "Unexpected launch.docker"]
        );
        assert!(paths_of(&v, &obj(vec![("launch", Value::Unknown)])).is_empty());
        assert!(paths_of(&v, &obj(vec![("launch", Value::Null)])).is_empty());
    }

    #[test]
    fn nested_paths_count_only_inside_a_set_object() {
        let v = conflicts_with(&["launch.docker", "launch.script"]);
        assert_eq!(
            paths_of(&v, &launch("docker", true, true)),
            ["launch.script"]
        );
        assert!(paths_of(&v, &launch("docker", true, false)).is_empty());
        let v = exactly_one_of(&["launch.docker", "launch.script"]);
        assert_eq!(
            paths_of(&v, &launch("docker", false, false)),
            ["launch.docker"]
        );
        assert!(paths_of(&v, &obj(vec![("launch", Value::Null)])).is_empty());
    }
}
