//! The plugin server end to end, in-process: go-plugin handshake line, AutoMTLS with a
//! Terraform-shaped P-521 client certificate over the real unix socket, the tfplugin6 RPCs,
//! the health check, GRPCController.Shutdown, StopProvider, debug mode, and MoveResourceState
//! taking over the official Shadeform provider's v0.1.3 state.

use crate::protocol_support::*;
use gpucloud::framework::server::ProviderServer;
use gpucloud::plugin::proto::plugin::grpc_controller_client::GrpcControllerClient;
use gpucloud::plugin::proto::tfplugin6 as pb;
use gpucloud::plugin::{Handshake, Running, ServeOptions};
use std::sync::Arc;
use std::time::Duration;

struct Fixture {
    running: Running,
    server: Arc<ProviderServer>,
    cert: ClientCert,
    line: HandshakeLine,
}

async fn start_tls() -> Fixture {
    let (server, _signals) = test_server();
    serve_tls(server).await
}

async fn serve_tls(server: Arc<ProviderServer>) -> Fixture {
    let cert = terraform_like_cert();
    let running = gpucloud::plugin::start(
        server.clone(),
        ServeOptions::plugin(Handshake {
            client_cert_pem: Some(cert.pem.clone()),
            socket_dir: None,
        }),
    )
    .await
    .expect("server starts");
    let line = parse_handshake(&running.handshake_line);
    Fixture {
        running,
        server,
        cert,
        line,
    }
}

impl Fixture {
    async fn client(&self) -> pb::provider_client::ProviderClient<tonic::transport::Channel> {
        let ch = connect_tls(
            self.line.socket.clone(),
            self.line.server_cert_der.clone(),
            Some(&self.cert),
            true,
        )
        .await
        .expect("mTLS connection");
        provider_client(ch)
    }
}

#[tokio::test]
async fn handshake_line_and_schema_over_mutual_tls() {
    let f = start_tls().await;
    assert_eq!(f.line.socket, f.running.socket_path);
    assert!(f.line.socket.exists());
    assert_eq!(
        Some(f.line.server_cert_der.clone()),
        f.running.server_cert_der
    );

    for tls13 in [true, false] {
        let ch = connect_tls(
            f.line.socket.clone(),
            f.line.server_cert_der.clone(),
            Some(&f.cert),
            tls13,
        )
        .await
        .expect("mTLS connection");
        let mut client = provider_client(ch);
        let meta = client
            .get_metadata(pb::get_metadata::Request {})
            .await
            .expect("GetMetadata")
            .into_inner();
        let caps = meta.server_capabilities.expect("capabilities");
        assert!(caps.plan_destroy && caps.get_provider_schema_optional);
        assert_eq!(meta.resources[0].type_name, "testcloud_widget");
        assert_eq!(meta.data_sources[0].type_name, "testcloud_info");
    }

    let mut client = f.client().await;
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    let provider = schema
        .provider
        .and_then(|s| s.block)
        .expect("provider block");
    assert_eq!(provider.attributes[0].name, "endpoint");
    let widget = schema.resource_schemas["testcloud_widget"]
        .block
        .clone()
        .expect("widget block");
    let names: Vec<_> = widget.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["id", "name", "size"]);
    assert!(widget.attributes[1].required);
    assert!(schema.data_source_schemas.contains_key("testcloud_info"));
}

