//! `ClientError`: what went wrong, said once for the user (`summary`) and once for whoever
//! debugs it (`detail`: HTTP status, API code and message, request id, credential hint).

use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The API answered with a non-success status.
    #[error("{}", self.summary())]
    Api {
        status: u16,
        /// What the request was doing, in the user's words ("create instance \"my-gpu\"").
        operation: String,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
        /// Where the credential comes from (set on 401/403).
        hint: Option<String>,
    },
    /// The request did not complete (DNS, connect, TLS, connection reset, body read).
    #[error("{}", self.summary())]
    Transport {
        api: &'static str,
        operation: String,
        message: String,
        /// The request may have reached the API (so a create may have happened).
        sent: bool,
    },
    /// One request ran out of time (its per-request timeout or the operation's deadline).
    #[error("{}", self.summary())]
    Timeout {
        api: &'static str,
        operation: String,
        after: Duration,
        sent: bool,
    },
    /// A waiter ran out of time.
    #[error("{}", self.summary())]
    WaitTimeout {
        what: String,
        after: Duration,
        last_status: Option<String>,
    },
    /// Terraform asked the provider to stop.
    #[error("{}", self.summary())]
    Interrupted { operation: String },
    /// The API answered success with a body that does not fit.
    #[error("{}", self.summary())]
    Decode {
        api: &'static str,
        operation: String,
        status: u16,
        /// What the body was, in a few words ("an HTML page", "JSON cut short").
        kind: &'static str,
        message: String,
        /// The body's first characters, redacted (`Some("")`: the body was empty; `None`:
        /// not kept).
        excerpt: Option<String>,
    },
    /// The API answered with a redirect, which the provider never follows (so no
    /// credential reaches another host).
    #[error("{}", self.summary())]
    Redirect {
        api: &'static str,
        operation: String,
        status: u16,
        /// Where it pointed, without query or fragment (or "" when it named nowhere).
        location: String,
        /// The request was not a GET: the API may have acted on it before redirecting.
        sent: bool,
    },
    /// A paginated list that does not end: a repeated cursor, page or offset window, more
    /// pages than its reported totals allow, or the operation's deadline passed mid-walk.
    #[error("{}", self.summary())]
    Pagination {
        api: &'static str,
        operation: String,
        /// Method and path of the list ("GET /instances").
        endpoint: String,
        /// The page (1-based) at which the walk stopped.
        page: u64,
        /// What went wrong, as a clause ("page 2 (offset=50) repeats page 1").
        reason: String,
    },
    /// The object reached a failed state while we waited for it.
    #[error("{}", self.summary())]
    WaitFailed { what: String, message: String },
    /// The client could not be built (bad URL, bad CA certificate).
    #[error("{}", self.summary())]
    Config { message: String },
}

