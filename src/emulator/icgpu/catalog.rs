//! The public catalogues: GPU tiers, model catalogue, VM templates, token packages.
//! Entries follow the spec's examples; listed in a fixed catalogue order.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::{json, Value};

use super::web::{list_response, ApiResult};
use super::App;

pub struct Tier {
    pub tier: &'static str,
    pub description: &'static str,
    pub gpu_model: &'static str,
    pub gpu_memory_gb: i64,
    pub mig_profile: Option<&'static str>,
    pub memory_isolation: &'static str,
    pub price_per_hour_tokens: i64,
    /// Initial capacity; the admin route can change it (0 makes interactive creates fail).
    pub available_count: i64,
}

pub const TIERS: &[Tier] = &[
    Tier {
        tier: "dedicated",
        description: "A full GPU per instance (full isolation).",
        gpu_model: "NVIDIA A100 80GB PCIe",
        gpu_memory_gb: 80,
        mig_profile: None,
        memory_isolation: "full",
        price_per_hour_tokens: 250_000,
        available_count: 3,
    },
    Tier {
        tier: "mig",
        description: "A Multi-Instance GPU slice with hardware memory isolation.",
        gpu_model: "NVIDIA A100 80GB PCIe",
        gpu_memory_gb: 40,
        mig_profile: Some("3g.40gb"),
        memory_isolation: "hardware",
        price_per_hour_tokens: 120_000,
        available_count: 5,
    },
    Tier {
        tier: "timesliced",
        description: "A shared GPU (time-slicing). No memory isolation; GPU memory is zeroed before each workload.",
        gpu_model: "NVIDIA L4",
        gpu_memory_gb: 24,
        mig_profile: None,
        memory_isolation: "none",
        price_per_hour_tokens: 40_000,
        available_count: 8,
    },
];

pub fn tier(name: &str) -> Option<&'static Tier> {
    TIERS.iter().find(|t| t.tier == name)
}

/// Batch instances cost half, rounded down (spec `batch_price_per_hour_tokens`).
pub fn price(tier: &Tier, workload_type: &str) -> i64 {
    if workload_type == "batch" {
        tier.price_per_hour_tokens / 2
    } else {
        tier.price_per_hour_tokens
    }
}

pub struct Template {
    pub id: &'static str,
    pub gpu_model: Option<&'static str>,
    pub default_cpu: i64,
    pub default_memory_gb: i64,
    pub default_disk_gb: i64,
    pub min_disk_gb: i64,
    json: fn() -> Value,
}

pub const TEMPLATES: &[Template] = &[
    Template {
        id: "tpl-ubuntu-gpu",
        gpu_model: Some("NVIDIA A100 80GB PCIe"),
        default_cpu: 8,
        default_memory_gb: 32,
        default_disk_gb: 100,
        min_disk_gb: 40,
        json: || {
            json!({"id": "tpl-ubuntu-gpu", "name": "Ubuntu 24.04 + NVIDIA GPU",
                "description": "Ubuntu 24.04 LTS with NVIDIA driver and CUDA 12.8, one passthrough GPU.",
                "os": "ubuntu-24.04", "gpuModel": "NVIDIA A100 80GB PCIe", "gpuCount": 1,
                "defaultCpu": 8, "defaultMemoryGb": 32, "defaultDiskGb": 100, "minDiskGb": 40})
        },
    },
    Template {
        id: "tpl-ubuntu-cpu",
        gpu_model: None,
        default_cpu: 2,
        default_memory_gb: 4,
        default_disk_gb: 20,
        min_disk_gb: 20,
        json: || {
            json!({"id": "tpl-ubuntu-cpu", "name": "Ubuntu 24.04 (CPU only)",
                "description": "Ubuntu 24.04 LTS without a GPU.", "os": "ubuntu-24.04",
                "gpuModel": null, "gpuCount": 0, "defaultCpu": 2, "defaultMemoryGb": 4,
                "defaultDiskGb": 20, "minDiskGb": 20})
        },
    },
];

pub fn template(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

fn model_catalogue() -> Vec<Value> {
    vec![
        json!({"id": "llama-3.1-8b-instruct", "name": "Llama 3.1 8B Instruct",
            "model": "meta-llama/Llama-3.1-8B-Instruct", "engine": "vllm", "task": "chat",
            "resourceProfile": "nvidia-gpu-dedicated", "contextLength": 8192, "gated": true,
            "description": "Meta Llama 3.1 8B instruction-tuned; needs a Hugging Face token with access to the gated repository."}),
        json!({"id": "qwen2.5-7b-instruct", "name": "Qwen2.5 7B Instruct",
            "model": "Qwen/Qwen2.5-7B-Instruct", "engine": "vllm", "task": "chat",
            "resourceProfile": "nvidia-gpu-mig", "contextLength": 32768, "gated": false,
            "description": "Qwen2.5 7B instruction-tuned chat model."}),
        json!({"id": "bge-large-en-v1.5", "name": "BGE Large EN v1.5",
            "model": "BAAI/bge-large-en-v1.5", "engine": "infinity", "task": "embedding",
            "resourceProfile": "nvidia-gpu-timesliced", "contextLength": 512, "gated": false,
            "description": "English text-embedding model (1024 dimensions)."}),
    ]
}

fn token_packages() -> Vec<Value> {
    vec![
        json!({"id": "pkg-starter", "name": "Starter", "tokens": 1_000_000, "priceUsdCents": 1000, "description": "1M tokens"}),
        json!({"id": "pkg-pro", "name": "Pro", "tokens": 10_000_000, "priceUsdCents": 9000, "description": "10M tokens, 10% discount"}),
        json!({"id": "pkg-enterprise", "name": "Enterprise", "tokens": 100_000_000, "priceUsdCents": 80000, "description": "100M tokens, 20% discount"}),
    ]
}

fn in_order(items: Vec<Value>) -> Vec<(u64, Value)> {
    (0u64..).zip(items).collect()
}

pub async fn list_gpu_tiers(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let items = {
        let store = app.store();
        TIERS
            .iter()
            .map(|t| {
                let count = store.capacity_of(t.tier);
                json!({
                    "tier": t.tier, "description": t.description, "gpu_model": t.gpu_model,
                    "gpu_memory_gb": t.gpu_memory_gb, "mig_profile": t.mig_profile,
                    "memory_isolation": t.memory_isolation,
                    "price_per_hour_tokens": t.price_per_hour_tokens,
                    "batch_price_per_hour_tokens": price(t, "batch"),
                    "available": count > 0, "available_count": count,
                })
            })
            .collect()
    };
    list_response("gpuTiers", "gpuTiers", in_order(items), &q)
}

pub async fn list_model_catalogue(Query(q): Query<HashMap<String, String>>) -> ApiResult {
    list_response(
        "modelCatalogue",
        "modelCatalogue",
        in_order(model_catalogue()),
        &q,
    )
}

pub async fn list_vm_templates(Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let items = TEMPLATES.iter().map(|t| (t.json)()).collect();
    list_response("vmTemplates", "vmTemplates", in_order(items), &q)
}

pub async fn list_token_packages(Query(q): Query<HashMap<String, String>>) -> ApiResult {
    list_response(
        "tokenPackages",
        "tokenPackages",
        in_order(token_packages()),
        &q,
    )
}
