//! The `timeouts` block: one duration string per operation, with per-resource defaults.

use super::value::Value;
use std::time::Duration;

/// Parses Go-style durations ("90s", "20m", "1h30m", "500ms"), as users write them in
/// Terraform's `timeouts` blocks.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!(
                "{s:?} is not a duration such as \"30s\", \"20m\" or \"1h\""
            ));
        }
        let n: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("{s:?} is not a duration such as \"30s\", \"20m\" or \"1h\""))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let secs = match &rest[..unit_len] {
            "ns" => n / 1e9,
            "us" | "µs" => n / 1e6,
            "ms" => n / 1e3,
            "s" => n,
            "m" => n * 60.0,
            "h" => n * 3600.0,
            other => {
                return Err(format!(
                    "{s:?} has unknown unit {other:?}: use ms, s, m or h (\"30s\", \"20m\", \"1h\")"
                ))
            }
        };
        total += Duration::from_secs_f64(secs);
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// The timeout for `operation` from a resource's `timeouts` block value, or `default`.
pub fn timeout_for(timeouts_block: Option<&Value>, operation: &str, default: Duration) -> Duration {
    timeouts_block
        .and_then(|b| b.attr(operation))
        .and_then(Value::as_str)
        .and_then(|s| parse_duration(s).ok())
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("20m"), Ok(Duration::from_secs(1200)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("20 minutes").is_err());
        assert!(parse_duration("m").is_err());
    }
}