async fn metadata_with(f: &Fixture, cert: Option<&ClientCert>, tls13: bool) -> Result<(), String> {
    let ch = connect_tls(
        f.line.socket.clone(),
        f.line.server_cert_der.clone(),
        cert,
        tls13,
    )
    .await?;
    provider_client(ch)
        .get_metadata(pb::get_metadata::Request {})
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn only_terraforms_certificate_gets_in() {
    let f = start_tls().await;
    let stranger = terraform_like_cert();
    for tls13 in [true, false] {
        assert!(
            metadata_with(&f, None, tls13).await.is_err(),
            "no client certificate (tls13={tls13})"
        );
        assert!(
            metadata_with(&f, Some(&stranger), tls13).await.is_err(),
            "another certificate (tls13={tls13})"
        );
    }
    let plain = connect_plain(f.line.socket.clone()).await;
    if let Ok(ch) = plain {
        assert!(provider_client(ch)
            .get_metadata(pb::get_metadata::Request {})
            .await
            .is_err());
    }
    // The refusals did not hurt the server.
    assert!(metadata_with(&f, Some(&f.cert), true).await.is_ok());
}

#[tokio::test]
async fn stop_provider_cancels_in_flight_work_and_keeps_serving() {
    let f = start_tls().await;
    let token = f.server.cancel_token();
    let mut client = f.client().await;
    let resp = tokio::time::timeout(
        Duration::from_secs(2),
        client.stop_provider(pb::stop_provider::Request {}),
    )
    .await
    .expect("StopProvider answers within 2 s")
    .expect("StopProvider")
    .into_inner();
    assert_eq!(resp.error, "");
    assert!(token.is_cancelled(), "in-flight operations see the stop");
    assert!(
        !f.server.cancel_token().is_cancelled(),
        "later operations get a fresh token"
    );
    client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("still serving after StopProvider");
}

#[tokio::test]
async fn health_check_and_controller_shutdown() {
    let f = start_tls().await;
    let ch = connect_tls(
        f.line.socket.clone(),
        f.line.server_cert_der.clone(),
        Some(&f.cert),
        true,
    )
    .await
    .expect("connects");
    let mut health = tonic_health::pb::health_client::HealthClient::new(ch.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health check")
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    let socket = f.running.socket_path.clone();
    GrpcControllerClient::new(ch)
        .shutdown(gpucloud::plugin::proto::plugin::Empty {})
        .await
        .expect("Shutdown");
    tokio::time::timeout(Duration::from_secs(5), f.running.wait())
        .await
        .expect("server exits promptly after Shutdown")
        .expect("clean exit");
    assert!(!socket.exists(), "socket removed on exit");
}

fn msgpack_widget_config(name: &[u8]) -> pb::DynamicValue {
    // {"id": nil, "name": <name>, "size": nil}
    let mut b = vec![0x83, 0xa2, b'i', b'd', 0xc0, 0xa4, b'n', b'a', b'm', b'e'];
    b.extend_from_slice(name);
    b.extend_from_slice(&[0xa4, b's', b'i', b'z', b'e', 0xc0]);
    pb::DynamicValue {
        msgpack: b,
        json: Vec::new(),
    }
}

#[tokio::test]
async fn wire_problems_come_back_as_diagnostics() {
    let f = start_tls().await;
    let mut client = f.client().await;

    // A number where the schema says string: an error pointing at `name`.
    let resp = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "testcloud_widget".into(),
            config: Some(msgpack_widget_config(&[0x05])),
            client_capabilities: None,
        })
        .await
        .expect("RPC succeeds; problems are diagnostics")
        .into_inner();
    let d = &resp.diagnostics[0];
    assert_eq!(d.severity, pb::diagnostic::Severity::Error as i32);
    let step = d.attribute.as_ref().expect("path").steps[0]
        .selector
        .clone();
    assert_eq!(
        step,
        Some(pb::attribute_path::step::Selector::AttributeName(
            "name".into()
        ))
    );

    // A well-formed config decodes.
    let resp = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "testcloud_widget".into(),
            config: Some(msgpack_widget_config(&[0xa1, b'w'])),
            client_capabilities: Some(pb::ClientCapabilities {
                deferral_allowed: false,
                write_only_attributes_allowed: true,
            }),
        })
        .await
        .expect("ValidateResourceConfig")
        .into_inner();
    assert!(
        resp.diagnostics
            .iter()
            .all(|d| d.severity != pb::diagnostic::Severity::Error as i32),
        "{:?}",
        resp.diagnostics
    );

    let resp = client
        .read_resource(pb::read_resource::Request {
            type_name: "testcloud_gadget".into(),
            ..Default::default()
        })
        .await
        .expect("ReadResource")
        .into_inner();
    assert_eq!(resp.diagnostics[0].summary, "Unknown resource type");

    let resp = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "testcloud_widget".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: Vec::new(),
                flatmap: [("id".to_string(), "w-1".to_string())].into(),
            }),
        })
        .await
        .expect("UpgradeResourceState")
        .into_inner();
    assert!(resp.diagnostics[0].detail.contains("flatmap"));

    let resp = client
        .move_resource_state(pb::move_resource_state::Request {
            target_type_name: "testcloud_widget".into(),
            ..Default::default()
        })
        .await
        .expect("MoveResourceState")
        .into_inner();
    assert_eq!(resp.diagnostics[0].summary, "Move not supported");

    let functions = client
        .get_functions(pb::get_functions::Request {})
        .await
        .expect("GetFunctions")
        .into_inner();
    assert!(functions.functions.is_empty());
    let call = client
        .call_function(pb::call_function::Request {
            name: "nope".into(),
            arguments: Vec::new(),
        })
        .await
        .expect("CallFunction")
        .into_inner();
    assert!(call.error.expect("function error").text.contains("nope"));

    let eph = client
        .open_ephemeral_resource(pb::open_ephemeral_resource::Request {
            type_name: "testcloud_token".into(),
            ..Default::default()
        })
        .await
        .expect("OpenEphemeralResource")
        .into_inner();
    assert_eq!(
        eph.diagnostics[0].severity,
        pb::diagnostic::Severity::Error as i32
    );
    let ids = client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .expect("GetResourceIdentitySchemas")
        .into_inner();
    assert!(ids.identity_schemas.is_empty() && ids.diagnostics.is_empty());
}

