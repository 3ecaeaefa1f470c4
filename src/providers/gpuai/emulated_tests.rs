//! The gpuai CRUD against the in-process emulator, below Terraform: HTTP shapes, waiters,
//! pagination, the failure paths. The Terraform-level checks are in tests/acceptance_gpuai.rs.

use super::{
    airuntime, airuntime_template, airuntime_templates, availability_notification, gpu_config,
    inventory, shared, Config, GpuAi, GpuAiClient,
};
use crate::framework::resource::Notes;
use crate::framework::{ConfigureInfo, Ctx, DataSource, Provider, Resource};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

struct Env {
    emu: crate::emulator::EmulatorHandle,
    client: GpuAiClient,
}

async fn env() -> Env {
    let emu = crate::emulator::start(
        crate::emulator::EmulatorConfig {
            step: Duration::from_millis(40),
            ..Default::default()
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("emulator starts");
    let config: Config = serde_json::from_value(serde_json::json!({
        "endpoint": format!("{}/gpuai/gpu", emu.base_url()),
        "inventory_endpoint": format!("{}/gpuai/inventory", emu.base_url()),
        "token": "gpuai-test-token",
    }))
    .expect("config");
    let client = Provider::configure(
        &GpuAi,
        config,
        &ConfigureInfo {
            terraform_version: "1.11.4".into(),
        },
    )
    .await
    .expect("configure");
    Env { emu, client }
}

fn ctx<'a>(client: &'a GpuAiClient, notes: &'a Notes) -> Ctx<'a, GpuAiClient> {
    Ctx {
        client,
        timeout: Duration::from_secs(30),
        deadline: Instant::now() + Duration::from_secs(30),
        cancel: CancellationToken::new(),
        notes,
    }
}

fn plan(name: &str) -> airuntime::Model {
    airuntime::Model {
        org_id: Some("org-abc123".into()),
        project_id: Some("prj-abc123".into()),
        name: Some(name.into()),
        region: Some("as-south-1".into()),
        plan_id: Some("gpu-h200-on-demand-1h".into()),
        template_id: Some("tpl-jupyterlab-pytorch".into()),
        gpu_count: Some(1),
        ..Default::default()
    }
}

fn count(e: &Env, op: &str) -> u64 {
    e.emu.shared().ledger.count("gpuai", op)
}

#[tokio::test]
async fn runtime_create_read_delete() {
    let e = env().await;
    let notes = Notes::default();
    let c = ctx(&e.client, &notes);
    let st = airuntime::AiRuntimeResource
        .create(&c, plan("emu-a"))
        .await
        .unwrap_or_else(|f| panic!("create: {:?}", f.diags));
    assert_eq!(st.status.as_deref(), Some("Running"));
    assert_eq!(
        st.gpu_config_id.as_deref(),
        Some("gpu-h200-141g-16cpu-128g")
    );
    assert!(st
        .endpoints
        .as_ref()
        .and_then(|e| e.jupyter_url.as_ref())
        .is_some());
    assert_eq!(st.template_spec, None);
    assert_eq!(st.storage, None);
    let again = airuntime::AiRuntimeResource
        .read(&c, st.clone())
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(again, st, "read after create changes nothing");

    // Import: the bare identity reads back to the same state.
    let ident: airuntime::Model = serde_json::from_value(
        Resource::import_form(&airuntime::AiRuntimeResource)
            .parse(
                "gpuai_airuntime",
                &format!(
                    "org-abc123/prj-abc123/{}",
                    st.id.as_deref().unwrap_or_default()
                ),
            )
            .expect("import id"),
    )
    .expect("model");
    // An import starts with no private state.
    let import_notes = Notes::default();
    let imported = airuntime::AiRuntimeResource
        .read(&ctx(&e.client, &import_notes), ident)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(imported, st);

    airuntime::AiRuntimeResource
        .delete(&c, st.clone())
        .await
        .expect("delete");
    assert!(airuntime::AiRuntimeResource
        .read(&c, st)
        .await
        .expect("read")
        .is_none());
    assert_eq!(count(&e, "createAIRuntime"), 1);
    assert!(e.emu.live_objects().iter().all(|o| o.kind != "airuntime"));
}

#[tokio::test]
async fn inline_spec_round_trips() {
    let e = env().await;
    let notes = Notes::default();
    let c = ctx(&e.client, &notes);
    let mut p = plan("emu-spec");
    p.template_id = None;
    p.template_spec = Some(shared::TemplateSpecModel {
        image: Some("vllm/vllm-openai:latest".into()),
        ports: Some(vec![shared::PortModel {
            name: Some("api".into()),
            port: Some(8000),
            protocol: None,
        }]),
        env: Some([("HF_HOME".to_string(), "/workspace/hf".to_string())].into()),
        command: None,
    });
    p.storage = Some(airuntime::StorageModel {
        size_gb: Some(200),
        mount_path: None,
    });
    let st = airuntime::AiRuntimeResource
        .create(&c, p.clone())
        .await
        .unwrap_or_else(|f| panic!("create: {:?}", f.diags));
    assert_eq!(st.template_spec, p.template_spec, "spec kept as configured");
    assert_eq!(st.storage, p.storage);
    let http = st.endpoints.and_then(|e| e.http).unwrap_or_default();
    assert_eq!(http.first().and_then(|h| h.name.as_deref()), Some("api"));
}

#[tokio::test]
async fn failed_runtime_returns_partial_state() {
    let e = env().await;
    reqwest::Client::new()
        .post(format!("{}/_admin/gpuai/fail-next", e.emu.base_url()))
        .json(&serde_json::json!({"message": "image pull failed"}))
        .send()
        .await
        .expect("admin");
    let notes = Notes::default();
    let c = ctx(&e.client, &notes);
    let Err(f) = airuntime::AiRuntimeResource
        .create(&c, plan("emu-fail"))
        .await
    else {
        panic!("create should fail");
    };
    let partial = f
        .partial
        .expect("partial state so the runtime is tainted, not orphaned");
    assert_eq!(partial.status.as_deref(), Some("Failed"));
    assert!(partial.id.is_some());
    let d = f.diags.iter().next().expect("diag");
    assert!(d.detail.contains("image pull failed"), "{}", d.detail);
}

#[tokio::test]
async fn notification_create_duplicate_read_forget() {
    let e = env().await;
    let notes = Notes::default();
    let c = ctx(&e.client, &notes);
    let p = availability_notification::Model {
        region_id: Some("as-south-1".into()),
        config_id: Some("gpu-h100-80g-20cpu-125g".into()),
        ..Default::default()
    };
    let r = availability_notification::AvailabilityNotificationResource;
    let st = r
        .create(&c, p.clone())
        .await
        .unwrap_or_else(|f| panic!("{:?}", f.diags));
    assert_eq!(st.status.as_deref(), Some("pending"));
    let Err(dup) = r.create(&c, p).await else {
        panic!("duplicate accepted")
    };
    let d = dup.diags.iter().next().expect("diag");
    assert!(d.summary.contains("already registered"), "{}", d.summary);
    assert_eq!(
        r.read(&c, st.clone()).await.expect("read"),
        Some(st.clone())
    );
    let calls = e.emu.shared().ledger.counts().values().sum::<u64>();
    r.delete(&c, st).await.expect("delete");
    assert_eq!(
        e.emu.shared().ledger.counts().values().sum::<u64>(),
        calls,
        "destroy makes no API call"
    );
    let warnings = notes.warnings.lock().expect("lock").clone();
    assert!(warnings
        .iter()
        .any(|w| w.detail.contains("no API to cancel")));
}

#[tokio::test]
async fn data_sources_read_the_seed() {
    let e = env().await;
    let notes = Notes::default();
    let c = ctx(&e.client, &notes);
    let all = inventory::InventoryDataSource
        .read(&c, inventory::Model::default())
        .await
        .expect("inventory");
    assert_eq!(all.items.as_ref().map(Vec::len), Some(264));
    assert_eq!(count(&e, "listInventory"), 3, "three pages of 100");
    let filtered = inventory::InventoryDataSource
        .read(
            &c,
            inventory::Model {
                region: Some("as-south-1".into()),
                vram_min: Some(100),
                vram_max: Some(150),
                ..Default::default()
            },
        )
        .await
        .expect("inventory");
    let items = filtered.items.unwrap_or_default();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|i| i.region.as_deref() == Some("as-south-1")
            && i.vram_gib.is_some_and(|v| (100.0..=150.0).contains(&v))));

    let cfg = gpu_config::GpuConfigDataSource
        .read(
            &c,
            gpu_config::Model {
                config_id: Some("gpu-rtx5090-32g-16cpu-96g".into()),
                ..Default::default()
            },
        )
        .await
        .expect("gpu config");
    assert_eq!(cfg.gpu_model.as_deref(), Some("NVIDIA GeForce RTX 5090"));
    assert!(cfg
        .regions
        .as_ref()
        .is_some_and(|r| r.iter().any(|r| r == "as-south-1")));
    assert_eq!(cfg.plans.map(|p| p.len()), Some(2));

    let list = airuntime_templates::AiRuntimeTemplatesDataSource
        .read(&c, Default::default())
        .await
        .expect("templates");
    assert_eq!(list.items.map(|i| i.len()), Some(7));
    let one = airuntime_template::AiRuntimeTemplateDataSource
        .read(
            &c,
            airuntime_template::TemplateModel {
                id: Some("tpl-jupyterlab-pytorch".into()),
                ..Default::default()
            },
        )
        .await
        .expect("template");
    assert_eq!(
        one.template_spec.and_then(|s| s.image).as_deref(),
        Some("neevai/jupyterlab-pytorch:latest")
    );
}
