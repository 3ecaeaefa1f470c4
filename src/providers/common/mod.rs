//! What every member shares: the connection attributes of the provider block (with their
//! environment-variable fallbacks), turning them into a [`ClientConfig`], the operation
//! deadline, and `ClientError` → diagnostics.
//!
//! A member's `mod.rs` needs only:
//! ```ignore
//! fn schema(&self) -> Schema {
//!     common::AMD.schema("The AMD Developer Cloud.")
//! }
//! type Config = common::ConnectionConfig;   // or a struct with #[serde(flatten)] conn: ConnectionConfig
//! async fn configure(&self, cfg: ConnectionConfig, _: &ConfigureInfo) -> Result<Client, Diagnostics> {
//!     common::ICGPU.client(&cfg)
//! }
//! ```

pub mod filter;
pub mod journal;
pub mod lifecycle;
pub mod member;
pub mod placements;
pub mod ssh_ready;

use crate::client::{Api, Auth, Client, ClientConfig, ClientError, Deadline, Secret};
use crate::framework::timeouts::parse_duration;
use crate::framework::validators::{self, Validator};
use crate::framework::{Attribute, AttributePath, Ctx, Diagnostics, Failure, Schema};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::sync::Arc;
use std::time::Duration;

/// The deadline of the operation `ctx` belongs to, with Terraform's cancellation.
pub fn deadline<C: ?Sized>(ctx: &Ctx<'_, C>) -> Deadline {
    Deadline {
        at: Some(ctx.deadline),
        cancel: ctx.cancel.clone(),
    }
}

/// `client` bound to the operation `ctx` belongs to.
pub fn bind<C: ?Sized>(client: &Client, ctx: &Ctx<'_, C>) -> Api {
    client.bind(deadline(ctx))
}

/// The member's client bound to the operation (members whose client is a plain [`Client`]).
pub fn api(ctx: &Ctx<'_, Client>) -> Api {
    bind(ctx.client, ctx)
}

/// A data source that is one GET of a fixed path whose answer is the whole state (every
/// attribute computed): an account balance, a version report.
pub struct Reading<M> {
    type_name: &'static str,
    path: &'static str,
    what: &'static str,
    schema: fn() -> Schema,
    model: std::marker::PhantomData<fn() -> M>,
}

impl<M> Reading<M> {
    /// `what` names the call in messages: `read AMD credit balance`.
    pub const fn new(
        type_name: &'static str,
        path: &'static str,
        what: &'static str,
        schema: fn() -> Schema,
    ) -> Self {
        Self {
            type_name,
            path,
            what,
            schema,
            model: std::marker::PhantomData,
        }
    }
}

#[async_trait::async_trait]
impl<M> crate::framework::DataSource for Reading<M>
where
    M: serde::Serialize + DeserializeOwned + Default + Send + Sync + 'static,
{
    type Client = Client;
    type Model = M;

    fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// A reading takes no input, so every attribute is read-only whatever `schema` says.
    fn schema(&self) -> Schema {
        let mut schema = (self.schema)();
        for a in &mut schema.attributes {
            a.mode = crate::framework::Mode::Computed;
        }
        schema
    }

    async fn read(&self, ctx: &Ctx<'_, Client>, _config: M) -> Result<M, Diagnostics> {
        get(ctx, self.path, self.what).await
    }
}

/// GETs `path` with the operation's deadline; `what` names the call in messages.
pub async fn get<T: DeserializeOwned>(
    ctx: &Ctx<'_, Client>,
    path: &str,
    what: &str,
) -> Result<T, Diagnostics> {
    Ok(api(ctx).get(path).describe(what).send().await?)
}

impl From<ClientError> for Diagnostics {
    fn from(e: ClientError) -> Self {
        Diagnostics::single_error(e.summary(), e.detail())
    }
}

impl<M> From<ClientError> for Failure<M> {
    fn from(e: ClientError) -> Self {
        Failure::from(Diagnostics::from(e))
    }
}

/// How a member authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthStyle {
    /// `Authorization: Bearer <credential>`.
    Bearer,
    /// `<header>: <credential>`.
    Header(&'static str),
}

/// A member's connection settings: names, environment variables and defaults.
#[derive(Clone, Copy, Debug)]
pub struct Connection {
    pub api: &'static str,
    /// Human name for messages ("IC GPU").
    pub title: &'static str,
    pub credential_attr: &'static str,
    pub credential_env: &'static str,
    pub endpoint_env: &'static str,
    pub default_endpoint: Option<&'static str>,
    pub auth: AuthStyle,
    /// Client-side rate limit when `requests_per_minute` is not set.
    pub default_requests_per_minute: Option<u32>,
}

