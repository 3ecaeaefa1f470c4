//! The value codec: `DynamicValue` bytes (msgpack, or JSON as a fallback) to framework
//! [`Value`]s and back, always directed by a [`Type`] because the wire does not tell a list
//! from a set or a tuple, nor an object from a map.
//!
//! The msgpack rules follow terraform-plugin-go's `tftypes` to the letter: every extension
//! decodes as unknown (so refined unknowns, extension 12, are accepted and their refinements
//! ignored); unknown is written as a one-byte fixext with code 0; null is nil; a number is
//! written as an integer when it is exactly an i64, as a float64 when it is exactly one and not
//! integral, else as decimal text; object keys are written sorted; a dynamically typed value is
//! a two-element array of its JSON type and the value. Decode errors name the attribute path.

use super::proto::tfplugin6::DynamicValue;
use crate::framework::path::AttributePath;
use crate::framework::value::{normalize_number_text, Type, Value};
use crate::framework::value_json::{self, JsonOptions};
use bigdecimal::{BigDecimal, ToPrimitive};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A value that does not fit its type, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CodecError {
    pub path: AttributePath,
    pub message: String,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn err(path: &AttributePath, message: impl Into<String>) -> CodecError {
    CodecError {
        path: path.clone(),
        message: message.into(),
    }
}

/// Decodes a `DynamicValue`: msgpack when present, else JSON; an empty message is null.
pub fn decode_dynamic_value(dv: Option<&DynamicValue>, ty: &Type) -> Result<Value, CodecError> {
    match dv {
        Some(dv) if !dv.msgpack.is_empty() => decode_msgpack(&dv.msgpack, ty),
        Some(dv) if !dv.json.is_empty() => decode_json(&dv.json, ty),
        _ => Ok(Value::Null),
    }
}

/// Encodes a value as a msgpack `DynamicValue` (the form Terraform reads in every response).
pub fn encode_dynamic_value(value: &Value, ty: &Type) -> Result<DynamicValue, CodecError> {
    Ok(DynamicValue {
        msgpack: encode_msgpack(value, ty)?,
        json: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// msgpack encoding

/// Encodes `value` of type `ty` as msgpack.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    encode_value(&mut out, value, ty, &AttributePath::root())?;
    Ok(out)
}

fn io(path: &AttributePath) -> impl Fn(rmp::encode::ValueWriteError) -> CodecError + '_ {
    move |e| err(path, format!("msgpack write failed: {e}"))
}

fn len_u32(n: usize, path: &AttributePath) -> Result<u32, CodecError> {
    u32::try_from(n).map_err(|_| err(path, "collection too large for msgpack"))
}

fn write_unknown(out: &mut Vec<u8>, path: &AttributePath) -> Result<(), CodecError> {
    rmp::encode::write_ext_meta(out, 1, 0).map_err(io(path))?;
    out.push(0);
    Ok(())
}

fn encode_value(
    out: &mut Vec<u8>,
    value: &Value,
    ty: &Type,
    path: &AttributePath,
) -> Result<(), CodecError> {
    if *ty == Type::Dynamic {
        return encode_dynamic(out, value, path);
    }
    // A typed value at a typed position needs no wrapper: unwrap it.
    let value = match value {
        Value::Dynamic(_, inner) => inner.as_ref(),
        v => v,
    };
    match (ty, value) {
        (_, Value::Unknown) => write_unknown(out, path),
        (_, Value::Null) => {
            rmp::encode::write_nil(out).map_err(|e| err(path, e.to_string()))?;
            Ok(())
        }
        (Type::Bool, Value::Bool(b)) => {
            rmp::encode::write_bool(out, *b).map_err(|e| err(path, e.to_string()))?;
            Ok(())
        }
        (Type::String, Value::String(s)) => {
            rmp::encode::write_str(out, s).map_err(io(path))?;
            Ok(())
        }
        (Type::Number, Value::Number(n)) => encode_number(out, n, path),
        // The wire does not tell the collection kinds apart, so neither does encoding.
        (
            Type::List(et) | Type::Set(et),
            Value::List(items) | Value::Set(items) | Value::Tuple(items),
        ) => {
            rmp::encode::write_array_len(out, len_u32(items.len(), path)?).map_err(io(path))?;
            for (i, item) in items.iter().enumerate() {
                encode_value(out, item, et, &path.index(i as i64))?;
            }
            Ok(())
        }
        (Type::Tuple(ets), Value::Tuple(items) | Value::List(items)) => {
            if ets.len() != items.len() {
                return Err(err(
                    path,
                    format!(
                        "tuple value has {} elements, its type {}",
                        items.len(),
                        ets.len()
                    ),
                ));
            }
            rmp::encode::write_array_len(out, len_u32(items.len(), path)?).map_err(io(path))?;
            for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                encode_value(out, item, et, &path.index(i as i64))?;
            }
            Ok(())
        }
        (Type::Map(et), Value::Map(entries) | Value::Object(entries)) => {
            rmp::encode::write_map_len(out, len_u32(entries.len(), path)?).map_err(io(path))?;
            // BTreeMap iterates in key order, so keys are written sorted.
            for (k, v) in entries {
                rmp::encode::write_str(out, k).map_err(io(path))?;
                encode_value(out, v, et, &path.key(k.clone()))?;
            }
            Ok(())
        }
        (Type::Object(attrs, _), Value::Object(fields) | Value::Map(fields)) => {
            if let Some(extra) = fields.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(err(
                    &path.at(extra.clone()),
                    "attribute is not part of the schema",
                ));
            }
            rmp::encode::write_map_len(out, len_u32(attrs.len(), path)?).map_err(io(path))?;
            for (name, at) in attrs {
                rmp::encode::write_str(out, name).map_err(io(path))?;
                let v = fields.get(name).unwrap_or(&Value::Null);
                encode_value(out, v, at, &path.at(name.clone()))?;
            }
            Ok(())
        }
        (t, v) => Err(err(
            path,
            format!("cannot encode {} as {}", value_kind(v), t.to_json()),
        )),
    }
}