fn status_phrase(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// "the amd API", or "the API" when unknown.
fn the_api(api: &str) -> String {
    if api.is_empty() {
        "the API".into()
    } else {
        format!("the {api} API")
    }
}

pub(crate) fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    const DAY: u64 = 86_400;
    if secs >= 2 * 365 * DAY {
        return format!("{} years", secs / (365 * DAY));
    }
    if secs >= 2 * DAY {
        return format!("{} days", secs / DAY);
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

impl ClientError {
    /// The HTTP status, when the API answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. }
            | ClientError::Decode { status, .. }
            | ClientError::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API's error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self.status(), Some(404 | 410))
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, ClientError::Api { status: 409, .. })
    }

    pub fn is_interrupted(&self) -> bool {
        matches!(self, ClientError::Interrupted { .. })
    }

    /// True when a create may have been carried out although no usable answer came back: no
    /// answer (lost after sending, or interrupted), any 5xx or 429 (a gateway may answer so
    /// for a backend that acted), or a success whose body cannot be read. Such a create is
    /// resolved by a lookup (or a keyed replay), never simply sent again.
    pub fn may_have_created(&self) -> bool {
        match self {
            ClientError::Transport { sent, .. }
            | ClientError::Timeout { sent, .. }
            | ClientError::Redirect { sent, .. } => *sent,
            ClientError::Api { status, .. } => *status >= 500 || *status == 429,
            ClientError::Decode { .. } | ClientError::Interrupted { .. } => true,
            _ => false,
        }
    }

    /// The same error with `note` added to what the API said (for example why the
    /// provider stopped retrying); other kinds are returned as they are.
    pub(crate) fn with_note(self, note: &str) -> Self {
        match self {
            ClientError::Api {
                status,
                operation,
                code,
                message,
                request_id,
                hint,
            } => ClientError::Api {
                status,
                operation,
                code,
                message: if message.trim().is_empty() {
                    note.to_string()
                } else {
                    format!("{}; {note}", message.trim())
                },
                request_id,
                hint,
            },
            other => other,
        }
    }

    /// True when a create may have been carried out although we saw no success: the
    /// response was lost (timeout, reset after sending) or the API failed after accepting it.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            ClientError::Transport { sent, .. }
            | ClientError::Timeout { sent, .. }
            | ClientError::Redirect { sent, .. } => *sent,
            ClientError::Api { status, .. } => matches!(status, 500 | 502 | 504),
            _ => false,
        }
    }

    /// One line for the diagnostic summary: "Failed to <operation>: <reason>".
    pub fn summary(&self) -> String {
        let s = match self {
            ClientError::Api {
                status,
                operation,
                message,
                ..
            } => {
                let msg = if message.trim().is_empty() {
                    format!("HTTP {status} {}", status_phrase(*status))
                        .trim_end()
                        .to_string()
                } else {
                    message.trim().to_string()
                };
                let reason = match status {
                    401 => format!("authentication failed ({msg})"),
                    403 => format!("permission denied ({msg})"),
                    429 => format!("the API is rate limiting requests ({msg})"),
                    500..=599 if !message.trim().is_empty() => {
                        format!("the API failed ({msg}, HTTP {status})")
                    }
                    500..=599 => format!("the API failed ({msg})"),
                    _ => msg,
                };
                format!("Failed to {operation}: {reason}")
            }
            ClientError::Transport {
                api,
                operation,
                message,
                ..
            } => format!(
                "Failed to {operation}: could not reach {} ({message})",
                the_api(api)
            ),
            ClientError::Timeout {
                operation, after, ..
            } => format!(
                "Failed to {operation}: no answer within {}",
                human_duration(*after)
            ),
            ClientError::WaitTimeout {
                what,
                after,
                last_status,
            } => match last_status {
                Some(st) => format!(
                    "Timed out after {} waiting for {what} (last status: {st})",
                    human_duration(*after)
                ),
                None => format!(
                    "Timed out after {} waiting for {what}",
                    human_duration(*after)
                ),
            },
            ClientError::Interrupted { operation } => {
                format!("Failed to {operation}: interrupted (Terraform asked the provider to stop)")
            }
            ClientError::Decode {
                operation,
                status,
                kind,
                ..
            } => format!(
                "Failed to {operation}: the API answered HTTP {status} with {kind} the provider cannot read"
            ),
            ClientError::Redirect {
                operation,
                status,
                location,
                ..
            } if location.is_empty() => format!(
                "Failed to {operation}: the API answered with a redirect (HTTP {status}) the provider does not follow"
            ),
            ClientError::Redirect {
                operation,
                status,
                location,
                ..
            } => format!(
                "Failed to {operation}: the API redirected to {location} (HTTP {status}); the provider follows no redirects"
            ),
            ClientError::Pagination {
                operation, reason, ..
            } => format!("Failed to {operation}: the API's list does not end ({reason})"),
            ClientError::WaitFailed { what, message } => {
                format!("Failed waiting for {what}: {}", message.trim())
            }
            ClientError::Config { message } => format!("Invalid API client settings: {message}"),
        };
        one_line(&s, 300)
    }

    /// Everything useful for debugging, several sentences.
    pub fn detail(&self) -> String {
        match self {
            ClientError::Api {
                status,
                code,
                message,
                request_id,
                hint,
                ..
            } => {
                let mut out = format!("The API answered HTTP {status} {}.", status_phrase(*status))
                    .replace(" .", ".");
                if let Some(c) = code {
                    out.push_str(&format!("\nAPI error code: {c}"));
                }
                if !message.trim().is_empty() {
                    out.push_str(&format!("\nAPI message: {}", message.trim()));
                }
                if let Some(r) = request_id {
                    out.push_str(&format!("\nRequest id: {r}"));
                }
                match status {
                    401 => out.push_str(&format!(
                        "\nThe credential was rejected; check {}.",
                        hint.as_deref().unwrap_or("the provider's credential")
                    )),
                    403 => out.push_str(&format!(
                        "\nThe credential lacks permission for this operation; check {}.",
                        hint.as_deref().unwrap_or("the provider's credential")
                    )),
                    429 => out.push_str(
                        "\nThe provider retried with backoff until its retries or the operation's \
                         time ran out; lower `requests_per_minute` or raise the timeout.",
                    ),
                    500 | 502 | 504 => out.push_str(
                        "\nThe API may still have carried the request out; a later refresh shows \
                         the real state.",
                    ),
                    _ => {}
                }
                out
            }
            ClientError::Transport {
                api, message, sent, ..
            } => {
                let mut out = format!("The request to {} failed: {message}.", the_api(api));
                if *sent {
                    out.push_str(
                        "\nThe request may have reached the API; a later refresh shows the real state.",
                    );
                } else {
                    out.push_str(
                        "\nCheck the provider's `endpoint`, network access and TLS settings \
                         (`ca_cert_pem`, `insecure_skip_verify`).",
                    );
                }
                out
            }
            ClientError::Timeout {
                api, after, sent, ..
            } => {
                let mut out = format!(
                    "{} did not answer within {}. Raise the operation's timeout (the \
                     `timeouts` block) or the provider's `request_timeout`.",
                    capitalize(&the_api(api)),
                    human_duration(*after)
                );
                if *sent {
                    out.push_str(
                        "\nThe request may have reached the API; a later refresh shows the real state.",
                    );
                }
                out
            }
            ClientError::WaitTimeout { what, after, .. } => format!(
                "Waited {} for {what}. Raise the time allowed in the resource's `timeouts` block \
                 if the API is slow; the object is kept in state so the next apply can continue.",
                human_duration(*after)
            ),
            ClientError::Interrupted { operation } => format!(
                "The provider stopped while trying to {operation} because Terraform asked it to \
                 (for example after Ctrl-C). Run the command again to continue."
            ),
            ClientError::Decode {
                api,
                status,
                message,
                excerpt,
                ..
            } => {
                let mut out = format!(
                    "{} answered HTTP {status} with a body that does not match the expected \
                     shape: {message}.",
                    capitalize(&the_api(api))
                );
                match excerpt.as_deref() {
                    Some("") => out.push_str("\nThe body was empty."),
                    Some(e) => out.push_str(&format!("\nThe body began: {e:?}")),
                    None => {}
                }
                out
            }
            ClientError::Redirect {
                api,
                status,
                location,
                sent,
                ..
            } => {
                let to = if location.is_empty() {
                    "without a `Location`".to_string()
                } else {
                    format!("with `Location: {location}`")
                };
                let mut out = format!(
                    "{} answered HTTP {status} {} {to}. An API does not redirect its calls, so \
                     this usually means the provider's `endpoint` is wrong (http:// instead of \
                     https://, an old host, a missing or extra path prefix); set `endpoint` to \
                     the address the API serves. The provider never follows redirects, so the \
                     credential was sent nowhere else.",
                    capitalize(&the_api(api)),
                    status_phrase(*status)
                )
                .replace("  ", " ");
                if *sent {
                    out.push_str(
                        "\nThe request may have reached the API; a later refresh shows the real state.",
                    );
                }
                out
            }
            ClientError::Pagination {
                api,
                endpoint,
                page,
                reason,
                ..
            } => format!(
                "Walking the list `{endpoint}` page by page, {reason}, so the provider stopped \
                 at page {page} instead of looping. This is a fault of {} or of a proxy in \
                 front of it (a page, offset or cursor parameter ignored or cached); retry \
                 later, and report it to the API's operator if it persists.",
                the_api(api)
            ),
            ClientError::WaitFailed { what, message } => {
                format!(
                    "While waiting for {what}, the API reported: {}",
                    message.trim()
                )
            }
            ClientError::Config { message } => message.clone(),
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Collapses whitespace and bounds the length so a summary stays on one line.
fn one_line(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// The API's error code, message and request id, read from an error body of any of the five
/// APIs: IC GPU `{code, message, requestId}`, AMD/ROCm/GPU AI `{code, message[, details]}`,
/// Shadeform (no documented shape) and anything else a proxy might send: `error` strings or
/// nested objects, `detail` (string or a FastAPI-style list), `error_code`, `msg`, plain text.
pub(crate) fn parse_error_body(body: &[u8]) -> (Option<String>, String, Option<String>) {
    let text = String::from_utf8_lossy(body);
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        let t = text.trim();
        // An HTML error page says nothing useful beyond the status.
        let msg = if t.starts_with('<') {
            String::new()
        } else {
            one_line(t, 300)
        };
        return (None, msg, None);
    };
    let mut code = None;
    let mut message = None;
    let mut request_id = None;
    let mut details = Vec::new();
    collect(
        &v,
        &mut code,
        &mut message,
        &mut request_id,
        &mut details,
        0,
    );
    let mut msg = message.unwrap_or_default();
    if !details.is_empty() {
        let d = details.join("; ");
        msg = if msg.is_empty() {
            d
        } else {
            format!("{msg} ({d})")
        };
    }
    (code, one_line(&msg, 500), request_id)
}

fn as_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn collect(
    v: &serde_json::Value,
    code: &mut Option<String>,
    message: &mut Option<String>,
    request_id: &mut Option<String>,
    details: &mut Vec<String>,
    depth: u8,
) {
    let serde_json::Value::Object(map) = v else {
        if message.is_none() {
            *message = as_text(v);
        }
        return;
    };
    if depth > 3 {
        return;
    }
    for (k, val) in map {
        match k.as_str() {
            "code" | "error_code" | "errorCode" | "type" if code.is_none() => *code = as_text(val),
            "message" | "error_description" | "msg" | "title" if message.is_none() => {
                *message = as_text(val)
            }
            "requestId" | "request_id" | "requestID" | "RequestId" if request_id.is_none() => {
                *request_id = as_text(val)
            }
            "error" | "errors" | "detail" | "details" => match val {
                serde_json::Value::Object(inner) if k == "details" => {
                    for (field, problem) in inner {
                        if let Some(p) = as_text(problem) {
                            details.push(format!("{field}: {p}"));
                        }
                    }
                }
                serde_json::Value::Object(_) => {
                    collect(val, code, message, request_id, details, depth + 1)
                }
                serde_json::Value::Array(items) => {
                    for item in items.iter().take(5) {
                        match item {
                            serde_json::Value::Object(o) => {
                                let m = o.get("msg").or_else(|| o.get("message")).and_then(as_text);
                                let loc =
                                    o.get("loc").or_else(|| o.get("field")).map(|l| match l {
                                        serde_json::Value::Array(parts) => parts
                                            .iter()
                                            .filter_map(as_text)
                                            .collect::<Vec<_>>()
                                            .join("."),
                                        other => as_text(other).unwrap_or_default(),
                                    });
                                match (loc, m) {
                                    (Some(l), Some(m)) if !l.is_empty() => {
                                        details.push(format!("{l}: {m}"))
                                    }
                                    (_, Some(m)) => details.push(m),
                                    _ => {}
                                }
                            }
                            other => {
                                if let Some(t) = as_text(other) {
                                    details.push(t)
                                }
                            }
                        }
                    }
                }
                other => {
                    // `"error": "NOT_FOUND"` reads as a code, `"error": "not found"` as a message.
                    if let Some(t) = as_text(other) {
                        let looks_like_code = !t.contains(' ')
                            && t.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                        if k == "error" && looks_like_code && code.is_none() {
                            *code = Some(t);
                        } else if message.is_none() {
                            *message = Some(t);
                        } else {
                            details.push(t);
                        }
                    }
                }
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_api_shape() {
        let (c, m, r) = parse_error_body(
            br#"{"code":"ThrottlingException","message":"slow down","requestId":"r-1"}"#,
        );
        assert_eq!(
            (c.as_deref(), m.as_str(), r.as_deref()),
            (Some("ThrottlingException"), "slow down", Some("r-1"))
        );
        let (c, m, _) = parse_error_body(
            br#"{"code":"validation_error","message":"bad plan","details":{"planId":"not offered"}}"#,
        );
        assert_eq!(c.as_deref(), Some("validation_error"));
        assert_eq!(m, "bad plan (planId: not offered)");
        let (c, m, _) = parse_error_body(br#"{"error":{"code":"E1","message":"nested"}}"#);
        assert_eq!((c.as_deref(), m.as_str()), (Some("E1"), "nested"));
        let (c, m, _) = parse_error_body(br#"{"error":"instance not available"}"#);
        assert_eq!((c, m.as_str()), (None, "instance not available"));
        let (_, m, _) =
            parse_error_body(br#"{"detail":[{"loc":["body","name"],"msg":"field required"}]}"#);
        assert_eq!(m, "body.name: field required");
        let (_, m, _) = parse_error_body(b"upstream connect error");
        assert_eq!(m, "upstream connect error");
        let (_, m, _) = parse_error_body(b"<html>502</html>");
        assert_eq!(m, "");
    }

    #[test]
    fn hostile_answers_read_as_sentences_naming_what_was_seen() {
        let r = ClientError::Redirect {
            api: "amd",
            operation: "list AMD instances".into(),
            status: 301,
            location: "http://127.0.0.1:9/amd/v1/instances".into(),
            sent: false,
        };
        assert_eq!(
            r.summary(),
            "Failed to list AMD instances: the API redirected to http://127.0.0.1:9/amd/v1/instances (HTTP 301); the provider follows no redirects"
        );
        assert!(
            r.detail().contains("`endpoint`") && !r.is_ambiguous(),
            "{}",
            r.detail()
        );
        let p = ClientError::Pagination {
            api: "amd",
            operation: "list AMD instances".into(),
            endpoint: "GET /instances".into(),
            page: 2,
            reason: "page 2 (offset=1) repeats page 1 (1 identical items)".into(),
        };
        assert_eq!(
            p.summary(),
            "Failed to list AMD instances: the API's list does not end (page 2 (offset=1) repeats page 1 (1 identical items))"
        );
        assert!(p.detail().contains("`GET /instances`"), "{}", p.detail());
        let d = ClientError::Decode {
            api: "amd",
            operation: "create AMD instance \"a\"".into(),
            status: 200,
            kind: "an HTML page",
            message: "expected value at line 1 column 1".into(),
            excerpt: Some("<html><title>502</title>".into()),
        };
        assert_eq!(
            d.summary(),
            "Failed to create AMD instance \"a\": the API answered HTTP 200 with an HTML page the provider cannot read"
        );
        assert!(
            d.detail()
                .contains(r#"The body began: "<html><title>502</title>""#),
            "{}",
            d.detail()
        );
        let n = ClientError::Api {
            status: 503,
            operation: "list".into(),
            code: None,
            message: "busy".into(),
            request_id: None,
            hint: None,
        }
        .with_note("it asked to retry after 31 years, longer than the provider waits (5m)");
        assert!(
            n.summary()
                .contains("busy; it asked to retry after 31 years"),
            "{}",
            n.summary()
        );
        assert_eq!(human_duration(Duration::from_secs(3 * 86_400)), "3 days");
    }

    /// Members return `Result<_, ClientError>` everywhere; clippy's `result_large_err`
    /// fires above 128 bytes.
    #[test]
    fn error_stays_small() {
        assert!(
            std::mem::size_of::<ClientError>() <= 128,
            "{}",
            std::mem::size_of::<ClientError>()
        );
    }

    #[test]
    fn summaries_read_as_sentences() {
        let e = ClientError::Api {
            status: 401,
            operation: "list instances".into(),
            code: Some("UNAUTHORIZED".into()),
            message: "Invalid API key".into(),
            request_id: Some("abc".into()),
            hint: Some(
                "the provider's `api_key` argument or the AMD_API_KEY environment variable".into(),
            ),
        };
        assert_eq!(
            e.summary(),
            "Failed to list instances: authentication failed (Invalid API key)"
        );
        let d = e.detail();
        assert!(d.contains("HTTP 401 Unauthorized"), "{d}");
        assert!(
            d.contains("UNAUTHORIZED") && d.contains("abc") && d.contains("AMD_API_KEY"),
            "{d}"
        );
        let i = ClientError::Interrupted {
            operation: "create instance \"x\"".into(),
        };
        assert!(i.summary().contains("interrupted"));
        let w = ClientError::WaitTimeout {
            what: "instance \"x\" to become running".into(),
            after: Duration::from_secs(90),
            last_status: Some("provisioning".into()),
        };
        assert_eq!(
            w.summary(),
            "Timed out after 1m30s waiting for instance \"x\" to become running (last status: provisioning)"
        );
    }
}