pub const ICGPU: Connection = Connection {
    api: "icgpu",
    title: "IC GPU",
    credential_attr: "token",
    credential_env: "ICGPU_TOKEN",
    endpoint_env: "ICGPU_ENDPOINT",
    // The spec's server is `https://{host}`: there is no public default.
    default_endpoint: None,
    auth: AuthStyle::Bearer,
    default_requests_per_minute: Some(120),
};

pub const AMD: Connection = Connection {
    api: "amd",
    title: "AMD Developer Cloud",
    credential_attr: "api_key",
    credential_env: "AMD_API_KEY",
    endpoint_env: "AMD_ENDPOINT",
    default_endpoint: Some("https://api.developer.amd.com/v1"),
    auth: AuthStyle::Header("X-API-Key"),
    default_requests_per_minute: None,
};

pub const ROCM: Connection = Connection {
    api: "rocm",
    title: "ROCm Management",
    credential_attr: "token",
    credential_env: "ROCM_TOKEN",
    endpoint_env: "ROCM_ENDPOINT",
    default_endpoint: Some("https://rocm-mgmt.amd.com/v1"),
    auth: AuthStyle::Bearer,
    default_requests_per_minute: None,
};

pub const SHADEFORM: Connection = Connection {
    api: "shadeform",
    title: "Shadeform",
    credential_attr: "api_key",
    credential_env: "SHADEFORM_API_KEY",
    endpoint_env: "SHADEFORM_ENDPOINT",
    default_endpoint: Some("https://api.shadeform.ai/v1"),
    auth: AuthStyle::Header("X-API-KEY"),
    default_requests_per_minute: None,
};

pub const GPUAI: Connection = Connection {
    api: "gpuai",
    title: "GPU AI",
    credential_attr: "token",
    credential_env: "GPUAI_TOKEN",
    endpoint_env: "GPUAI_ENDPOINT",
    default_endpoint: Some("https://api.ai.neevcloud.com/gpu"),
    auth: AuthStyle::Bearer,
    default_requests_per_minute: None,
};

const DEFAULT_MAX_RETRIES: u32 = 5;
const DEFAULT_REQUEST_TIMEOUT: &str = "60s";

/// The provider-block attributes every member has. None has a schema default (provider
/// schemas cannot); defaults and environment fallbacks are applied in [`client_config`].
pub fn connection_attributes(
    credential_attr: &str,
    credential_env: &str,
    endpoint_env: &str,
    default_endpoint: Option<&str>,
) -> Vec<Attribute> {
    let endpoint_doc = match default_endpoint {
        Some(d) => format!(
            "Base URL of the API. Defaults to the `{endpoint_env}` environment variable, then `{d}`."
        ),
        None => format!(
            "Base URL of the API (required here or in the `{endpoint_env}` environment variable)."
        ),
    };
    vec![
        Attribute::string("endpoint")
            .optional()
            .validator(validators::url(&["http", "https"]))
            .description(endpoint_doc),
        Attribute::string(credential_attr)
            .optional()
            .sensitive()
            .description(format!(
                "API credential. Defaults to the `{credential_env}` environment variable; one of the two is required."
            )),
        Attribute::int("max_retries")
            .optional()
            .validator(validators::between(0.0, 20.0))
            .description(format!(
                "How many times a failed request is retried (connection errors, 429, 502-504). Default {DEFAULT_MAX_RETRIES}."
            )),
        Attribute::string("request_timeout")
            .optional()
            .validator(validators::duration())
            .description(format!(
                "How long one HTTP request may take, as a duration (\"30s\", \"2m\"). Default \"{DEFAULT_REQUEST_TIMEOUT}\"."
            )),
        Attribute::int("requests_per_minute")
            .optional()
            .validator(validators::at_least(0.0))
            .description(
                "Client-side rate limit over any sliding minute, shared by all operations of \
                 this provider and by the plan and apply of one working directory (kept in \
                 `.terraform/gpucloud-journal`); requests wait for a slot instead of failing \
                 with 429. 0 turns it off. Defaults to the API's documented limit where it has \
                 one.",
            ),
        Attribute::string("ca_cert_pem")
            .optional()
            .validator(pem_certificates())
            .description("PEM-encoded CA certificate(s) trusted in addition to the system roots (private endpoints)."),
        Attribute::bool("insecure_skip_verify")
            .optional()
            .description("Skip TLS certificate verification. Only for testing against self-signed endpoints."),
    ]
}