fn encode_dynamic(
    out: &mut Vec<u8>,
    value: &Value,
    path: &AttributePath,
) -> Result<(), CodecError> {
    match value {
        Value::Unknown => write_unknown(out, path),
        Value::Null => {
            rmp::encode::write_nil(out).map_err(|e| err(path, e.to_string()))?;
            Ok(())
        }
        Value::Dynamic(t, inner) => {
            if *t == Type::Dynamic {
                // Only null and unknown can have no concrete type.
                return encode_dynamic(out, inner, path);
            }
            write_dynamic_pair(out, t, inner, path)
        }
        other => write_dynamic_pair(out, &infer_type(other), other, path),
    }
}

fn write_dynamic_pair(
    out: &mut Vec<u8>,
    ty: &Type,
    value: &Value,
    path: &AttributePath,
) -> Result<(), CodecError> {
    let type_json = serde_json::to_vec(&ty.to_json())
        .map_err(|e| err(path, format!("type does not serialize: {e}")))?;
    rmp::encode::write_array_len(out, 2).map_err(io(path))?;
    rmp::encode::write_bin(out, &type_json).map_err(io(path))?;
    encode_value(out, value, ty, path)
}

/// The type of a value found at a dynamically typed position without its type attached.
fn infer_type(v: &Value) -> Type {
    fn first_type(items: &[Value]) -> Type {
        items
            .iter()
            .find(|v| !v.is_null() && v.is_known())
            .map(infer_type)
            .unwrap_or(Type::Dynamic)
    }
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::list(first_type(items)),
        Value::Set(items) => Type::set(first_type(items)),
        Value::Tuple(items) => Type::Tuple(items.iter().map(infer_type).collect()),
        Value::Map(m) => Type::map(first_type(&m.values().cloned().collect::<Vec<_>>())),
        Value::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), infer_type(v)))),
        Value::Dynamic(t, _) => t.clone(),
    }
}

