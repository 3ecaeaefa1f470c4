//! Spec conformance harness shared by the emulator tests: for every operation in an OpenAPI
//! 3.0 document, send a request built from the spec (request-body examples, or minimal required
//! fields; path parameters from objects created earlier in the run) and validate the response
//! body against the operation's schema for the returned status with `jsonschema`.
//!
//! Order: creates (POST on parameterless paths, or documented with 201 under a parent such as
//! `/networks/{id}/subnets`, parents first) → settle → GETs → other actions → DELETEs (children
//! first), so path parameters refer to live objects and lifecycles have had time to move.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Map, Value};

/// What happened to one operation.
#[derive(Debug, Clone)]
pub struct OpResult {
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Empty when the status is documented and the body matches its schema.
    pub errors: Vec<String>,
}

/// How to reach and authenticate against the API under test.
pub struct Target<'a> {
    /// `http://127.0.0.1:PORT` of the emulator.
    pub base_url: &'a str,
    /// Where the spec's paths are mounted, e.g. `/icgpu` (spec path `/api/v1/...` below it).
    pub mount: &'a str,
    /// Headers sent with every request (the credential), e.g. `("Authorization", "Bearer ..")`.
    pub headers: &'a [(&'a str, &'a str)],
    /// Headers sent instead of `headers` to an operation whose own `security` names the
    /// scheme (an API that takes another credential on some paths), e.g. `("llmApiKey", ..)`.
    pub scheme_headers: &'a [(&'a str, &'a [(&'a str, &'a str)])],
    /// Pause after the creates, so asynchronous resources reach a steady status.
    pub settle: Duration,
}

/// Loads a spec (YAML or JSON) from the repository's `specs/` directory.
pub fn load_spec(file: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("spec file is readable");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("spec parses as YAML/JSON");
    serde_json::to_value(yaml).expect("spec converts to JSON")
}

/// OpenAPI 3.0 schema → JSON Schema 2020-12: `nullable` becomes `anyOf [.., null]`, boolean
/// `exclusiveMinimum/Maximum` become numeric, OpenAPI-only keywords are dropped.
pub fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "nullable" | "example" | "examples" | "discriminator" | "xml"
                    | "externalDocs" | "deprecated" => {}
                    k if k.starts_with("x-") => {}
                    "properties" | "$defs" | "patternProperties" => {
                        let props = v
                            .as_object()
                            .map(|m| {
                                m.iter()
                                    .map(|(name, s)| (name.clone(), to_json_schema(s)))
                                    .collect::<Map<_, _>>()
                            })
                            .unwrap_or_default();
                        out.insert(k.to_string(), Value::Object(props));
                    }
                    _ => {
                        out.insert(k.clone(), to_json_schema(v));
                    }
                }
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if out.get(flag).and_then(Value::as_bool) == Some(true) {
                    if let Some(b) = out.remove(bound) {
                        out.insert(flag.to_string(), b);
                    }
                } else if out.get(flag).is_some_and(Value::is_boolean) {
                    out.remove(flag);
                }
            }
            let obj = Value::Object(out);
            if map.get("nullable").and_then(Value::as_bool) == Some(true) {
                json!({"anyOf": [obj, {"type": "null"}]})
            } else {
                obj
            }
        }
        other => other.clone(),
    }
}

/// Follows a local `$ref` (`#/a/b`) inside the spec.
fn deref<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    let mut cur = v;
    for _ in 0..8 {
        match cur.get("$ref").and_then(Value::as_str) {
            Some(r) => match spec.pointer(r.trim_start_matches('#')) {
                Some(next) => cur = next,
                None => return cur,
            },
            None => return cur,
        }
    }
    cur
}

