//! Seed data for the GPU AI Service: GPU configs and where they are offered, billing plans,
//! the platform template catalogue, orgs/projects and login users.
//!
//! Fixed whatever the seed (the contract's "suggested emulator seed"): org `org-abc123` with
//! projects `prj-abc123` and `prj-def456`; `gpu-h100-80g-20cpu-125g` sold out in `as-south-1`;
//! `gpu-rtx5090-32g-16cpu-96g` in `as-south-1` with 6 GPUs of which 4 are free (2 per runtime);
//! every H200 config in `as-south-1` with 64 free GPUs (plan `gpu-h200-on-demand-1h`); template
//! `tpl-jupyterlab-pytorch`. The seed picks the other capacities and which one region (never
//! `as-south-1`) each config is missing from: 33 configs × 8 regions = 264 inventory items.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

pub const ORGS: [(&str, &[&str]); 2] = [
    ("org-abc123", &["prj-abc123", "prj-def456"]),
    ("org-xyz789", &["prj-xyz789"]),
];
pub const REGIONS: [&str; 9] = [
    "as-east-1",
    "as-south-1",
    "as-south-2",
    "eu-central-1",
    "eu-west-1",
    "me-central-1",
    "us-central-1",
    "us-east-1",
    "us-west-1",
];
/// The region every config is offered in.
pub const HOME_REGION: &str = "as-south-1";
pub const SOLD_OUT_CONFIG: &str = "gpu-h100-80g-20cpu-125g";
pub const RTX5090_CONFIG: &str = "gpu-rtx5090-32g-16cpu-96g";
/// A seeded login (tenant API) and a seeded Personal Access Token.
pub const LOGIN_EMAIL: &str = "demo@neevcloud.test";
pub const LOGIN_PASSWORD: &str = "gpuai-test-password";
pub const SEEDED_PAT: &str = "pat-nc-emulator-0001";

#[derive(Debug, Clone)]
pub struct Plan {
    pub plan_id: String,
    pub name: String,
    pub billing_type: &'static str,
    pub billing_period: &'static str,
    pub price: f64,
}

impl Plan {
    pub fn to_json(&self) -> Value {
        json!({
            "plan_id": self.plan_id,
            "name": self.name,
            "billing_type": self.billing_type,
            "billing_period": self.billing_period,
            "price_per_gpu_per_hour": self.price,
            "currency": "USD",
        })
    }
}

#[derive(Debug, Clone)]
pub struct GpuConfig {
    pub config_id: String,
    pub gpu_model: &'static str,
    pub gpu_vendor: &'static str,
    pub vram_gib: u32,
    pub cpu: u32,
    pub memory_gib: u32,
    pub price: f64,
    pub min_gpu_count: u32,
    /// The most GPUs one runtime may hold.
    pub per_runtime_cap: u32,
    pub plans: Vec<Plan>,
}

/// Capacity of one config in one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub total: u32,
    /// GPUs held by other tenants (not by runtimes of this emulator).
    pub reserved: u32,
}

struct ModelSeed {
    slug: &'static str,
    model: &'static str,
    vendor: &'static str,
    vram: u32,
    price: f64,
    cap: u32,
    shapes: [(u32, u32); 3],
}