/// `ca_cert_pem` holds at least one PEM certificate and each one decodes and parses as the
/// TLS stack will parse it, so a damaged bundle is reported here, not later as a TLS failure
/// that points at `endpoint`. Blank means none.
fn pem_certificates() -> Arc<dyn Validator> {
    validators::from_fn(
        "value must hold PEM-encoded certificates (`-----BEGIN CERTIFICATE-----` blocks)",
        |v| {
            let Some(pem) = v.as_str().filter(|p| !p.trim().is_empty()) else {
                return Ok(());
            };
            let mut roots = rustls::RootCertStore::empty();
            for (i, cert) in CertificateDer::pem_slice_iter(pem.as_bytes()).enumerate() {
                let n = i + 1;
                let cert = cert.map_err(|e| {
                    format!("Certificate {n} is not valid PEM ({e}); its body must be base64.")
                })?;
                roots.add(cert).map_err(|e| {
                    format!("Certificate {n} is not a usable X.509 certificate ({e}).")
                })?;
            }
            if roots.is_empty() {
                return Err(
                    "It holds no `-----BEGIN CERTIFICATE-----` block; paste the CA certificate \
                     in PEM form (for example `file(\"ca.pem\")`)."
                        .into(),
                );
            }
            Ok(())
        },
    )
}

/// The connection part of a member's provider block. The credential is read from whichever
/// of `token` / `api_key` the member's schema has. Embed it with `#[serde(flatten)]` when the
/// member has more settings.
#[derive(Debug, Default, Deserialize)]
pub struct ConnectionConfig {
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default, alias = "token", alias = "api_key")]
    pub credential: Option<Secret>,
    #[serde(default, deserialize_with = "opt_u32")]
    pub max_retries: Option<u32>,
    #[serde(default)]
    pub request_timeout: Option<String>,
    #[serde(default, deserialize_with = "opt_u32")]
    pub requests_per_minute: Option<u32>,
    #[serde(default)]
    pub ca_cert_pem: Option<String>,
    #[serde(default)]
    pub insecure_skip_verify: Option<bool>,
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// Reads a whole number through `serde_json::Value`, which copes with arbitrary-precision
/// numbers inside `#[serde(flatten)]` (where they arrive as a private map) and with "5".
fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => {
            let text = n.to_string();
            let t = text.strip_suffix(".0").unwrap_or(&text);
            t.parse::<u32>()
                .map(Some)
                .map_err(|_| serde::de::Error::custom(format!("{text} is not a whole number ≥ 0")))
        }
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse::<u32>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a whole number ≥ 0"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "{other} is not a whole number"
        ))),
    }
}

impl Connection {
    /// The provider block of a member that needs no more than the connection: `description`
    /// and the connection attributes.
    pub fn schema(&self, description: &str) -> Schema {
        self.attributes()
            .into_iter()
            .fold(Schema::new(description), Schema::attribute)
    }

    pub fn attributes(&self) -> Vec<Attribute> {
        connection_attributes(
            self.credential_attr,
            self.credential_env,
            self.endpoint_env,
            self.default_endpoint,
        )
    }

    /// The client for this provider block (configure time).
    pub fn client(&self, cfg: &ConnectionConfig) -> Result<Client, Diagnostics> {
        let cc = client_config(self, cfg)?;
        Client::new(cc).map_err(|e| {
            let path = if matches!(cfg.ca_cert_pem.as_deref(), Some(p) if !p.trim().is_empty())
                && e.summary().contains("ca_cert_pem")
            {
                AttributePath::attr("ca_cert_pem")
            } else {
                AttributePath::attr("endpoint")
            };
            Diagnostics::single_attribute_error(
                path,
                format!("Invalid {} provider configuration", self.title),
                e.detail(),
            )
        })
    }
}

/// Applies environment fallbacks and defaults, and checks what Terraform's validators could
/// not (a credential from either place, a usable endpoint).
pub fn client_config(
    conn: &Connection,
    cfg: &ConnectionConfig,
) -> Result<ClientConfig, Diagnostics> {
    client_config_with_env(conn, cfg, |name| std::env::var(name).ok())
}