/// Validates `body` against an (OpenAPI) schema of `spec`; `$ref`s resolve against the
/// spec's `components` embedded into the schema document.
pub fn validate(spec: &Value, schema: &Value, body: &Value) -> Vec<String> {
    let mut doc = match to_json_schema(schema) {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("allOf".into(), json!([other]));
            m
        }
    };
    doc.insert(
        "components".into(),
        to_json_schema(spec.get("components").unwrap_or(&Value::Null)),
    );
    let doc = Value::Object(doc);
    let validator = match jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&doc)
    {
        Ok(v) => v,
        Err(e) => return vec![format!("schema does not compile: {e}")],
    };
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// A value satisfying `schema` from its example, default, enum or type (for required fields).
pub fn minimal(spec: &Value, schema: &Value) -> Value {
    let s = deref(spec, schema);
    if let Some(e) = s.get("example") {
        return e.clone();
    }
    if let Some(d) = s.get("default") {
        return d.clone();
    }
    if let Some(first) = s.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            match minimal(spec, part) {
                Value::Object(m) => merged.extend(m),
                other => return other,
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| s.get(*k).and_then(|v| v.get(0)))
    {
        return minimal(spec, first);
    }
    match s.get("type").and_then(Value::as_str) {
        Some("object") | None if s.get("properties").is_some() => {
            let mut out = Map::new();
            let required = s
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for name in required.iter().filter_map(Value::as_str) {
                if let Some(p) = s.pointer(&format!("/properties/{name}")) {
                    out.insert(name.to_string(), minimal(spec, p));
                }
            }
            Value::Object(out)
        }
        Some("integer") | Some("number") => s.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(true),
        Some("array") => json!([minimal(spec, s.get("items").unwrap_or(&Value::Null))]),
        Some("string") => json!("conformance"),
        _ => json!({}),
    }
}

/// The first request-body example of an operation, else a minimal body from its schema.
fn request_body(spec: &Value, op: &Value) -> Option<Value> {
    let rb = deref(spec, op.get("requestBody")?);
    let content = rb.get("content")?;
    let media = content
        .get("application/json")
        .or_else(|| content.as_object().and_then(|m| m.values().next()))?;
    if let Some(examples) = media.get("examples").and_then(Value::as_object) {
        if let Some(first) = examples.values().next() {
            let ex = deref(spec, first);
            if let Some(v) = ex.get("value") {
                return Some(v.clone());
            }
        }
    }
    if let Some(e) = media.get("example") {
        return Some(e.clone());
    }
    Some(minimal(spec, media.get("schema")?))
}

struct Operation {
    method: String,
    path: String,
    op: Value,
    /// Parameters of the path item and of the operation.
    params: Vec<Value>,
}

fn operations(spec: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in ["get", "post", "put", "patch", "delete"] {
            if let Some(op) = item.get(method) {
                let mut params: Vec<Value> =
                    shared.iter().map(|p| deref(spec, p).clone()).collect();
                if let Some(own) = op.get("parameters").and_then(Value::as_array) {
                    params.extend(own.iter().map(|p| deref(spec, p).clone()));
                }
                out.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    op: op.clone(),
                    params,
                });
            }
        }
    }
    out
}

impl Operation {
    /// A POST that makes a new object: on a collection, or answered 201 under a parent.
    fn is_create(&self) -> bool {
        self.method == "POST"
            && (!self.path.contains('{') || self.op.pointer("/responses/201").is_some())
    }

    /// How many objects deep the path is (`/a/{id}/b/{sub}` is 2).
    fn depth(&self) -> usize {
        self.path.matches('{').count()
    }
}

/// Path parameter `{name}` takes the `name` (else `id`) of the object created on the path
/// before it: `/a/{id}/b/{sub}` fills `{id}` from `/a` and `{sub}` from `/a/{id}/b`.
fn fill_path(op: &Operation, created: &BTreeMap<String, Value>) -> String {
    let mut path = op.path.clone();
    for p in &op.params {
        if p.get("in").and_then(Value::as_str) != Some("path") {
            continue;
        }
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let placeholder = format!("/{{{name}}}");
        let parent = op
            .path
            .find(&placeholder)
            .map_or(op.path.as_str(), |i| &op.path[..i]);
        let from_created = created
            .get(parent)
            .and_then(|obj| obj.get(name).or_else(|| obj.get("id")))
            .and_then(Value::as_str)
            .map(str::to_string);
        let value = from_created
            .or_else(|| p.get("example").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "conformance".into());
        path = path.replace(&format!("{{{name}}}"), &value);
    }
    path
}

fn query(op: &Operation) -> Vec<(String, String)> {
    op.params
        .iter()
        .filter(|p| {
            p.get("in").and_then(Value::as_str) == Some("query")
                && p.get("required").and_then(Value::as_bool) == Some(true)
        })
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?.to_string();
            let v = p
                .get("example")
                .cloned()
                .or_else(|| p.get("schema").map(|s| minimal(&Value::Null, s)))?;
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            Some((name, v))
        })
        .collect()
}

