//! JSON to [`Value`] by terraform-plugin-go's `tftypes` rules, the way every Go provider reads
//! raw state and JSON `DynamicValue`s. Being as lenient as they are matters: state written by
//! older versions (or by SDKv2 providers) holds `"true"` for a bool, a number for a string or an
//! attribute a newer schema dropped, and must still upgrade.
//!
//! - null is null for every type;
//! - a string accepts a JSON string, a number (its text) or a bool (`"true"`/`"false"`);
//! - a number accepts a JSON number or a string holding one;
//! - a bool accepts a JSON bool, the strings `"true"`/`"1"`/`"false"`/`"0"` (other casings are
//!   refused with a hint) and the numbers `1`/`0`;
//! - a dynamically typed value is `{"type": <type JSON>, "value": <value>}`, both keys
//!   required and no others;
//! - a tuple needs exactly as many elements as it has types;
//! - an object's missing attributes are null; an undefined attribute is an error unless
//!   [`JsonOptions::ignore_undefined_attributes`] is set (UpgradeResourceState sets it).

use super::path::AttributePath;
use super::value::{Type, Value};
use bigdecimal::BigDecimal;
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, Default)]
pub struct JsonOptions {
    /// Skip object attributes the type does not define (state from an older schema).
    pub ignore_undefined_attributes: bool,
}

/// Why a JSON value does not fit its type, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub path: AttributePath,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for JsonError {}

fn fail<T>(path: &AttributePath, message: impl Into<String>) -> Result<T, JsonError> {
    Err(JsonError {
        path: path.clone(),
        message: message.into(),
    })
}

fn kind(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "a bool",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

/// Reads `json` as a value of type `ty`.
pub fn from_json(json: &J, ty: &Type, opts: JsonOptions) -> Result<Value, JsonError> {
    decode(json, ty, &AttributePath::root(), opts)
}

fn decode(
    json: &J,
    ty: &Type,
    path: &AttributePath,
    opts: JsonOptions,
) -> Result<Value, JsonError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    let unsupported = || {
        fail(
            path,
            format!("{} cannot be read as {}", kind(json), ty.to_json()),
        )
    };
    match ty {
        Type::String => match json {
            J::String(s) => Ok(Value::String(s.clone())),
            J::Number(n) => Ok(Value::String(n.to_string())),
            J::Bool(b) => Ok(Value::String(b.to_string())),
            _ => unsupported(),
        },
        Type::Number => {
            let text = match json {
                J::Number(n) => n.to_string(),
                J::String(s) => s.clone(),
                _ => return unsupported(),
            };
            BigDecimal::from_str(&text)
                .map(Value::Number)
                .or_else(|_| fail(path, format!("{text:?} is not a number")))
        }
        Type::Bool => match json {
            J::Bool(b) => Ok(Value::Bool(*b)),
            J::String(s) => match s.as_str() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                other if other.eq_ignore_ascii_case("true") => {
                    fail(path, "to convert from string, use lowercase \"true\"")
                }
                other if other.eq_ignore_ascii_case("false") => {
                    fail(path, "to convert from string, use lowercase \"false\"")
                }
                _ => unsupported(),
            },
            // Only the literal tokens 1 and 0: `1.0` is not a bool.
            J::Number(n) => match n.to_string().as_str() {
                "1" => Ok(Value::Bool(true)),
                "0" => Ok(Value::Bool(false)),
                _ => unsupported(),
            },
            _ => unsupported(),
        },
        Type::Dynamic => {
            let J::Object(fields) = json else {
                return fail(
                    path,
                    format!(
                        "a dynamically typed value must be an object with \"type\" and \"value\", found {}",
                        kind(json)
                    ),
                );
            };
            if let Some(k) = fields.keys().find(|k| *k != "type" && *k != "value") {
                return fail(
                    path,
                    format!("invalid key {k:?} in dynamically-typed value"),
                );
            }
            let Some(type_json) = fields.get("type") else {
                return fail(path, "missing type in dynamically-typed value");
            };
            let Some(value) = fields.get("value") else {
                return fail(path, "missing value in dynamically-typed value");
            };
            let inner_ty = match Type::from_json(type_json) {
                Ok(t) => t,
                Err(e) => return fail(path, format!("error decoding type information: {e}")),
            };
            let inner = decode(value, &inner_ty, path, opts)?;
            Ok(Value::Dynamic(inner_ty, Box::new(inner)))
        }
        Type::List(et) | Type::Set(et) => {
            let J::Array(items) = json else {
                return unsupported();
            };
            let values = items
                .iter()
                .enumerate()
                .map(|(i, item)| decode(item, et, &path.index(i as i64), opts))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(values)
            } else {
                Value::Set(values)
            })
        }
        Type::Tuple(ets) => {
            let J::Array(items) = json else {
                return unsupported();
            };
            if items.len() > ets.len() {
                return fail(
                    path,
                    format!(
                        "too many tuple elements (only have types for {})",
                        ets.len()
                    ),
                );
            }
            if items.len() < ets.len() {
                return fail(
                    path,
                    format!(
                        "not enough tuple elements (only have {}, have types for {})",
                        items.len(),
                        ets.len()
                    ),
                );
            }
            Ok(Value::Tuple(
                items
                    .iter()
                    .zip(ets)
                    .enumerate()
                    .map(|(i, (item, et))| decode(item, et, &path.index(i as i64), opts))
                    .collect::<Result<_, _>>()?,
            ))
        }
        Type::Map(et) => {
            let J::Object(fields) = json else {
                return unsupported();
            };
            Ok(Value::Map(
                fields
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), decode(v, et, &path.key(k.clone()), opts)?)))
                    .collect::<Result<_, JsonError>>()?,
            ))
        }
        Type::Object(attrs, _) => {
            let J::Object(fields) = json else {
                return unsupported();
            };
            let mut out: BTreeMap<String, Value> = BTreeMap::new();
            for (name, v) in fields {
                let Some(at) = attrs.get(name) else {
                    if opts.ignore_undefined_attributes {
                        continue;
                    }
                    return fail(
                        &path.at(name.clone()),
                        format!("unsupported attribute {name:?}"),
                    );
                };
                out.insert(name.clone(), decode(v, at, &path.at(name.clone()), opts)?);
            }
            for name in attrs.keys() {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Object(out))
        }
    }
}

