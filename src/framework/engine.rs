//! The engine's RPC bodies (validation, configure, read, plan, apply, import, upgrade, data
//! sources). Placeholder until the engine lands: every method answers with an error.

use super::diag::Diagnostics;
use super::server::*;
use super::value::Value;

fn not_ready() -> Diagnostics {
    Diagnostics::single_error(
        "Not implemented",
        "The framework engine is not implemented yet.",
    )
}

impl ProviderServer {
    pub fn validate_provider_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    pub async fn configure(&self, _req: ConfigureRequest) -> Diagnostics {
        not_ready()
    }
    pub fn validate_resource_config(&self, _req: &ValidateResourceRequest<'_>) -> Diagnostics {
        Diagnostics::new()
    }
    pub fn validate_data_source_config(&self, _type_name: &str, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    pub async fn read_resource(&self, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            diags: not_ready(),
        }
    }
    pub async fn plan_resource_change(&self, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned_state: req.proposed_new_state,
            requires_replace: Vec::new(),
            planned_private: req.prior_private,
            diags: not_ready(),
        }
    }
    pub async fn apply_resource_change(&self, req: ApplyRequest) -> ApplyResponse {
        ApplyResponse {
            new_state: req.prior_state,
            private: req.planned_private,
            diags: not_ready(),
        }
    }
    pub async fn import_resource_state(&self, _req: ImportRequest) -> ImportResponse {
        ImportResponse {
            imported: Vec::new(),
            diags: not_ready(),
        }
    }
    pub fn upgrade_resource_state(&self, _req: UpgradeRequest) -> UpgradeResponse {
        UpgradeResponse {
            upgraded_state: Value::Null,
            diags: not_ready(),
        }
    }
    pub async fn read_data_source(&self, _req: ReadDataRequest) -> ReadDataResponse {
        ReadDataResponse {
            state: Value::Null,
            diags: not_ready(),
        }
    }
}