fn client_config_with_env(
    conn: &Connection,
    cfg: &ConnectionConfig,
    env: impl Fn(&str) -> Option<String>,
) -> Result<ClientConfig, Diagnostics> {
    let mut diags = Diagnostics::new();
    let nonempty = |s: Option<String>| s.filter(|v| !v.trim().is_empty());

    let credential = nonempty(cfg.credential.as_ref().map(|s| s.expose().to_string()))
        .or_else(|| nonempty(env(conn.credential_env)));
    if credential.is_none() {
        diags.attribute_error(
            AttributePath::attr(conn.credential_attr),
            format!("Missing {} credential", conn.title),
            format!(
                "Set the provider's `{}` argument or the {} environment variable.",
                conn.credential_attr, conn.credential_env
            ),
        );
    }

    let (endpoint, source) = match nonempty(cfg.endpoint.clone()) {
        Some(e) => (Some(e), "the `endpoint` argument".to_string()),
        None => match nonempty(env(conn.endpoint_env)) {
            Some(e) => (
                Some(e),
                format!("the {} environment variable", conn.endpoint_env),
            ),
            None => (
                conn.default_endpoint.map(str::to_string),
                "the default".to_string(),
            ),
        },
    };
    match &endpoint {
        None => diags.attribute_error(
            AttributePath::attr("endpoint"),
            format!("Missing {} endpoint", conn.title),
            format!(
                "Set the provider's `endpoint` argument or the {} environment variable to the API's base URL.",
                conn.endpoint_env
            ),
        ),
        Some(e) => match url::Url::parse(e.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {}
            Ok(_) | Err(_) => diags.attribute_error(
                AttributePath::attr("endpoint"),
                format!("Invalid {} endpoint", conn.title),
                format!("{e:?} (from {source}) is not an http:// or https:// URL with a host."),
            ),
        },
    }

    let request_timeout = match cfg.request_timeout.as_deref() {
        None => Duration::from_secs(60),
        Some(s) => match parse_duration(s) {
            Ok(d) if !d.is_zero() => d,
            Ok(_) => {
                diags.attribute_error(
                    AttributePath::attr("request_timeout"),
                    "Invalid request_timeout",
                    "The request timeout must be longer than zero.",
                );
                Duration::from_secs(60)
            }
            Err(e) => {
                diags.attribute_error(
                    AttributePath::attr("request_timeout"),
                    "Invalid request_timeout",
                    e,
                );
                Duration::from_secs(60)
            }
        },
    };

    if diags.has_errors() {
        return Err(diags);
    }
    let credential = credential.unwrap_or_default();
    let auth = match conn.auth {
        AuthStyle::Bearer => Auth::Bearer(Secret::new(credential)),
        AuthStyle::Header(name) => Auth::Header {
            name,
            value: Secret::new(credential),
        },
    };
    Ok(ClientConfig {
        api: conn.api,
        base_url: endpoint.unwrap_or_default().trim().to_string(),
        auth,
        credential_hint: format!(
            "the provider's `{}` argument or the {} environment variable",
            conn.credential_attr, conn.credential_env
        ),
        max_retries: cfg.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
        request_timeout,
        requests_per_minute: match cfg.requests_per_minute {
            Some(0) => None,
            Some(n) => Some(n),
            None => conn.default_requests_per_minute,
        },
        rate_limit_dir: journal::dir(),
        ca_cert_pem: cfg.ca_cert_pem.clone().filter(|p| !p.trim().is_empty()),
        insecure_skip_verify: cfg.insecure_skip_verify.unwrap_or(false),
    })
}