fn encode_number(
    out: &mut Vec<u8>,
    n: &BigDecimal,
    path: &AttributePath,
) -> Result<(), CodecError> {
    if n.is_integer() {
        if let Some(i) = n.to_i64() {
            rmp::encode::write_sint(out, i).map_err(io(path))?;
            return Ok(());
        }
    } else if let Some(f) = n.to_f64().filter(|f| f.is_finite()) {
        if BigDecimal::try_from(f).is_ok_and(|exact| &exact == n) {
            rmp::encode::write_f64(out, f).map_err(io(path))?;
            return Ok(());
        }
    }
    rmp::encode::write_str(out, &normalize_number_text(n)).map_err(io(path))?;
    Ok(())
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Tuple(_) => "a tuple",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
        Value::Dynamic(..) => "a dynamic value",
    }
}

// ---------------------------------------------------------------------------------------------
// msgpack decoding

/// Decodes msgpack bytes as a value of type `ty`.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let root = AttributePath::root();
    let mut rd = bytes;
    let raw = rmpv::decode::read_value(&mut rd)
        .map_err(|e| err(&root, format!("malformed msgpack: {e}")))?;
    if !rd.is_empty() {
        return Err(err(&root, "trailing bytes after the msgpack value"));
    }
    from_msgpack(&raw, ty, &root)
}

fn msgpack_kind(v: &rmpv::Value) -> &'static str {
    use rmpv::Value as M;
    match v {
        M::Nil => "nil",
        M::Boolean(_) => "a bool",
        M::Integer(_) => "an integer",
        M::F32(_) | M::F64(_) => "a float",
        M::String(_) => "a string",
        M::Binary(_) => "binary data",
        M::Array(_) => "an array",
        M::Map(_) => "a map",
        M::Ext(..) => "an extension",
    }
}

fn mismatch(path: &AttributePath, ty: &Type, found: &rmpv::Value) -> CodecError {
    err(
        path,
        format!("expected {}, found {}", ty.to_json(), msgpack_kind(found)),
    )
}