async fn run_one(
    spec: &Value,
    t: &Target<'_>,
    http: &reqwest::Client,
    op: &Operation,
    created: &mut BTreeMap<String, Value>,
) -> OpResult {
    let path = fill_path(op, created);
    let url = format!("{}{}{}", t.base_url, t.mount, path);
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("HTTP method");
    let mut req = http.request(method, &url).query(&query(op));
    let schemes: Vec<&str> = op
        .op
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    let headers = t
        .scheme_headers
        .iter()
        .find(|(scheme, _)| schemes.contains(scheme))
        .map_or(t.headers, |(_, h)| *h);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(body) = request_body(spec, &op.op) {
        req = req.json(&body);
    }
    let operation_id = op
        .op
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or(&op.path)
        .to_string();
    let mut result = OpResult {
        operation_id,
        method: op.method.clone(),
        path: path.clone(),
        status: 0,
        errors: Vec::new(),
    };
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            result.errors.push(format!("request failed: {e}"));
            return result;
        }
    };
    result.status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let responses = op.op.get("responses");
    let Some(documented) = responses
        .and_then(|r| {
            r.get(result.status.to_string())
                .or_else(|| r.get("default"))
        })
        .map(|r| deref(spec, r))
    else {
        result.errors.push(format!(
            "status {} is not documented; body: {text}",
            result.status
        ));
        return result;
    };
    let Some(content) = documented.get("content").and_then(Value::as_object) else {
        return result;
    };
    if let Some(media) = content.get("application/json") {
        let body: Value = match serde_json::from_str(&text) {
            Ok(b) => b,
            Err(e) => {
                result
                    .errors
                    .push(format!("body is not JSON ({e}): {text}"));
                return result;
            }
        };
        if let Some(schema) = media.get("schema") {
            result.errors.extend(validate(spec, schema, &body));
        }
        if (200..300).contains(&result.status) && op.is_create() {
            created.entry(op.path.clone()).or_insert(body);
        }
    } else if text.is_empty() {
        result.errors.push("documented body is empty".into());
    }
    result
}

/// Runs every operation of `spec` against the target and returns one result per operation.
pub async fn check_spec(spec: &Value, t: &Target<'_>) -> Vec<OpResult> {
    let http = reqwest::Client::new();
    let ops = operations(spec);
    let mut created = BTreeMap::new();
    let mut results = Vec::new();
    let mut creates: Vec<&Operation> = ops.iter().filter(|o| o.is_create()).collect();
    creates.sort_by_key(|o| o.depth());
    for op in creates {
        results.push(run_one(spec, t, &http, op, &mut created).await);
    }
    tokio::time::sleep(t.settle).await;
    for op in ops.iter().filter(|o| o.method == "GET") {
        results.push(run_one(spec, t, &http, op, &mut created).await);
    }
    for op in ops
        .iter()
        .filter(|o| !o.is_create() && o.method != "GET" && o.method != "DELETE")
    {
        results.push(run_one(spec, t, &http, op, &mut created).await);
    }
    let mut deletes: Vec<&Operation> = ops.iter().filter(|o| o.method == "DELETE").collect();
    deletes.sort_by_key(|o| std::cmp::Reverse(o.depth()));
    for op in deletes {
        results.push(run_one(spec, t, &http, op, &mut created).await);
    }
    results
}

/// Fails with every problem listed: schema mismatches, undocumented statuses, and non-2xx
/// answers from operations not in `may_refuse` (lifecycle actions whose 409 is documented).
pub fn assert_conformant(results: &[OpResult], may_refuse: &[&str]) {
    let mut problems = Vec::new();
    for r in results {
        for e in &r.errors {
            problems.push(format!(
                "{} {} {} → {}: {e}",
                r.operation_id, r.method, r.path, r.status
            ));
        }
        if !(200..300).contains(&r.status) && !may_refuse.contains(&r.operation_id.as_str()) {
            problems.push(format!(
                "{} {} {} → {} (expected 2xx)",
                r.operation_id, r.method, r.path, r.status
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "conformance problems:\n{}",
        problems.join("\n")
    );
}
