//! Logs as Terraform wants them: one hclog JSON object per line on stderr, which go-plugin's
//! client parses and re-logs under `TF_LOG_PROVIDER`/`TF_LOG`. A panic prints Go-style
//! `panic: …` plus a backtrace, which Terraform shows as the provider's crash report.

use std::io::Write;
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The level Terraform asked for: `TF_LOG_PROVIDER`, else `TF_LOG`; WARN when neither is set.
pub fn level_from_env() -> LevelFilter {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    get("TF_LOG_PROVIDER")
        .or_else(|| get("TF_LOG"))
        .map(|v| parse_level(&v))
        .unwrap_or(LevelFilter::WARN)
}

/// Terraform's level names; `JSON` means trace in JSON, anything unrecognised means trace
/// (as Terraform itself treats it).
pub fn parse_level(s: &str) -> LevelFilter {
    match s.trim().to_ascii_uppercase().as_str() {
        "OFF" => LevelFilter::OFF,
        "ERROR" => LevelFilter::ERROR,
        "WARN" => LevelFilter::WARN,
        "INFO" => LevelFilter::INFO,
        "DEBUG" => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// A `tracing` layer writing hclog JSON lines.
pub struct HclogLayer<W: Write + Send + 'static> {
    module: String,
    out: Mutex<W>,
}

impl<W: Write + Send + 'static> HclogLayer<W> {
    /// `member` names the module: `provider.terraform-provider-<member>`.
    pub fn new(member: &str, out: W) -> Self {
        Self {
            module: format!("provider.terraform-provider-{member}"),
            out: Mutex::new(out),
        }
    }
}

fn hclog_level(l: &Level) -> &'static str {
    match *l {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

#[derive(Default)]
struct Fields(serde_json::Map<String, serde_json::Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}").into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), value.into());
    }
}

impl<S: Subscriber, W: Write + Send + 'static> Layer<S> for HclogLayer<W> {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields
            .0
            .remove("message")
            .and_then(|m| m.as_str().map(String::from))
            .unwrap_or_default();
        let mut line = serde_json::Map::new();
        line.insert("@level".into(), hclog_level(meta.level()).into());
        line.insert("@message".into(), message.into());
        line.insert("@module".into(), self.module.clone().into());
        // Go's "2006-01-02T15:04:05.000000Z07:00" in UTC.
        line.insert(
            "@timestamp".into(),
            chrono::Utc::now()
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string()
                .into(),
        );
        line.insert("@target".into(), meta.target().into());
        line.extend(fields.0);
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{}", serde_json::Value::Object(line));
            let _ = out.flush();
        }
    }
}

/// The filter for `level`: our own crate at `level`, libraries (h2, hyper, rustls) at most
/// INFO so trace logs stay readable.
pub fn filter(level: LevelFilter) -> Targets {
    let libraries = level.min(LevelFilter::INFO);
    Targets::new()
        .with_target("gpucloud", level)
        .with_target("terraform_provider_gpucloud", level)
        .with_default(libraries)
}

/// Installs the hclog layer on stderr at the level Terraform asked for.
pub fn init(member: &str) {
    let layer = HclogLayer::new(member, std::io::stderr()).with_filter(filter(level_from_env()));
    // Fails only when a subscriber is already set (tests), which is fine.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Makes a panic look like Go's: `panic: <message>` and a backtrace on stderr, then exit 2,
/// so Terraform reports the provider crash instead of a stuck RPC.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::force_capture();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "panic: {message}\n\nat {location}\n{backtrace}");
        let _ = err.flush();
        std::process::exit(2);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_hclog_json_lines() {
        let buf = Buf::default();
        let layer = HclogLayer::new("icgpu", buf.clone()).with_filter(filter(LevelFilter::DEBUG));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(rpc = "ReadResource", count = 3, "served");
            tracing::trace!("too verbose");
        });
        let text = String::from_utf8(buf.0.lock().expect("lock").clone()).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "trace is filtered out: {text}");
        let v: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "served");
        assert_eq!(v["@module"], "provider.terraform-provider-icgpu");
        assert_eq!(v["rpc"], "ReadResource");
        assert_eq!(v["count"], 3);
        let ts = v["@timestamp"].as_str().expect("timestamp");
        assert!(
            chrono::DateTime::parse_from_rfc3339(ts).is_ok() && ts.len() == 27,
            "{ts}"
        );
    }

    #[test]
    fn terraform_level_names() {
        assert_eq!(parse_level("debug"), LevelFilter::DEBUG);
        assert_eq!(parse_level("JSON"), LevelFilter::TRACE);
        assert_eq!(parse_level("off"), LevelFilter::OFF);
        assert_eq!(parse_level("WARN"), LevelFilter::WARN);
    }
}
