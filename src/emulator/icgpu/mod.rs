//! The IC GPU platform Dashboard API (`specs/icgpu-platform.openapi.yml`), mounted at `/icgpu`.

use std::sync::Arc;

use axum::Router;

use super::core::{ApiModule, EmulatorConfig, LiveObject, Shared};

pub struct IcGpu {
    #[allow(dead_code)]
    config: EmulatorConfig,
}

impl IcGpu {
    pub fn new(config: &EmulatorConfig) -> Self {
        Self {
            config: config.clone(),
        }
    }
}

impl ApiModule for IcGpu {
    fn name(&self) -> &'static str {
        "icgpu"
    }
    fn mount(&self) -> &'static str {
        "/icgpu"
    }
    fn router(self: Arc<Self>, _shared: Arc<Shared>) -> Router {
        Router::new()
    }
    fn live_objects(&self) -> Vec<LiveObject> {
        Vec::new()
    }
    fn reset(&self) {}
}