/// An empty collection from the API is null in state unless `prior_set` says the configuration
/// wrote it (an explicit `[]` or `{}`).
pub fn empty_as_prior<C: IntoIterator + Clone>(api_value: C, prior_set: bool) -> Option<C> {
    let empty = api_value.clone().into_iter().next().is_none();
    if empty && !prior_set {
        None
    } else {
        Some(api_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_is_read_only_whatever_its_schema_says() {
        use crate::framework::{DataSource, Mode};
        let reading: Reading<serde_json::Value> = Reading::new("t", "/t", "read t", || {
            Schema::new("t").attribute(Attribute::string("asked").required().description("a"))
        });
        let schema = DataSource::schema(&reading);
        assert_eq!(schema.attributes[0].mode, Mode::Computed);
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn missing_credential_names_attribute_and_env_var() {
        let err = client_config_with_env(&ICGPU, &ConnectionConfig::default(), no_env)
            .expect_err("missing credential and endpoint");
        let all: Vec<_> = err
            .iter()
            .map(|d| format!("{} {}", d.summary, d.detail))
            .collect();
        let text = all.join("\n");
        assert!(
            text.contains("`token`") && text.contains("ICGPU_TOKEN"),
            "{text}"
        );
        assert!(text.contains("ICGPU_ENDPOINT"), "{text}");
    }

    #[test]
    fn env_fallbacks_and_defaults_apply() {
        let env = |n: &str| match n {
            "AMD_API_KEY" => Some("k-123".to_string()),
            _ => None,
        };
        let cc = client_config_with_env(&AMD, &ConnectionConfig::default(), env).expect("config");
        assert_eq!(cc.base_url, "https://api.developer.amd.com/v1");
        assert_eq!(cc.max_retries, 5);
        assert_eq!(cc.request_timeout, Duration::from_secs(60));
        assert!(
            matches!(&cc.auth, Auth::Header { name: "X-API-Key", value } if value.expose() == "k-123")
        );
        assert!(cc.credential_hint.contains("AMD_API_KEY"));
        let icgpu_env = |n: &str| match n {
            "ICGPU_TOKEN" => Some("t".to_string()),
            "ICGPU_ENDPOINT" => Some("http://127.0.0.1:9/icgpu".to_string()),
            _ => None,
        };
        let cc = client_config_with_env(&ICGPU, &ConnectionConfig::default(), icgpu_env)
            .expect("config");
        assert_eq!(cc.requests_per_minute, Some(120));
    }

    #[test]
    fn attributes_win_over_env_and_numbers_parse_when_flattened() {
        #[derive(Deserialize)]
        struct Member {
            #[serde(flatten)]
            conn: ConnectionConfig,
            org_id: Option<String>,
        }
        let json = serde_json::json!({
            "endpoint": "http://127.0.0.1:1/rocm/v1", "token": "from-config", "max_retries": 2,
            "request_timeout": "5s", "requests_per_minute": 0, "ca_cert_pem": null,
            "insecure_skip_verify": null, "org_id": "o-1"
        });
        let m: Member = serde_json::from_value(json).expect("decode");
        assert_eq!(m.org_id.as_deref(), Some("o-1"));
        assert_eq!(format!("{:?}", m.conn.credential), "Some(***)");
        let env = |_: &str| Some("from-env".to_string());
        let cc = client_config_with_env(&ROCM, &m.conn, env).expect("config");
        assert!(matches!(&cc.auth, Auth::Bearer(s) if s.expose() == "from-config"));
        assert_eq!(cc.base_url, "http://127.0.0.1:1/rocm/v1");
        assert_eq!((cc.max_retries, cc.requests_per_minute), (2, None));
        assert_eq!(cc.request_timeout, Duration::from_secs(5));
    }

    #[test]
    fn bad_endpoint_is_reported_with_its_source() {
        let env = |n: &str| match n {
            "SHADEFORM_API_KEY" => Some("k".to_string()),
            "SHADEFORM_ENDPOINT" => Some("not a url".to_string()),
            _ => None,
        };
        let err = client_config_with_env(&SHADEFORM, &ConnectionConfig::default(), env)
            .expect_err("bad url");
        let d = err.iter().next().expect("one diagnostic");
        assert!(d.detail.contains("SHADEFORM_ENDPOINT"), "{}", d.detail);
        assert_eq!(d.path, Some(AttributePath::attr("endpoint")));
    }

    fn ca_check(pem: &str) -> Result<(), String> {
        let v = pem_certificates();
        let mut d = Diagnostics::new();
        let path = AttributePath::attr("ca_cert_pem");
        v.validate(
            &crate::framework::validators::ValidateRequest {
                path: &path,
                value: &crate::framework::Value::string(pem),
                config: &crate::framework::Value::Null,
            },
            &mut d,
        );
        let first = d.iter().next().cloned();
        match first {
            None => Ok(()),
            Some(e) => {
                assert_eq!(e.path.as_ref(), Some(&path));
                Err(e.detail)
            }
        }
    }

    #[test]
    fn ca_cert_pem_is_checked_at_the_attribute() {
        let ca = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
        assert_eq!(ca_check(&ca.cert.pem()), Ok(()));
        assert_eq!(ca_check("  "), Ok(()));
        let not_base64 =
            "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
        assert!(ca_check(not_base64)
            .expect_err("bad body")
            .contains("base64"));
        let not_x509 = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(ca_check(not_x509).expect_err("bad der").contains("X.509"));
        assert!(ca_check("hello")
            .expect_err("no block")
            .contains("BEGIN CERTIFICATE"));
    }

    #[test]
    fn interrupted_errors_say_so() {
        let d: Diagnostics = ClientError::Interrupted {
            operation: "delete instance \"a\"".into(),
        }
        .into();
        assert!(d.iter().all(|x| x.summary.contains("interrupted")));
    }
}