/// Cases taken from terraform-plugin-go's `tftypes/value_json_test.go` (TestValueFromJSON and
/// TestValueFromJSONWithOpts), plus the error rules of `value_json.go` they do not cover.
#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str, ty: &Type) -> Result<Value, JsonError> {
        let j: J = serde_json::from_str(json).expect("test JSON parses");
        from_json(&j, ty, JsonOptions::default())
    }

    fn num(text: &str) -> Value {
        Value::Number(BigDecimal::from_str(text).expect("number"))
    }

    fn obj(attrs: &[(&str, Type)]) -> Type {
        Type::object(attrs.iter().map(|(k, t)| (k.to_string(), t.clone())))
    }

    #[test]
    fn primitives_convert_as_tftypes_does() {
        let cases: &[(&str, Type, Value)] = &[
            (r#""hello""#, Type::String, Value::string("hello")),
            (r#""""#, Type::String, Value::string("")),
            ("15", Type::String, Value::string("15")),
            ("true", Type::String, Value::string("true")),
            ("null", Type::String, Value::Null),
            ("2", Type::Number, num("2")),
            ("2.5", Type::Number, num("2.5")),
            (r#""5""#, Type::Number, num("5")),
            ("true", Type::Bool, Value::Bool(true)),
            ("false", Type::Bool, Value::Bool(false)),
            (r#""true""#, Type::Bool, Value::Bool(true)),
            (r#""1""#, Type::Bool, Value::Bool(true)),
            (r#""false""#, Type::Bool, Value::Bool(false)),
            (r#""0""#, Type::Bool, Value::Bool(false)),
            ("1", Type::Bool, Value::Bool(true)),
            ("0", Type::Bool, Value::Bool(false)),
        ];
        for (json, ty, want) in cases {
            assert_eq!(read(json, ty).as_ref(), Ok(want), "{json} as {ty:?}");
        }
    }

    #[test]
    fn primitives_refuse_what_tftypes_refuses() {
        let e = read(r#""TRUE""#, &Type::Bool).expect_err("uppercase");
        assert!(e.message.contains("lowercase \"true\""), "{e}");
        let e = read(r#""False""#, &Type::Bool).expect_err("mixed case");
        assert!(e.message.contains("lowercase \"false\""), "{e}");
        for (json, ty) in [
            ("2", Type::Bool),
            ("1.0", Type::Bool),
            (r#""yes""#, Type::Bool),
            ("true", Type::Number),
            (r#""five""#, Type::Number),
            ("[1]", Type::String),
            ("{}", Type::Number),
        ] {
            assert!(read(json, &ty).is_err(), "{json} as {ty:?} must fail");
        }
    }

    #[test]
    fn collections_keep_empty_and_convert_their_elements() {
        let bools = Type::list(Type::Bool);
        assert_eq!(
            read("[true,false]", &bools),
            Ok(Value::List(vec![Value::Bool(true), Value::Bool(false)]))
        );
        assert_eq!(read("[]", &bools), Ok(Value::List(vec![])));
        assert_eq!(
            read(r#"["true","false"]"#, &bools),
            Ok(Value::List(vec![Value::Bool(true), Value::Bool(false)]))
        );
        assert_eq!(read("[]", &Type::set(Type::Bool)), Ok(Value::Set(vec![])));
        assert_eq!(
            read("[true,5]", &Type::Tuple(vec![Type::Bool, Type::Number])),
            Ok(Value::Tuple(vec![Value::Bool(true), num("5")]))
        );
        assert_eq!(read("[]", &Type::Tuple(vec![])), Ok(Value::Tuple(vec![])));
        let map = Type::map(Type::Bool);
        assert_eq!(read("{}", &map), Ok(Value::Map(BTreeMap::new())));
        assert_eq!(read("null", &map), Ok(Value::Null));
        assert_eq!(
            read(r#"{"no":false,"yes":true}"#, &map),
            Ok(Value::Map(
                [
                    ("no".to_string(), Value::Bool(false)),
                    ("yes".to_string(), Value::Bool(true))
                ]
                .into()
            ))
        );
    }

    #[test]
    fn tuples_need_exactly_their_elements() {
        let t = Type::Tuple(vec![Type::Bool, Type::Number]);
        assert!(read("[true,5,1]", &t)
            .expect_err("too many")
            .message
            .contains("too many tuple elements"));
        assert!(read("[true]", &t)
            .expect_err("too few")
            .message
            .contains("not enough tuple elements"));
    }

    #[test]
    fn objects_fill_missing_attributes_and_name_undefined_ones() {
        let t = obj(&[("bool", Type::Bool), ("number", Type::Number)]);
        let want = Value::Object(
            [
                ("bool".to_string(), Value::Bool(true)),
                ("number".to_string(), num("0")),
            ]
            .into(),
        );
        assert_eq!(read(r#"{"bool":true,"number":0}"#, &t), Ok(want.clone()));
        assert_eq!(read("{}", &obj(&[])), Ok(Value::Object(BTreeMap::new())));
        let e = read(
            r#"{"not-test":"test-value"}"#,
            &obj(&[("test", Type::String)]),
        )
        .expect_err("undefined attribute");
        assert_eq!(e.path, AttributePath::attr("not-test"));
        assert!(e.message.contains("unsupported attribute \"not-test\""));
        let lenient = JsonOptions {
            ignore_undefined_attributes: true,
        };
        let j: J =
            serde_json::from_str(r#"{"bool":true,"number":0,"unknown":"whatever"}"#).expect("json");
        assert_eq!(from_json(&j, &t, lenient), Ok(want));
        let missing: J = serde_json::from_str(r#"{"bool":"1"}"#).expect("json");
        assert_eq!(
            from_json(&missing, &t, lenient)
                .expect("decodes")
                .attr("number"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn errors_carry_the_path_of_nested_values() {
        let t = obj(&[("tags", Type::map(Type::list(Type::Number)))]);
        let e = read(r#"{"tags":{"a":[1,"x"]}}"#, &t).expect_err("bad element");
        assert_eq!(e.path, AttributePath::attr("tags").key("a").index(1));
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let dynamic = |ty: Type, v: Value| Value::Dynamic(ty, Box::new(v));
        assert_eq!(
            read(r#"{"value":true,"type":"bool"}"#, &Type::Dynamic),
            Ok(dynamic(Type::Bool, Value::Bool(true)))
        );
        assert_eq!(
            read(r#"{"value":5,"type":"number"}"#, &Type::Dynamic),
            Ok(dynamic(Type::Number, num("5")))
        );
        assert_eq!(
            read(
                r#"{"value":[true,false],"type":["list","bool"]}"#,
                &Type::Dynamic
            ),
            Ok(dynamic(
                Type::list(Type::Bool),
                Value::List(vec![Value::Bool(true), Value::Bool(false)])
            ))
        );
        assert_eq!(
            read(
                r#"[{"value":true,"type":"bool"},{"value":false,"type":"bool"}]"#,
                &Type::set(Type::Dynamic)
            ),
            Ok(Value::Set(vec![
                dynamic(Type::Bool, Value::Bool(true)),
                dynamic(Type::Bool, Value::Bool(false))
            ]))
        );
        let object = obj(&[("static", Type::Bool), ("dynamic", Type::Dynamic)]);
        let v = read(
            r#"{"dynamic":{"value":true,"type":"bool"},"static":true}"#,
            &object,
        )
        .expect("decodes");
        assert_eq!(
            v.attr("dynamic"),
            Some(&dynamic(Type::Bool, Value::Bool(true)))
        );
        assert_eq!(
            read(r#"{"value":null,"type":"string"}"#, &Type::Dynamic),
            Ok(dynamic(Type::String, Value::Null))
        );
    }

    #[test]
    fn dynamic_values_need_type_and_value_and_nothing_else() {
        for (json, says) in [
            (r#"{"value":true}"#, "missing type"),
            (r#"{"type":"bool"}"#, "missing value"),
            (r#"{"type":"bool","value":true,"x":1}"#, "invalid key \"x\""),
            ("true", "must be an object"),
            (r#"{"type":"boolean","value":true}"#, "type information"),
        ] {
            let e = read(json, &Type::Dynamic).expect_err(json);
            assert!(e.message.contains(says), "{json}: {e}");
        }
    }
}