#[rustfmt::skip]
const MODELS: [ModelSeed; 11] = [
    ModelSeed { slug: "h100", model: "NVIDIA H100", vendor: "NVIDIA", vram: 80, price: 1.99, cap: 8, shapes: [(20, 125), (40, 250), (80, 500)] },
    ModelSeed { slug: "h200", model: "NVIDIA H200", vendor: "NVIDIA", vram: 141, price: 2.99, cap: 8, shapes: [(16, 128), (32, 256), (64, 512)] },
    ModelSeed { slug: "a100", model: "NVIDIA A100", vendor: "NVIDIA", vram: 80, price: 1.49, cap: 8, shapes: [(12, 96), (24, 192), (48, 384)] },
    ModelSeed { slug: "l40s", model: "NVIDIA L40S", vendor: "NVIDIA", vram: 48, price: 1.19, cap: 4, shapes: [(8, 64), (16, 128), (32, 256)] },
    ModelSeed { slug: "a40", model: "NVIDIA A40", vendor: "NVIDIA", vram: 48, price: 0.79, cap: 4, shapes: [(8, 48), (16, 96), (32, 192)] },
    ModelSeed { slug: "a6000", model: "NVIDIA RTX A6000", vendor: "NVIDIA", vram: 48, price: 0.89, cap: 4, shapes: [(8, 48), (16, 96), (32, 192)] },
    ModelSeed { slug: "rtx5090", model: "NVIDIA GeForce RTX 5090", vendor: "NVIDIA", vram: 32, price: 0.98, cap: 2, shapes: [(16, 96), (32, 192), (8, 48)] },
    ModelSeed { slug: "rtx4090", model: "NVIDIA GeForce RTX 4090", vendor: "NVIDIA", vram: 24, price: 0.69, cap: 2, shapes: [(8, 48), (16, 96), (32, 192)] },
    ModelSeed { slug: "l4", model: "NVIDIA L4", vendor: "NVIDIA", vram: 24, price: 0.49, cap: 4, shapes: [(4, 32), (8, 64), (16, 128)] },
    ModelSeed { slug: "mi300x", model: "AMD Instinct MI300X", vendor: "AMD", vram: 192, price: 2.49, cap: 8, shapes: [(24, 256), (48, 512), (96, 1024)] },
    ModelSeed { slug: "mi250", model: "AMD Instinct MI250", vendor: "AMD", vram: 128, price: 1.29, cap: 8, shapes: [(16, 128), (32, 256), (64, 512)] },
];

fn plans_for(m: &ModelSeed) -> Vec<Plan> {
    let upper = m.slug.to_uppercase();
    vec![
        Plan {
            plan_id: format!("gpu-{}-on-demand-1h", m.slug),
            name: format!("{upper} On-Demand (hourly)"),
            billing_type: "on_demand",
            billing_period: "1h",
            price: m.price,
        },
        Plan {
            plan_id: format!("gpu-{}-reserved-1mo", m.slug),
            name: format!("{upper} Reserved (monthly)"),
            billing_type: "reserved",
            billing_period: "1mo",
            price: (m.price * 70.0).round() / 100.0,
        },
    ]
}

/// Every GPU config, sorted by `config_id`.
pub fn configs() -> Vec<GpuConfig> {
    let mut out: Vec<GpuConfig> = MODELS
        .iter()
        .flat_map(|m| {
            m.shapes.iter().map(move |(cpu, mem)| GpuConfig {
                config_id: format!("gpu-{}-{}g-{cpu}cpu-{mem}g", m.slug, m.vram),
                gpu_model: m.model,
                gpu_vendor: m.vendor,
                vram_gib: m.vram,
                cpu: *cpu,
                memory_gib: *mem,
                price: m.price,
                min_gpu_count: 1,
                per_runtime_cap: m.cap,
                plans: plans_for(m),
            })
        })
        .collect();
    out.sort_by(|a, b| a.config_id.cmp(&b.config_id));
    out
}

/// Where each config is offered and with what capacity, keyed `(config_id, region)`.
pub fn offers(seed: u64, configs: &[GpuConfig]) -> BTreeMap<(String, String), Offer> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6770_7561);
    let others: Vec<&str> = REGIONS
        .iter()
        .copied()
        .filter(|r| *r != HOME_REGION)
        .collect();
    let mut out = BTreeMap::new();
    for c in configs {
        let missing = others[rng.random_range(0..others.len())];
        for region in REGIONS.iter().copied().filter(|r| *r != missing) {
            let offer = if rng.random_bool(0.15) {
                Offer {
                    total: 0,
                    reserved: 0,
                }
            } else {
                let total = rng.random_range(4u32..=64);
                Offer {
                    total,
                    reserved: rng.random_range(0..=total / 4),
                }
            };
            out.insert((c.config_id.clone(), region.to_owned()), offer);
        }
    }
    let home = |id: &str| (id.to_owned(), HOME_REGION.to_owned());
    out.insert(
        home(SOLD_OUT_CONFIG),
        Offer {
            total: 0,
            reserved: 0,
        },
    );
    out.insert(
        home(RTX5090_CONFIG),
        Offer {
            total: 6,
            reserved: 2,
        },
    );
    for c in configs
        .iter()
        .filter(|c| c.config_id.starts_with("gpu-h200-"))
    {
        out.insert(
            home(&c.config_id),
            Offer {
                total: 64,
                reserved: 0,
            },
        );
    }
    out
}