fn msgpack_lease_config() -> pb::DynamicValue {
    // {"name": "db", "secret": nil}
    let b = vec![
        0x82, 0xa4, b'n', b'a', b'm', b'e', 0xa2, b'd', b'b', 0xa6, b's', b'e', b'c', b'r', b'e',
        b't', 0xc0,
    ];
    pb::DynamicValue {
        msgpack: b,
        json: Vec::new(),
    }
}

#[tokio::test]
async fn ephemeral_resources_open_renew_and_close_over_the_wire() {
    let f = start_tls().await;
    let mut client = f.client().await;
    let meta = client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("GetMetadata")
        .into_inner();
    let names: Vec<_> = meta
        .ephemeral_resources
        .iter()
        .map(|e| e.type_name.as_str())
        .collect();
    assert_eq!(names, ["testcloud_lease"]);
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    let lease = &schema.ephemeral_resource_schemas["testcloud_lease"];
    let secret = lease
        .block
        .as_ref()
        .expect("block")
        .attributes
        .iter()
        .find(|a| a.name == "secret")
        .expect("secret attribute");
    assert!(secret.computed && secret.sensitive);

    let valid = client
        .validate_ephemeral_resource_config(pb::validate_ephemeral_resource_config::Request {
            type_name: "testcloud_lease".into(),
            config: Some(msgpack_lease_config()),
        })
        .await
        .expect("ValidateEphemeralResourceConfig")
        .into_inner();
    assert!(valid.diagnostics.is_empty(), "{:?}", valid.diagnostics);

    let configure = client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(pb::DynamicValue {
                msgpack: vec![
                    0x81, 0xa8, b'e', b'n', b'd', b'p', b'o', b'i', b'n', b't', 0xc0,
                ],
                json: Vec::new(),
            }),
            client_capabilities: None,
        })
        .await
        .expect("ConfigureProvider")
        .into_inner();
    assert!(
        configure.diagnostics.is_empty(),
        "{:?}",
        configure.diagnostics
    );

    let opened = client
        .open_ephemeral_resource(pb::open_ephemeral_resource::Request {
            type_name: "testcloud_lease".into(),
            config: Some(msgpack_lease_config()),
            client_capabilities: None,
        })
        .await
        .expect("OpenEphemeralResource")
        .into_inner();
    assert!(opened.diagnostics.is_empty(), "{:?}", opened.diagnostics);
    let result = opened.result.expect("result");
    let text = String::from_utf8_lossy(&result.msgpack);
    assert!(text.contains("secret-of-db"), "{text}");
    let renew_at = opened.renew_at.expect("renew_at").seconds;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!(
        (renew_at - now - LEASE_SECONDS as i64).abs() <= 5,
        "{renew_at} vs {now}"
    );
    let private = opened.private.expect("private data for renew and close");

    let renewed = client
        .renew_ephemeral_resource(pb::renew_ephemeral_resource::Request {
            type_name: "testcloud_lease".into(),
            private: Some(private),
        })
        .await
        .expect("RenewEphemeralResource")
        .into_inner();
    assert!(renewed.diagnostics.is_empty(), "{:?}", renewed.diagnostics);
    assert!(renewed.renew_at.is_some());

    let closed = client
        .close_ephemeral_resource(pb::close_ephemeral_resource::Request {
            type_name: "testcloud_lease".into(),
            private: renewed.private,
        })
        .await
        .expect("CloseEphemeralResource")
        .into_inner();
    assert_eq!(closed.diagnostics.len(), 1, "{:?}", closed.diagnostics);
    assert_eq!(closed.diagnostics[0].detail, "\"lease-of-db\" renewed=true");
}

