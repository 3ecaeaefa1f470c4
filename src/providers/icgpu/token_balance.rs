//! `data.icgpu_token_balance`: the account's prepaid token balance.

use super::IcGpuClient;
use crate::framework::{Attribute, Ctx, DataSource, Diagnostics, Schema};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub struct TokenBalanceDataSource;

/// `TokenBalance`.
#[derive(Deserialize)]
struct TokenBalance {
    balance: i64,
    updated_at: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TokenBalanceModel {
    pub balance: Option<i64>,
    pub updated_at: Option<String>,
}

#[async_trait]
impl DataSource for TokenBalanceDataSource {
    type Client = IcGpuClient;
    type Model = TokenBalanceModel;

    fn type_name(&self) -> &'static str {
        "token_balance"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The account's prepaid token balance (tokens pay for instances, VMs, deployments \
             and LLM calls). Read on every plan; pair it with `icgpu_spending_alert` to be \
             told before it runs out.",
        )
        .attribute(Attribute::int("balance").output("Tokens left in the account."))
        .attribute(
            Attribute::string("updated_at").output("When the balance last changed (RFC 3339)."),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx<'_, IcGpuClient>,
        _config: TokenBalanceModel,
    ) -> Result<TokenBalanceModel, Diagnostics> {
        let b: TokenBalance = super::api(ctx)?
            .get("/api/v1/tokens/balance")
            .describe("read the token balance")
            .send()
            .await?;
        Ok(TokenBalanceModel {
            balance: Some(b.balance),
            updated_at: b.updated_at,
        })
    }
}