/// The platform template catalogue, sorted by `id`.
pub fn templates() -> Vec<Value> {
    let jupyter_ports = json!([
        {"name": "jupyter", "port": 8888, "protocol": "http"},
        {"name": "ssh", "port": 22, "protocol": "tcp"}
    ]);
    let t =
        |id: &str, name: &str, desc: &str, cat: &str, image: &str, ports: Value, command: Value| {
            json!({
                "id": id, "name": name, "description": desc, "category": cat,
                "templateSpec": {"image": image, "ports": ports, "env": {}, "command": command},
                "ownerOrgId": null,
            })
        };
    let mut out = vec![
        t(
            "tpl-jupyterlab-pytorch",
            "JupyterLab + PyTorch",
            "JupyterLab with PyTorch and CUDA preinstalled.",
            "notebook",
            "neevai/jupyterlab-pytorch:latest",
            jupyter_ports.clone(),
            json!([]),
        ),
        t(
            "tpl-jupyterlab-tensorflow",
            "JupyterLab + TensorFlow",
            "JupyterLab with TensorFlow and CUDA preinstalled.",
            "notebook",
            "neevai/jupyterlab-tensorflow:latest",
            jupyter_ports,
            json!([]),
        ),
        t(
            "tpl-vllm-openai",
            "vLLM OpenAI server",
            "OpenAI-compatible inference server powered by vLLM.",
            "inference",
            "vllm/vllm-openai:latest",
            json!([{"name": "api", "port": 8000, "protocol": "http"}]),
            json!(["--model", "meta-llama/Llama-3.1-8B-Instruct"]),
        ),
        t(
            "tpl-comfyui",
            "ComfyUI",
            "Node-based Stable Diffusion UI.",
            "inference",
            "neevai/comfyui:latest",
            json!([{"name": "ui", "port": 8188, "protocol": "http"}]),
            json!([]),
        ),
        t(
            "tpl-ubuntu-cuda",
            "Ubuntu + CUDA",
            "Plain Ubuntu 22.04 with the CUDA toolkit and SSH.",
            "base",
            "neevai/ubuntu-cuda:12.4",
            json!([{"name": "ssh", "port": 22, "protocol": "tcp"}]),
            json!([]),
        ),
        t(
            "tpl-axolotl-finetune",
            "Axolotl fine-tuning",
            "Axolotl for LLM fine-tuning with JupyterLab.",
            "training",
            "neevai/axolotl:latest",
            json!([{"name": "jupyter", "port": 8888, "protocol": "http"}]),
            json!([]),
        ),
        t(
            "tpl-rocm-pytorch",
            "ROCm + PyTorch",
            "PyTorch on ROCm for AMD Instinct GPUs, with JupyterLab.",
            "notebook",
            "rocm/pytorch:latest",
            json!([{"name": "jupyter", "port": 8888, "protocol": "http"}]),
            json!([]),
        ),
    ];
    out.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_is_large_fixed_where_promised_and_seeded_elsewhere() {
        let cs = configs();
        assert_eq!(cs.len(), 33);
        let a = offers(1, &cs);
        assert_eq!(a.len(), 264, "over 250 items for pagination tests");
        assert!(cs
            .iter()
            .all(|c| a.contains_key(&(c.config_id.clone(), HOME_REGION.into()))));
        for seed in [0, 1, 7] {
            let o = offers(seed, &cs);
            let get = |id: &str| o[&(id.to_owned(), HOME_REGION.to_owned())];
            assert_eq!(get(SOLD_OUT_CONFIG).total, 0);
            assert_eq!(
                get(RTX5090_CONFIG),
                Offer {
                    total: 6,
                    reserved: 2
                }
            );
        }
        assert_eq!(a, offers(1, &cs));
        assert_ne!(a, offers(2, &cs));
        let t = templates();
        assert!(t
            .windows(2)
            .all(|w| w[0]["id"].as_str() < w[1]["id"].as_str()));
        assert!(t.iter().any(|x| x["id"] == "tpl-jupyterlab-pytorch"));
    }
}
