//! Keeps credentials out of logs: sensitive headers and JSON fields print as `***`, and the
//! configured credential is scrubbed from any text that is logged.

/// Header names whose values are never logged.
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || n == "proxy-authorization"
        || n == "cookie"
        || n == "set-cookie"
        || n.contains("api-key")
        || n.contains("apikey")
        || n.contains("token")
        || n.contains("secret")
}

/// JSON member names whose values are never logged.
fn is_sensitive_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace(['_', '-'], "");
    n == "key"
        || n.contains("secret")
        || n.contains("token")
        || n.contains("password")
        || n.contains("privatekey")
        || n.contains("apikey")
        || n.contains("credential")
        || n.contains("authorization")
        || n.contains("kubeconfig")
}

/// A loggable copy of a request or response body: sensitive JSON members masked, other
/// documents reduced to their size, the credential scrubbed, bounded in length.
pub(crate) fn body_for_log(body: &[u8], secret: Option<&str>) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            mask(&mut v);
            v.to_string()
        }
        // A document that is not JSON (a kubeconfig, a private key) cannot be masked field
        // by field, so only its size is logged.
        Err(_) if body.is_empty() => String::new(),
        Err(_) => format!("<{} bytes, not JSON: not logged>", body.len()),
    };
    let mut text = scrub(&text, secret);
    if text.len() > 2048 {
        let mut cut = 2048;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

fn mask(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if is_sensitive_field(k) && !val.is_null() {
                    *val = serde_json::Value::String("***".into());
                } else {
                    mask(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

/// Replaces every occurrence of the credential in `text`.
pub(crate) fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if s.len() >= 4 => text.replace(s, "***"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_fields_headers_and_the_credential() {
        let b = br#"{"name":"k","secret_key":"s3cr3t","nested":{"apiKey":"zz"},"note":"tok-123"}"#;
        let out = body_for_log(b, Some("tok-123"));
        assert!(!out.contains("s3cr3t") && !out.contains("zz") && !out.contains("tok-123"));
        assert!(out.contains("\"name\":\"k\""));
        assert!(is_sensitive_header("X-API-KEY") && is_sensitive_header("Authorization"));
        assert!(!is_sensitive_header("content-type"));
    }

    #[test]
    fn documents_that_are_not_json_are_never_logged() {
        let yaml = b"users:\n- user:\n    token: abc123secret\n";
        let logged = body_for_log(yaml, None);
        assert!(!logged.contains("abc123secret"), "{logged}");
        assert!(logged.contains("not logged"));
        let json = br#"{"kubeconfig": "token: abc123secret"}"#;
        assert!(!body_for_log(json, None).contains("abc123secret"));
    }
}