fn from_msgpack(raw: &rmpv::Value, ty: &Type, path: &AttributePath) -> Result<Value, CodecError> {
    use rmpv::Value as M;
    // Every extension is an unknown; refinements (code 12) are safe to ignore.
    if let M::Ext(..) = raw {
        return Ok(Value::Unknown);
    }
    if *ty == Type::Dynamic {
        return dynamic_from_msgpack(raw, path);
    }
    if let M::Nil = raw {
        return Ok(Value::Null);
    }
    match ty {
        Type::Bool => match raw {
            M::Boolean(b) => Ok(Value::Bool(*b)),
            other => Err(mismatch(path, ty, other)),
        },
        Type::String => match raw {
            M::String(s) => s
                .as_str()
                .map(Value::string)
                .ok_or_else(|| err(path, "string is not valid UTF-8")),
            other => Err(mismatch(path, ty, other)),
        },
        Type::Number => number_from_msgpack(raw, path).map(Value::Number),
        Type::List(et) | Type::Set(et) => {
            let M::Array(items) = raw else {
                return Err(mismatch(path, ty, raw));
            };
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| from_msgpack(item, et, &path.index(i as i64)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::List(_)) {
                Value::List(items)
            } else {
                Value::Set(items)
            })
        }
        Type::Tuple(ets) => {
            let M::Array(items) = raw else {
                return Err(mismatch(path, ty, raw));
            };
            if items.len() != ets.len() {
                return Err(err(
                    path,
                    format!("tuple has {} elements, expected {}", items.len(), ets.len()),
                ));
            }
            Ok(Value::Tuple(
                items
                    .iter()
                    .zip(ets)
                    .enumerate()
                    .map(|(i, (item, et))| from_msgpack(item, et, &path.index(i as i64)))
                    .collect::<Result<_, _>>()?,
            ))
        }
        Type::Map(et) => {
            let M::Map(entries) = raw else {
                return Err(mismatch(path, ty, raw));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = map_key(k, path)?;
                let v = from_msgpack(v, et, &path.key(key.clone()))?;
                out.insert(key, v);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs, _) => {
            let M::Map(entries) = raw else {
                return Err(mismatch(path, ty, raw));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let name = map_key(k, path)?;
                let Some(at) = attrs.get(&name) else {
                    return Err(err(&path.at(name), "unsupported attribute"));
                };
                let v = from_msgpack(v, at, &path.at(name.clone()))?;
                out.insert(name, v);
            }
            for name in attrs.keys() {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => dynamic_from_msgpack(raw, path),
    }
}

fn map_key(k: &rmpv::Value, path: &AttributePath) -> Result<String, CodecError> {
    match k {
        rmpv::Value::String(s) => s
            .as_str()
            .map(String::from)
            .ok_or_else(|| err(path, "map key is not valid UTF-8")),
        other => Err(err(
            path,
            format!("map key must be a string, found {}", msgpack_kind(other)),
        )),
    }
}

fn number_from_msgpack(raw: &rmpv::Value, path: &AttributePath) -> Result<BigDecimal, CodecError> {
    use rmpv::Value as M;
    match raw {
        M::Integer(i) => {
            if let Some(n) = i.as_i64() {
                Ok(BigDecimal::from(n))
            } else if let Some(n) = i.as_u64() {
                Ok(BigDecimal::from(n))
            } else {
                Err(err(path, "integer out of range"))
            }
        }
        // Exact binary value: Terraform only sends floats that are exact.
        M::F64(f) => BigDecimal::try_from(*f).map_err(|_| err(path, format!("invalid number {f}"))),
        M::F32(f) => BigDecimal::try_from(f64::from(*f))
            .map_err(|_| err(path, format!("invalid number {f}"))),
        M::String(s) => {
            let text = s
                .as_str()
                .ok_or_else(|| err(path, "number text is not valid UTF-8"))?;
            BigDecimal::from_str(text).map_err(|_| err(path, format!("invalid number {text:?}")))
        }
        other => Err(mismatch(path, &Type::Number, other)),
    }
}

fn dynamic_from_msgpack(raw: &rmpv::Value, path: &AttributePath) -> Result<Value, CodecError> {
    use rmpv::Value as M;
    match raw {
        M::Nil => Ok(Value::Null),
        M::Array(pair) if pair.len() == 2 => {
            let type_bytes: &[u8] = match &pair[0] {
                M::Binary(b) => b,
                M::String(s) => s.as_bytes(),
                other => {
                    return Err(err(
                        path,
                        format!(
                            "dynamic value type must be JSON bytes, found {}",
                            msgpack_kind(other)
                        ),
                    ))
                }
            };
            let ty = parse_type(type_bytes, path)?;
            let inner = from_msgpack(&pair[1], &ty, path)?;
            Ok(Value::Dynamic(ty, Box::new(inner)))
        }
        other => Err(err(
            path,
            format!(
                "dynamic value must be a [type, value] pair, found {}",
                msgpack_kind(other)
            ),
        )),
    }
}

fn parse_type(bytes: &[u8], path: &AttributePath) -> Result<Type, CodecError> {
    let json: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| err(path, format!("dynamic value type is not JSON: {e}")))?;
    Type::from_json(&json).map_err(|e| err(path, format!("invalid dynamic value type: {e}")))
}

// ---------------------------------------------------------------------------------------------
// JSON decoding

/// Decodes JSON `DynamicValue` bytes as a value of type `ty`, by terraform-plugin-go's
/// `tftypes` rules (see [`value_json`]); errors carry paths.
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let json: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| err(&AttributePath::root(), format!("malformed JSON: {e}")))?;
    value_json::from_json(&json, ty, JsonOptions::default()).map_err(|e| CodecError {
        path: e.path,
        message: e.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obj(attrs: &[(&str, Type)]) -> Type {
        Type::object(attrs.iter().map(|(k, t)| (k.to_string(), t.clone())))
    }

    fn num(text: &str) -> Value {
        Value::Number(BigDecimal::from_str(text).expect("valid number"))
    }

    #[test]
    fn unknown_is_fixext1_code_zero_and_null_is_nil() {
        assert_eq!(
            encode_msgpack(&Value::Unknown, &Type::String).expect("encodes"),
            vec![0xd4, 0, 0]
        );
        assert_eq!(
            encode_msgpack(&Value::Null, &Type::list(Type::Bool)).expect("encodes"),
            vec![0xc0]
        );
    }

    #[test]
    fn any_extension_decodes_as_unknown() {
        // Refined unknown (code 12) with a "not null" refinement, and an unheard-of code 99.
        let refined = [0xd4u8, 12, 0x81, 0x01, 0xc3];
        let mut refined_full = vec![0xc7, 3, 12];
        refined_full.extend_from_slice(&[0x81, 0x01, 0xc3]);
        assert_eq!(
            decode_msgpack(&refined_full, &Type::String).expect("decodes"),
            Value::Unknown
        );
        assert!(decode_msgpack(&refined[..3], &Type::Number).is_ok());
        assert_eq!(
            decode_msgpack(&[0xd4, 99, 7], &Type::Dynamic).expect("decodes"),
            Value::Unknown
        );
    }

    #[test]
    fn numbers_use_the_narrowest_exact_form() {
        let int = encode_msgpack(&num("-42"), &Type::Number).expect("encodes");
        assert_eq!(int, vec![0xd0, 0xd6]);
        let half = encode_msgpack(&num("0.5"), &Type::Number).expect("encodes");
        assert_eq!(half[0], 0xcb, "exact float64");
        let tenth = encode_msgpack(&num("0.1"), &Type::Number).expect("encodes");
        assert_eq!(tenth, [&[0xa3][..], b"0.1"].concat(), "inexact: text");
        let big = "123456789012345678901234567890";
        let huge = encode_msgpack(&num(big), &Type::Number).expect("encodes");
        assert_eq!(
            decode_msgpack(&huge, &Type::Number).expect("decodes"),
            num(big)
        );
        // Terraform may send any of int, uint, float or string.
        assert_eq!(
            decode_msgpack(
                &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                &Type::Number
            )
            .expect("decodes"),
            num("18446744073709551615")
        );
    }

    #[test]
    fn object_keys_are_sorted_and_missing_attributes_null() {
        let ty = obj(&[("b", Type::String), ("a", Type::Bool)]);
        let v = Value::Object([("b".to_string(), Value::string("x"))].into());
        let bytes = encode_msgpack(&v, &ty).expect("encodes");
        assert_eq!(
            bytes,
            [&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'b', 0xa1][..], b"x"].concat()
        );
        let back = decode_msgpack(&bytes, &ty).expect("decodes");
        assert_eq!(back.attr("a"), Some(&Value::Null));
    }

    #[test]
    fn decode_errors_carry_the_attribute_path() {
        let ty = obj(&[("tags", Type::map(Type::list(Type::Number)))]);
        // {"tags": {"k": [1, "x"]}}
        let bytes = [
            &[0x81, 0xa4][..],
            b"tags",
            &[0x81, 0xa1, b'k', 0x92, 0x01, 0xa1, b'x'],
        ]
        .concat();
        let e = decode_msgpack(&bytes, &ty).expect_err("must fail");
        assert_eq!(e.path, AttributePath::attr("tags").key("k").index(1));
        assert!(e.to_string().starts_with("tags[\"k\"][1]: invalid number"));
        let e = decode_msgpack(&[0x81, 0xa1, b'z', 0xc0], &ty).expect_err("must fail");
        assert_eq!(e.path, AttributePath::attr("z"));
    }

    #[test]
    fn dynamic_values_travel_with_their_type() {
        let v = Value::Dynamic(
            Type::list(Type::String),
            Box::new(Value::List(vec!["a".into()])),
        );
        let bytes = encode_msgpack(&v, &Type::Dynamic).expect("encodes");
        assert_eq!(bytes[0], 0x92);
        assert_eq!(decode_msgpack(&bytes, &Type::Dynamic).expect("decodes"), v);
        // A plain value at a dynamic position gets its type inferred.
        let plain = encode_msgpack(&Value::string("s"), &Type::Dynamic).expect("encodes");
        assert_eq!(
            decode_msgpack(&plain, &Type::Dynamic).expect("decodes"),
            Value::Dynamic(Type::String, Box::new(Value::string("s")))
        );
    }

    #[test]
    fn json_fallback_decodes_with_paths_and_dynamic_wrappers() {
        let ty = obj(&[
            ("n", Type::Number),
            ("d", Type::Dynamic),
            ("s", Type::set(Type::String)),
        ]);
        let dv = DynamicValue {
            msgpack: Vec::new(),
            json: br#"{"n": 1.25, "d": {"type": "string", "value": "x"}, "s": ["a"]}"#.to_vec(),
        };
        let v = decode_dynamic_value(Some(&dv), &ty).expect("decodes");
        assert_eq!(v.attr("n"), Some(&num("1.25")));
        assert_eq!(
            v.attr("d"),
            Some(&Value::Dynamic(Type::String, Box::new(Value::string("x"))))
        );
        assert_eq!(v.attr("s"), Some(&Value::Set(vec!["a".into()])));
        let e = decode_json(br#"{"s": [{}]}"#, &ty).expect_err("must fail");
        assert_eq!(e.path, AttributePath::attr("s").index(0));
        assert_eq!(decode_dynamic_value(None, &ty), Ok(Value::Null));
    }

    // Random types, then random values of those types, must survive encode → decode.
    fn arb_type() -> impl Strategy<Value = Type> {
        let leaf = prop_oneof![
            Just(Type::Bool),
            Just(Type::Number),
            Just(Type::String),
            Just(Type::Dynamic),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(Type::list),
                inner.clone().prop_map(Type::set),
                inner.clone().prop_map(Type::map),
                prop::collection::vec(inner.clone(), 0..3).prop_map(Type::Tuple),
                prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                    .prop_map(|m| Type::Object(m, Vec::new())),
            ]
        })
    }

    fn arb_number() -> impl Strategy<Value = BigDecimal> {
        prop_oneof![
            any::<i64>().prop_map(BigDecimal::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| BigDecimal::try_from(f).expect("finite")),
            ("-?[1-9][0-9]{0,30}", 0i64..20).prop_map(|(digits, scale)| {
                BigDecimal::new(digits.parse().expect("digits"), scale)
            }),
        ]
    }

    fn arb_known(ty: Type) -> BoxedStrategy<Value> {
        match ty {
            Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Type::Number => arb_number().prop_map(Value::Number).boxed(),
            Type::String => ".{0,8}".prop_map(Value::String).boxed(),
            Type::List(et) => prop::collection::vec(arb_value(*et), 0..3)
                .prop_map(Value::List)
                .boxed(),
            Type::Set(et) => prop::collection::vec(arb_value(*et), 0..3)
                .prop_map(Value::Set)
                .boxed(),
            Type::Map(et) => prop::collection::btree_map(".{0,4}", arb_value(*et), 0..3)
                .prop_map(Value::Map)
                .boxed(),
            Type::Tuple(ets) => ets
                .into_iter()
                .map(arb_value)
                .collect::<Vec<_>>()
                .prop_map(Value::Tuple)
                .boxed(),
            Type::Object(attrs, _) => {
                let names: Vec<String> = attrs.keys().cloned().collect();
                attrs
                    .into_values()
                    .map(arb_value)
                    .collect::<Vec<_>>()
                    .prop_map(move |vals| Value::Object(names.iter().cloned().zip(vals).collect()))
                    .boxed()
            }
            Type::Dynamic => arb_type()
                .prop_filter("concrete", |t| *t != Type::Dynamic)
                .prop_flat_map(|t| {
                    arb_value(t.clone()).prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v)))
                })
                .boxed(),
        }
    }

    fn arb_value(ty: Type) -> BoxedStrategy<Value> {
        prop_oneof![
            1 => Just(Value::Null),
            1 => Just(Value::Unknown),
            6 => arb_known(ty),
        ]
        .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn msgpack_round_trips(
            (ty, v) in arb_type().prop_flat_map(|t| (Just(t.clone()), arb_value(t)))
        ) {
            let bytes = encode_msgpack(&v, &ty).expect("encodes");
            let back = decode_msgpack(&bytes, &ty).expect("decodes");
            prop_assert_eq!(back, v);
        }
    }
}
