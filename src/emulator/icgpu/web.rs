//! IC GPU request plumbing: the error body, request ids, body parsing and validation, and
//! `maxResults`/`nextToken` pagination.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use regex::Regex;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

tokio::task_local! {
    /// The current request's id: set by the IC GPU middleware, read when an error body is built.
    pub static REQUEST_ID: String;
}

pub fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// An IC GPU error: HTTP status and `code` correspond one to one (spec "Errors").
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub details: Vec<(String, String)>,
    pub retry_after: Option<u64>,
}

pub fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 405 => "ValidationException",
        401 => "AuthenticationError",
        402 => "InsufficientTokens",
        403 => "AccessDeniedException",
        404 => "ResourceNotFoundException",
        409 => "ConflictException",
        429 => "ThrottlingException",
        // The spec pairs ServiceUnavailableException with 502; injected 503s reuse the name.
        502 | 503 => "ServiceUnavailableException",
        _ => "InternalServiceException",
    }
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            details: vec![(field.to_string(), message.clone())],
            message: format!("{field} {message}"),
            ..Self::new(StatusCode::BAD_REQUEST, "")
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    pub fn body(&self) -> Value {
        let mut body = json!({
            "code": code_for(self.status),
            "message": self.message,
            "requestId": request_id(),
        });
        if !self.details.is_empty() {
            body["details"] = self
                .details
                .iter()
                .map(|(f, m)| json!({"field": f, "message": m}))
                .collect();
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// Parses a JSON object body into `T` (whose serde attributes reject unknown fields).
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("request body is required"));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request("request body must be a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| {
        let msg = e.to_string();
        let field = between(&msg, "field `", "`");
        match field {
            Some(f) => ApiError::validation(f, msg.clone()),
            None => ApiError::bad_request(format!("invalid request body: {msg}")),
        }
    })
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

static NAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").unwrap_or_else(|_| unreachable!())
});
static SSH_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/]+={0,3}( .*)?$",
    )
    .unwrap_or_else(|_| unreachable!())
});

/// Collects field problems and turns them into one 400 ValidationException.
#[derive(Default)]
pub struct Checks(Vec<(String, String)>);

impl Checks {
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }
    pub fn range(&mut self, field: &str, v: Option<i64>, min: i64, max: i64) {
        if let Some(v) = v {
            if v < min || v > max {
                self.fail(field, format!("must be between {min} and {max}"));
            }
        }
    }
    pub fn min(&mut self, field: &str, v: Option<i64>, min: i64) {
        if let Some(v) = v {
            if v < min {
                self.fail(field, format!("must be at least {min}"));
            }
        }
    }
    pub fn len(&mut self, field: &str, v: Option<&str>, min: usize, max: usize) {
        if let Some(v) = v {
            let n = v.chars().count();
            if n < min || n > max {
                self.fail(field, format!("length must be between {min} and {max}"));
            }
        }
    }
    pub fn dns_name(&mut self, field: &str, v: &str) {
        self.len(field, Some(v), 1, 63);
        if !NAME_RE.is_match(v) {
            self.fail(
                field,
                "must be lower-case letters, digits and '-', starting and ending with a letter or digit",
            );
        }
    }
    pub fn ssh_key(&mut self, field: &str, v: Option<&str>) {
        if let Some(v) = v {
            if !SSH_RE.is_match(v) || ssh_key::PublicKey::from_openssh(v).is_err() {
                self.fail(field, "must be an OpenSSH public key line");
            }
        }
    }
    pub fn one_of(&mut self, field: &str, v: Option<&str>, allowed: &[&str]) {
        if let Some(v) = v {
            if !allowed.contains(&v) {
                self.fail(field, format!("must be one of {}", allowed.join(", ")));
            }
        }
    }
    pub fn each_one_of(&mut self, field: &str, v: Option<&[String]>, allowed: &[&str]) {
        let Some(items) = v else { return };
        if items.is_empty() {
            self.fail(field, "must contain at least one item");
        }
        for (i, item) in items.iter().enumerate() {
            if !allowed.contains(&item.as_str()) {
                self.fail(field, format!("must be one of {}", allowed.join(", ")));
            }
            if items[..i].contains(item) {
                self.fail(field, "must not contain duplicates");
            }
        }
    }
    pub fn https_url(&mut self, field: &str, v: Option<&str>) {
        if let Some(v) = v {
            if v.len() > 2048 || !v.starts_with("https://") || url::Url::parse(v).is_err() {
                self.fail(field, "must be an https:// URL of at most 2048 characters");
            }
        }
    }
    pub fn finish(self) -> Result<(), ApiError> {
        let Some((field, message)) = self.0.first().cloned() else {
            return Ok(());
        };
        Err(ApiError {
            message: format!("{field} {message}"),
            details: self.0,
            ..ApiError::bad_request("")
        })
    }
}

