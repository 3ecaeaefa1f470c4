//! The value model: every Terraform (cty) type and a value that is known, null or unknown.
//!
//! The wire does not tell a list from a set or a tuple, nor an object from a map, so decoding is
//! always directed by a [`Type`]. Numbers are arbitrary precision ([`BigDecimal`]), never i64.

use bigdecimal::BigDecimal;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    /// Attributes by name; the second map lists the optional attributes (Terraform's
    /// `optional` object attributes, used by nested attributes).
    Object(BTreeMap<String, Type>, Vec<String>),
    Tuple(Vec<Type>),
    /// Any type: the value travels with its type.
    Dynamic,
}

impl Type {
    pub fn list(t: Type) -> Self {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Self {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Self {
        Type::Map(Box::new(t))
    }
    pub fn object(attrs: impl IntoIterator<Item = (String, Type)>) -> Self {
        Type::Object(attrs.into_iter().collect(), Vec::new())
    }

    /// The JSON form Terraform uses for types (`"string"`, `["list","number"]`,
    /// `["object",{"a":"bool"}]`), used in schemas and for dynamic values on the wire.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
            Type::Object(attrs, optional) => {
                let m: serde_json::Map<String, serde_json::Value> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                if optional.is_empty() {
                    json!(["object", m])
                } else {
                    json!(["object", m, optional])
                }
            }
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Type, String> {
        use serde_json::Value as J;
        match v {
            J::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            J::Array(items) => {
                let kind = items
                    .first()
                    .and_then(J::as_str)
                    .ok_or("type array without kind")?;
                let arg = items.get(1).ok_or("type array without argument")?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(arg)?)),
                    "set" => Ok(Type::set(Type::from_json(arg)?)),
                    "map" => Ok(Type::map(Type::from_json(arg)?)),
                    "tuple" => Ok(Type::Tuple(
                        arg.as_array()
                            .ok_or("tuple type without element list")?
                            .iter()
                            .map(Type::from_json)
                            .collect::<Result<_, _>>()?,
                    )),
                    "object" => {
                        let attrs = arg
                            .as_object()
                            .ok_or("object type without attributes")?
                            .iter()
                            .map(|(k, t)| Ok((k.clone(), Type::from_json(t)?)))
                            .collect::<Result<BTreeMap<_, _>, String>>()?;
                        let optional = items
                            .get(2)
                            .and_then(J::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(|s| s.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default();
                        Ok(Type::Object(attrs, optional))
                    }
                    other => Err(format!("unknown type kind {other:?}")),
                }
            }
            other => Err(format!("malformed type {other}")),
        }
    }
}

/// A Terraform value. `Unknown` is valid for every type ("known after apply").
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Unknown,
    Bool(bool),
    Number(BigDecimal),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Tuple(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    /// A value at a dynamically typed position, carrying its concrete type.
    Dynamic(Type, Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Self {
        Value::String(s.into())
    }
    /// An object holding `pairs` (a configuration, in tests).
    pub fn object_of(pairs: &[(&str, Value)]) -> Self {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
    pub fn number(n: i64) -> Self {
        Value::Number(BigDecimal::from(n))
    }
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Dynamic(_, v) => v.is_null(),
            _ => false,
        }
    }
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Dynamic(_, v) => v.is_unknown(),
            _ => false,
        }
    }
    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }
    /// Known all the way down (a known list can still hold unknown elements).
    pub fn is_fully_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v.iter().all(Value::is_fully_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_fully_known),
            Value::Dynamic(_, v) => v.is_fully_known(),
            _ => true,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Dynamic(_, v) => v.as_str(),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Dynamic(_, v) => v.as_bool(),
            _ => None,
        }
    }
    pub fn as_number(&self) -> Option<&BigDecimal> {
        match self {
            Value::Number(n) => Some(n),
            Value::Dynamic(_, v) => v.as_number(),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        use bigdecimal::ToPrimitive;
        self.as_number()
            .filter(|n| n.is_integer())
            .and_then(|n| n.to_i64())
    }
    pub fn as_f64(&self) -> Option<f64> {
        use bigdecimal::ToPrimitive;
        self.as_number().and_then(|n| n.to_f64())
    }
    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            Value::Dynamic(_, v) => v.as_object(),
            _ => None,
        }
    }
    pub fn as_object_mut(&mut self) -> Option<&mut BTreeMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            Value::Dynamic(_, v) => v.as_object_mut(),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            Value::Dynamic(_, v) => v.as_map(),
            _ => None,
        }
    }
    /// Elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            Value::Dynamic(_, v) => v.as_elements(),
            _ => None,
        }
    }
    /// An attribute of an object value (None when this is not a known object).
    pub fn attr(&self, name: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(name))
    }

    /// The JSON a serde model reads: unknown and null both become JSON null, numbers keep
    /// their full precision, sets become arrays.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null | Value::Unknown => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => {
                let text = normalize_number_text(n);
                serde_json::from_str::<serde_json::Number>(&text)
                    .map(J::Number)
                    .unwrap_or(J::String(text))
            }
            Value::String(s) => J::String(s.clone()),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                J::Array(v.iter().map(Value::to_json).collect())
            }
            Value::Map(m) | Value::Object(m) => {
                J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Dynamic(_, v) => v.to_json(),
        }
    }

    /// Reads JSON as a value of type `ty`. Used for serde models and for raw state
    /// (UpgradeResourceState). Missing object attributes become null; unexpected ones are an
    /// error naming the attribute.
    pub fn from_json(json: &serde_json::Value, ty: &Type) -> Result<Value, String> {
        use serde_json::Value as J;
        if json.is_null() {
            return Ok(Value::Null);
        }
        match (ty, json) {
            (Type::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Number, J::Number(n)) => BigDecimal::from_str(&n.to_string())
                .map(Value::Number)
                .map_err(|e| format!("invalid number {n}: {e}")),
            // Terraform's JSON state may carry numbers as strings.
            (Type::Number, J::String(s)) => BigDecimal::from_str(s)
                .map(Value::Number)
                .map_err(|e| format!("invalid number {s:?}: {e}")),
            (Type::String, J::String(s)) => Ok(Value::String(s.clone())),
            (Type::String, J::Number(n)) => Ok(Value::String(n.to_string())),
            (Type::String, J::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::List(t), J::Array(a)) => Ok(Value::List(
                a.iter()
                    .map(|e| Value::from_json(e, t))
                    .collect::<Result<_, _>>()?,
            )),
            (Type::Set(t), J::Array(a)) => Ok(Value::Set(
                a.iter()
                    .map(|e| Value::from_json(e, t))
                    .collect::<Result<_, _>>()?,
            )),
            (Type::Tuple(ts), J::Array(a)) if ts.len() == a.len() => Ok(Value::Tuple(
                a.iter()
                    .zip(ts)
                    .map(|(e, t)| Value::from_json(e, t))
                    .collect::<Result<_, _>>()?,
            )),
            (Type::Map(t), J::Object(m)) => Ok(Value::Map(
                m.iter()
                    .map(|(k, v)| Ok((k.clone(), Value::from_json(v, t)?)))
                    .collect::<Result<_, String>>()?,
            )),
            (Type::Object(attrs, _), J::Object(m)) => {
                if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                    return Err(format!("unsupported attribute {extra:?}"));
                }
                let mut out = BTreeMap::new();
                for (name, t) in attrs {
                    let v = match m.get(name) {
                        Some(j) => Value::from_json(j, t).map_err(|e| format!("{name}: {e}"))?,
                        None => Value::Null,
                    };
                    out.insert(name.clone(), v);
                }
                Ok(Value::Object(out))
            }
            (Type::Dynamic, j) => {
                let t = infer_json_type(j);
                Ok(Value::Dynamic(
                    t.clone(),
                    Box::new(Value::from_json(j, &t)?),
                ))
            }
            (t, j) => Err(format!("expected {}, found {}", t.to_json(), json_kind(j))),
        }
    }

    /// A null value of the given type's shape is just `Null`; this builds the all-null object
    /// for an object type (used for import and destroy).
    pub fn null_object(ty: &Type) -> Value {
        match ty {
            Type::Object(attrs, _) => {
                Value::Object(attrs.keys().map(|k| (k.clone(), Value::Null)).collect())
            }
            _ => Value::Null,
        }
    }
}