#[tokio::test]
async fn debug_mode_serves_plaintext_with_a_reattach_line() {
    let (server, _signals) = test_server();
    let running = gpucloud::plugin::start(server, ServeOptions::debug())
        .await
        .expect("starts");
    let json = running
        .handshake_line
        .strip_prefix("TF_REATTACH_PROVIDERS='")
        .and_then(|s| s.strip_suffix('\''))
        .expect("ready-to-paste line");
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let addr = &v["registry.terraform.io/gpucloud/testcloud"]["Addr"];
    assert_eq!(addr["Network"], "unix");
    let socket = std::path::PathBuf::from(addr["String"].as_str().expect("path"));
    let ch = connect_plain(socket).await.expect("plaintext connection");
    let meta = provider_client(ch)
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("GetMetadata")
        .into_inner();
    assert_eq!(meta.resources.len(), 1);
    running.shutdown_token().cancel();
    tokio::time::timeout(Duration::from_secs(5), running.wait())
        .await
        .expect("stops")
        .expect("clean exit");
}

#[tokio::test]
async fn stop_provider_interrupts_a_waiting_create() {
    use gpucloud::framework::{Type, Value};
    use gpucloud::plugin::codec::encode_dynamic_value;
    let (server, signals) = test_server();
    let cert = terraform_like_cert();
    let running = gpucloud::plugin::start(
        server.clone(),
        ServeOptions::plugin(Handshake {
            client_cert_pem: Some(cert.pem.clone()),
            socket_dir: None,
        }),
    )
    .await
    .expect("server starts");
    let line = parse_handshake(&running.handshake_line);
    let ch = connect_tls(line.socket, line.server_cert_der, Some(&cert), true)
        .await
        .expect("connects");
    let mut client = provider_client(ch);

    let provider_ty = Type::object([("endpoint".to_string(), Type::String)]);
    client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(
                encode_dynamic_value(
                    &Value::Object([("endpoint".to_string(), Value::Null)].into()),
                    &provider_ty,
                )
                .expect("encodes"),
            ),
            ..Default::default()
        })
        .await
        .expect("ConfigureProvider");

    let ty = Type::object([
        ("id".to_string(), Type::String),
        ("name".to_string(), Type::String),
        ("size".to_string(), Type::Number),
    ]);
    let obj = |id: Value| {
        Value::Object(
            [
                ("id".to_string(), id),
                ("name".to_string(), Value::string("w")),
                ("size".to_string(), Value::Null),
            ]
            .into(),
        )
    };
    let request = pb::apply_resource_change::Request {
        type_name: "testcloud_widget".into(),
        prior_state: Some(encode_dynamic_value(&Value::Null, &ty).expect("encodes")),
        planned_state: Some(encode_dynamic_value(&obj(Value::Unknown), &ty).expect("encodes")),
        config: Some(encode_dynamic_value(&obj(Value::Null), &ty).expect("encodes")),
        ..Default::default()
    };
    let mut apply_client = client.clone();
    let apply = tokio::spawn(async move { apply_client.apply_resource_change(request).await });
    // The engine hands the plan to the resource's create, which waits until stopped.
    tokio::time::timeout(Duration::from_secs(5), signals.create_entered.notified())
        .await
        .expect("the create started waiting");

    client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .expect("StopProvider");
    let resp = tokio::time::timeout(Duration::from_secs(2), apply)
        .await
        .expect("the create returns within 2 s of StopProvider")
        .expect("task")
        .expect("ApplyResourceChange")
        .into_inner();
    assert!(
        resp.diagnostics
            .iter()
            .any(|d| d.severity == pb::diagnostic::Severity::Error as i32
                && d.summary.to_lowercase().contains("interrupted")),
        "an interrupted create reports an error: {:?}",
        resp.diagnostics
    );
    client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("still serving");
}

