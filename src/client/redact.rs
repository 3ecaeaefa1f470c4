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
        // A GPU function's environment often holds credentials: the whole map is masked.
        || n == "envvars"
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

/// How many characters of an unreadable answer a diagnostic quotes.
const EXCERPT_CHARS: usize = 120;

/// The first characters of an answer the provider could not read, safe to show the user:
/// sensitive JSON members masked (also in JSON cut short), `key: value` lines with a
/// sensitive key masked, the credential scrubbed, whitespace collapsed, control characters
/// dropped. A private key or certificate is never quoted.
pub(crate) fn excerpt(body: &[u8], secret: Option<&str>) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            mask(&mut v);
            v.to_string()
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            if text.contains("-----BEGIN") || text.contains("PRIVATE KEY") {
                return format!(
                    "<{} bytes holding a key or certificate: not shown>",
                    body.len()
                );
            }
            mask_text(&text)
        }
    };
    let mut text = scrub(&text, secret);
    // An answer cut short may end in the first part of the credential.
    if let Some(s) = secret.filter(|s| s.len() >= 8) {
        let cut = (4..s.len())
            .rev()
            .find(|n| s.is_char_boundary(*n) && text.ends_with(&s[..*n]));
        if let Some(n) = cut {
            text.truncate(text.len() - n);
            text.push_str("***");
        }
    }
    let text: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if text.chars().count() <= EXCERPT_CHARS {
        text
    } else {
        let mut t: String = text.chars().take(EXCERPT_CHARS).collect();
        t.push('…');
        t
    }
}

/// Masks sensitive values in text that is not (complete) JSON: `"token": "abc` (even when
/// the closing quote was cut off), `token: abc` or `token=abc`, and everything after a
/// sensitive member that opens an object or array (`"envVars": {...`), whose end cannot be
/// told in text cut short.
fn mask_text(text: &str) -> String {
    static OPENS: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r#""([A-Za-z0-9_\-]+)"\s*:\s*[\{\[]"#).ok());
    static QUOTED: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#""([A-Za-z0-9_\-]+)"\s*:\s*"((?:[^"\\]|\\.)*)"#).ok()
    });
    static PLAIN: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"([A-Za-z0-9_\-]+)([ \t]*[:=][ \t]*)((?:Bearer[ \t]+)?[^\s,;&<]+)").ok()
    });
    let mut out = text.to_string();
    let opened = OPENS.as_ref().and_then(|re| {
        let c = re.captures_iter(&out).find(|c| is_sensitive_field(&c[1]))?;
        Some((c.get(0)?.start(), c[1].to_string()))
    });
    if let Some((at, name)) = opened {
        out.truncate(at);
        out.push_str(&format!("\"{name}\":\"***"));
    }
    if let Some(re) = QUOTED.as_ref() {
        out = re
            .replace_all(&out, |c: &regex::Captures<'_>| {
                if is_sensitive_field(&c[1]) {
                    format!("\"{}\":\"***", &c[1])
                } else {
                    c[0].to_string()
                }
            })
            .into_owned();
    }
    if let Some(re) = PLAIN.as_ref() {
        out = re
            .replace_all(&out, |c: &regex::Captures<'_>| {
                if is_sensitive_field(&c[1]) {
                    format!("{}{}***", &c[1], &c[2])
                } else {
                    c[0].to_string()
                }
            })
            .into_owned();
    }
    out
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
        let f = br#"{"name":"fn","envVars":{"HF_TOKEN":"hf_abc","MODE":"fast"}}"#;
        let out = body_for_log(f, None);
        assert!(!out.contains("hf_abc") && !out.contains("fast"), "{out}");
    }

    #[test]
    fn excerpts_of_unreadable_answers_are_short_and_redacted() {
        let cut = br#"{"id":"k-1","name":"ci","key":"sk-live-abcdef","tok"#;
        let e = excerpt(cut, None);
        assert!(e.starts_with(r#"{"id":"k-1","name":"ci""#), "{e}");
        assert!(!e.contains("sk-live-abcdef"), "{e}");
        let e = excerpt(br#"{"id":"fn-1","envVars":{"MODE":"fast","HF"#, None);
        assert_eq!(e, r#"{"id":"fn-1","envVars":"***"#);
        let e = excerpt(br#"{"token":"tok-SECRET-4f9a","ok":1}"#, None);
        assert!(!e.contains("tok-SECRET"), "{e}");
        let e = excerpt(b"users:\n- user:\n    token: abc123secret\n", None);
        assert!(
            !e.contains("abc123secret") && e.contains("token: ***"),
            "{e}"
        );
        let page = format!("<html>\n<body>{}</body></html>", "x".repeat(500));
        let e = excerpt(page.as_bytes(), None);
        assert!(e.starts_with("<html> <body>xx") && e.ends_with('…'), "{e}");
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        let e = excerpt(b"echo: Bearer tok-SECRET-4f9a", Some("tok-SECRET-4f9a"));
        assert!(!e.contains("tok-SECRET"), "{e}");
        let e = excerpt(br#"{"name":"tok-SECRET-4"#, Some("tok-SECRET-4f9a"));
        assert!(!e.contains("tok-SECRET") && e.ends_with("***"), "{e}");
        let e = excerpt(b"<p>Authorization: Bearer other-9f</p>", None);
        assert!(!e.contains("other-9f"), "{e}");
        let e = excerpt(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn", None);
        assert!(e.contains("not shown") && !e.contains("b3Blbn"), "{e}");
        assert_eq!(excerpt(b"", None), "");
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