/// Plain decimal text without exponent for integral values (`1E+2` → `100`).
pub fn normalize_number_text(n: &BigDecimal) -> String {
    let n = n.normalized();
    if n.is_integer() {
        n.with_scale(0).to_string()
    } else {
        n.to_string()
    }
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    use serde_json::Value as J;
    match j {
        J::Null => "null",
        J::Bool(_) => "bool",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

fn infer_json_type(j: &serde_json::Value) -> Type {
    use serde_json::Value as J;
    match j {
        J::Null => Type::Dynamic,
        J::Bool(_) => Type::Bool,
        J::Number(_) => Type::Number,
        J::String(_) => Type::String,
        J::Array(a) => Type::Tuple(a.iter().map(infer_json_type).collect()),
        J::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), infer_json_type(v)))),
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_big_numbers() {
        let ty = Type::object([
            ("n".to_string(), Type::Number),
            ("s".to_string(), Type::set(Type::String)),
        ]);
        let j: serde_json::Value =
            serde_json::from_str(r#"{"n": 123456789012345678901234567890.5, "s": ["a"]}"#)
                .expect("valid json");
        let v = Value::from_json(&j, &ty).expect("decodes");
        assert_eq!(v.to_json(), j);
        assert!(matches!(v.attr("s"), Some(Value::Set(_))));
    }

    #[test]
    fn type_json_round_trip() {
        let t = Type::Object(
            [("a".to_string(), Type::list(Type::map(Type::Bool)))].into(),
            vec!["a".to_string()],
        );
        assert_eq!(Type::from_json(&t.to_json()), Ok(t));
    }

    #[test]
    fn unexpected_attribute_is_named() {
        let ty = Type::object([("a".to_string(), Type::String)]);
        let j = serde_json::json!({"b": "x"});
        let err = Value::from_json(&j, &ty).expect_err("must fail");
        assert!(err.contains("\"b\""));
    }
}