/// `maxResults` / `nextToken` from the query string.
pub struct PageQuery {
    pub max: usize,
    pub token: Option<String>,
}

pub fn page_query(q: &HashMap<String, String>) -> Result<PageQuery, ApiError> {
    let max = match q.get("maxResults") {
        None => 50,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(ApiError::validation(
                    "maxResults",
                    "must be between 1 and 100",
                ))
            }
        },
    };
    let token = q.get("nextToken").cloned();
    if token.as_deref() == Some("") {
        return Err(ApiError::validation("nextToken", "invalid or expired"));
    }
    Ok(PageQuery { max, token })
}

/// One page of `items`, given in listing order with strictly increasing position keys.
/// The token is opaque to clients: the list's kind and the last returned key.
pub fn paginate(
    kind: &str,
    items: Vec<(u64, Value)>,
    pq: &PageQuery,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let after = match &pq.token {
        None => None,
        Some(t) => {
            let decoded = engine
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| {
                    let (k, n) = s.split_once(':')?;
                    (k == kind).then(|| n.parse::<u64>().ok()).flatten()
                });
            match decoded {
                Some(n) => Some(n),
                None => return Err(ApiError::validation("nextToken", "invalid or expired")),
            }
        }
    };
    let mut rest = items
        .into_iter()
        .filter(|(k, _)| after.is_none_or(|a| *k > a))
        .peekable();
    let mut page = Vec::new();
    let mut last = None;
    while page.len() < pq.max {
        let Some((k, v)) = rest.next() else { break };
        last = Some(k);
        page.push(v);
    }
    let next = match (rest.peek(), last) {
        (Some(_), Some(k)) => Some(engine.encode(format!("{kind}:{k}"))),
        _ => None,
    };
    Ok((page, next))
}

/// `{"<items_key>": [...], "nextToken": ...}`.
pub fn list_response(
    items_key: &str,
    kind: &str,
    items: Vec<(u64, Value)>,
    q: &HashMap<String, String>,
) -> ApiResult {
    let pq = page_query(q)?;
    let (page, next) = paginate(kind, items, &pq)?;
    Ok(Json(json!({ items_key: page, "nextToken": next })).into_response())
}

pub fn json_status(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// 201 with a `Location` header.
pub fn created(location: String, body: Value) -> Response {
    let mut resp = json_status(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: u64) -> Vec<(u64, Value)> {
        (0..n).map(|i| (i, json!(i))).collect()
    }

    #[test]
    fn pages_walk_every_item_once() {
        let mut pq = PageQuery {
            max: 3,
            token: None,
        };
        let mut seen = Vec::new();
        loop {
            let (page, next) = paginate("x", items(7), &pq).expect("valid token");
            seen.extend(page);
            match next {
                Some(t) => pq.token = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, (0..7).map(|i| json!(i)).collect::<Vec<_>>());
    }

    #[test]
    fn foreign_or_garbage_tokens_are_rejected() {
        let (_, next) = paginate(
            "a",
            items(3),
            &PageQuery {
                max: 1,
                token: None,
            },
        )
        .expect("first page");
        for token in [next.expect("more pages"), "!!!".to_string()] {
            let err = paginate(
                "b",
                items(3),
                &PageQuery {
                    max: 1,
                    token: Some(token),
                },
            )
            .expect_err("rejected");
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn unknown_fields_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct B {
            name: String,
        }
        let err = parse_body::<B>(br#"{"name":"a","color":"red"}"#).expect_err("rejected");
        assert_eq!(err.details[0].0, "color");
        assert_eq!(err.body()["code"], "ValidationException");
    }
}