/// The official provider's v0.1.3 state for its volume example (tests/fixtures).
fn official_state() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/shadeform_official/v0.1.3.tfstate");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("state JSON")
}

/// One resource instance of a state file: (provider, schema version, attributes).
fn state_instance(state: &serde_json::Value, ty: &str) -> (String, i64, serde_json::Value) {
    let r = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["type"] == ty)
        .expect("resource in state");
    let i = &r["instances"][0];
    (
        r["provider"].as_str().expect("provider").to_owned(),
        i["schema_version"].as_i64().expect("version"),
        i["attributes"].clone(),
    )
}

#[tokio::test]
async fn moved_blocks_take_over_the_official_providers_v0_1_3_state() {
    use gpucloud::framework::{Type, Value};
    use gpucloud::plugin::codec::{decode_dynamic_value, encode_dynamic_value};
    use serde_json::json;

    // The objects the state describes, live in the emulator.
    let emu = gpucloud::emulator::start(
        gpucloud::emulator::EmulatorConfig {
            step: Duration::from_millis(20),
            ..Default::default()
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("emulator starts");
    let api = format!("{}/shadeform/v1", emu.base_url());
    let http = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{api}{path}"))
            .header("X-API-KEY", "shadeform-test-key")
            .json(&body)
            .send()
    };
    let mut state = official_state();
    let (_, _, mut volume) = state_instance(&state, "shadeform_volume");
    let (_, _, mut instance) = state_instance(&state, "shadeform_instance");
    let vol: serde_json::Value = post("/volumes/create", json!({"cloud": "datacrunch", "region": "helsinki-finland-2", "size_in_gb": 101, "name": "terraform-test-volume"}))
        .await
        .expect("volume")
        .json()
        .await
        .expect("json");
    let inst: serde_json::Value = post("/instances/create", json!({"cloud": "datacrunch", "region": "helsinki-finland-2", "shade_instance_type": "H200", "shade_cloud": true,
        "name": "terraform-test-instance", "volume_ids": [vol["id"]], "ssh_key_id": instance["ssh_key_id"]}))
        .await
        .expect("instance")
        .json()
        .await
        .expect("json");
    volume["id"] = vol["id"].clone();
    volume["mounted_by"] = inst["id"].clone();
    instance["id"] = inst["id"].clone();
    instance["volume_ids"] = json!([vol["id"]]);
    tokio::time::sleep(Duration::from_millis(100)).await;
    state["resources"][0]["instances"][0]["attributes"] = instance;
    state["resources"][1]["instances"][0]["attributes"] = volume;

    let server = Arc::new(ProviderServer::new(
        gpucloud::providers::member("shadeform").expect("member"),
    ));
    let schemas = server.resource_schemas();
    let f = serve_tls(server.clone()).await;
    let mut client = f.client().await;
    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(
        schema
            .server_capabilities
            .expect("caps")
            .move_resource_state
    );
    let provider_ty = server.provider_schema().value_type();
    let mut config = Value::null_object(&provider_ty);
    let obj = config.as_object_mut().expect("object");
    obj.insert("endpoint".into(), Value::string(api.clone()));
    obj.insert("api_key".into(), Value::string("shadeform-test-key"));
    let configured = client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(encode_dynamic_value(&config, &provider_ty).expect("encodes")),
            ..Default::default()
        })
        .await
        .expect("ConfigureProvider")
        .into_inner();
    assert!(
        configured.diagnostics.is_empty(),
        "{:?}",
        configured.diagnostics
    );

    let mv = |ty: &str, provider: &str, version: i64, attrs: &serde_json::Value| {
        pb::move_resource_state::Request {
            source_provider_address: provider.to_owned(),
            source_type_name: ty.to_owned(),
            source_schema_version: version,
            source_state: Some(pb::RawState {
                json: serde_json::to_vec(attrs).expect("json"),
                flatmap: Default::default(),
            }),
            target_type_name: ty.to_owned(),
            ..Default::default()
        }
    };
    let mut moved = std::collections::BTreeMap::new();
    for ty in ["shadeform_volume", "shadeform_instance"] {
        let (provider, version, attrs) = state_instance(&state, ty);
        assert_eq!(
            provider,
            "provider[\"registry.terraform.io/shadeform/shadeform\"]"
        );
        let resp = client
            .move_resource_state(mv(ty, &provider, version, &attrs))
            .await
            .expect("MoveResourceState")
            .into_inner();
        assert!(resp.diagnostics.is_empty(), "{ty}: {:?}", resp.diagnostics);
        let t: Type = schemas[ty].value_type();
        let v = decode_dynamic_value(resp.target_state.as_ref(), &t).expect("target state decodes");
        assert_eq!(
            v.attr("id").and_then(Value::as_str),
            attrs["id"].as_str(),
            "{ty}"
        );
        assert_eq!(
            v.attr("name").and_then(Value::as_str),
            attrs["name"].as_str(),
            "{ty}"
        );
        moved.insert(ty, (t, resp.target_state));
    }

    // The refresh after the move fills what the official provider never stored.
    let mut refresh = |ty: &'static str| {
        let (t, target) = moved.remove(ty).expect("moved");
        let mut client = client.clone();
        async move {
            let read = client
                .read_resource(pb::read_resource::Request {
                    type_name: ty.into(),
                    current_state: target,
                    ..Default::default()
                })
                .await
                .expect("ReadResource")
                .into_inner();
            assert!(read.diagnostics.is_empty(), "{ty}: {:?}", read.diagnostics);
            decode_dynamic_value(read.new_state.as_ref(), &t)
                .expect("decodes")
                .to_json()
        }
    };
    let v = refresh("shadeform_instance").await;
    assert_eq!(v["hourly_price"], 359, "{v}");
    assert_eq!(v["ssh_port"], 22);
    assert_eq!(v["configuration"]["gpu_type"], "H200");
    assert_eq!(v["volume_ids"], json!([vol["id"]]));
    assert_eq!(v["ssh_key_id"], "3b7f5c2e-1d9a-4e8b-b6c4-7a2f0e9d1c35");
    assert_eq!(v["shade_cloud"], true);
    assert_eq!(v["launch_configuration"], serde_json::Value::Null);
    let v = refresh("shadeform_volume").await;
    assert_eq!(v["mounted_by"], inst["id"], "{v}");
    assert!(v["cloud_assigned_id"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));

    // What the provider does not know it refuses, naming the way out.
    let (_, _, attrs) = state_instance(&state, "shadeform_volume");
    for (ty, provider, version, want) in [
        (
            "shadeform_volume",
            "provider[\"registry.terraform.io/hashicorp/aws\"]",
            0,
            "import",
        ),
        (
            "shadeform_volume",
            "registry.terraform.io/shadeform/shadeform",
            1,
            "version 1",
        ),
    ] {
        let resp = client
            .move_resource_state(mv(ty, provider, version, &attrs))
            .await
            .expect("MoveResourceState")
            .into_inner();
        assert!(resp.target_state.is_none());
        let d = &resp.diagnostics[0];
        assert_eq!(d.severity, pb::diagnostic::Severity::Error as i32);
        assert!(d.detail.contains(want), "{}", d.detail);
    }
    emu.shutdown().await;
}
